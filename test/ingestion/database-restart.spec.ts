import { type FakeCandle, generateCandles, startFakeBinance } from '../fake-binance/fake-binance-server';
import { ThrowawayMariaDb } from '../support/throwaway-mariadb';
import { type AppProcess, exited, postBackfill, startAppProcess, waitFor, writeRegisterHook } from './app-process';
import { BTCUSDT_1H_CSV, btcusdt1h, differences, duplicateCount, finished, ingestionEnvironment, storedKlines } from './ingestion-support';

const MINUTE = 60_000;

/**
 * Fault drill "MySQL restarted mid-run". The app runs as a process of its own (so an unhandled rejection would end
 * it) on a MariaDB server of the test's own, which is stopped (SIGTERM, a clean shutdown, and SIGKILL, a crash) in the
 * middle of the work and started again on the same datadir and port. The shared server on 3306 is not touched.
 */
describe('MySQL restarted mid-run: the job ends complete, nothing missing or duplicated, the app stays up', () => {
  let database: ThrowawayMariaDb;
  let register: { path: string; remove: () => void };
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    database = await ThrowawayMariaDb.start();
    register = writeRegisterHook();
  });
  afterAll(async () => {
    for (const app of apps) {
      if (app.child.exitCode === null && app.child.signalCode === null) {
        app.child.kill('SIGTERM');
        await exited(app.child);
      }
    }
    await database?.destroy();
    register?.remove();
  });

  /** Stops the server, keeps it down long enough for the app to notice and retry, then starts it again. */
  async function restartDatabase(signal: 'SIGTERM' | 'SIGKILL', downMs = 1_500): Promise<void> {
    await database.down(signal);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await database.up();
  }

  function expectHealthy(app: AppProcess): void {
    expect(app.child.exitCode).toBeNull();
    expect(app.child.signalCode).toBeNull();
    expect(app.output()).not.toMatch(/unhandled|uncaught/i);
  }

  it('backfill: its connections killed, then a SIGTERM and a SIGKILL restart during one job; it resumes and completes', async () => {
    const candles = await btcusdt1h();
    // Slow pages (40 ms each) so both restarts land mid-run.
    const fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }], latencyMs: 40 });
    try {
      const databaseName = 'opa_drill_backfill';
      const databaseUrl = await database.freshDatabase(databaseName);
      const app = await startAppProcess(register.path, ingestionEnvironment(fake.url, databaseUrl));
      apps.push(app);
      const id = await postBackfill(app, { symbol: 'BTCUSDT', interval: '1h', start: '2017-01-01T00:00:00Z' });

      // The server stays up but drops the app's connections (the ingestion lock's too): a failure recorded now would stick.
      expect((await waitFor(app, id, (job) => job.done >= 10_000 || finished(job))).state).toBe('running');
      expect(await database.killConnections(databaseName)).toBeGreaterThan(0);
      expect((await waitFor(app, id, (job) => job.done >= 25_000 || finished(job))).state).toBe('running');
      await restartDatabase('SIGTERM');
      expect((await waitFor(app, id, (job) => job.done >= 42_000 || finished(job))).state).toBe('running');
      await restartDatabase('SIGKILL');

      const job = await waitFor(app, id, finished);
      expect(job).toMatchObject({ state: 'completed', failure: null, done: candles.length, expected: candles.length });
      // Each loss took the ingestion lock's connection with it; the lock was taken back each time (1 + 3 times). Both
      // restarts failed a page on the job, which resumed from its committed cursor (the KILL may only hit idle connections).
      expect(app.output().match(/This instance holds the ingestion lock/g)?.length).toBeGreaterThanOrEqual(4);
      expect(job.errors.filter((error) => error.kind === 'database').length).toBeGreaterThanOrEqual(2);
      expect(differences(await storedKlines(databaseUrl, 'BTCUSDT', '1h'), candles)).toEqual([]);
      expect(await duplicateCount(databaseUrl)).toBe(0);
      expect(app.output()).toMatch(/database unavailable/);
      expectHealthy(app);
    } finally {
      await fake.close();
    }
  });

  it('scheduled sync: the database restarts while a sync is storing; every run ends with 0 failed pairs, no candle lost', async () => {
    // A fake minute lasts one real second, so every every-second cron tick finds one new closed 1m candle per pair.
    const symbols = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'];
    const base = Date.UTC(2024, 2, 1);
    const startedAt = Date.now();
    const clock = (): number => base + Math.floor((Date.now() - startedAt) * 60);
    const source = new Map<string, FakeCandle[]>(
      symbols.map((symbol, index) => [symbol, generateCandles({ symbol, interval: '1m', start: base - 1_500 * MINUTE, count: 1_500 + 240, seed: 11 + index })]),
    );
    const fake = await startFakeBinance({
      markets: symbols.map((symbol) => ({ symbol, interval: '1m', candles: source.get(symbol) })),
      now: clock,
      // Each klines answer takes 150 ms, so a run spends most of its time between fetching and storing.
      latencyMs: 150,
    });
    try {
      const databaseUrl = await database.freshDatabase('opa_drill_sync');
      const app = await startAppProcess(
        register.path,
        ingestionEnvironment(fake.url, databaseUrl, {
          SYMBOLS: symbols.join(','),
          INTERVALS: '1m',
          INGESTION_ENABLED: 'true',
          INGESTION_CRON: '* * * * * *',
        }),
      );
      apps.push(app);
      const syncLines = (): string[] => app.output().match(/Sync: \d+ pairs, \d+ new candles, \d+ failed/g) ?? [];
      await eventually(() => syncLines().length >= 2, app);

      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        // Stop the database right after a run has sent its klines requests (answered 150 ms later, then stored).
        const sent = fake.stats.requestsByEndpoint['/api/v3/klines'] ?? 0;
        await eventually(() => (fake.stats.requestsByEndpoint['/api/v3/klines'] ?? 0) > sent, app, 5);
        await restartDatabase(signal);
        const runs = syncLines().length;
        await eventually(() => syncLines().length >= runs + 3, app);
      }

      // Stop the exchange's clock and let one full run pass over the final state.
      const frozen = clock();
      fake.setNow(frozen);
      const runsAtFreeze = syncLines().length;
      await eventually(() => syncLines().length >= runsAtFreeze + 2, app);

      const lines = syncLines();
      expect(lines.every((line) => line.endsWith(' 0 failed'))).toBe(true);
      expect(app.output()).not.toMatch(/Sync failed before any pair ran|Sync \w+ 1m failed/);
      expect(app.output()).toMatch(/Sync \w+ 1m: database unavailable/);

      const lastClosed = Math.floor(frozen / MINUTE) * MINUTE - MINUTE;
      for (const symbol of symbols) {
        const stored = await storedKlines(databaseUrl, symbol, '1m');
        const first = stored[0]?.open_time ?? Number.NaN;
        expect(stored.at(-1)?.open_time).toBe(lastClosed);
        const expected = (source.get(symbol) ?? []).filter((candle) => candle.openTime >= first && candle.openTime <= lastClosed);
        expect(differences(stored, expected)).toEqual([]);
        // The first run took the last 1000 closed candles; everything after it arrived without a hole.
        expect(stored.length).toBeGreaterThan(1_000);
      }
      expect(await duplicateCount(databaseUrl)).toBe(0);
      expectHealthy(app);
    } finally {
      await fake.close();
    }
  });
});

async function eventually(check: () => boolean, app: AppProcess, pollMs = 50, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) throw new Error(`app exited:\n${app.output().slice(-5000)}`);
    if (Date.now() > deadline) throw new Error(`condition not met in time:\n${app.output().slice(-5000)}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
