import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { HOUR_MS, importRealCandles, submitModel, waitForModel } from '../modelling/modelling-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const T0 = Date.UTC(2023, 2, 2, 0);

interface OrderBody {
  side: string;
  status: string;
  decided_at: number;
  quote_budget: number | null;
  error: string | null;
}

describe('paper trading on the embedded SQLite: risk limits before every order, persisted kill switch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opa-trading-sqlite-'));
  const base = { SQLITE_PATH: join(dir, 'trading.sqlite'), MODEL_TRAINING_THREADS: '1', SYMBOLS: 'BTCUSDT' };
  let t: TestApp;
  let modelId: number;

  async function restart(environment: Record<string, string>): Promise<void> {
    await t.close();
    t = await startTestApp({ ...base, ...environment });
    // A fresh paper account for each scenario.
    for (const table of ['trading_accounts', 'trading_orders', 'trading_fills', 'trading_trades', 'trading_equity']) {
      await t.app.get(DataSource).query(`DELETE FROM "${table}"`);
    }
  }

  async function signals(plan: Record<number, 'BUY' | 'SELL'>): Promise<void> {
    const db = t.app.get(DataSource);
    await db.query('UPDATE predictions SET trade_signal = ? WHERE model_id = ?', ['HOLD', modelId]);
    for (const [hour, signal] of Object.entries(plan)) {
      await db.query('UPDATE predictions SET trade_signal = ? WHERE model_id = ? AND open_time = ?', [signal, modelId, T0 + Number(hour) * HOUR_MS]);
    }
  }

  async function run(hours: number): Promise<OrderBody[]> {
    for (let hour = 0; hour < hours; hour++) await t.app.get(TradingEngine).runOnce(T0 + (hour + 1) * HOUR_MS);
    return ((await request(t.http).get('/api/trading/orders').expect(200)).body as { data: OrderBody[] }).data.reverse();
  }

  beforeAll(async () => {
    t = await startTestApp(base);
    await importRealCandles(t, Date.UTC(2023, 0, 1), Date.UTC(2023, 2, 3, 23));
    modelId = await submitModel(t.http, {
      symbol: 'BTCUSDT',
      interval: '1h',
      start: '2023-01-01T00:00:00Z',
      end: '2023-02-28T23:00:00Z',
      hyper_parameters: { n_estimators: 5, max_depth: 4, min_num_samples: 20 },
      seed: 3,
      folds: 2,
    });
    expect((await waitForModel(t.http, modelId, 120_000)).model.status).toBe('ready');
    await request(t.http).post(`/api/models/${modelId}/activate`).expect(200);
    await request(t.http).post(`/api/models/${modelId}/predict`).send({ start: T0, end: T0 + 40 * HOUR_MS }).expect(200);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('TRADING_MAX_POSITION_NOTIONAL cuts an entry down to the limit', async () => {
    await restart({ TRADING_MAX_POSITION_NOTIONAL: '500', TRADING_MAX_DAILY_LOSS: '0', TRADING_MAX_ORDERS_PER_HOUR: '0' });
    await signals({ 0: 'BUY' });
    const orders = await run(3);
    expect(orders.map((order) => [order.side, order.status, order.quote_budget])).toEqual([['BUY', 'FILLED', 500]]);
    const fills = ((await request(t.http).get('/api/trading/fills').expect(200)).body as { data: Array<{ notional: number; fee: number }> }).data;
    expect(fills[0].notional + fills[0].fee).toBeLessThanOrEqual(500);
    expect(fills[0].notional).toBeGreaterThan(490);
  });

  it('TRADING_MAX_ORDERS_PER_HOUR refuses an entry, never an exit', async () => {
    await restart({ TRADING_MAX_POSITION_NOTIONAL: '0', TRADING_MAX_DAILY_LOSS: '0', TRADING_MAX_ORDERS_PER_HOUR: '1' });
    // BUY at 0, SELL at 1 (allowed although the BUY is within the hour), BUY at 2 (refused: the SELL at 1), BUY at 4.
    await signals({ 0: 'BUY', 1: 'SELL', 2: 'BUY', 4: 'BUY' });
    const orders = await run(6);
    expect(orders.map((order) => [order.side, order.status, (order.decided_at - T0) / HOUR_MS])).toEqual([
      ['BUY', 'FILLED', 0],
      ['SELL', 'FILLED', 1],
      ['BUY', 'REJECTED', 2],
      ['BUY', 'FILLED', 4],
    ]);
    expect(orders[2].error).toContain('TRADING_MAX_ORDERS_PER_HOUR');
  });

  it('TRADING_MAX_DAILY_LOSS refuses new entries for the rest of the UTC day once exceeded', async () => {
    await restart({ TRADING_MAX_POSITION_NOTIONAL: '0', TRADING_MAX_DAILY_LOSS: '1', TRADING_MAX_ORDERS_PER_HOUR: '0' });
    // One round trip of 10 000 USDT costs ~20 USDT in fees and slippage alone: the next entry that day is refused.
    await signals({ 0: 'BUY', 1: 'SELL', 3: 'BUY' });
    const orders = await run(5);
    expect(orders.map((order) => [order.side, order.status])).toEqual([
      ['BUY', 'FILLED'],
      ['SELL', 'FILLED'],
      ['BUY', 'REJECTED'],
    ]);
    expect(orders[2].error).toContain('TRADING_MAX_DAILY_LOSS');
  });

  it('the kill switch cancels the order waiting for the next open, survives a restart, and resume undoes it', async () => {
    await restart({ TRADING_MAX_POSITION_NOTIONAL: '0', TRADING_MAX_DAILY_LOSS: '0', TRADING_MAX_ORDERS_PER_HOUR: '0' });
    await signals({ 0: 'BUY', 2: 'BUY' });
    let orders = await run(1);
    expect(orders.map((order) => order.status)).toEqual(['NEW']);
    const killed = await request(t.http).post('/api/trading/kill').send({ reason: 'sqlite drill' }).expect(200);
    expect(killed.body).toEqual({ killed: true, cancelled_orders: 1, failed_symbols: [] });
    await t.close();
    t = await startTestApp({ ...base });
    expect((await request(t.http).get('/api/trading/status').expect(200)).body).toMatchObject({ killed: true, killed_reason: 'sqlite drill', accounts: [{ phase: 'flat' }] });
    orders = await run(3);
    expect(orders.map((order) => order.status)).toEqual(['CANCELED']);
    await request(t.http).post('/api/trading/resume').expect(200);
    expect((await request(t.http).get('/api/trading/status').expect(200)).body).toMatchObject({ killed: false });
    const bad = await request(t.http).post('/api/trading/kill').send({ reason: 5, extra: true }).expect(400);
    expect(new Set((bad.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field))).toEqual(new Set(['extra', 'reason']));
  });

  it('TRADING_CRON runs the step on its own (thin scheduled handler)', async () => {
    await restart({ TRADING_CRON: '* * * * * *', TRADING_MAX_POSITION_NOTIONAL: '0', TRADING_MAX_DAILY_LOSS: '0', TRADING_MAX_ORDERS_PER_HOUR: '0' });
    expect(t.app.get(SchedulerRegistry).getCronJob('trading.step')).toBeDefined();
    let status: { accounts: Array<Record<string, unknown>>; last_candle_processed: Record<string, unknown> } = { accounts: [], last_candle_processed: {} };
    for (let attempt = 0; attempt < 40 && status.accounts.length === 0; attempt++) {
      await new Promise((done) => setTimeout(done, 100));
      status = (await request(t.http).get('/api/trading/status').expect(200)).body as typeof status;
    }
    // The scheduled step opened the account. On the wall clock every stored candle (2023) is history: the account
    // starts at the newest candle closed now, which is not stored, so no old candle is processed or traded.
    expect(status.accounts).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', interval: '1h', last_candle_processed: null, phase: 'flat' })]);
    expect(status.last_candle_processed).toEqual({});
    expect(((await request(t.http).get('/api/trading/orders').expect(200)).body as { data: unknown[] }).data).toEqual([]);
  });

  it('documents every trading endpoint in Swagger, the mutating ones with the api-key security', async () => {
    const document = (await request(t.http).get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    for (const path of ['status', 'positions', 'orders', 'fills', 'equity']) expect(document.paths[`/api/trading/${path}`].get.responses['200']).toBeDefined();
    for (const path of ['kill', 'resume']) expect(document.paths[`/api/trading/${path}`].post.security).toEqual([{ 'api-key': [] }]);
  });
});
