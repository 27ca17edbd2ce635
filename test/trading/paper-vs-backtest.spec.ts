import request from 'supertest';
import { HOUR_MS, importRealCandles, submitModel, waitForModel } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { TradingStore } from '../../src/trading/trading.store';

// Real BTCUSDT 1h: train on 2023-01..04, then replay May 2023 (744 candles) hour by hour through the paper broker.
const DATA_FROM = Date.UTC(2023, 0, 1);
const MONTH_FROM = Date.UTC(2023, 4, 1);
const MONTH_TO = Date.UTC(2023, 4, 31, 23);

interface BacktestTrade {
  entry_time: number;
  exit_time: number;
  entry_price: number;
  exit_price: number;
  quantity: string;
  pnl: number;
  fees: number;
  exit_reason: string;
}

async function allPages<T>(t: TestApp, path: string, query: Record<string, string | number> = {}): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  do {
    const response = await request(t.http)
      .get(path)
      .query({ ...query, limit: 1000, ...(cursor === null ? {} : { cursor }) })
      .expect(200);
    const page = response.body as { data: T[]; next: string | null };
    rows.push(...page.data);
    cursor = page.next;
  } while (cursor !== null);
  return rows;
}

describe('paper trading over a replayed month equals the backtest of that month, trade for trade (MariaDB)', () => {
  let url: string;
  let t: TestApp;
  let modelId: number;
  const environment = () => ({
    DATABASE_URL: url,
    MODEL_TRAINING_THREADS: '1',
    SYMBOLS: 'BTCUSDT',
    TRADING_PAPER_INITIAL_CASH: '10000',
    // Risk limits off so the paper account trades exactly like the backtest.
    TRADING_MAX_POSITION_NOTIONAL: '0',
    TRADING_MAX_DAILY_LOSS: '0',
    TRADING_MAX_ORDERS_PER_HOUR: '0',
  });

  beforeAll(async () => {
    url = await freshMysqlDatabase('paper_month');
    t = await startTestApp(environment());
    await importRealCandles(t, DATA_FROM, MONTH_TO);
    modelId = await submitModel(t.http, {
      symbol: 'BTCUSDT',
      interval: '1h',
      start: '2023-01-01T00:00:00Z',
      end: '2023-04-30T23:00:00Z',
      horizon: 4,
      hyper_parameters: { n_estimators: 25, max_depth: 8, min_num_samples: 20 },
      seed: 7,
      folds: 3,
    });
    const { model } = await waitForModel(t.http, modelId, 180_000);
    expect(model.status).toBe('ready');
    await request(t.http).post(`/api/models/${modelId}/activate`).expect(200);
    await request(t.http).post(`/api/models/${modelId}/predict`).send({ start: MONTH_FROM, end: MONTH_TO }).expect(200);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  it('replays May 2023 hour by hour (with a restart in the middle), then compares with POST /api/backtests', async () => {
    // Each run happens right after a candle closes; halfway the app is restarted on the same database.
    const restartAt = MONTH_FROM + 15 * 24 * HOUR_MS;
    for (let openTime = MONTH_FROM; openTime <= MONTH_TO; openTime += HOUR_MS) {
      if (openTime === restartAt) {
        await t.close();
        t = await startTestApp(environment());
      }
      await t.app.get(TradingEngine).runOnce(openTime + HOUR_MS);
    }
    // Running again for the same times changes nothing (idempotent per candle).
    await t.app.get(TradingEngine).runOnce(MONTH_TO + HOUR_MS);
    await t.app.get(TradingEngine).runOnce(MONTH_FROM + 3 * HOUR_MS);

    const paperTrades = await t.app.get(TradingStore).listTrades('paper', 'BTCUSDT', '1h');
    const fills = await allPages<{ side: string; time: number; price: number; quantity: string; fee: number }>(t, '/api/trading/fills', { symbol: 'BTCUSDT' });
    const orders = await allPages<{ status: string; client_order_id: string }>(t, '/api/trading/orders', { symbol: 'BTCUSDT' });
    const equity = await allPages<{ time: number; equity: number; cash: number; position_value: number }>(t, '/api/trading/equity', { symbol: 'BTCUSDT' });

    const created = await request(t.http)
      .post('/api/backtests')
      .send({ model_id: modelId, start: MONTH_FROM, end: MONTH_TO, fee_rate: 0.001, slippage_bps: 5, initial_capital: 10000 })
      .expect(202);
    const backtestId = (created.body as { id: number | string }).id;
    let status = '';
    for (let attempt = 0; attempt < 600 && status !== 'completed' && status !== 'failed'; attempt++) {
      status = ((await request(t.http).get(`/api/backtests/${backtestId}`).expect(200)).body as { status: string }).status;
      if (status !== 'completed') await new Promise((done) => setTimeout(done, 100));
    }
    expect(status).toBe('completed');
    const backtestTrades = (await allPages<BacktestTrade>(t, `/api/backtests/${backtestId}/trades`)).filter((trade) => trade.exit_reason !== 'end_of_data');

    expect(backtestTrades.length).toBeGreaterThan(3);
    expect(paperTrades.map((trade) => [trade.entryTime, trade.exitTime, trade.quantity, trade.exitReason])).toEqual(
      backtestTrades.map((trade) => [trade.entry_time, trade.exit_time, trade.quantity, trade.exit_reason]),
    );
    paperTrades.forEach((trade, index) => {
      expect(trade.entryPrice).toBeCloseTo(backtestTrades[index].entry_price, 8);
      expect(trade.exitPrice).toBeCloseTo(backtestTrades[index].exit_price, 8);
      expect(trade.pnl).toBeCloseTo(backtestTrades[index].pnl, 8);
      expect(trade.fees).toBeCloseTo(backtestTrades[index].fees, 8);
    });

    // Every round trip is two fills at candle opens; nothing duplicated across the restart or the repeated runs.
    const closedFills = fills.filter((fill) => fill.time <= paperTrades[paperTrades.length - 1].exitTime);
    expect(closedFills).toHaveLength(2 * paperTrades.length);
    expect(new Set(orders.map((order) => order.client_order_id)).size).toBe(orders.length);
    expect(orders.filter((order) => order.status === 'FILLED')).toHaveLength(fills.length);
    expect(equity).toHaveLength(744);
    expect(equity[0].time).toBe(MONTH_FROM + HOUR_MS);
    expect(equity[743].time).toBe(MONTH_TO + HOUR_MS);
    const equityCurve = (await allPages<{ time: number; equity: number }>(t, `/api/backtests/${backtestId}/equity`)).slice(0, 743);
    // The backtest's last point includes its end-of-data exit; every earlier close must match the paper account.
    equityCurve.forEach((point, index) => expect(equity[index].equity).toBeCloseTo(point.equity, 6));

    const status1 = (await request(t.http).get('/api/trading/status').expect(200)).body as Record<string, unknown>;
    expect(status1).toMatchObject({ mode: 'paper', live_enabled: false, killed: false, symbols: ['BTCUSDT'] });
    expect(status1.last_candle_processed).toEqual({ 'BTCUSDT 1h': { open_time: MONTH_TO, open_time_parsed: '2023-05-31T23:00:00.000Z' } });
  }, 300_000);

  it('answers 400 naming the field for bad query parameters', async () => {
    const bad = await request(t.http).get('/api/trading/orders').query({ limit: 0, symbol: 'btc' }).expect(400);
    expect((bad.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field).sort()).toEqual(['limit', 'symbol']);
    const badEquity = await request(t.http).get('/api/trading/equity').query({ start: 'yesterday', cursor: 'x' }).expect(400);
    expect((badEquity.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field).sort()).toEqual(['cursor', 'start']);
  });
});
