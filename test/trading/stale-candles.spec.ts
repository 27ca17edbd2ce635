import request from 'supertest';
import { DataSource } from 'typeorm';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { waitForBacktest } from '../backtest/backtest-fixtures';
import { type FakeBinance, readCandlesCsv, startFakeBinance } from '../fake-binance/fake-binance-server';
import { BTCUSDT_1H_CSV, HOUR_MS, importRealCandles, submitModel, waitForModel } from '../modelling/modelling-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { liveTradingEnvironment } from './trading-fixtures';

/**
 * The freshness rule (issue: "orders must never come from stale candles"): a candle decides an order only until
 * TRADING_MAX_SIGNAL_AGE after its close (default one interval); an account opens at the newest closed candle whatever
 * predictions exist; after an outage the missed candles are recorded for equity, decide nothing, and are reported.
 * Paper and live run the same path; live runs against the fake Binance, which must receive nothing for old candles.
 */

const STORED_FROM = Date.UTC(2023, 0, 1);
const STORED_TO = Date.UTC(2023, 2, 3, 23);
/** The trading cron runs 40 s after a candle closes. */
const CRON_DELAY_MS = 40_000;
const KEY = 'staleKeyAbcdef0123456789XYZ';
const SECRET = 'staleSecret-0123456789abcdef';
const APP_API_KEY = 'stale-api-key-0123456789';

interface OrderBody {
  side: string;
  status: string;
  decided_at: number;
}

interface StatusBody {
  mode: string;
  max_signal_age_ms: number | null;
  last_candle_processed: Record<string, { open_time: number }>;
  accounts: Array<{ stale_candles: { count: number; last_from: { open_time: number } | null; last_to: { open_time: number } | null } }>;
}

describe.each(['paper', 'live'] as const)('freshness rule, %s trading (SQLite, fake Binance for live)', (mode) => {
  let t: TestApp;
  let fake: FakeBinance | null = null;
  let modelId: number;

  const environment = (): Record<string, string> => ({
    MODEL_TRAINING_THREADS: '1',
    SYMBOLS: 'BTCUSDT',
    TRADING_MAX_DAILY_LOSS: '0',
    TRADING_MAX_ORDERS_PER_HOUR: '0',
    ...(mode === 'live' && fake !== null ? liveTradingEnvironment(fake.url, KEY, SECRET) : {}),
  });

  /** Every prediction of the model alternates BUY / SELL, so any candle the engine lets decide produces an order. */
  async function everyCandleTrades(): Promise<void> {
    await t.app.get(DataSource).query(`UPDATE predictions SET trade_signal = CASE WHEN (open_time / ${HOUR_MS}) % 2 = 0 THEN 'BUY' ELSE 'SELL' END WHERE model_id = ?`, [
      modelId,
    ]);
  }

  async function orders(): Promise<OrderBody[]> {
    return ((await request(t.http).get('/api/trading/orders').query({ limit: 1000 }).expect(200)).body as { data: OrderBody[] }).data;
  }

  async function status(): Promise<StatusBody> {
    return (await request(t.http).get('/api/trading/status').expect(200)).body as StatusBody;
  }

  async function runAt(now: number): Promise<void> {
    fake?.setNow(() => now);
    await t.app.get(TradingEngine).runOnce(now);
  }

  beforeAll(async () => {
    if (mode === 'live') {
      fake = await startFakeBinance({
        markets: [{ symbol: 'BTCUSDT', interval: '1h', candles: await readCandlesCsv(BTCUSDT_1H_CSV) }],
        accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '10000', BTC: '0' } }],
        now: () => STORED_TO,
      });
    }
    t = await startTestApp(environment());
    await importRealCandles(t, STORED_FROM, STORED_TO);
    modelId = await submitModel(t.http, {
      symbol: 'BTCUSDT',
      interval: '1h',
      start: '2023-01-01T00:00:00Z',
      end: '2023-01-31T23:00:00Z',
      hyper_parameters: { n_estimators: 5, max_depth: 4, min_num_samples: 20 },
      seed: 3,
      folds: 2,
    });
    expect((await waitForModel(t.http, modelId, 120_000)).model.status).toBe('ready');
    await request(t.http).post(`/api/models/${modelId}/activate`).set('x-api-key', APP_API_KEY).expect(200);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('a backtest on an old range leaves predictions on old candles; the first trading step still sends no order for them', async () => {
    // The sequence: train, activate, backtest an old range (its predictions are stored), let the trading step
    // run. The backtest ends 4 or 5 hours before the newest closed candle, on a BUY candle (see everyCandleTrades).
    const backtestEnd = (STORED_TO / HOUR_MS) % 2 === 0 ? STORED_TO - 4 * HOUR_MS : STORED_TO - 5 * HOUR_MS;
    const created = await request(t.http)
      .post('/api/backtests')
      .set('x-api-key', APP_API_KEY)
      .send({ model_id: modelId, start: '2023-02-01T00:00:00Z', end: new Date(backtestEnd).toISOString() })
      .expect(202);
    expect((await waitForBacktest(t.http, (created.body as { id: number }).id, 120_000)).backtest.status).toBe('completed');
    await everyCandleTrades();

    await runAt(STORED_TO + HOUR_MS + CRON_DELAY_MS);

    expect(await orders()).toEqual([]);
    if (fake !== null) expect(fake.ordersOf(KEY)).toEqual([]);
    // The account starts at the newest closed candle, not at the newest predicted one.
    const opened = await status();
    expect(opened.max_signal_age_ms).toBeNull();
    expect(opened.last_candle_processed).toEqual({ 'BTCUSDT 1h': expect.objectContaining({ open_time: STORED_TO }) as unknown });
    expect(opened.accounts[0].stale_candles).toEqual({ count: 0, last_from: null, last_to: null });
  }, 180_000);

  it('after a 3-hour outage it resumes at the newest candle: no order for the missed candles, which are reported', async () => {
    // Three more hours of candles arrive (with predictions that would all trade), but the trading step does not run
    // while they close; it runs again 40 s after the fourth one closes.
    const outageFrom = STORED_TO + HOUR_MS;
    const newest = STORED_TO + 4 * HOUR_MS;
    await importRealCandles(t, outageFrom, newest);
    await request(t.http).post(`/api/models/${modelId}/predict`).set('x-api-key', APP_API_KEY).send({ start: outageFrom, end: newest }).expect(200);
    await everyCandleTrades();
    const [{ trade_signal: signalOfNewest }] = await t.app
      .get(DataSource)
      .query<Array<{ trade_signal: string }>>('SELECT trade_signal FROM predictions WHERE model_id = ? AND open_time = ?', [modelId, newest]);

    await runAt(newest + HOUR_MS + CRON_DELAY_MS);

    const placed = await orders();
    // Only the newest candle may decide; the three that closed during the outage decide nothing.
    expect(placed.filter((order) => order.decided_at < newest)).toEqual([]);
    expect(placed.map((order) => [order.side, order.decided_at])).toEqual(signalOfNewest === 'BUY' ? [['BUY', newest]] : []);
    if (fake !== null) expect(fake.ordersOf(KEY).map((order) => order.side)).toEqual(signalOfNewest === 'BUY' ? ['BUY'] : []);
    const after = await status();
    expect(after.last_candle_processed['BTCUSDT 1h'].open_time).toBe(newest);
    expect(after.accounts[0].stale_candles).toMatchObject({ count: 3, last_from: { open_time: outageFrom }, last_to: { open_time: newest - HOUR_MS } });
    // The missed candles are still valued: one equity point per close, nothing skipped.
    const equity = ((await request(t.http).get('/api/trading/equity').query({ symbol: 'BTCUSDT' }).expect(200)).body as { data: Array<{ time: number }> }).data;
    expect(equity.map((point) => point.time)).toEqual([0, 1, 2, 3, 4].map((hour) => STORED_TO + (hour + 1) * HOUR_MS));
  }, 120_000);
});
