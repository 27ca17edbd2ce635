import { Logger, type LoggerService } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LIVE_CONFIRMATION } from '../../src/config/environment';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { TradingStore } from '../../src/trading/trading.store';
import { type FakeBinance, readCandlesCsv, startFakeBinance } from '../fake-binance/fake-binance-server';
import { BTCUSDT_1H_CSV, HOUR_MS, importRealCandles, waitForModel } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { liveTradingEnvironment } from './trading-fixtures';

const KEY = 'liveKeyAbcdef0123456789XYZ';
const SECRET = 'liveSecret-9f8e7d6c5b4a3210-do-not-log';
const APP_API_KEY = 'app-api-key-0123456789';
const T0 = Date.UTC(2023, 2, 2, 0);

/** Every log line of every Logger in the app, so the test can look for the secrets in them. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...args: unknown[]): void {
    this.lines.push(JSON.stringify(args));
  }
  error(...args: unknown[]): void {
    this.lines.push(JSON.stringify(args));
  }
  warn(...args: unknown[]): void {
    this.lines.push(JSON.stringify(args));
  }
  debug(...args: unknown[]): void {
    this.lines.push(JSON.stringify(args));
  }
  verbose(...args: unknown[]): void {
    this.lines.push(JSON.stringify(args));
  }
}

interface OrderBody {
  client_order_id: string;
  exchange_order_id: string | null;
  side: string;
  status: string;
  decided_at: number;
  error: string | null;
}

describe('live trading against the fake Binance over a socket (MariaDB)', () => {
  let url: string;
  let fake: FakeBinance;
  let t: TestApp;
  let modelId: number;
  const logs = new CapturingLogger();
  const responses: string[] = [];
  /** What the process writes to stdout/stderr (the app's own console logger before the capture takes over). */
  const output: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);

  const liveEnvironment = () => ({
    DATABASE_URL: url,
    LOG_LEVEL: 'verbose',
    MODEL_TRAINING_THREADS: '1',
    SYMBOLS: 'BTCUSDT',
    API_KEY: APP_API_KEY,
    ...liveTradingEnvironment(fake.url, KEY, SECRET),
    BINANCE_REQUEST_TIMEOUT_MS: '2000',
    TRADING_MAX_POSITION_NOTIONAL: '1000',
    TRADING_MAX_DAILY_LOSS: '0',
    TRADING_MAX_ORDERS_PER_HOUR: '0',
  });

  async function start(environment: Record<string, string>): Promise<TestApp> {
    const app = await startTestApp(environment);
    Logger.overrideLogger(logs);
    return app;
  }

  async function setSignal(hour: number, signal: 'BUY' | 'SELL' | 'HOLD'): Promise<void> {
    await t.app.get(DataSource).query('UPDATE predictions SET trade_signal = ? WHERE model_id = ? AND open_time = ?', [signal, modelId, T0 + hour * HOUR_MS]);
  }

  /** Candle T0 + hour has just closed: the fake's clock is at the next open, and the trading step runs. */
  async function closeCandle(hour: number): Promise<void> {
    const now = T0 + (hour + 1) * HOUR_MS;
    const realStart = Date.now();
    fake.setNow(() => now + (Date.now() - realStart));
    await t.app.get(TradingEngine).runOnce(now);
  }

  async function get(path: string, query: Record<string, string | number> = {}): Promise<unknown> {
    const response = await request(t.http).get(path).query(query).expect(200);
    responses.push(response.text);
    return response.body as unknown;
  }

  beforeAll(async () => {
    const tee =
      (write: typeof writeOut): typeof writeOut =>
      (chunk: string | Uint8Array, ...rest: never[]) => {
        output.push(String(chunk));
        return write(chunk, ...rest);
      };
    process.stdout.write = tee(writeOut);
    process.stderr.write = tee(writeErr);
    url = await freshMysqlDatabase('live_trading');
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', candles: await readCandlesCsv(BTCUSDT_1H_CSV) }],
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '10000', BTC: '0' } }],
      now: () => T0,
    });
    t = await start(liveEnvironment());
    await importRealCandles(t, Date.UTC(2023, 0, 1), Date.UTC(2023, 2, 3, 23));
    const submitted = await request(t.http).post('/api/models').set('x-api-key', APP_API_KEY).send({
      symbol: 'BTCUSDT',
      interval: '1h',
      start: '2023-01-01T00:00:00Z',
      end: '2023-02-28T23:00:00Z',
      hyper_parameters: { n_estimators: 5, max_depth: 4, min_num_samples: 20 },
      seed: 3,
      folds: 2,
    });
    modelId = (submitted.body as { id: number }).id;
    expect((await waitForModel(t.http, modelId, 120_000)).model.status).toBe('ready');
    await request(t.http).post(`/api/models/${modelId}/activate`).set('x-api-key', APP_API_KEY).expect(200);
    await request(t.http).post(`/api/models/${modelId}/predict`).set('x-api-key', APP_API_KEY).send({ start: T0, end: T0 + 47 * HOUR_MS }).expect(200);
    // The orders these tests are about come from chosen signals on the model's predicted candles.
    await t.app.get(DataSource).query('UPDATE predictions SET trade_signal = ? WHERE model_id = ?', ['HOLD', modelId]);
  }, 180_000);

  afterAll(async () => {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    await t?.close();
    await fake?.close();
  });

  it('places correctly signed MARKET orders with derived client ids; the fake verifies and fills them', async () => {
    await setSignal(0, 'BUY');
    await setSignal(2, 'SELL');
    for (let hour = 0; hour <= 3; hour++) await closeCandle(hour);

    const atFake = fake.ordersOf(KEY);
    expect(atFake.map((order) => [order.side, order.status, order.type])).toEqual([
      ['BUY', 'FILLED', 'MARKET'],
      ['SELL', 'FILLED', 'MARKET'],
    ]);
    const orders = ((await get('/api/trading/orders')) as { data: OrderBody[] }).data;
    expect(orders.map((order) => [order.side, order.status, order.client_order_id, order.exchange_order_id])).toEqual([
      ['SELL', 'FILLED', atFake[1].clientOrderId, String(atFake[1].orderId)],
      ['BUY', 'FILLED', atFake[0].clientOrderId, String(atFake[0].orderId)],
    ]);
    expect(orders[1].client_order_id).toMatch(/^opa_[0-9a-z]+_en_[0-9a-f]{12}$/);
    // The buy spent at most the position limit (1000 USDT), and was filled at the open after the decision candle.
    expect(Number(atFake[0].cummulativeQuoteQty)).toBeLessThanOrEqual(1000);
    expect(atFake[0].time).toBeGreaterThanOrEqual(T0 + HOUR_MS);
    const fills = ((await get('/api/trading/fills')) as { data: Array<{ side: string; price: number; fee: number }> }).data;
    expect(fills.map((fill) => fill.side)).toEqual(['SELL', 'BUY']);
    expect(fills[1].price).toBeCloseTo(Number(atFake[0].fills[0].price), 8);
    expect(fills.every((fill) => fill.fee > 0)).toBe(true);
    const trades = await t.app.get(TradingStore).listTrades('live', 'BTCUSDT', '1h');
    expect(trades).toHaveLength(1);
    const status = (await get('/api/trading/status')) as { mode: string; live_enabled: boolean; accounts: Array<{ phase: string }> };
    expect(status).toMatchObject({ mode: 'live', live_enabled: true, accounts: [{ phase: 'flat' }] });
    expect(Number(fake.balanceOf(KEY, 'USDT').free)).toBeCloseTo(10000 + trades[0].pnl, 4);
  });

  it('a connection dropped after the exchange accepted the order creates no duplicate: it is looked up by client id', async () => {
    const before = fake.ordersOf(KEY).length;
    await setSignal(5, 'BUY');
    fake.setFaults({ orderAcceptedThenDropped: { count: 1 } });
    await closeCandle(4);
    await closeCandle(5);
    expect(fake.stats.faultsInjected.orderAcceptedThenDropped).toBe(1);
    const placed = fake.ordersOf(KEY).slice(before);
    expect(placed.map((order) => [order.side, order.status])).toEqual([['BUY', 'FILLED']]);
    const orders = ((await get('/api/trading/orders', { limit: 1 })) as { data: OrderBody[] }).data;
    expect(orders[0]).toMatchObject({ side: 'BUY', status: 'FILLED', client_order_id: placed[0].clientOrderId, exchange_order_id: String(placed[0].orderId) });
    const positions = ((await get('/api/trading/positions')) as { data: Array<{ quantity: string }> }).data;
    expect(positions).toHaveLength(1);
    await setSignal(6, 'SELL');
    await closeCandle(6);
    expect(fake.ordersOf(KEY).slice(before).map((order) => order.side)).toEqual(['BUY', 'SELL']);
  });

  it('after a restart, an order left open at the exchange is reconciled by client id and booked once', async () => {
    const before = fake.ordersOf(KEY).length;
    fake.setHoldOrders(true);
    await setSignal(8, 'BUY');
    await closeCandle(7);
    await closeCandle(8);
    let orders = ((await get('/api/trading/orders', { limit: 1 })) as { data: OrderBody[] }).data;
    expect(orders[0]).toMatchObject({ side: 'BUY', status: 'NEW' });
    await t.close();
    // While the app is down the exchange fills it.
    expect(fake.fillHeldOrders().map((order) => order.status)).toEqual(['FILLED']);
    fake.setHoldOrders(false);
    t = await start(liveEnvironment());
    await closeCandle(9);
    orders = ((await get('/api/trading/orders', { limit: 1 })) as { data: OrderBody[] }).data;
    expect(orders[0]).toMatchObject({ side: 'BUY', status: 'FILLED' });
    expect(fake.ordersOf(KEY)).toHaveLength(before + 1);
    const status = (await get('/api/trading/status')) as { accounts: Array<{ phase: string }> };
    expect(status.accounts[0].phase).toBe('long');
    const fills = ((await get('/api/trading/fills', { limit: 1 })) as { data: Array<{ client_order_id: string }> }).data;
    expect(fills[0].client_order_id).toBe(orders[0].client_order_id);
  });

  it('an order whose outcome stayed unknown (accepted, then every lookup failed) is booked after a restart', async () => {
    const before = fake.ordersOf(KEY).length;
    await setSignal(10, 'SELL');
    // The order is accepted but the answer is lost, and the fill lookups keep failing: the app cannot know.
    fake.setFaults({ orderAcceptedThenDropped: { count: 1 }, serverError: { paths: ['/api/v3/myTrades'], status: 500 } });
    await closeCandle(10);
    let orders = ((await get('/api/trading/orders', { limit: 1 })) as { data: OrderBody[] }).data;
    expect(orders[0]).toMatchObject({ side: 'SELL', status: 'UNKNOWN' });
    expect(await get('/api/trading/status')).toMatchObject({ accounts: [{ phase: 'exit_pending' }] });
    await t.close();
    fake.clearFaults();
    t = await start(liveEnvironment());
    await closeCandle(11);
    orders = ((await get('/api/trading/orders', { limit: 1 })) as { data: OrderBody[] }).data;
    expect(orders[0]).toMatchObject({ side: 'SELL', status: 'FILLED' });
    expect(fake.ordersOf(KEY).slice(before).map((order) => [order.side, order.status])).toEqual([['SELL', 'FILLED']]);
    expect(await get('/api/trading/status')).toMatchObject({ accounts: [{ phase: 'flat' }] });
  });

  it('the kill switch cancels every open order, stops trading, survives a restart, and resume undoes it', async () => {
    fake.setHoldOrders(true);
    await setSignal(12, 'BUY');
    await closeCandle(12);
    expect(fake.ordersOf(KEY).filter((order) => order.status === 'NEW')).toHaveLength(1);

    await request(t.http).post('/api/trading/kill').send({ reason: 'test' }).expect(401);
    const killed = await request(t.http).post('/api/trading/kill').set('x-api-key', APP_API_KEY).send({ reason: 'drill' }).expect(200);
    responses.push(killed.text);
    expect(killed.body).toEqual({ killed: true, cancelled_orders: 1, failed_symbols: [] });
    expect(fake.ordersOf(KEY).filter((order) => order.status === 'NEW')).toHaveLength(0);
    const orders = ((await get('/api/trading/orders', { limit: 1 })) as { data: OrderBody[] }).data;
    expect(orders[0]).toMatchObject({ side: 'BUY', status: 'CANCELED' });
    fake.setHoldOrders(false);

    await t.close();
    t = await start(liveEnvironment());
    expect(await get('/api/trading/status')).toMatchObject({ killed: true, killed_reason: 'drill', accounts: [{ phase: 'flat' }] });
    const sentBefore = fake.stats.requestsByEndpoint['/api/v3/order'] ?? 0;
    await setSignal(14, 'BUY');
    await closeCandle(13);
    await closeCandle(14);
    expect(fake.stats.requestsByEndpoint['/api/v3/order'] ?? 0).toBe(sentBefore);

    const resumed = await request(t.http).post('/api/trading/resume').set('x-api-key', APP_API_KEY).expect(200);
    responses.push(resumed.text);
    expect(resumed.body).toEqual({ killed: false });
    // Resuming skips the candles that closed while stopped (none is traded late): trading goes on from the newest
    // stored closed candle, here the last imported one.
    await setSignal(47, 'BUY');
    await closeCandle(47);
    expect(fake.ordersOf(KEY).slice(-1).map((order) => [order.side, order.status])).toEqual([['BUY', 'FILLED']]);
    expect(await get('/api/trading/status')).toMatchObject({ killed: false, accounts: [{ phase: 'long' }] });
  });

  it('never puts the API key or secret in a log line, a response or a stored order', async () => {
    await get('/api/trading/equity');
    await get('/api/trading/positions');
    const rows = await t.app.get(DataSource).query<unknown[]>('SELECT * FROM trading_orders');
    const everything = [...logs.lines, ...output, ...responses, JSON.stringify(rows)].join('\n');
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(everything).toContain('Kill switch ON');
    expect(everything).toContain('outcome unknown');
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(SECRET);
  });

  describe('with only one of the two opt-ins, no order ever reaches the exchange', () => {
    it.each([
      ['TRADING_MODE=live without TRADING_LIVE_CONFIRM', { TRADING_MODE: 'live' }],
      ['TRADING_LIVE_CONFIRM without TRADING_MODE=live', { TRADING_LIVE_CONFIRM: LIVE_CONFIRMATION }],
      ['TRADING_MODE=live with a wrong confirmation', { TRADING_MODE: 'live', TRADING_LIVE_CONFIRM: 'yes' }],
    ])('%s: runs paper and says so', async (_name, optIn) => {
      const guard = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h' }], accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '10000' } }] });
      await t.close();
      try {
        const environment: Record<string, string> = { ...liveEnvironment(), BINANCE_TRADING_BASE_URL: guard.url };
        delete environment.TRADING_MODE;
        delete environment.TRADING_LIVE_CONFIRM;
        t = await start({ ...environment, ...optIn });
        await setSignal(20, 'BUY');
        await closeCandle(19);
        await closeCandle(20);
        await setSignal(20, 'HOLD');
        const status = (await get('/api/trading/status')) as { mode: string; live_enabled: boolean; paper_because: string | null };
        expect(status).toMatchObject({ mode: 'paper', live_enabled: false });
        expect(status.paper_because).toEqual(expect.stringContaining('TRADING_'));
        // The paper broker did decide (so an order would have been sent in live mode) ...
        const orders = ((await get('/api/trading/orders', { limit: 5 })) as { data: OrderBody[] }).data;
        expect(orders.some((order) => order.decided_at === T0 + 20 * HOUR_MS && order.side === 'BUY')).toBe(true);
        // ... and not one request reached the exchange.
        expect(guard.stats.totalRequests).toBe(0);
        await request(t.http).post('/api/trading/kill').set('x-api-key', APP_API_KEY).expect(200);
        await request(t.http).post('/api/trading/resume').set('x-api-key', APP_API_KEY).expect(200);
        expect(guard.stats.totalRequests).toBe(0);
        // Start the next case from a fresh paper account.
        await t.app.get(DataSource).query("DELETE FROM trading_accounts WHERE mode = 'paper'");
        await t.app.get(DataSource).query("DELETE FROM trading_orders WHERE mode = 'paper'");
        await t.app.get(DataSource).query("DELETE FROM trading_equity WHERE mode = 'paper'");
      } finally {
        await guard.close();
      }
    });

    it('live with both opt-ins but no credentials does not start, naming the variables', async () => {
      const environment: Record<string, string> = { ...liveEnvironment() };
      delete environment.BINANCE_API_KEY;
      delete environment.BINANCE_API_SECRET;
      await expect(startTestApp(environment)).rejects.toThrow(/BINANCE_API_KEY[\s\S]*BINANCE_API_SECRET/);
    });
  });
});
