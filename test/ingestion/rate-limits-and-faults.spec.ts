import request from 'supertest';
import { type FakeBinance, type FakeBinanceOptions, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import { BTCUSDT_1H_CSV, btcusdt1h, differences, duplicateCount, ingestionEnvironment, startBackfill, storedKlines, waitForJob } from './ingestion-support';

interface Drill {
  fake: FakeBinance;
  t: TestApp;
  databaseUrl: string;
  close(): Promise<void>;
}

async function drill(suffix: string, fakeOptions: Partial<FakeBinanceOptions>, environment: Record<string, string> = {}): Promise<Drill> {
  const fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }], ...fakeOptions });
  const databaseUrl = await freshMysqlDatabase(suffix);
  const t = await startTestApp(ingestionEnvironment(fake.url, databaseUrl, environment));
  return {
    fake,
    t,
    databaseUrl,
    close: async () => {
      await t.close();
      await fake.close();
    },
  };
}

/** Backfills the whole CSV and checks the outcome: completed, 0 missing, 0 duplicated, every field equal. */
async function backfillEverything(d: Drill) {
  const candles = await btcusdt1h();
  const id = await startBackfill(d.t.http, { symbol: 'BTCUSDT', interval: '1h', start: '2017-01-01T00:00:00Z' });
  const job = await waitForJob(d.t.http, id);
  expect(job).toMatchObject({ state: 'completed', failure: null, done: candles.length, expected: candles.length });
  expect(differences(await storedKlines(d.databaseUrl, 'BTCUSDT', '1h'), candles)).toEqual([]);
  expect(await duplicateCount(d.databaseUrl)).toBe(0);
  return job;
}

describe('rate limits and faults during a full BTCUSDT 1h backfill', () => {
  it('429 then 418 mid-run: waits Retry-After, stops while banned, reports both, ends complete', async () => {
    const d = await drill('ingest_ratelimit', { firstBanSeconds: 2 });
    try {
      d.fake.setFaults({ rateLimit: { afterRequests: 30, retryAfterSeconds: 1 } });
      // Another client on the same IP ignores the first 429 and gets the IP banned: our client must sit the ban out.
      let banTriggered = false;
      const watcher = setInterval(() => {
        if (banTriggered || d.fake.stats.rateLimitedResponses === 0) return;
        banTriggered = true;
        void fetch(`${d.fake.url}/api/v3/ping`).then((response) => response.text());
      }, 5);
      const job = await backfillEverything(d).finally(() => clearInterval(watcher));
      const kinds = job.errors.map((error) => error.kind);
      expect(kinds).toContain('rate-limited');
      expect(kinds).toContain('banned');
      expect(job.errors.find((error) => error.kind === 'banned')?.message).toMatch(/418 .*IP banned/);
      const stats = d.fake.stats;
      // The one ban is the other client's: ours never called inside a Retry-After or a ban window a second time.
      expect(stats.bansIssued).toBe(1);
      expect(stats.bannedResponses).toBeLessThanOrEqual(2);
      expect(stats.rateLimitedResponses).toBeGreaterThanOrEqual(2);
    } finally {
      await d.close();
    }
  });

  it('5xx, hung requests, truncated or non-JSON bodies and dropped connections are retried with backoff', async () => {
    const d = await drill('ingest_faults', {}, { BINANCE_REQUEST_TIMEOUT_MS: '400' });
    try {
      const paths = ['/api/v3/klines'];
      d.fake.setFaults({
        seed: 7,
        serverError: { probability: 0.12, paths, status: 503 },
        hang: { probability: 0.04, paths },
        malformedBody: { probability: 0.04, paths, kind: 'truncated' },
        dropConnection: { probability: 0.04, paths },
      });
      const job = await backfillEverything(d);
      const kinds = new Set(job.errors.map((error) => error.kind));
      expect([...kinds]).toEqual(expect.arrayContaining(['server-error', 'timeout']));
      const injected = d.fake.stats.faultsInjected;
      expect(injected.serverError + injected.hang + injected.malformedBody + injected.dropConnection).toBeGreaterThan(5);
      expect(job.error_count).toBeGreaterThanOrEqual(injected.serverError + injected.hang);
    } finally {
      await d.close();
    }
  });

  it('never exceeds the weight budget: waits for the next window instead (10× fast fake clock, 120 weight a minute)', async () => {
    const origin = Math.floor(Date.now() / 60_000) * 60_000;
    const d = await drill(
      'ingest_budget',
      { weightLimitPerMinute: 120, failOnBudgetExceeded: true, now: () => origin + (Date.now() - origin) * 10 },
      // The fake's minute lasts 6 s of real time; its windows stay aligned with ours because origin is on a minute.
      { BINANCE_WEIGHT_WINDOW_MS: '6000' },
    );
    try {
      await backfillEverything(d);
      const stats = d.fake.stats;
      expect(stats.budgetExceeded).toBe(false);
      expect(stats.maxWeightPerMinute).toBeLessThanOrEqual(120);
      expect(stats.rateLimitedResponses).toBe(0);
      const status = await request(d.t.http).get('/api/ingestion/status').expect(200);
      expect(status.body.weight).toMatchObject({ limit_per_window: 120, budget: 96, rate_limited: 0, bans: 0 });
      expect(status.body.weight.budget_wait_ms).toBeGreaterThan(0);
    } finally {
      await d.close();
    }
  });
});
