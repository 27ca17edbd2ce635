import { BinanceSpotClient } from '../../src/trading/live/binance-spot.client';
import { clientOrderIdFor } from '../../src/trading/live/client-order-id';
import { ExchangeError } from '../../src/trading/live/spot-exchange.client';
import { type FakeBinance, readCandlesCsv, startFakeBinance } from '../fake-binance/fake-binance-server';
import { BTCUSDT_1H_CSV } from '../modelling/modelling-fixtures';

const KEY = 'clientKeyAbcdef0123456789';
const SECRET = 'clientSecret-0123456789-abcdef';
const NOW = Date.UTC(2023, 5, 1, 12);

describe('BinanceSpotClient (binance-api-node) against the fake Binance over a socket', () => {
  let fake: FakeBinance;
  let clock = NOW;
  let sequence = 0;

  const client = (overrides: Partial<ConstructorParameters<typeof BinanceSpotClient>[0]> = {}) =>
    new BinanceSpotClient({ apiKey: KEY, apiSecret: SECRET, baseUrl: fake.url, timeoutMs: 1_000, recvWindowMs: 5_000, orderAttempts: 3, retryDelayMs: 10, ...overrides });
  const nextId = () => clientOrderIdFor({ mode: 'live', symbol: 'BTCUSDT', interval: '1h', openTime: NOW + ++sequence * 3_600_000, purpose: 'entry' });
  const ordersWith = (id: string) => fake.ordersOf(KEY).filter((order) => order.clientOrderId === id);

  beforeAll(async () => {
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', candles: await readCandlesCsv(BTCUSDT_1H_CSV) }],
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000000', BTC: '10' } }],
      now: () => clock,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.clearFaults();
    fake.setHoldOrders(false);
    clock = NOW;
  });

  it('derives client order ids deterministically, within Binance’s pattern', () => {
    const decision = { mode: 'live', symbol: 'BTCUSDT', interval: '1h', openTime: NOW, purpose: 'exit' as const };
    expect(clientOrderIdFor(decision)).toBe(clientOrderIdFor({ ...decision }));
    expect(clientOrderIdFor(decision)).not.toBe(clientOrderIdFor({ ...decision, purpose: 'entry' }));
    expect(clientOrderIdFor(decision)).not.toBe(clientOrderIdFor({ ...decision, openTime: NOW + 3_600_000 }));
    expect(clientOrderIdFor(decision)).not.toBe(clientOrderIdFor({ ...decision, interval: '4h' }));
    expect(clientOrderIdFor(decision)).toMatch(/^[.A-Z:/a-z0-9_-]{1,32}$/);
  });

  it('syncs its clock with the server (years apart here) and re-syncs once on -1021', async () => {
    const spot = client();
    expect((await spot.balances()).USDT.free).toMatch(/^\d+\.\d{8}$/);
    clock = NOW + 3_600_000;
    expect(await spot.openOrders('BTCUSDT')).toEqual([]);
    expect(fake.stats.requestsByEndpoint['/api/v3/time']).toBeGreaterThanOrEqual(2);
  });

  it('a 5xx after the order was accepted: looked up by client id, one order', async () => {
    const id = nextId();
    fake.setFaults({ orderServerError: { count: 1, status: 500, accepted: true } });
    const order = await client().placeMarketOrder({ symbol: 'BTCUSDT', side: 'BUY', quoteOrderQty: '100.00', clientOrderId: id });
    expect(order).toMatchObject({ clientOrderId: id, status: 'FILLED', side: 'BUY' });
    expect(order.fills).toHaveLength(1);
    expect(order.fills[0].commissionAsset).toBe('BTC');
    expect(ordersWith(id)).toHaveLength(1);
  });

  it('a 5xx before the order was accepted: the lookup finds nothing, the same id is sent again, one order', async () => {
    const id = nextId();
    fake.setFaults({ orderServerError: { count: 1, status: 503, accepted: false } });
    const order = await client().placeMarketOrder({ symbol: 'BTCUSDT', side: 'BUY', quoteOrderQty: '100.00', clientOrderId: id });
    expect(order.status).toBe('FILLED');
    expect(ordersWith(id)).toHaveLength(1);
  });

  it('a request that hangs times out, then the order is looked up and sent once', async () => {
    const id = nextId();
    fake.setFaults({ hang: { count: 1, paths: ['/api/v3/order'] } });
    const order = await client({ timeoutMs: 300 }).placeMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', quantity: '0.01000', clientOrderId: id });
    expect(order.status).toBe('FILLED');
    expect(ordersWith(id)).toHaveLength(1);
  });

  it('-2010 Duplicate order sent. (the id is already open): returns the existing order', async () => {
    const id = nextId();
    fake.setHoldOrders(true);
    const spot = client();
    expect((await spot.placeMarketOrder({ symbol: 'BTCUSDT', side: 'BUY', quoteOrderQty: '50.00', clientOrderId: id })).status).toBe('NEW');
    const again = await spot.placeMarketOrder({ symbol: 'BTCUSDT', side: 'BUY', quoteOrderQty: '50.00', clientOrderId: id });
    expect(again).toMatchObject({ clientOrderId: id, status: 'NEW' });
    expect(ordersWith(id)).toHaveLength(1);
    expect((await spot.cancelOpenOrders('BTCUSDT')).map((order) => order.clientOrderId)).toEqual([id]);
    expect(await spot.cancelOpenOrders('BTCUSDT')).toEqual([]);
    expect(await spot.findOrder('BTCUSDT', 'opa_never_sent')).toBeNull();
  });

  it('refusals are typed and carry neither the key nor the secret', async () => {
    const wrongSecret = client({ apiSecret: 'not-the-right-secret-123' });
    const bySecret = await wrongSecret.balances().catch((error: unknown) => error);
    expect(bySecret).toBeInstanceOf(ExchangeError);
    expect(bySecret).toMatchObject({ kind: 'auth', code: -1022 });
    const byKey = await client({ apiKey: 'unknownKey0123456789' }).balances().catch((error: unknown) => error);
    expect(byKey).toMatchObject({ kind: 'auth', code: -2015 });
    const lot = await client()
      .placeMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', quantity: '0.000015', clientOrderId: nextId() })
      .catch((error: unknown) => error);
    expect(lot).toMatchObject({ kind: 'rejected', code: -1013, message: 'Filter failure: LOT_SIZE' });
    fake.setFaults({ dropConnection: { count: 10, paths: ['/api/v3/account'] } });
    const dropped = await client({ orderAttempts: 1 }).balances().catch((error: unknown) => error);
    expect(dropped).toMatchObject({ kind: 'unknown_outcome' });
    for (const error of [bySecret, byKey, lot, dropped] as Error[]) {
      const text = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`;
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(/signature=/);
    }
  });
});
