import request from 'supertest';
import { HOUR_MS, importRealCandles, realCandles } from '../modelling/modelling-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { type EquityPoint, readAllPages, type TradeRow, waitForBacktest } from './backtest-fixtures';

// The embedded SQLite mode (no DATABASE_URL): same migration, ON CONFLICT upserts, quantities kept as exact text.
const TRAIN_FROM = Date.UTC(2023, 0, 1);
const TRAIN_TO = Date.UTC(2023, 1, 28, 23);
const TEST_FROM = Date.UTC(2023, 2, 1);
const TEST_TO = Date.UTC(2023, 2, 31, 23);

describe('Backtests on the embedded SQLite database', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MODEL_TRAINING_THREADS: '1', MODEL_PREDICT_CRON: 'off' });
    await importRealCandles(t, Date.UTC(2022, 11, 27), TEST_TO);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('trains, backtests over a range with the 2023-03-24 trading halt, and pages equity and trades', async () => {
    const model = await request(t.http)
      .post('/api/models')
      .send({ symbol: 'BTCUSDT', interval: '1h', start: TRAIN_FROM, end: TRAIN_TO, hyper_parameters: { n_estimators: 12, max_depth: 6 }, folds: 2 })
      .expect(202);
    const modelId = (model.body as { id: number }).id;
    for (let status = ''; status !== 'ready'; ) {
      const body = (await request(t.http).get(`/api/models/${modelId}`).expect(200)).body as { status: string; error: string | null };
      if (body.status === 'failed') throw new Error(body.error ?? 'failed');
      status = body.status;
      await new Promise((done) => setTimeout(done, 200));
    }
    const created = await request(t.http).post('/api/backtests').send({ model_id: modelId, start: TEST_FROM, end: TEST_TO, slippage_bps: 2 }).expect(202);
    const { backtest } = await waitForBacktest(t.http, (created.body as { id: number }).id);
    expect(backtest).toMatchObject({ status: 'completed', error: null, slippage_bps: 2, fee_rate: 0.001 });
    const stored = realCandles(TEST_FROM, TEST_TO);
    // 744 hours in March minus the 2 missing hours of the halt; the candles right after it have no complete look-back.
    expect(stored).toHaveLength(742);
    expect(backtest.summary).toMatchObject({ candles: 742, overlaps_training: false });
    expect(backtest.summary!.candles_without_prediction).toBeGreaterThan(90);

    const equity = await readAllPages<EquityPoint>(t.http, `/api/backtests/${backtest.id}/equity`, 100);
    expect(equity.rows.map((p) => p.time)).toEqual(stored.map((c) => c.openTime));
    expect(equity.rows[equity.rows.length - 1].equity).toBeCloseTo(backtest.metrics!.final_equity, 6);
    const trades = await readAllPages<TradeRow>(t.http, `/api/backtests/${backtest.id}/trades`, 3);
    expect(trades.rows).toHaveLength(backtest.metrics!.trades);
    expect(trades.rows.length).toBeGreaterThan(0);
    for (const trade of trades.rows) {
      expect(trade.quantity).toMatch(/^\d+\.\d{5}000$/);
      expect(trade.entry_time % HOUR_MS).toBe(0);
    }
    expect(10_000 + trades.rows.reduce((sum, r) => sum + r.pnl, 0)).toBeCloseTo(backtest.metrics!.final_equity, 4);
  }, 120_000);
});
