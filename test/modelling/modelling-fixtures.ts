import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types';
import { KlineImportService } from '../../src/market-data/archive/kline-import.service';
import { type ModelCandle, parseKlineCsv } from '../../src/modelling/core';
import type { ModelMetrics } from '../../src/modelling/model-documents';
import type { TestApp } from '../support/test-app';

/** Real Binance BTCUSDT 1h klines, shared by the workspace (never copied into the repository; see its SOURCES.md). */
export const BTCUSDT_1H_CSV = resolve(__dirname, '../../../shared/data/binance/BTCUSDT-1h.csv');
export const HOUR_MS = 3_600_000;

let csvText: string | undefined;

/** Candles of the shared file with open_time in [from, to] (the same numbers the API reads back from the database). */
export function realCandles(from: number, to: number): ModelCandle[] {
  csvText ??= readFileSync(BTCUSDT_1H_CSV, 'utf8');
  return parseKlineCsv(csvText, { fromOpenTime: from, toOpenTime: to });
}

/** Imports the shared file's rows with open_time in [from, to] through the app's own archive importer. */
export async function importRealCandles(t: TestApp, from: number, to: number): Promise<number> {
  csvText ??= readFileSync(BTCUSDT_1H_CSV, 'utf8');
  const lines = csvText.split('\n');
  const kept = lines.slice(1).filter((line) => {
    const openTime = Number(line.slice(0, line.indexOf(',')));
    return line !== '' && openTime >= from && openTime <= to;
  });
  const dir = mkdtempSync(join(tmpdir(), 'opa-model-klines-'));
  try {
    const path = join(dir, 'BTCUSDT-1h-subset.csv');
    writeFileSync(path, `${lines[0]}\n${kept.join('\n')}\n`);
    const result = await t.app.get(KlineImportService).importFile({ name: 'BTCUSDT-1h-subset.csv', path }, { symbol: 'BTCUSDT', interval: '1h' });
    if (result.status !== 'imported') throw new Error(`import failed: ${JSON.stringify(result.errors)}`);
    return result.klines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ModelBody {
  id: number;
  status: string;
  progress: number;
  stage: string | null;
  active: boolean;
  error: string | null;
  params: Record<string, unknown>;
  metrics: ModelMetrics | null;
  model: { encoding: string; bytes: number; sha256: string } | null;
  [key: string]: unknown;
}

/** POST /api/models; returns the new id (after checking the 202 {id, status: 'queued'} answer). */
export async function submitModel(http: App, body: object): Promise<number> {
  const response = await request(http).post('/api/models').send(body).expect(202);
  const created = response.body as { id: number; status: string };
  if (created.status !== 'queued' || !Number.isInteger(created.id)) throw new Error(`unexpected 202 body ${JSON.stringify(created)}`);
  return created.id;
}

/** Polls GET /api/models/:id until the model is ready or failed; returns it and every status seen. */
export async function waitForModel(http: App, id: number, timeoutMs = 90_000): Promise<{ model: ModelBody; statuses: string[] }> {
  const statuses: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request(http).get(`/api/models/${id}`).expect(200);
    const model = response.body as ModelBody;
    if (statuses[statuses.length - 1] !== model.status) statuses.push(model.status);
    if (model.status === 'ready' || model.status === 'failed') return { model, statuses };
    if (Date.now() > deadline) throw new Error(`model ${id} still ${model.status} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
