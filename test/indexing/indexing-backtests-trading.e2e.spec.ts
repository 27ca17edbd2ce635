import type { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { createConnection } from 'mysql2/promise';
import { BACKTEST_REF_ROWS } from '../../src/indexing/sources/backtests.source';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { TradingStore } from '../../src/trading/trading.store';
import { waitForBacktest } from '../backtest/backtest-fixtures';
import { HOUR_MS, importRealCandles } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { allIds, dropPrefix, drainUntilEmpty, ELASTICSEARCH_TEST_URL, esClient, trainSmallModel, uniquePrefix } from './indexing-fixtures';

// Real BTCUSDT 1h klines 2023-01..04. One small model (January-February) serves both: a backtest over 2023-01-06 ..
// 2023-04-30 (2 781 candles, so its equity curve is two outbox references) and a paper replay of April.
const DATA_FROM = Date.UTC(2023, 0, 1);
const DATA_TO = Date.UTC(2023, 3, 30, 23);
const TRAIN_TO = Date.UTC(2023, 1, 28, 23);
const BACKTEST_FROM = Date.UTC(2023, 0, 6);
const REPLAY_FROM = Date.UTC(2023, 3, 1);
const REPLAY_MIN_CANDLES = 240;
const API_KEY = 'index-wire-api-key-0123456789';
const NEW_INDICES = ['backtest-trades', 'backtest-equity', 'orders', 'trading-equity'] as const;

type Row = Record<string, unknown>;

describe('Backtests and paper trading indexed into a real Elasticsearch through the outbox (MariaDB)', () => {
  const prefix = uniquePrefix('wire');
  let es: Client;
  let t: TestApp;
  let databaseUrl: string;
  let modelId: number;
  let backtestId: number;

  const mysqlRows = async <T = Row>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const connection = await createConnection(databaseUrl);
    try {
      return (await connection.query(sql, params))[0] as T[];
    } finally {
      await connection.end();
    }
  };
  const esDoc = async (name: string, id: string): Promise<Row> => (await es.get<Row>({ index: `${prefix}${name}`, id }))._source!;
  const sortedIds = async (name: string): Promise<string[]> => (await allIds(es, `${prefix}${name}`)).sort();

  /** The document ids MySQL says each new index must hold (natural keys, computed here from the raw rows). */
  const expectedIds = async (): Promise<Record<(typeof NEW_INDICES)[number], string[]>> => ({
    'backtest-trades': (await mysqlRows<{ b: number; s: number }>('SELECT backtest_id AS b, seq AS s FROM backtest_trades')).map((r) => `${r.b}:${r.s}`).sort(),
    'backtest-equity': (await mysqlRows<{ b: number; t: number }>('SELECT backtest_id AS b, time AS t FROM backtest_equity')).map((r) => `${r.b}:${r.t}`).sort(),
    orders: (await mysqlRows<{ m: string; c: string }>('SELECT mode AS m, client_order_id AS c FROM trading_orders')).map((r) => `${r.m}:${r.c}`).sort(),
    'trading-equity': (await mysqlRows<{ m: string; s: string; i: string; t: number }>('SELECT mode AS m, symbol AS s, `interval` AS i, time AS t FROM trading_equity')).map((r) => `${r.m}:${r.s}:${r.i}:${r.t}`).sort(),
  });

  beforeAll(async () => {
    es = esClient();
    databaseUrl = await freshMysqlDatabase('index_wire');
    t = await startTestApp({
      DATABASE_URL: databaseUrl,
      ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      // The spec drains itself (drainUntilEmpty), so it can look at the outbox before anything is drained.
      INDEXING_DRAIN_INTERVAL_MS: '3600000',
      INDEXING_BATCH_ROWS: '1000',
      MODEL_TRAINING_THREADS: '1',
      API_KEY,
      SYMBOLS: 'BTCUSDT',
      TRADING_PAPER_INITIAL_CASH: '10000',
      TRADING_MAX_POSITION_NOTIONAL: '0',
      TRADING_MAX_DAILY_LOSS: '0',
      TRADING_MAX_ORDERS_PER_HOUR: '0',
    });
    await importRealCandles(t, DATA_FROM, DATA_TO);
    modelId = await trainSmallModel(t, DATA_FROM, TRAIN_TO, API_KEY);
  }, 150_000);

  afterAll(async () => {
    await t?.close();
    if (es) {
      await dropPrefix(es, prefix);
      await es.close();
    }
  });

  it('a completed backtest queues compact references in its transaction; trades and equity land equal to MySQL', async () => {
    const created = await request(t.http)
      .post('/api/backtests')
      .set('x-api-key', API_KEY)
      .send({ model_id: modelId, start: BACKTEST_FROM, end: DATA_TO, fee_rate: 0.001, slippage_bps: 5 })
      .expect(202);
    backtestId = (created.body as { id: number }).id;
    const { backtest } = await waitForBacktest(t.http, backtestId, 120_000);
    expect(backtest.error).toBeNull();
    expect(backtest.status).toBe('completed');

    // Nothing has drained yet: the outbox holds one reference per chunk of BACKTEST_REF_ROWS rows, covering all of them.
    const equityRows = await mysqlRows<{ time: number }>('SELECT time FROM backtest_equity WHERE backtest_id = ? ORDER BY time', [backtestId]);
    const [{ n: tradeCount }] = await mysqlRows<{ n: number }>('SELECT COUNT(*) AS n FROM backtest_trades WHERE backtest_id = ?', [backtestId]);
    expect(equityRows.length).toBeGreaterThan(BACKTEST_REF_ROWS);
    expect(Number(tradeCount)).toBeGreaterThan(3);
    const queued = await mysqlRows<{ source: string; ref: string }>(
      "SELECT source, ref FROM index_outbox WHERE source IN ('backtest-trades', 'backtest-equity') ORDER BY id",
    );
    const equityRefs = queued.filter((row) => row.source === 'backtest-equity').map((row) => JSON.parse(row.ref) as Row);
    const tradeRefs = queued.filter((row) => row.source === 'backtest-trades').map((row) => JSON.parse(row.ref) as Row);
    const times = equityRows.map((row) => Number(row.time));
    expect(equityRefs).toEqual([
      { backtest_id: backtestId, from_time: times[0], to_time: times[BACKTEST_REF_ROWS - 1] },
      { backtest_id: backtestId, from_time: times[BACKTEST_REF_ROWS], to_time: times[times.length - 1] },
    ]);
    expect(tradeRefs).toEqual([{ backtest_id: backtestId, from_seq: 1, to_seq: Number(tradeCount) }]);

    await drainUntilEmpty(t, 120_000);
    const expected = await expectedIds();
    expect(await sortedIds('backtest-trades')).toEqual(expected['backtest-trades']);
    expect(await sortedIds('backtest-equity')).toEqual(expected['backtest-equity']);
    expect(expected['backtest-equity']).toHaveLength(times.length);

    // A few documents field for field against the rows (and the API's own view of them).
    const trades = await mysqlRows('SELECT * FROM backtest_trades WHERE backtest_id = ? ORDER BY seq', [backtestId]);
    for (const trade of [trades[0], trades[Math.floor(trades.length / 2)], trades[trades.length - 1]]) {
      expect(await esDoc('backtest-trades', `${backtestId}:${String(trade.seq)}`)).toEqual({
        backtest_id: String(backtestId),
        model_id: String(modelId),
        symbol: 'BTCUSDT',
        interval: '1h',
        side: trade.side,
        entry_time: Number(trade.entry_time),
        exit_time: Number(trade.exit_time),
        entry_price: Number(trade.entry_price),
        exit_price: Number(trade.exit_price),
        quantity: Number(trade.quantity),
        pnl: Number(trade.pnl),
        return_pct: Number(trade.return_pct),
        fees: Number(trade.fees),
        exit_reason: trade.exit_reason,
        in_sample: backtest.summary!.overlaps_training,
      });
    }
    const points = await mysqlRows('SELECT * FROM backtest_equity WHERE backtest_id = ? AND time IN (?, ?, ?)', [
      backtestId, times[0], times[BACKTEST_REF_ROWS], times[times.length - 1],
    ]);
    expect(points).toHaveLength(3);
    for (const point of points) {
      expect(await esDoc('backtest-equity', `${backtestId}:${String(point.time)}`)).toEqual({
        backtest_id: String(backtestId),
        model_id: String(modelId),
        symbol: 'BTCUSDT',
        interval: '1h',
        time: Number(point.time),
        equity: Number(point.equity),
        buy_and_hold_equity: Number(point.buy_and_hold_equity),
        drawdown: Number(point.drawdown),
        in_sample: backtest.summary!.overlaps_training,
      });
    }
    const maxDrawdown = await es.search({ index: `${prefix}backtest-equity`, size: 0, aggs: { dd: { max: { field: 'drawdown' } } } });
    expect((maxDrawdown.aggregations as { dd: { value: number } }).dd.value).toBeCloseTo(backtest.metrics!.max_drawdown, 12);
  }, 150_000);

  it('paper trading queues its orders and equity points per candle; a kill-switch cancel reaches Elasticsearch', async () => {
    await request(t.http).post(`/api/models/${modelId}/activate`).set('x-api-key', API_KEY).expect(200);
    const engine = t.app.get(TradingEngine);
    const store = t.app.get(TradingStore);
    // Replay April hour by hour; stop (after at least REPLAY_MIN_CANDLES) at a close that left an order waiting.
    let openTime = REPLAY_FROM;
    for (; openTime <= DATA_TO; openTime += HOUR_MS) {
      await engine.runOnce(openTime + HOUR_MS);
      if (openTime >= REPLAY_FROM + REPLAY_MIN_CANDLES * HOUR_MS && (await store.openOrders('paper')).length > 0) break;
    }
    const [waiting] = await store.openOrders('paper');
    expect(waiting).toBeDefined();
    expect(waiting.status).toBe('NEW');

    // One equity reference per processed candle, one reference per order write, all in the candles' transactions.
    const [{ n: equityCount }] = await mysqlRows<{ n: number }>("SELECT COUNT(*) AS n FROM trading_equity WHERE mode = 'paper'");
    const [{ n: equityRefs }] = await mysqlRows<{ n: number }>("SELECT COUNT(*) AS n FROM index_outbox WHERE source = 'trading-equity'");
    expect(Number(equityRefs)).toBe(Number(equityCount));
    expect(Number(equityCount)).toBeGreaterThanOrEqual(REPLAY_MIN_CANDLES);

    await drainUntilEmpty(t, 120_000);
    const expected = await expectedIds();
    expect(await sortedIds('orders')).toEqual(expected.orders);
    expect(await sortedIds('trading-equity')).toEqual(expected['trading-equity']);
    const orders = await mysqlRows("SELECT * FROM trading_orders WHERE mode = 'paper' ORDER BY id");
    expect(orders.filter((order) => order.status === 'FILLED').length).toBeGreaterThan(2);
    const orderDoc = (order: Row) => ({
      mode: 'paper',
      client_order_id: order.client_order_id,
      exchange_order_id: order.exchange_order_id,
      symbol: 'BTCUSDT',
      side: order.side,
      type: 'MARKET',
      status: order.status,
      quantity: order.quantity === null ? null : Number(order.quantity),
      price: order.avg_fill_price === null ? null : Number(order.avg_fill_price),
      filled_quantity: Number(order.filled_quantity),
      avg_fill_price: order.avg_fill_price === null ? null : Number(order.avg_fill_price),
      fee: Number(order.fee),
      time: Number(order.decided_at),
      model_id: String(modelId),
    });
    const filledBuy = orders.find((order) => order.status === 'FILLED' && order.side === 'BUY')!;
    const filledSell = orders.find((order) => order.status === 'FILLED' && order.side === 'SELL')!;
    for (const order of [filledBuy, filledSell]) expect(await esDoc('orders', `paper:${String(order.client_order_id)}`)).toEqual(orderDoc(order));
    // The waiting order was indexed as NEW (it was written, then filled or not, in candle transactions).
    expect(await esDoc('orders', `paper:${waiting.clientOrderId}`)).toMatchObject({ status: 'NEW', price: null, filled_quantity: 0 });

    // Equity: the stored values, and the drawdown computed here from the running peak of the rows.
    const equity = await mysqlRows("SELECT * FROM trading_equity WHERE mode = 'paper' ORDER BY time");
    let peak = Number.NEGATIVE_INFINITY;
    const drawdowns = equity.map((point) => {
      peak = Math.max(peak, Number(point.equity));
      return 1 - Number(point.equity) / peak;
    });
    expect(Math.max(...drawdowns)).toBeGreaterThan(0);
    const worst = drawdowns.indexOf(Math.max(...drawdowns));
    for (const index of [0, worst, equity.length - 1]) {
      expect(await esDoc('trading-equity', `paper:BTCUSDT:1h:${String(equity[index].time)}`)).toEqual({
        mode: 'paper',
        symbol: 'BTCUSDT',
        interval: '1h',
        time: Number(equity[index].time),
        equity: Number(equity[index].equity),
        cash: Number(equity[index].cash),
        position_value: Number(equity[index].position_value),
        drawdown: expect.closeTo(drawdowns[index], 12) as number,
      });
    }

    // The kill switch cancels the waiting order outside any candle: Elasticsearch must end up showing CANCELED.
    await request(t.http).post('/api/trading/kill').set('x-api-key', API_KEY).send({ reason: 'index spec' }).expect((r) => expect(r.status).toBeLessThan(300));
    const [cancelled] = await mysqlRows("SELECT * FROM trading_orders WHERE mode = 'paper' AND client_order_id = ?", [waiting.clientOrderId]);
    expect(cancelled.status).toBe('CANCELED');
    await drainUntilEmpty(t);
    expect(await esDoc('orders', `paper:${waiting.clientOrderId}`)).toEqual(orderDoc(cancelled));
    expect(await sortedIds('orders')).toEqual(expected.orders);
  }, 180_000);

  it('POST /api/indexing/reindex rebuilds each of the four indices from MySQL with the same ids and count', async () => {
    const expected = await expectedIds();
    // A stray document must disappear; a missing one must come back.
    await es.index({ index: `${prefix}orders`, id: 'stray', document: { mode: 'paper', client_order_id: 'stray' }, refresh: true });
    await es.delete({ index: `${prefix}trading-equity`, id: expected['trading-equity'][0], refresh: true });
    for (const name of NEW_INDICES) {
      const before = await esDoc(name, expected[name][expected[name].length - 1]);
      const response = await request(t.http).post('/api/indexing/reindex').set('x-api-key', API_KEY).send({ index: name }).expect(200);
      expect(response.body).toMatchObject({ index: name, physical_index: `${prefix}${name}`, documents: expected[name].length, failed: 0 });
      expect([name, await sortedIds(name)]).toEqual([name, expected[name]]);
      // The scan builds the same document as the outbox path (trading-equity's drawdown included).
      expect(await esDoc(name, expected[name][expected[name].length - 1])).toEqual(before);
    }
    const status = (await request(t.http).get('/api/indexing/status').expect(200)).body as { indices: Array<{ name: string; fed: boolean }> };
    expect(status.indices.filter((index) => (NEW_INDICES as readonly string[]).includes(index.name)).map((index) => index.fed)).toEqual([true, true, true, true]);
  }, 120_000);
});
