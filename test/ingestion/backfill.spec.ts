import request from 'supertest';
import { type FakeBinance, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import {
  API_KEY,
  BTCUSDT_1H_CSV,
  btcusdt1h,
  differences,
  duplicateCount,
  getJob,
  ingestionEnvironment,
  startBackfill,
  storedKlines,
  waitForJob,
} from './ingestion-support';

const HOUR = 3_600_000;

describe('backfill of BTCUSDT 1h from the fake Binance into MariaDB', () => {
  let fake: FakeBinance;
  let t: TestApp;
  let databaseUrl: string;

  beforeAll(async () => {
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }],
      weightLimitPerMinute: 6000,
      failOnBudgetExceeded: true,
    });
    databaseUrl = await freshMysqlDatabase('ingest_backfill');
    t = await startTestApp(ingestionEnvironment(fake.url, databaseUrl));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('stores exactly the CSV rows, field for field, and coverage lists its 29 gaps as known gaps', async () => {
    const candles = await btcusdt1h();
    const id = await startBackfill(t.http, { symbol: 'BTCUSDT', interval: '1h', start: '2017-01-01T00:00:00Z' });
    const job = await waitForJob(t.http, id);
    expect(job).toMatchObject({ state: 'completed', failure: null, error_count: 0, done: candles.length, expected: candles.length });

    expect(differences(await storedKlines(databaseUrl, 'BTCUSDT', '1h'), candles)).toEqual([]);
    expect(await duplicateCount(databaseUrl)).toBe(0);

    const coverage = await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200);
    const body = coverage.body as { count: number; missing: number; known_missing: number; gaps: { from: number; to: number; missing: number; known: boolean }[] };
    expect(body.count).toBe(candles.length);
    expect(body.gaps).toHaveLength(29);
    expect(body.gaps.every((gap) => gap.known)).toBe(true);
    expect(body.known_missing).toBe(body.missing);
    // Spot-check against SOURCES.md: 2018-02-08 00:00 .. 2018-02-11 03:00 (76 h) and the 2917 h span.
    expect(body.gaps).toContainEqual(expect.objectContaining({ from: Date.UTC(2018, 1, 8, 0), to: Date.UTC(2018, 1, 11, 3), missing: 76 }));
    expect(body.gaps).toContainEqual(expect.objectContaining({ from: Date.UTC(2020, 11, 8, 0), missing: 2917 }));

    const stats = fake.stats;
    expect(stats.budgetExceeded).toBe(false);
    expect(stats.rateLimitedResponses).toBe(0);
  });

  it('a second backfill over the same range changes nothing and asks again for no known gap', async () => {
    const candles = await btcusdt1h();
    fake.resetStats();
    const id = await startBackfill(t.http, { symbol: 'BTCUSDT', interval: '1h', start: Date.UTC(2018, 0, 1), end: Date.UTC(2018, 11, 31, 23) });
    const job = await waitForJob(t.http, id);
    const inRange = candles.filter((candle) => candle.openTime >= Date.UTC(2018, 0, 1) && candle.openTime <= Date.UTC(2018, 11, 31, 23));
    expect(job).toMatchObject({ state: 'completed', done: inRange.length, expected: inRange.length });
    // 9 pages of 1000 at most, plus time and no gap request: every 2018 gap is already known.
    expect(fake.stats.requestsByEndpoint['/api/v3/klines']).toBeLessThanOrEqual(10);
    expect(differences(await storedKlines(databaseUrl, 'BTCUSDT', '1h'), candles)).toEqual([]);
  });

  it('validates the request: 400 naming the field, 401 without the key, 404 for an unknown job', async () => {
    const bad = await request(t.http)
      .post('/api/ingestion/backfill')
      .set('x-api-key', API_KEY)
      .send({ symbol: 'btc', interval: '2x', start: 'yesterday' })
      .expect(400);
    const fields = (bad.body as { errors: { field: string }[] }).errors.map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['symbol', 'interval', 'start']));
    await request(t.http)
      .post('/api/ingestion/backfill')
      .set('x-api-key', API_KEY)
      .send({ symbol: 'BTCUSDT', interval: '1h', start: 2 * HOUR, end: HOUR })
      .expect(400);
    await request(t.http).post('/api/ingestion/backfill').send({ symbol: 'BTCUSDT', interval: '1h', start: 0 }).expect(401);
    await request(t.http).get('/api/ingestion/jobs/6f1c1f9e-52b4-4f5a-9a55-2d1d3c1e0b7a').expect(404);
    await request(t.http).get('/api/ingestion/jobs/not-a-uuid').expect(400);
  });

  it('fails a job for a symbol Binance does not list, with the reason', async () => {
    const id = await startBackfill(t.http, { symbol: 'NOPEUSDT', interval: '1h', start: '2024-01-01' });
    const job = await waitForJob(t.http, id);
    expect(job.state).toBe('failed');
    expect(job.failure).toContain('NOPEUSDT is not listed');
    expect((await getJob(t.http, id)).errors.at(-1)).toMatchObject({ kind: 'failed' });
  });
});
