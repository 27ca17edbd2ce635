import request from 'supertest';
import { BacktestStore } from '../../src/backtest/backtest-store';
import { BacktestEntity } from '../../src/backtest/backtest.entity';
import { ModelRegistryService } from '../../src/modelling/model-registry.service';
import { DEFAULT_LABEL_CONFIG } from '../../src/modelling/core';
import { DataSource } from 'typeorm';
import { HOUR_MS, importRealCandles, realCandles } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { API_KEY, type BacktestBody, type EquityPoint, readAllPages, type TradeRow, waitForBacktest } from './backtest-fixtures';

// Real BTCUSDT 1h klines. The model learns on 2023-01..06 (includes the 2023-03-24 halt gap); the backtest runs on
// 2023-07..10, after the training range (out of sample). Candles from 2022-12-27 give the first decisions their
// 100-candle look-back.
const IMPORT_FROM = Date.UTC(2022, 11, 27);
const TRAIN_FROM = Date.UTC(2023, 0, 1);
const TRAIN_TO = Date.UTC(2023, 5, 30, 23);
const TEST_FROM = Date.UTC(2023, 6, 1);
const TEST_TO = Date.UTC(2023, 9, 31, 23);
const TEST_CANDLES = (TEST_TO - TEST_FROM) / HOUR_MS + 1;
const TRAIN_BODY = {
  symbol: 'BTCUSDT',
  interval: '1h',
  start: TRAIN_FROM,
  end: TRAIN_TO,
  hyper_parameters: { n_estimators: 20, max_depth: 8 },
  seed: 7,
  folds: 3,
};

describe('Backtests API on MariaDB with real BTCUSDT 1h klines', () => {
  let t: TestApp;
  let url: string;
  let modelId: number;
  let first: BacktestBody;
  const post = (path: string) => request(t.http).post(path).set('x-api-key', API_KEY);

  beforeAll(async () => {
    url = await freshMysqlDatabase('backtest_api');
    t = await startTestApp({ DATABASE_URL: url, API_KEY, MODEL_TRAINING_THREADS: '1', MODEL_PREDICT_CRON: 'off' });
    await importRealCandles(t, IMPORT_FROM, TEST_TO);
    const created = await post('/api/models').send(TRAIN_BODY).expect(202);
    modelId = (created.body as { id: number }).id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad input with 400 naming the field, unknown models with 404, unready models with 409, no key with 401', async () => {
    await request(t.http).post('/api/backtests').send({ model_id: modelId, start: TEST_FROM, end: TEST_TO }).expect(401);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ start: TEST_FROM, end: TEST_TO }, 'model_id'],
      [{ model_id: 'x', start: TEST_FROM, end: TEST_TO }, 'model_id'],
      [{ model_id: modelId, start: 'yesterday', end: TEST_TO }, 'start'],
      [{ model_id: modelId, start: TEST_TO, end: TEST_FROM }, 'end'],
      [{ model_id: modelId, start: TEST_FROM, end: TEST_TO, fee_rate: 0.2 }, 'fee_rate'],
      [{ model_id: modelId, start: TEST_FROM, end: TEST_TO, slippage_bps: -1 }, 'slippage_bps'],
      [{ model_id: modelId, start: TEST_FROM, end: TEST_TO, strategy: { stop_loss: 1.5 } }, 'strategy.stop_loss'],
      [{ model_id: modelId, start: TEST_FROM, end: TEST_TO, strategy: { position_fraction: 0 } }, 'strategy.position_fraction'],
      [{ model_id: modelId, start: TEST_FROM, end: TEST_TO, strategy: { max_holding_candles: 2.5 } }, 'strategy.max_holding_candles'],
      [{ model_id: modelId, start: TEST_FROM, end: TEST_TO, leverage: 10 }, 'leverage'],
    ];
    for (const [body, field] of cases) {
      const response = await post('/api/backtests').send(body).expect(400);
      expect([field, (response.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)]).toEqual([field, expect.arrayContaining([field])]);
    }
    const unknown = await post('/api/backtests').send({ model_id: 987_654, start: TEST_FROM, end: TEST_TO }).expect(404);
    expect(unknown.body).toMatchObject({ code: 'MODEL_NOT_FOUND', errors: [{ field: 'model_id' }] });
    // A model that is still queued (recorded but never handed to the trainer).
    const queued = await t.app.get(ModelRegistryService).create({
      symbol: 'BTCUSDT', interval: '1h', dataStart: TRAIN_FROM, dataEnd: TRAIN_TO, labels: { ...DEFAULT_LABEL_CONFIG }, seed: 1, origin: 'api',
      hyperParameters: { n_estimators: 1, max_features: 0.6, sample_fraction: 0.5, max_samples_per_tree: 10, with_replacement: false, max_depth: 2, min_num_samples: 2, gain_threshold: 0 },
      evaluation: { folds: 2, purge_candles: 4, training_window: 'expanding' },
    });
    const notReady = await post('/api/backtests').send({ model_id: queued.id, start: TEST_FROM, end: TEST_TO }).expect(409);
    expect(notReady.body).toMatchObject({ code: 'MODEL_NOT_READY' });
    await request(t.http).get('/api/backtests/987654').expect(404);
    await request(t.http).get('/api/backtests/abc').expect(400);
    await request(t.http).get('/api/backtests').query({ limit: 0 }).expect(400);
    await request(t.http).get('/api/backtests').query({ cursor: 'x' }).expect(400);
  }, 120_000);

  it('trains the model, then backtests it in the background: 202 {id, status}, queued → running → completed', async () => {
    const deadline = Date.now() + 110_000;
    for (;;) {
      const model = (await request(t.http).get(`/api/models/${modelId}`).expect(200)).body as { status: string; error: string | null };
      if (model.status === 'ready') break;
      if (model.status === 'failed' || Date.now() > deadline) throw new Error(`model ${model.status}: ${model.error}`);
      await new Promise((done) => setTimeout(done, 200));
    }
    // Nothing predicted yet for the test range: the backtest predicts it.
    expect((await request(t.http).get('/api/predictions').query({ symbol: 'BTCUSDT', interval: '1h', start: TEST_FROM, end: TEST_TO, model_id: modelId })).body.data).toEqual([]);
    const created = await post('/api/backtests').send({ model_id: modelId, start: '2023-07-01T00:00:00Z', end: String(TEST_TO) }).expect(202);
    expect(created.body).toEqual({ id: expect.any(Number), status: 'queued' });
    const { backtest, statuses } = await waitForBacktest(t.http, (created.body as { id: number }).id);
    expect(backtest.error).toBeNull();
    expect(backtest.status).toBe('completed');
    expect(statuses[statuses.length - 1]).toBe('completed');
    first = backtest;
    expect(backtest).toMatchObject({
      model_id: modelId, symbol: 'BTCUSDT', interval: '1h', start: TEST_FROM, end: TEST_TO, fee_rate: 0.001, slippage_bps: 5, initial_capital: 10_000,
      strategy: { position_fraction: 1, stop_loss: null, take_profit: null, max_holding_candles: null, exit_on_sell: true, momentum_horizon: 4 },
      summary: { candles: TEST_CANDLES, predictions: TEST_CANDLES, candles_without_prediction: 0, predictions_written: TEST_CANDLES, overlaps_training: false },
    });
  }, 150_000);

  it('reports consistent metrics: final equity, trades, fees and P&L agree with the stored rows', async () => {
    const m = first.metrics!;
    expect(m.candles).toBe(TEST_CANDLES);
    expect(m.final_equity).toBeCloseTo(10_000 * (1 + m.total_return), 6);
    expect(m.trades).toBeGreaterThan(5);
    expect(m.fees_paid).toBeGreaterThan(0);
    expect(m.exposure).toBeGreaterThan(0);
    expect(m.exposure).toBeLessThan(1);
    expect(m.max_drawdown).toBeGreaterThan(0);
    expect(m.buy_and_hold_return).toBe(first.baselines!.buy_and_hold.total_return);

    const trades = await readAllPages<TradeRow>(t.http, `/api/backtests/${first.id}/trades`, 7);
    expect(trades.rows).toHaveLength(m.trades);
    expect(trades.pages).toBe(Math.floor(m.trades / 7) + 1);
    expect(trades.rows.map((r) => r.seq)).toEqual(trades.rows.map((_r, i) => i + 1));
    const pnl = trades.rows.reduce((sum, r) => sum + r.pnl, 0);
    expect(10_000 + pnl).toBeCloseTo(m.final_equity, 4);
    expect(trades.rows.reduce((sum, r) => sum + r.fees, 0)).toBeCloseTo(m.fees_paid, 6);
    const wins = trades.rows.filter((r) => r.pnl > 0).length;
    expect(m.win_rate).toBeCloseTo(wins / m.trades, 12);

    const equity = await readAllPages<EquityPoint>(t.http, `/api/backtests/${first.id}/equity`, 1000);
    expect(equity.rows).toHaveLength(TEST_CANDLES);
    expect(equity.pages).toBe(Math.ceil(TEST_CANDLES / 1000));
    expect(equity.rows[0]).toMatchObject({ time: TEST_FROM, time_parsed: '2023-07-01T00:00:00.000Z' });
    expect(equity.rows.every((p, i) => i === 0 || p.time === equity.rows[i - 1].time + HOUR_MS)).toBe(true);
    expect(equity.rows[equity.rows.length - 1].equity).toBeCloseTo(m.final_equity, 6);
    expect(equity.rows[equity.rows.length - 1].buy_and_hold_equity).toBeCloseTo(first.baselines!.buy_and_hold.final_equity, 6);
    expect(Math.max(...equity.rows.map((p) => p.drawdown))).toBeCloseTo(m.max_drawdown, 10);
  });

  it('fills every trade at the open after the candle whose stored prediction decided it (real prices, no look-ahead)', async () => {
    const candles = new Map(realCandles(TEST_FROM, TEST_TO + HOUR_MS).map((c) => [c.openTime, c]));
    const predictions = new Map<number, string>();
    let cursor: string | undefined;
    do {
      const page = await request(t.http)
        .get('/api/predictions')
        .query({ symbol: 'BTCUSDT', interval: '1h', start: TEST_FROM, end: TEST_TO, model_id: modelId, limit: 5000, ...(cursor ? { cursor } : {}) })
        .expect(200);
      for (const p of page.body.data as Array<{ open_time: number; signal: string }>) predictions.set(p.open_time, p.signal);
      cursor = (page.body.next as string | null) ?? undefined;
    } while (cursor);
    const { rows } = await readAllPages<TradeRow>(t.http, `/api/backtests/${first.id}/trades`, 1000);
    for (const trade of rows) {
      expect(predictions.get(trade.entry_time - HOUR_MS)).toBe('BUY');
      expect(trade.entry_price).toBeCloseTo(candles.get(trade.entry_time)!.open * 1.0005, 8);
      expect(trade.quantity).toMatch(/^\d+\.\d{5}000$/); // a multiple of BTCUSDT's 0.00001 lot step
      if (trade.exit_reason === 'signal') {
        expect(predictions.get(trade.exit_time - HOUR_MS)).toBe('SELL');
        expect(trade.exit_price).toBeCloseTo(candles.get(trade.exit_time)!.open * 0.9995, 8);
      } else {
        expect(trade.exit_reason).toBe('end_of_data');
        expect(trade.exit_time).toBe(TEST_TO + HOUR_MS);
        expect(trade.exit_price).toBeCloseTo(candles.get(TEST_TO)!.close * 0.9995, 8);
      }
    }
  });

  it('measures buy-and-hold and the other baselines through the same fill model', () => {
    const candles = realCandles(TEST_FROM, TEST_TO);
    const bh = first.baselines!.buy_and_hold;
    const ratio = (candles[candles.length - 1].close * 0.9995 * 0.999) / (candles[1].open * 1.0005 * 1.001);
    // Lot-step rounding leaves less than one 0.00001 BTC step (< 1 USDT here) unspent.
    expect(Math.abs(bh.final_equity - 10_000 * ratio)).toBeLessThan(1);
    expect(bh).toMatchObject({ trades: 1, win_rate: expect.any(Number) });
    expect(bh.fees_paid).toBeGreaterThan(19);
    expect(first.baselines!.always_flat).toMatchObject({ total_return: 0, trades: 0, fees_paid: 0, exposure: 0 });
    expect(first.baselines!.momentum.trades).toBeGreaterThan(10);
    expect(first.baselines!.momentum.fees_paid).toBeGreaterThan(0);
  });

  it('is reproducible from stored data: the same request gives the same report, without predicting again', async () => {
    const created = await post('/api/backtests').send({ model_id: modelId, start: TEST_FROM, end: TEST_TO }).expect(202);
    const { backtest } = await waitForBacktest(t.http, (created.body as { id: number }).id);
    expect(backtest.metrics).toEqual(first.metrics);
    expect(backtest.baselines).toEqual(first.baselines);
    expect(backtest.summary!.predictions_written).toBe(0);
    // Costs matter: without fees and slippage the same signals end higher.
    const free = await post('/api/backtests').send({ model_id: modelId, start: TEST_FROM, end: TEST_TO, fee_rate: 0, slippage_bps: 0 }).expect(202);
    const costless = (await waitForBacktest(t.http, (free.body as { id: number }).id)).backtest;
    expect(costless.metrics!.fees_paid).toBe(0);
    expect(costless.metrics!.final_equity).toBeGreaterThan(first.metrics!.final_equity);

    const list = await request(t.http).get('/api/backtests').query({ model_id: modelId, limit: 2 }).expect(200);
    expect((list.body.data as BacktestBody[]).map((b) => b.id)).toEqual([costless.id, backtest.id]);
    const older = await request(t.http).get('/api/backtests').query({ model_id: modelId, limit: 2, cursor: list.body.next }).expect(200);
    expect((older.body.data as BacktestBody[]).map((b) => b.id)).toEqual([first.id]);
    expect(older.body.next).toBeNull();
    expect((await request(t.http).get('/api/backtests').query({ symbol: 'ETHUSDT' }).expect(200)).body).toEqual({ data: [], next: null });
  }, 120_000);

  it('applies the strategy settings: a stop-loss and a holding limit show up as exit reasons', async () => {
    const created = await post('/api/backtests')
      .send({ model_id: modelId, start: TEST_FROM, end: TEST_TO, strategy: { max_holding_candles: 3, stop_loss: 0.004, position_fraction: 0.5 } })
      .expect(202);
    const { backtest } = await waitForBacktest(t.http, (created.body as { id: number }).id);
    const { rows } = await readAllPages<TradeRow>(t.http, `/api/backtests/${backtest.id}/trades`, 1000);
    expect([...new Set(rows.map((r) => r.exit_reason))]).toEqual(expect.arrayContaining(['max_holding', 'stop_loss']));
    expect(Math.max(...rows.map((r) => r.candles_held))).toBeLessThanOrEqual(3);
    // Half the equity per entry. Between trades the account is all cash, so equity before a trade = 10 000 + earlier pnl.
    let equityBefore = 10_000;
    for (const trade of rows) {
      const cost = Number(trade.quantity) * trade.entry_price * 1.001;
      expect(cost).toBeLessThanOrEqual(0.5 * equityBefore + 1e-6);
      expect(cost).toBeGreaterThan(0.5 * equityBefore - trade.entry_price * 0.00001 * 1.001 - 1e-6);
      equityBefore += trade.pnl;
    }
    expect(equityBefore).toBeCloseTo(backtest.metrics!.final_equity, 4);
  }, 120_000);

  it('runs a backtest again after a restart that interrupted it', async () => {
    const store = t.app.get(BacktestStore);
    const stale = await store.create({
      modelId, symbol: 'BTCUSDT', interval: '1h', rangeStart: TEST_FROM, rangeEnd: Date.UTC(2023, 7, 31, 23), feeRate: 0.001, slippageBps: 5,
      initialCapital: 5000, strategy: { ...first.strategy } as never, symbolRules: { step_size: '0.00001000', min_qty: '0.00001000', max_qty: '97.92836420', min_notional: 5, max_notional: null, source: 'known_filters' },
    });
    // As if the process had died mid-run: status running, one attempt, a partial equity row left behind.
    await t.app.get(DataSource).getRepository(BacktestEntity).update({ id: stale.id }, { status: 'running', attempts: 1 });
    await t.app.get(DataSource).query('INSERT INTO backtest_equity (backtest_id, time, equity, buy_and_hold_equity, drawdown) VALUES (?, ?, 1, 1, 0)', [stale.id, TEST_FROM]);
    await t.close();
    t = await startTestApp({ DATABASE_URL: url, API_KEY, MODEL_TRAINING_THREADS: '1', MODEL_PREDICT_CRON: 'off' });
    const { backtest } = await waitForBacktest(t.http, stale.id);
    expect(backtest).toMatchObject({ status: 'completed', attempts: 2, error: null });
    const equity = await readAllPages<EquityPoint>(t.http, `/api/backtests/${stale.id}/equity`, 1000);
    expect(equity.rows).toHaveLength(backtest.summary!.candles);
    expect(equity.rows[0].equity).toBe(5000);
  }, 120_000);
});
