import request from 'supertest';
import { type FakeBinance, type FakeCandle, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import { BTCUSDT_1H_CSV, btcusdt1h, differences, duplicateCount, ingestionEnvironment, storedKlines } from './ingestion-support';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 6, 1, 0, 20);

interface Status {
  leader: boolean;
  sync_runs: number;
}

async function status(t: TestApp): Promise<Status> {
  return (await request(t.http).get('/api/ingestion/status').expect(200)).body as Status;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two app instances on one database: one ingests (MySQL GET_LOCK), the other takes over when it stops', () => {
  let fake: FakeBinance;
  let databaseUrl: string;
  let apps: TestApp[] = [];
  let candles: FakeCandle[];
  let now = START;

  beforeAll(async () => {
    candles = await btcusdt1h();
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }],
      now: () => now,
      failOnBudgetExceeded: true,
    });
    databaseUrl = await freshMysqlDatabase('ingest_leader');
    const environment = ingestionEnvironment(fake.url, databaseUrl, {
      INGESTION_ENABLED: 'true',
      INGESTION_CRON: '* * * * * *',
      INGESTION_SYNC_INITIAL_CANDLES: '100',
    });
    apps = await Promise.all([startTestApp(environment), startTestApp(environment)]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await fake?.close();
  });

  it('exactly one instance holds the lock and runs the every-second schedule; counts are exact', async () => {
    await eventually(async () => (await Promise.all(apps.map(status))).some((s) => s.leader && s.sync_runs >= 3));
    const statuses = await Promise.all(apps.map(status));
    expect(statuses.filter((s) => s.leader)).toHaveLength(1);
    expect(statuses.find((s) => !s.leader)?.sync_runs).toBe(0);

    const lastClosed = Date.UTC(2024, 6, 1, -1);
    const stored = await storedKlines(databaseUrl, 'BTCUSDT', '1h');
    expect(differences(stored, candles.filter((c) => c.openTime > lastClosed - 100 * HOUR && c.openTime <= lastClosed))).toEqual([]);
    expect(await duplicateCount(databaseUrl)).toBe(0);
  });

  it('when the leader stops, the other instance takes the lock and goes on syncing', async () => {
    const statuses = await Promise.all(apps.map(status));
    const leaderIndex = statuses.findIndex((s) => s.leader);
    const [leader] = apps.splice(leaderIndex, 1);
    await leader.close();
    const follower = apps[0];

    now = START + 5 * HOUR;
    await eventually(async () => {
      const s = await status(follower);
      return s.leader && s.sync_runs >= 2;
    });
    const lastClosed = Date.UTC(2024, 6, 1, 4);
    const stored = await storedKlines(databaseUrl, 'BTCUSDT', '1h');
    expect(stored.at(-1)?.open_time).toBe(lastClosed);
    expect(differences(stored, candles.filter((c) => c.openTime > Date.UTC(2024, 6, 1, -1) - 100 * HOUR && c.openTime <= lastClosed))).toEqual([]);
    expect(await duplicateCount(databaseUrl)).toBe(0);
    expect(fake.stats.budgetExceeded).toBe(false);
  });
});
