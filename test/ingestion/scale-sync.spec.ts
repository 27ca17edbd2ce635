import { SchedulerRegistry } from '@nestjs/schedule';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { lastClosedOpenTime } from '../../src/ingestion/candle-grid';
import { SYNC_CRON_NAME } from '../../src/ingestion/sync/ingestion-scheduler';
import { IngestionSyncService, type SyncRunSummary } from '../../src/ingestion/sync/ingestion-sync.service';
import { type FakeBinance, type FakeCandle, generateCandles, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import { differences, ingestionEnvironment, type StoredRow } from './ingestion-support';

const MINUTE = 60_000;
/** The exchange's clock runs 4× real time: its minute lasts 15 s, which is also our weight window. */
const SPEED = 4;
const FAKE_MINUTE_REAL_MS = MINUTE / SPEED;
const SYMBOLS = Array.from({ length: 200 }, (_, index) => `S${String(index).padStart(3, '0')}USDT`);
const INTERVALS = ['1m', '3m'] as const;
const INITIAL_CANDLES = 30;
/** Tighter than Binance's 6000: a 3-minute boundary needs 400 klines calls (800 weight) + time in one minute. */
const WEIGHT_LIMIT = 1_200;
const BUDGET = (WEIGHT_LIMIT * 80) / 100;
/** Four runs in a row: the first (every pair's initial candles) and three more, one of them on a 3-minute boundary. */
const RUNS = 4;

/**
 * Scale drill: 200 symbols × 2 intervals (400 pairs) on the schedule, against the fake Binance enforcing its weight
 * limit (a request over it gets 429, then 418). Every sync must finish inside its (fake) minute, so no cron tick is
 * skipped, and stay within our 80 % weight budget; what is stored must equal the source, nothing missing or twice.
 */
describe('scheduled sync of 200 symbols × 2 intervals within each minute and the weight budget', () => {
  let fake: FakeBinance;
  let t: TestApp;
  let databaseUrl: string;
  const source = new Map<string, FakeCandle[]>();

  beforeAll(async () => {
    const now = Date.now();
    const origin = Math.floor(now / MINUTE) * MINUTE; // on a real minute, so fake minutes start on 15 s marks
    const clock = (): number => origin + (Date.now() - origin) * SPEED;
    const fakeStart = clock();
    const markets = SYMBOLS.flatMap((symbol, index) =>
      INTERVALS.map((interval) => {
        const step = interval === '1m' ? MINUTE : 3 * MINUTE;
        const first = Math.floor(fakeStart / step) * step - (INITIAL_CANDLES + 10) * step;
        // Enough candles to run past the end of the test at 6× speed.
        const candles = generateCandles({ symbol, interval, start: first, count: INITIAL_CANDLES + 10 + (interval === '1m' ? 30 : 10), seed: index });
        source.set(`${symbol} ${interval}`, candles);
        return { symbol, interval, candles };
      }),
    );
    fake = await startFakeBinance({ markets, now: clock, weightLimitPerMinute: WEIGHT_LIMIT, failOnBudgetExceeded: true });
    databaseUrl = await freshMysqlDatabase('ingest_scale');
    t = await startTestApp(
      ingestionEnvironment(fake.url, databaseUrl, {
        SYMBOLS: SYMBOLS.join(','),
        INTERVALS: INTERVALS.join(','),
        INGESTION_ENABLED: 'true',
        // 1 s real (4 s fake) past each fake minute, like the default "5 * * * * *".
        INGESTION_CRON: '1,16,31,46 * * * * *',
        INGESTION_SYNC_INITIAL_CANDLES: String(INITIAL_CANDLES),
        BINANCE_WEIGHT_WINDOW_MS: String(FAKE_MINUTE_REAL_MS),
        BINANCE_REQUEST_TIMEOUT_MS: '5000',
      }),
    );
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it(`${RUNS} consecutive syncs: each inside its minute, no tick skipped, never over budget, every pair complete`, async () => {
    const sync = t.app.get(IngestionSyncService);
    const runs: SyncRunSummary[] = [];
    const deadline = Date.now() + (RUNS + 3) * FAKE_MINUTE_REAL_MS;
    while (runs.length < RUNS) {
      const last = sync.lastRun;
      if (last && last.startedAt !== runs.at(-1)?.startedAt) runs.push(last);
      if (Date.now() > deadline) throw new Error(`only ${runs.length} syncs ran: ${JSON.stringify(runs.map(brief))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Stop the schedule after the last counted run, so the stored data is exactly what that run left.
    await t.app.get(SchedulerRegistry).getCronJob(SYNC_CRON_NAME).stop();
    await sync.idle();
    const final = sync.lastRun ?? runs[runs.length - 1];

    const summaries = runs.map(brief);
    if (process.env.OPA_DRILL_REPORT) process.stderr.write(`scale drill runs: ${JSON.stringify(summaries)}; fake max weight/min ${fake.stats.maxWeightPerMinute}\n`);
    for (const run of runs) {
      expect({ pairs: run.pairs, failedPairs: run.failedPairs, error: run.error }).toEqual({ pairs: 400, failedPairs: 0, error: undefined });
      // Inside its minute: done before the exchange's clock reached the next minute after the run started.
      const startFake = run.serverTime ?? 0;
      const finishedFake = startFake + (run.finishedAt - run.startedAt) * SPEED;
      expect({ run: brief(run), inItsMinute: finishedFake < Math.floor(startFake / MINUTE) * MINUTE + MINUTE }).toEqual({ run: brief(run), inItsMinute: true });
    }
    // The first run took the initial candles of every pair; each later one the candles closed since.
    expect(runs[0].stored).toBeGreaterThanOrEqual(400 * (INITIAL_CANDLES - 1));
    expect(runs.slice(1).every((run) => run.stored >= 200)).toBe(true);
    // One of the later runs fell on a 3-minute boundary: both intervals closed a candle, 400 klines calls in one minute.
    expect(runs.slice(1).some((run) => run.stored >= 400)).toBe(true);

    const status = await request(t.http).get('/api/ingestion/status').expect(200);
    expect(status.body).toMatchObject({ sync_skipped_ticks: 0 });
    expect(status.body.weight).toMatchObject({ limit_per_window: WEIGHT_LIMIT, budget: BUDGET, rate_limited: 0, bans: 0 });

    const stats = fake.stats;
    expect({ budgetExceeded: stats.budgetExceeded, rateLimited: stats.rateLimitedResponses, banned: stats.bannedResponses }).toEqual({
      budgetExceeded: false,
      rateLimited: 0,
      banned: 0,
    });
    expect(stats.maxWeightPerMinute).toBeLessThanOrEqual(BUDGET);

    // Every pair: exactly the source's candles from its first stored one to the last closed at the final run.
    const stored = await allStored(databaseUrl);
    expect(stored.size).toBe(400);
    const problems: string[] = [];
    for (const [key, candles] of source) {
      const interval = key.split(' ')[1] as (typeof INTERVALS)[number];
      const lastClosed = lastClosedOpenTime(interval, final.serverTime ?? 0);
      const rows = stored.get(key) ?? [];
      const first = rows[0]?.open_time ?? Number.NaN;
      if (rows.at(-1)?.open_time !== lastClosed) problems.push(`${key}: last stored ${rows.at(-1)?.open_time}, last closed ${lastClosed}`);
      for (const difference of differences(rows, candles.filter((c) => c.openTime >= first && c.openTime <= lastClosed), 2)) {
        problems.push(`${key}: ${difference}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(summaries.length).toBe(RUNS);
  });
});

function brief(run: SyncRunSummary): Record<string, unknown> {
  return { pairs: run.pairs, stored: run.stored, failed: run.failedPairs, ms: run.durationMs, at: run.serverTime && new Date(run.serverTime).toISOString() };
}

/** Every stored kline, grouped as "SYMBOL interval", oldest first; the GROUP BY counts rows stored twice (none allowed). */
async function allStored(databaseUrl: string): Promise<Map<string, StoredRow[]>> {
  const connection = await createConnection({ uri: databaseUrl, supportBigNumbers: true, bigNumberStrings: false, decimalNumbers: false });
  try {
    const [duplicates] = await connection.query(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM klines GROUP BY symbol, `interval`, open_time HAVING COUNT(*) > 1) AS d',
    );
    expect(Number((duplicates as { n: number | string }[])[0].n)).toBe(0);
    const [rows] = await connection.query(
      'SELECT symbol, `interval`, open_time, close_time, open_price, high_price, low_price, close_price, volume, quote_asset_volume,' +
        ' number_of_trades, taker_buy_base_volume, taker_buy_quote_volume FROM klines ORDER BY symbol, `interval`, open_time',
    );
    const grouped = new Map<string, StoredRow[]>();
    for (const row of rows as Record<string, string | number>[]) {
      const key = `${row.symbol} ${row.interval}`;
      const list = grouped.get(key) ?? [];
      list.push({
        open_time: Number(row.open_time),
        close_time: Number(row.close_time),
        fields: [
          row.open_price, row.high_price, row.low_price, row.close_price, row.volume, row.quote_asset_volume, row.number_of_trades,
          row.taker_buy_base_volume, row.taker_buy_quote_volume,
        ].map(String),
      });
      grouped.set(key, list);
    }
    return grouped;
  } finally {
    await connection.end();
  }
}
