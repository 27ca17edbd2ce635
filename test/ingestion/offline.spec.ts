import { Logger, type LoggerService } from '@nestjs/common';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { type FakeBinance, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { BTCUSDT_1H_CSV } from './ingestion-support';

/** WARN and ERROR lines of every Logger in the app, with their context. */
class ProblemLog implements LoggerService {
  readonly lines: string[] = [];
  readonly infos: string[] = [];
  log(message: unknown, context?: unknown): void {
    this.infos.push(`${String(context)}: ${String(message)}`);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.lines.push(`ERROR ${String(rest[rest.length - 1])}: ${String(message)}`);
  }
  warn(message: unknown, context?: unknown): void {
    this.lines.push(`WARN ${String(context)}: ${String(message)}`);
  }
  debug(): void {}
  verbose(): void {}
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface IngestionStatus {
  sync_runs: number;
  last_sync: { error?: string } | null;
  binance: { reachable: boolean; unreachable_since: string | null; reason: string | null; failed_tries: number; next_try_at: string | null; hint: string | null };
}

/**
 * Offline start (issue "the first hour of a new user"): with Binance unreachable the scheduled sync says so once,
 * backs off instead of retrying every tick, shows it in the status, the health check (degraded, not down) and says what
 * to do; when Binance answers again it says so once and syncs.
 */
describe('scheduled sync while Binance is unreachable (SQLite)', () => {
  let t: TestApp;
  let fake: FakeBinance | undefined;
  let port: number;
  const logs = new ProblemLog();

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({
      BINANCE_BASE_URL: `http://127.0.0.1:${port}`,
      SYMBOLS: 'BTCUSDT',
      INTERVALS: '1h',
      INGESTION_ENABLED: 'true',
      INGESTION_CRON: '* * * * * *',
      INGESTION_POLL_MS: '100',
      INGESTION_SYNC_INITIAL_CANDLES: '24',
      INGESTION_SYNC_REPAIR_CANDLES: '0',
      INGESTION_UNREACHABLE_BACKOFF_MS: '1500',
      INGESTION_UNREACHABLE_BACKOFF_MAX_MS: '3000',
      BINANCE_RETRY_BASE_DELAY_MS: '20',
      BINANCE_RETRY_MAX_DELAY_MS: '200',
      BINANCE_REQUEST_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'verbose',
    });
    Logger.overrideLogger(logs);
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  async function status(): Promise<IngestionStatus> {
    return (await request(t.http).get('/api/ingestion/status').expect(200)).body as IngestionStatus;
  }

  it('says it once, backs off, and reports it in the status and the health check as degraded', async () => {
    // 8 s of a sync scheduled every second, with nothing listening on Binance's port (connection refused).
    await sleep(8_000);
    const ingestionProblems = logs.lines.filter((line) => /Ingestion|BinanceSource|SymbolCatalog/.test(line));
    expect(ingestionProblems).toHaveLength(1);
    expect(ingestionProblems[0]).toMatch(/^WARN IngestionSyncService: Binance unreachable \(.*ECONNREFUSED.*\): scheduled sync paused, next try at .*INGESTION_ENABLED=false/);

    const offline = await status();
    expect(offline.binance).toMatchObject({ reachable: false, hint: expect.stringContaining('npm run import:klines') as unknown });
    expect(offline.binance.reason).toMatch(/ECONNREFUSED/);
    expect(Date.parse(offline.binance.next_try_at ?? '')).toBeGreaterThan(Date.parse(offline.binance.unreachable_since ?? ''));
    // Every run was one quiet try, and back-off (1.5 s, 3 s, 3 s …) kept them well below the 8 ticks.
    expect(offline.binance.failed_tries).toBeGreaterThanOrEqual(2);
    expect(offline.sync_runs).toBe(offline.binance.failed_tries);
    expect(offline.sync_runs).toBeLessThanOrEqual(5);
    expect(offline.last_sync?.error).toMatch(/^Binance unreachable: /);

    const health = await request(t.http).get('/health').expect(200);
    expect((health.body as { details: Record<string, unknown> }).details.ingestion).toMatchObject({ status: 'degraded', binance: 'unreachable' });
  }, 30_000);

  it('when Binance answers again it says so once and stores the candles', async () => {
    const infosBefore = logs.infos.length;
    const problemsBefore = logs.lines.length;
    fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }], now: () => Date.UTC(2024, 5, 1, 12, 30), port });
    let back = await status();
    for (let attempt = 0; attempt < 100 && !(back.binance.reachable && back.last_sync !== null && back.last_sync.error === undefined); attempt++) {
      await sleep(100);
      back = await status();
    }
    expect(back.binance).toEqual({ reachable: true, unreachable_since: null, reason: null, failed_tries: 0, next_try_at: null, hint: null });
    expect(logs.infos.slice(infosBefore).filter((line) => /Binance answers again/.test(line))).toHaveLength(1);
    expect(logs.lines.slice(problemsBefore)).toEqual([]);
    const coverage = await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200);
    expect((coverage.body as { count: number }).count).toBe(24);
    const health = await request(t.http).get('/health').expect(200);
    expect((health.body as { details: Record<string, unknown> }).details.ingestion).toMatchObject({ status: 'up', binance: 'reachable' });
  }, 30_000);
});
