import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import type { App } from 'supertest/types';
import { type FakeCandle, readCandlesCsv } from '../fake-binance/fake-binance-server';
import { BTCUSDT_1H_CSV } from '../support/shared-data';

// The shared archive, resolved from the repository (or OPA_SHARED_DATA): never a path of one machine.
export { BTCUSDT_1H_CSV };
export const API_KEY = 'ingestion-test-key-0123456789';

/** Settings every ingestion test app shares: fast retries, short timeouts, no schedule unless asked for. */
export function ingestionEnvironment(baseUrl: string, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    API_KEY,
    BINANCE_BASE_URL: baseUrl,
    SYMBOLS: 'BTCUSDT',
    INTERVALS: '1h',
    INGESTION_ENABLED: 'false',
    INGESTION_POLL_MS: '100',
    BINANCE_REQUEST_TIMEOUT_MS: '1500',
    BINANCE_RETRY_ATTEMPTS: '10',
    BINANCE_RETRY_BASE_DELAY_MS: '20',
    BINANCE_RETRY_MAX_DELAY_MS: '200',
    ...extra,
  };
}

export interface JobBody {
  id: string;
  state: 'queued' | 'running' | 'completed' | 'failed';
  done: number;
  expected: number;
  cursor: number | null;
  errors: { kind: string; message: string }[];
  error_count: number;
  failure: string | null;
}

export async function startBackfill(http: App, body: Record<string, string | number>): Promise<string> {
  const response = await request(http).post('/api/ingestion/backfill').set('x-api-key', API_KEY).send(body).expect(202);
  return (response.body as { id: string }).id;
}

export async function getJob(http: App, id: string): Promise<JobBody> {
  return (await request(http).get(`/api/ingestion/jobs/${id}`).expect(200)).body as JobBody;
}

/** Polls the job until `done(job)` holds, failing after `timeoutMs`. */
export async function waitForJob(http: App, id: string, until: (job: JobBody) => boolean = finished, timeoutMs = 120_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(http, id);
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there in time: ${JSON.stringify({ ...job, errors: job.errors.slice(0, 5) })}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const finished = (job: JobBody): boolean => job.state === 'completed' || job.state === 'failed';

export interface StoredRow {
  open_time: number;
  close_time: number;
  fields: string[];
}

/** Every stored kline of a pair, oldest first, read straight from MySQL. */
export async function storedKlines(databaseUrl: string, symbol: string, interval: string): Promise<StoredRow[]> {
  const connection = await createConnection({ uri: databaseUrl, supportBigNumbers: true, bigNumberStrings: false, decimalNumbers: false });
  try {
    const [rows] = await connection.query(
      'SELECT open_time, close_time, open_price, high_price, low_price, close_price, volume, quote_asset_volume,' +
        ' number_of_trades, taker_buy_base_volume, taker_buy_quote_volume FROM klines WHERE symbol = ? AND `interval` = ? ORDER BY open_time',
      [symbol, interval],
    );
    return (rows as Record<string, string | number>[]).map((row) => ({
      open_time: Number(row.open_time),
      close_time: Number(row.close_time),
      fields: [
        String(row.open_price), String(row.high_price), String(row.low_price), String(row.close_price), String(row.volume),
        String(row.quote_asset_volume), String(row.number_of_trades), String(row.taker_buy_base_volume), String(row.taker_buy_quote_volume),
      ],
    }));
  } finally {
    await connection.end();
  }
}

/** Duplicate (symbol, interval, open_time) rows: the primary key forbids them, counted anyway. */
export async function duplicateCount(databaseUrl: string): Promise<number> {
  const connection = await createConnection(databaseUrl);
  try {
    const [rows] = await connection.query(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM klines GROUP BY symbol, `interval`, open_time HAVING COUNT(*) > 1) AS d',
    );
    return Number((rows as { n: number | string }[])[0].n);
  } finally {
    await connection.end();
  }
}

export function eightDecimals(value: string): string {
  const [integer, fraction = ''] = value.split('.');
  return `${integer.replace(/^0+(?=\d)/, '')}.${fraction.padEnd(8, '0')}`;
}

export function expectedFields(candle: FakeCandle): string[] {
  return [
    candle.open, candle.high, candle.low, candle.close, candle.volume, candle.quoteAssetVolume, String(candle.numberOfTrades),
    candle.takerBuyBaseVolume, candle.takerBuyQuoteVolume,
  ].map((value, index) => (index === 6 ? value : eightDecimals(value)));
}

/** Compares stored rows with source candles field for field; returns the first differences (empty = identical). */
export function differences(stored: StoredRow[], candles: FakeCandle[], max = 5): string[] {
  const problems: string[] = [];
  if (stored.length !== candles.length) problems.push(`stored ${stored.length} rows, source has ${candles.length}`);
  const byOpen = new Map(stored.map((row) => [row.open_time, row]));
  for (const candle of candles) {
    if (problems.length >= max) break;
    const row = byOpen.get(candle.openTime);
    if (!row) {
      problems.push(`missing ${new Date(candle.openTime).toISOString()}`);
      continue;
    }
    const want = expectedFields(candle);
    if (row.close_time !== candle.closeTime || want.some((value, index) => value !== row.fields[index])) {
      problems.push(`differs at ${new Date(candle.openTime).toISOString()}: ${JSON.stringify(row)} vs ${JSON.stringify(want)}`);
    }
  }
  return problems;
}

let cachedCsv: Promise<FakeCandle[]> | null = null;
export function btcusdt1h(): Promise<FakeCandle[]> {
  cachedCsv ??= readCandlesCsv(BTCUSDT_1H_CSV);
  return cachedCsv;
}
