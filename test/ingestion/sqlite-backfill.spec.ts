import request from 'supertest';
import { type FakeBinance, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { BTCUSDT_1H_CSV, btcusdt1h, eightDecimals, ingestionEnvironment, startBackfill, waitForJob } from './ingestion-support';

const FROM = Date.UTC(2018, 0, 1);
const TO = Date.UTC(2018, 11, 31, 23);

interface KlineBody {
  open_time: number;
  close_time: number;
  open_price: string;
  close_price: string;
  volume: string;
  number_of_trades: number;
}

/** The default store is the embedded SQLite file: the job, cursor, known-gap and upsert SQL must work there too. */
describe('backfill into the embedded SQLite database (no DATABASE_URL)', () => {
  let fake: FakeBinance;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }], failOnBudgetExceeded: true });
    // Without DATABASE_URL the test app runs on a throw-away SQLite file.
    t = await startTestApp({ ...ingestionEnvironment(fake.url, 'unused'), DATABASE_URL: undefined });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('stores 2018 exactly, records its gaps as known gaps, and a repeat asks Binance for no gap again', async () => {
    const candles = (await btcusdt1h()).filter((candle) => candle.openTime >= FROM && candle.openTime <= TO);
    const job = await waitForJob(t.http, await startBackfill(t.http, { symbol: 'BTCUSDT', interval: '1h', start: FROM, end: TO }));
    expect(job).toMatchObject({ state: 'completed', failure: null, done: candles.length, expected: candles.length });

    const stored: KlineBody[] = [];
    let cursor: string | null = null;
    do {
      const page = await request(t.http)
        .get('/api/klines')
        .query({ symbol: 'BTCUSDT', interval: '1h', start: FROM, end: TO, limit: 1000, ...(cursor ? { cursor } : {}) })
        .expect(200);
      const body = page.body as { data: KlineBody[]; next: string | null };
      stored.push(...body.data);
      cursor = body.next;
    } while (cursor);
    expect(stored.map((row) => row.open_time)).toEqual(candles.map((candle) => candle.openTime));
    const mismatched = stored.filter((row, index) => {
      const candle = candles[index];
      return (
        row.close_time !== candle.closeTime ||
        row.open_price !== eightDecimals(candle.open) ||
        row.close_price !== eightDecimals(candle.close) ||
        row.volume !== eightDecimals(candle.volume) ||
        row.number_of_trades !== candle.numberOfTrades
      );
    });
    expect(mismatched.slice(0, 3)).toEqual([]);

    const coverage = (await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200)).body as {
      gaps: { known: boolean }[];
    };
    expect(coverage.gaps.length).toBeGreaterThan(0);
    expect(coverage.gaps.every((gap) => gap.known)).toBe(true);

    fake.resetStats();
    const again = await waitForJob(t.http, await startBackfill(t.http, { symbol: 'BTCUSDT', interval: '1h', start: FROM, end: TO }));
    expect(again).toMatchObject({ state: 'completed', done: candles.length, expected: candles.length });
    expect(fake.stats.requestsByEndpoint['/api/v3/klines']).toBeLessThanOrEqual(Math.ceil(candles.length / 1000));
  });
});
