import type { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createConnection } from 'mysql2/promise';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { type FakeBinance, readCandlesCsv, startFakeBinance } from '../fake-binance/fake-binance-server';
import { BTCUSDT_1H_CSV, HOUR_MS, importRealCandles, waitForModel } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { allIds, dropPrefix, drainUntilEmpty, ELASTICSEARCH_TEST_URL, esClient, uniquePrefix } from './indexing-fixtures';
import { liveTradingEnvironment } from '../trading/trading-fixtures';

const KEY = 'wireLiveKey0123456789ABCDEF';
const SECRET = 'wireLiveSecret-0123456789abcdef';
const API_KEY = 'index-wire-live-key-0123456789';
const T0 = Date.UTC(2023, 2, 2, 0);

type Row = Record<string, unknown>;

// Live orders change status outside the candle transaction: acknowledged by the exchange, reconciled on the next run,
// cancelled by the kill switch. Each change must re-enqueue the order so Elasticsearch shows the final status.
describe('live order status changes reach Elasticsearch (fake Binance over a socket, MariaDB)', () => {
  const prefix = uniquePrefix('wlive');
  let es: Client;
  let fake: FakeBinance;
  let t: TestApp;
  let url: string;
  let modelId: number;

  const mysqlRows = async (sql: string, params: unknown[] = []): Promise<Row[]> => {
    const connection = await createConnection(url);
    try {
      return (await connection.query(sql, params))[0] as Row[];
    } finally {
      await connection.end();
    }
  };
  const setSignal = async (hour: number, signal: 'BUY' | 'SELL') => {
    await t.app.get(DataSource).query('UPDATE predictions SET trade_signal = ? WHERE model_id = ? AND open_time = ?', [signal, modelId, T0 + hour * HOUR_MS]);
  };
  const closeCandle = async (hour: number) => {
    const now = T0 + (hour + 1) * HOUR_MS;
    const realStart = Date.now();
    fake.setNow(() => now + (Date.now() - realStart));
    await t.app.get(TradingEngine).runOnce(now);
  };
  const lastOrder = async (): Promise<Row> => (await mysqlRows("SELECT * FROM trading_orders WHERE mode = 'live' ORDER BY id DESC LIMIT 1"))[0];
  const indexed = async (order: Row): Promise<Row> =>
    (await es.get<Row>({ index: `${prefix}orders`, id: `live:${String(order.client_order_id)}` }))._source!;
  const asDocument = (order: Row) => ({
    mode: 'live',
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

  beforeAll(async () => {
    es = esClient();
    url = await freshMysqlDatabase('index_wire_live');
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', candles: await readCandlesCsv(BTCUSDT_1H_CSV) }],
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '10000', BTC: '0' } }],
      now: () => T0,
    });
    t = await startTestApp({
      DATABASE_URL: url,
      ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      INDEXING_DRAIN_INTERVAL_MS: '3600000',
      MODEL_TRAINING_THREADS: '1',
      SYMBOLS: 'BTCUSDT',
      API_KEY,
      ...liveTradingEnvironment(fake.url, KEY, SECRET),
      BINANCE_REQUEST_TIMEOUT_MS: '2000',
      TRADING_MAX_POSITION_NOTIONAL: '1000',
      TRADING_MAX_DAILY_LOSS: '0',
      TRADING_MAX_ORDERS_PER_HOUR: '0',
    });
    await importRealCandles(t, Date.UTC(2023, 0, 1), Date.UTC(2023, 2, 3, 23));
    const submitted = await request(t.http).post('/api/models').set('x-api-key', API_KEY).send({
      symbol: 'BTCUSDT', interval: '1h', start: '2023-01-01T00:00:00Z', end: '2023-02-28T23:00:00Z',
      hyper_parameters: { n_estimators: 5, max_depth: 4, min_num_samples: 20 }, seed: 3, folds: 2,
    });
    modelId = (submitted.body as { id: number }).id;
    expect((await waitForModel(t.http, modelId, 120_000)).model.status).toBe('ready');
    await request(t.http).post(`/api/models/${modelId}/activate`).set('x-api-key', API_KEY).expect(200);
    await request(t.http).post(`/api/models/${modelId}/predict`).set('x-api-key', API_KEY).send({ start: T0, end: T0 + 47 * HOUR_MS }).expect(200);
    await t.app.get(DataSource).query('UPDATE predictions SET trade_signal = ? WHERE model_id = ?', ['HOLD', modelId]);
  }, 150_000);

  afterAll(async () => {
    await t?.close();
    await fake?.close();
    if (es) {
      await dropPrefix(es, prefix);
      await es.close();
    }
  });

  it('NEW at the exchange → indexed NEW; reconciled FILLED on the next run → indexed FILLED; kill-switch cancel → CANCELED', async () => {
    fake.setHoldOrders(true);
    await setSignal(1, 'BUY');
    await closeCandle(0);
    await closeCandle(1);
    const open = await lastOrder();
    expect(open).toMatchObject({ side: 'BUY', status: 'NEW' });
    expect(open.exchange_order_id).not.toBeNull();
    await drainUntilEmpty(t);
    expect(await indexed(open)).toEqual(asDocument(open));

    // The exchange fills it; the next run reconciles it (outside any candle transaction).
    expect(fake.fillHeldOrders().map((order) => order.status)).toEqual(['FILLED']);
    await closeCandle(2);
    const filled = (await mysqlRows("SELECT * FROM trading_orders WHERE mode = 'live' AND client_order_id = ?", [open.client_order_id]))[0];
    expect(filled.status).toBe('FILLED');
    await drainUntilEmpty(t);
    expect(await indexed(filled)).toEqual(asDocument(filled));
    expect(await indexed(filled)).toMatchObject({ status: 'FILLED', price: expect.any(Number) as number });

    // A SELL held open, then the kill switch cancels it at the exchange and books CANCELED.
    await setSignal(3, 'SELL');
    await closeCandle(3);
    const selling = await lastOrder();
    expect(selling).toMatchObject({ side: 'SELL', status: 'NEW' });
    await drainUntilEmpty(t);
    expect(await indexed(selling)).toMatchObject({ status: 'NEW' });
    await request(t.http).post('/api/trading/kill').set('x-api-key', API_KEY).send({ reason: 'index spec' }).expect(200);
    const cancelled = (await mysqlRows("SELECT * FROM trading_orders WHERE mode = 'live' AND client_order_id = ?", [selling.client_order_id]))[0];
    expect(cancelled.status).toBe('CANCELED');
    await drainUntilEmpty(t);
    expect(await indexed(cancelled)).toEqual(asDocument(cancelled));

    const ids = (await mysqlRows("SELECT client_order_id FROM trading_orders WHERE mode = 'live'")).map((row) => `live:${String(row.client_order_id)}`).sort();
    expect((await allIds(es, `${prefix}orders`)).sort()).toEqual(ids);
  }, 90_000);
});
