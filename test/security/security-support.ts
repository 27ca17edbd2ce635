import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { BTCUSDT_1H_CSV, readSharedCsv } from '../support/shared-data';

export interface ListeningApp {
  t: TestApp;
  /** http://127.0.0.1:<port>: the app's own origin as a browser on this machine sees it. */
  origin: string;
  port: number;
}

/** The real app on SQLite, listening on a real port, so that requests can carry any Host header. */
export async function startListeningApp(environment: Record<string, string | undefined> = {}): Promise<ListeningApp> {
  const t = await startTestApp(environment);
  await t.app.listen(0, '127.0.0.1');
  const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
  return { t, origin: `http://127.0.0.1:${port}`, port };
}

/** A day of the real BTCUSDT 1h archive as an upload: importing it would store 24 candles. */
export function oneDayOfCandles(): Buffer {
  const { header, lines } = readSharedCsv(BTCUSDT_1H_CSV);
  return Buffer.from([header, ...lines.slice(0, 24)].join('\n') + '\n');
}

export const TRAINING_FORM = 'symbol=BTCUSDT&interval=1h&start=2023-01-01T00:00:00Z&end=2023-02-28T23:00:00Z';
export const BACKFILL_FORM = 'symbol=BTCUSDT&interval=1h&start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z';

export interface AppState {
  killed: boolean;
  models: number;
  backfillJobs: number;
  storedPairs: number;
}

/** What the refused requests would have changed, read back through the API. */
export async function appState(origin: string): Promise<AppState> {
  const get = async (path: string) => (await request(origin).get(path).expect(200)).body as unknown;
  const status = (await get('/api/trading/status')) as { killed: boolean };
  return {
    killed: status.killed,
    models: ((await get('/api/models')) as unknown[]).length,
    backfillJobs: ((await get('/api/ingestion/jobs')) as unknown[]).length,
    storedPairs: ((await get('/api/symbols')) as unknown[]).length,
  };
}

export const UNTOUCHED: AppState = { killed: false, models: 0, backfillJobs: 0, storedPairs: 0 };

/** The first field error of the project's error shape. */
export function firstError(body: unknown): { field: string; rule: string; message: string } {
  return (body as { errors: { field: string; rule: string; message: string }[] }).errors[0];
}
