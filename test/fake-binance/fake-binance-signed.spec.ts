import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { FakeBinance, readCandlesCsv, signPayload, startFakeBinance } from './fake-binance-server';
import { BTCUSDT_1H_CSV } from '../support/shared-data';

const CSV_1H = BTCUSDT_1H_CSV;
const KEY = 'fakeKey0123456789abcdef';
const SECRET = 'fakeSecret-0123456789';
const HOUR = 3_600_000;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: unknown;
}

/** One signed call the way Binance documents it: HMAC-SHA256 hex over query + body, key in X-MBX-APIKEY. */
function call(
  fake: FakeBinance,
  method: string,
  path: string,
  parameters: Record<string, string | number>,
  options: { inBody?: boolean; secret?: string; key?: string | null; tamper?: boolean } = {},
): Promise<Answer> {
  const text = new URLSearchParams(Object.entries(parameters).map(([name, value]): [string, string] => [name, String(value)])).toString();
  const signature = signPayload(text, options.secret ?? SECRET);
  const signed = `${text}&signature=${options.tamper ? signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) : signature}`;
  const query = options.inBody ? '' : `?${signed}`;
  const body = options.inBody ? signed : '';
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (options.key !== null) headers['X-MBX-APIKEY'] = options.key ?? KEY;
    const req = httpRequest(`${fake.url}${path}${query}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json: JSON.parse(Buffer.concat(chunks).toString()) as unknown }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('fake Binance SIGNED endpoints (orders, account) over real HTTP', () => {
  let fake: FakeBinance;
  let now: number;
  let openPrice: string;

  beforeAll(async () => {
    const candles = await readCandlesCsv(CSV_1H);
    const candle = candles[candles.length - 100];
    now = candle.openTime;
    openPrice = candle.open;
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', candles }],
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '100000', BTC: '0' } }, { apiKey: 'readOnlyKey1', apiSecret: 'x', canTrade: false }],
      now: () => now,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.clearFaults();
    fake.setHoldOrders(false);
  });

  const ts = () => ({ timestamp: now });

  it('answers GET /api/v3/account with balances and commission rates, weight 20', async () => {
    fake.resetStats();
    const before = fake.stats.usedWeightCurrentMinute;
    const answer = await call(fake, 'GET', '/api/v3/account', { omitZeroBalances: 'true', ...ts() });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ canTrade: true, accountType: 'SPOT', commissionRates: { taker: '0.00100000' } });
    expect((answer.json as { balances: unknown[] }).balances).toContainEqual({ asset: 'USDT', free: expect.any(String), locked: expect.any(String) });
    expect(Number(answer.headers['x-mbx-used-weight-1m'])).toBe(before + 20);
  });

  it.each([
    ['no API key', { key: null }, 401, -2014, 'API-key format invalid.'],
    ['an unknown API key', { key: 'someOtherKey123' }, 401, -2015, 'Invalid API-key, IP, or permissions for action.'],
    ['a signature made with another secret', { secret: 'wrong' }, 400, -1022, 'Signature for this request is not valid.'],
    ['a tampered signature', { tamper: true }, 400, -1022, 'Signature for this request is not valid.'],
  ])('refuses a request with %s', async (_name, options, status, code, msg) => {
    const answer = await call(fake, 'GET', '/api/v3/account', ts(), options);
    expect(answer.status).toBe(status);
    expect(answer.json).toEqual({ code, msg });
  });

  it('enforces timestamp and recvWindow as documented', async () => {
    expect((await call(fake, 'GET', '/api/v3/account', { timestamp: now - 5_000 })).status).toBe(200);
    expect((await call(fake, 'GET', '/api/v3/account', { timestamp: now - 5_001 })).json).toEqual({
      code: -1021,
      msg: 'Timestamp for this request is outside of the recvWindow.',
    });
    expect((await call(fake, 'GET', '/api/v3/account', { timestamp: now - 20_000, recvWindow: 30_000 })).status).toBe(200);
    expect((await call(fake, 'GET', '/api/v3/account', { timestamp: now + 999 })).status).toBe(200);
    expect((await call(fake, 'GET', '/api/v3/account', { timestamp: now + 1_000 })).json).toEqual({
      code: -1021,
      msg: "Timestamp for this request was 1000ms ahead of the server's time.",
    });
    expect((await call(fake, 'GET', '/api/v3/account', { timestamp: now, recvWindow: 60_001 })).json).toMatchObject({ code: -1131 });
    expect((await call(fake, 'GET', '/api/v3/account', { recvWindow: 5000 })).json).toMatchObject({ code: -1102 });
  });

  it('fills a MARKET buy at the open candle price, charging 0.1% commission in the base asset', async () => {
    const usdtBefore = Number(fake.balanceOf(KEY, 'USDT').free);
    const btcBefore = Number(fake.balanceOf(KEY, 'BTC').free);
    const answer = await call(
      fake,
      'POST',
      '/api/v3/order',
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01000', newClientOrderId: 'opa-buy-1', ...ts() },
      { inBody: true },
    );
    expect(answer.status).toBe(200);
    const order = answer.json as { status: string; clientOrderId: string; executedQty: string; fills: Array<{ price: string; qty: string; commission: string; commissionAsset: string }> };
    expect(order).toMatchObject({ status: 'FILLED', clientOrderId: 'opa-buy-1', executedQty: '0.01000000', type: 'MARKET', side: 'BUY' });
    expect(Number(order.fills[0].price)).toBe(Number(openPrice));
    expect(order.fills[0]).toMatchObject({ qty: '0.01000000', commission: '0.00001000', commissionAsset: 'BTC' });
    expect(Number(fake.balanceOf(KEY, 'USDT').free)).toBeCloseTo(usdtBefore - 0.01 * Number(openPrice), 6);
    expect(Number(fake.balanceOf(KEY, 'BTC').free)).toBeCloseTo(btcBefore + 0.00999, 8);

    const lookedUp = await call(fake, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'opa-buy-1', ...ts() });
    expect(lookedUp.json).toMatchObject({ status: 'FILLED', clientOrderId: 'opa-buy-1', executedQty: '0.01000000' });
    expect(lookedUp.json).not.toHaveProperty('fills');
  });

  it('refuses a duplicate client order id among open orders with -2010 and knows no unknown order (-2013)', async () => {
    fake.setHoldOrders(true);
    const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00100', newClientOrderId: 'opa-dup-1' };
    const first = await call(fake, 'POST', '/api/v3/order', { ...order, ...ts() });
    expect(first.json).toMatchObject({ status: 'NEW' });
    const second = await call(fake, 'POST', '/api/v3/order', { ...order, ...ts() });
    expect(second.status).toBe(400);
    expect(second.json).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    expect(fake.ordersOf(KEY).filter((o) => o.clientOrderId === 'opa-dup-1')).toHaveLength(1);
    expect(fake.fillHeldOrders().map((o) => o.status)).toEqual(['FILLED']);
    const missing = await call(fake, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'never-sent', ...ts() });
    expect(missing.json).toEqual({ code: -2013, msg: 'Order does not exist.' });
  });

  it('lists, cancels one and cancels all open orders; a key without trading rights cannot order', async () => {
    fake.setHoldOrders(true);
    for (const id of ['opa-open-1', 'opa-open-2', 'opa-open-3']) {
      await call(fake, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00100', newClientOrderId: id, ...ts() });
    }
    const open = await call(fake, 'GET', '/api/v3/openOrders', { symbol: 'BTCUSDT', ...ts() });
    expect((open.json as Array<{ clientOrderId: string }>).map((o) => o.clientOrderId)).toEqual(['opa-open-1', 'opa-open-2', 'opa-open-3']);
    const one = await call(fake, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'opa-open-2', ...ts() });
    expect(one.json).toMatchObject({ clientOrderId: 'opa-open-2', status: 'CANCELED' });
    const again = await call(fake, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'opa-open-2', ...ts() });
    expect(again.json).toEqual({ code: -2011, msg: 'Unknown order sent.' });
    const all = await call(fake, 'DELETE', '/api/v3/openOrders', { symbol: 'BTCUSDT', ...ts() });
    expect((all.json as Array<{ clientOrderId: string; status: string }>).map((o) => [o.clientOrderId, o.status])).toEqual([
      ['opa-open-1', 'CANCELED'],
      ['opa-open-3', 'CANCELED'],
    ]);
    expect((await call(fake, 'GET', '/api/v3/openOrders', { symbol: 'BTCUSDT', ...ts() })).json).toEqual([]);
    const readOnly = await call(fake, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', ...ts() }, { key: 'readOnlyKey1', secret: 'x' });
    expect(readOnly.json).toMatchObject({ code: -2015 });
  });

  it('applies LOT_SIZE, NOTIONAL and balance checks to orders', async () => {
    const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET' };
    expect((await call(fake, 'POST', '/api/v3/order', { ...order, quantity: '0.000015', ...ts() })).json).toEqual({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
    expect((await call(fake, 'POST', '/api/v3/order', { ...order, quantity: '0.00001', ...ts() })).json).toEqual({ code: -1013, msg: 'Filter failure: NOTIONAL' });
    expect((await call(fake, 'POST', '/api/v3/order', { ...order, quantity: '100', ...ts() })).json).toEqual({
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
    });
  });

  it('can drop the connection after accepting an order, and answer 5xx with or without placing it', async () => {
    const before = fake.ordersOf(KEY).length;
    fake.setFaults({ orderAcceptedThenDropped: { count: 1 } });
    await expect(
      call(fake, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00100', newClientOrderId: 'opa-drop-1', ...ts() }),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(fake.ordersOf(KEY).slice(before).map((o) => [o.clientOrderId, o.status])).toEqual([['opa-drop-1', 'FILLED']]);

    fake.setFaults({ orderServerError: { count: 1, accepted: false } });
    const refused = await call(fake, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00100', newClientOrderId: 'opa-5xx-1', ...ts() });
    expect(refused.status).toBe(503);
    fake.setFaults({ orderServerError: { count: 1, status: 500 } });
    const unknown = await call(fake, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00100', newClientOrderId: 'opa-5xx-2', ...ts() });
    expect(unknown.status).toBe(500);
    expect(fake.ordersOf(KEY).slice(before).map((o) => o.clientOrderId)).toEqual(['opa-drop-1', 'opa-5xx-2']);
    expect(fake.stats.faultsInjected).toMatchObject({ orderAcceptedThenDropped: 1, orderServerError: 2 });
  });

  it('prices a market order at the candle open at the server clock', async () => {
    const saved = now;
    now += HOUR;
    try {
      const answer = await call(fake, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.00500', ...ts() });
      const fills = (answer.json as { fills: Array<{ price: string; commissionAsset: string }> }).fills;
      const candles = await readCandlesCsv(CSV_1H);
      expect(Number(fills[0].price)).toBe(Number(candles.find((c) => c.openTime === now)?.open));
      expect(fills[0].commissionAsset).toBe('USDT');
    } finally {
      now = saved;
    }
  });
});
