import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { BacktestMetrics } from '../../src/backtest/backtest-documents';
import type { TradeRow } from '../../src/backtest/backtest-store';
import { KlineImportService } from '../../src/market-data/archive/kline-import.service';
import { BTCUSDT_1H_CSV } from '../support/shared-data';
import type { TestApp } from '../support/test-app';

export const API_KEY = 'backtest-api-key-0123456789';

export type Metrics = BacktestMetrics;
export type { TradeRow };

export interface BacktestBody {
  id: number;
  status: string;
  stage: string | null;
  model_id: number;
  symbol: string;
  interval: string;
  start: number;
  end: number;
  fee_rate: number;
  slippage_bps: number;
  initial_capital: number;
  strategy: Record<string, unknown>;
  metrics: Metrics | null;
  baselines: { buy_and_hold: Metrics; always_flat: Metrics; momentum: Metrics } | null;
  summary: {
    candles: number;
    predictions: number;
    candles_without_prediction: number;
    predictions_written: number;
    overlaps_training: boolean;
    model_training_range: { start: number; end: number };
  } | null;
  error: string | null;
  attempts: number;
}

export interface EquityPoint {
  time: number;
  time_parsed: string;
  equity: number;
  buy_and_hold_equity: number;
  drawdown: number;
}

/** Polls GET /api/backtests/:id until completed or failed; returns it and every status seen. */
export async function waitForBacktest(http: App, id: number, timeoutMs = 90_000): Promise<{ backtest: BacktestBody; statuses: string[] }> {
  const statuses: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const backtest = (await request(http).get(`/api/backtests/${id}`).expect(200)).body as BacktestBody;
    if (statuses[statuses.length - 1] !== backtest.status) statuses.push(backtest.status);
    if (backtest.status === 'completed' || backtest.status === 'failed') return { backtest, statuses };
    if (Date.now() > deadline) throw new Error(`backtest ${id} still ${backtest.status} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Follows `next` through a paged sub-resource; returns every row and the number of pages. */
export async function readAllPages<T>(http: App, path: string, limit: number): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await request(http)
      .get(path)
      .query({ limit, ...(cursor === null ? {} : { cursor }) })
      .expect(200);
    const body = response.body as { data: T[]; next: string | null };
    expect(body.data.length).toBeLessThanOrEqual(limit);
    rows.push(...body.data);
    cursor = body.next;
    pages++;
  } while (cursor !== null);
  return { rows, pages };
}

/**
 * Imports the shared BTCUSDT 1h rows with open_time in [from, to] through the app's archive importer. Unlike
 * modelling-fixtures' importRealCandles it finds the file through OPA_SHARED_DATA, so it also works from dist/.
 */
export async function importSharedCandles(t: TestApp, from: number, to: number): Promise<number> {
  const [header, ...lines] = readFileSync(BTCUSDT_1H_CSV, 'utf8').trimEnd().split('\n');
  const kept = lines.filter((line) => {
    const openTime = Number(line.slice(0, line.indexOf(',')));
    return openTime >= from && openTime <= to;
  });
  const dir = mkdtempSync(join(tmpdir(), 'opa-backtest-klines-'));
  try {
    const path = join(dir, 'BTCUSDT-1h-subset.csv');
    writeFileSync(path, `${header}\n${kept.join('\n')}\n`);
    const result = await t.app.get(KlineImportService).importFile({ name: 'BTCUSDT-1h-subset.csv', path }, { symbol: 'BTCUSDT', interval: '1h' });
    if (result.status !== 'imported') throw new Error(`import failed: ${JSON.stringify(result.errors)}`);
    return result.klines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
