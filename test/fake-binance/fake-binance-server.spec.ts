import { readFileSync } from 'node:fs';
import { get, IncomingHttpHeaders } from 'node:http';
import { FakeBinance, FakeCandle, generateCandles, startFakeBinance } from './fake-binance-server';
import { SHARED_BINANCE_DIR } from '../support/shared-data';

const DATA_DIR = SHARED_BINANCE_DIR;
const CSV_1H = `${DATA_DIR}/BTCUSDT-1h.csv`;
const HOUR = 3_600_000;
const MINUTE = 60_000;

type Kline = [number, string, string, string, string, string, number, string, number, string, string, string];

interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Plain node:http GET on a fresh connection, so every fault is seen exactly as a client would see it. */
function httpGet(url: string, timeoutMs = 5_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('close', () => {
        if (!response.complete) reject(new Error('connection dropped before the body was complete'));
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

async function getJson<T>(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; json: T }> {
  const result = await httpGet(url);
  return { status: result.status, headers: result.headers, json: JSON.parse(result.body) as T };
}

/** Reads the shared CSV independently of the server's loader: one array of 11 text fields per row. */
function readCsvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

/** Binance's "46216.93000000" written the CSV's way, "46216.93". */
function stripTrailingZeros(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;
}

const EIGHT_DECIMALS = /^\d+\.\d{8}$/;
const DECIMAL_COLUMNS = [1, 2, 3, 4, 5, 7, 9, 10];

/** How a kline differs from its CSV row, field by field; empty when it is exactly Binance's rendering of it. */
function klineDifferences(kline: Kline, csvRow: string[]): string[] {
  const differences: string[] = [];
  if ((kline as unknown[]).length !== 12) differences.push(`${(kline as unknown[]).length} elements`);
  for (const column of [0, 6, 8]) {
    if (kline[column] !== Number(csvRow[column])) differences.push(`[${column}] ${kline[column]} ≠ ${csvRow[column]}`);
  }
  for (const column of DECIMAL_COLUMNS) {
    const value = kline[column];
    if (typeof value !== 'string' || !EIGHT_DECIMALS.test(value) || stripTrailingZeros(value) !== csvRow[column]) {
      differences.push(`[${column}] ${JSON.stringify(value)} ≠ ${csvRow[column]}`);
    }
  }
  if (kline[11] !== '0') differences.push(`[11] ${JSON.stringify(kline[11])}`);
  return differences.map((difference) => `${csvRow[0]}: ${difference}`);
}

function expectKlineMatchesCsv(kline: Kline, csvRow: string[]): void {
  expect(klineDifferences(kline, csvRow)).toEqual([]);
}

function units(decimal: string): bigint {
  expect(decimal).toMatch(EIGHT_DECIMALS);
  return BigInt(decimal.replace('.', ''));
}

/** A CSV decimal ("27350", "27159.63") in units of 1e-8, by string padding. */
function csvUnits(decimal: string): bigint {
  const [integerPart, fraction = ''] = decimal.split('.');
  return BigInt(integerPart + fraction.padEnd(8, '0'));
}

describe('fake Binance over real HTTP, with the shared BTCUSDT 1h CSV', () => {
  const csvRows = readCsvRows(CSV_1H);
  const firstOpenTime = Number(csvRows[0][0]);
  const lastOpenTime = Number(csvRows[csvRows.length - 1][0]);
  const rowIndexByOpenTime = new Map(csvRows.map((row, index) => [Number(row[0]), index]));
  let fake: FakeBinance;
  let klinesUrl: string;

  beforeAll(async () => {
    fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: CSV_1H }], now: () => 0 });
    klinesUrl = `${fake.url}/api/v3/klines?symbol=BTCUSDT&interval=1h`;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    // Every candle closed, and a fresh weight minute for each test.
    fake.setNow(lastOpenTime + 10 * HOUR);
    fake.clearFaults();
    fake.resetStats();
  });

  it('listens on a random loopback port', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.port).toBeGreaterThan(0);
  });

  it('pages through the whole CSV 1000 at a time and returns exactly its rows, field for field', async () => {
    const received: Kline[] = [];
    let startTime = firstOpenTime;
    let requests = 0;
    let lastWeightHeader: string | undefined;
    for (;;) {
      const { status, headers, json } = await getJson<Kline[]>(`${klinesUrl}&startTime=${startTime}&limit=1000`);
      requests++;
      expect(status).toBe(200);
      lastWeightHeader = String(headers['x-mbx-used-weight-1m']);
      received.push(...json);
      if (json.length < 1000) break;
      startTime = json[json.length - 1][0] + 1;
    }
    expect(received).toHaveLength(csvRows.length);
    // One assertion over all 60k rows: per-field expect() calls would take minutes.
    expect(received.flatMap((kline, index) => klineDifferences(kline, csvRows[index]))).toEqual([]);
    expect(requests).toBe(Math.floor(csvRows.length / 1000) + 1);
    expect(lastWeightHeader).toBe(String(2 * requests));
  });

  it('defaults to 500 klines, serves up to 1000, and caps larger limits at 1000', async () => {
    const from = `${klinesUrl}&startTime=${firstOpenTime}`;
    expect((await getJson<Kline[]>(from)).json).toHaveLength(500);
    expect((await getJson<Kline[]>(`${from}&limit=1`)).json).toHaveLength(1);
    expect((await getJson<Kline[]>(`${from}&limit=1000`)).json).toHaveLength(1000);
    const oversized = await getJson<Kline[]>(`${from}&limit=5000`);
    expect(oversized.status).toBe(200);
    expect(oversized.json).toHaveLength(1000);
    expect(oversized.json[0][0]).toBe(firstOpenTime);
  });

  it('returns the most recent klines when neither startTime nor endTime is given', async () => {
    const { json } = await getJson<Kline[]>(`${klinesUrl}&limit=7`);
    expect(json).toHaveLength(7);
    json.forEach((kline, index) => expectKlineMatchesCsv(kline, csvRows[csvRows.length - 7 + index]));
    expect((await getJson<Kline[]>(klinesUrl)).json).toHaveLength(500);
  });

  it('with only endTime returns the latest klines opening at or before it', async () => {
    const endIndex = rowIndexByOpenTime.get(1685577600000) ?? -1;
    expect(endIndex).toBeGreaterThan(10);
    const endTime = Number(csvRows[endIndex][0]) + 30 * MINUTE;
    const { json } = await getJson<Kline[]>(`${klinesUrl}&endTime=${endTime}&limit=10`);
    expect(json).toHaveLength(10);
    json.forEach((kline, index) => expectKlineMatchesCsv(kline, csvRows[endIndex - 9 + index]));
  });

  it('with startTime and endTime returns only the klines between them, and nothing for a reversed range', async () => {
    const startIndex = rowIndexByOpenTime.get(1685577600000) ?? -1;
    const startTime = Number(csvRows[startIndex][0]);
    const { json } = await getJson<Kline[]>(`${klinesUrl}&startTime=${startTime}&endTime=${startTime + 5 * HOUR}`);
    expect(json.map((kline) => kline[0])).toEqual(csvRows.slice(startIndex, startIndex + 6).map((row) => Number(row[0])));
    const reversed = await getJson<Kline[]>(`${klinesUrl}&startTime=${startTime}&endTime=${startTime - HOUR}`);
    expect(reversed.json).toEqual([]);
  });

  it('leaves gaps out, like exchange downtime', async () => {
    // 2020-12-08 00:00 to 2021-04-08 12:00 is missing from the CSV.
    const { json } = await getJson<Kline[]>(`${klinesUrl}&startTime=${Date.UTC(2020, 11, 7, 22)}&limit=3`);
    expect(json.map((kline) => kline[0])).toEqual([Date.UTC(2020, 11, 7, 22), Date.UTC(2020, 11, 7, 23), Date.UTC(2021, 3, 8, 13)]);
  });

  it('accepts a timeZone that keeps the interval grid and refuses malformed ones', async () => {
    const plain = await getJson<Kline[]>(`${klinesUrl}&limit=5`);
    const shifted = await getJson<Kline[]>(`${klinesUrl}&limit=5&timeZone=8`);
    expect(shifted.json).toEqual(plain.json);
    const outOfRange = await getJson(`${klinesUrl}&timeZone=15`);
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.json).toEqual({ code: -1130, msg: "Data sent for parameter 'timeZone' is not valid." });
    const notSimulated = await getJson<{ code: number; msg: string }>(`${klinesUrl}&timeZone=05:45`);
    expect(notSimulated.status).toBe(400);
    expect(notSimulated.json.msg).toContain('fake-binance');
  });

  describe('errors, with Binance codes and messages', () => {
    const cases: Array<[string, number, string, string]> = [
      ['missing symbol', -1102, '/api/v3/klines?interval=1h', "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."],
      ['empty symbol', -1102, '/api/v3/klines?symbol=&interval=1h', "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."],
      ['missing interval', -1102, '/api/v3/klines?symbol=BTCUSDT', "Mandatory parameter 'interval' was not sent, was empty/null, or malformed."],
      ['lowercase symbol', -1100, '/api/v3/klines?symbol=btcusdt&interval=1h', "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."],
      ['unknown symbol', -1121, '/api/v3/klines?symbol=ETHUSDT&interval=1h', 'Invalid symbol.'],
      ['unknown interval', -1120, '/api/v3/klines?symbol=BTCUSDT&interval=2m', 'Invalid interval.'],
      ['interval in the wrong case', -1120, '/api/v3/klines?symbol=BTCUSDT&interval=1H', 'Invalid interval.'],
      ['negative limit', -1100, '/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=-5', "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."],
      ['text startTime', -1100, '/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=yesterday', "Illegal characters found in parameter 'startTime'; legal range is '^[0-9]{1,20}$'."],
      ['zero limit', -1130, '/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=0', "Data sent for parameter 'limit' is not valid."],
      ['duplicated parameter', -1101, '/api/v3/klines?symbol=BTCUSDT&symbol=BTCUSDT&interval=1h', 'Duplicate values for a parameter detected.'],
      ['unknown parameter', -1104, '/api/v3/klines?symbol=BTCUSDT&interval=1h&fromId=1', "Not all sent parameters were read; read '2' parameter(s) but was sent '3'."],
      ['unknown exchangeInfo symbol', -1121, '/api/v3/exchangeInfo?symbol=NOPEUSDT', 'Invalid symbol.'],
      ['exchangeInfo symbols with an unknown one', -1121, `/api/v3/exchangeInfo?symbols=${encodeURIComponent('["BTCUSDT","NOPEUSDT"]')}`, 'Invalid symbol.'],
    ];
    it.each(cases)('%s → 400 %i', async (_name, code, path, msg) => {
      const result = await httpGet(`${fake.url}${path}`);
      expect(result.status).toBe(400);
      expect(result.headers['content-type']).toContain('application/json');
      expect(JSON.parse(result.body)).toEqual({ code, msg });
    });

    it('answers an unknown path with 404', async () => {
      expect((await httpGet(`${fake.url}/api/v3/nope`)).status).toBe(404);
    });
  });

  it('ping and time answer like Binance', async () => {
    expect((await getJson(`${fake.url}/api/v3/ping`)).json).toEqual({});
    fake.setNow(1_700_000_000_123);
    expect((await getJson(`${fake.url}/api/v3/time`)).json).toEqual({ serverTime: 1_700_000_000_123 });
  });

  it('describes its symbols, filters and rate limits in exchangeInfo', async () => {
    interface ExchangeInfo {
      serverTime: number;
      rateLimits: Array<{ rateLimitType: string; interval: string; intervalNum: number; limit: number }>;
      symbols: Array<{ symbol: string; status: string; baseAsset: string; quoteAsset: string; filters: Array<Record<string, unknown>> }>;
    }
    const { json } = await getJson<ExchangeInfo>(`${fake.url}/api/v3/exchangeInfo`);
    expect(json.serverTime).toBe(fake.now());
    expect(json.rateLimits).toContainEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 });
    expect(json.symbols).toHaveLength(1);
    const [btc] = json.symbols;
    expect(btc).toMatchObject({ symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' });
    const filter = (type: string) => btc.filters.find((entry) => entry.filterType === type);
    expect(filter('PRICE_FILTER')).toMatchObject({ tickSize: '0.01000000' });
    expect(filter('LOT_SIZE')).toMatchObject({ stepSize: '0.00001000', minQty: '0.00001000' });
    expect(filter('NOTIONAL')).toMatchObject({ minNotional: '5.00000000' });

    const single = await getJson<ExchangeInfo>(`${fake.url}/api/v3/exchangeInfo?symbol=BTCUSDT`);
    expect(single.json.symbols.map((entry) => entry.symbol)).toEqual(['BTCUSDT']);
    const several = await getJson<ExchangeInfo>(`${fake.url}/api/v3/exchangeInfo?symbols=${encodeURIComponent('["BTCUSDT"]')}`);
    expect(several.json.symbols.map((entry) => entry.symbol)).toEqual(['BTCUSDT']);
    const notAnArray = await httpGet(`${fake.url}/api/v3/exchangeInfo?symbols=BTCUSDT`);
    expect(notAnArray.status).toBe(400);
    expect((JSON.parse(notAnArray.body) as { code: number }).code).toBe(-1100);
  });

  it('adds each endpoint weight to X-MBX-USED-WEIGHT-1M within a minute and starts again the next minute', async () => {
    // A minute no other test in this block uses, so its weight starts at zero.
    const minuteStart = lastOpenTime + 20 * HOUR;
    fake.setNow(minuteStart + 5_000);
    const weights: string[] = [];
    for (const path of ['/api/v3/ping', '/api/v3/time', '/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=1', '/api/v3/exchangeInfo', '/api/v3/klines?symbol=NOPEUSDT&interval=1h']) {
      const result = await httpGet(`${fake.url}${path}`);
      expect(result.headers['x-mbx-used-weight']).toBe(result.headers['x-mbx-used-weight-1m']);
      weights.push(String(result.headers['x-mbx-used-weight-1m']));
    }
    // ping 1, time 1, klines 2, exchangeInfo 20, and a refused klines request still costs its 2.
    expect(weights).toEqual(['1', '2', '4', '24', '26']);
    fake.setNow(minuteStart + MINUTE);
    expect((await httpGet(`${fake.url}/api/v3/ping`)).headers['x-mbx-used-weight-1m']).toBe('1');
    const stats = fake.stats;
    expect(stats.maxWeightPerMinute).toBe(26);
    expect(stats.usedWeightCurrentMinute).toBe(1);
    expect(stats.totalRequests).toBe(6);
    expect(stats.requestsByEndpoint['/api/v3/klines']).toBe(2);
    expect(stats.budgetExceeded).toBe(false);
  });

  describe('the still-open last candle', () => {
    const openTime = 1685577600000; // 2023-06-01 00:00 UTC, followed by 01:00 in the CSV
    const row = (time: number) => csvRows[rowIndexByOpenTime.get(time) ?? -1];

    it('is returned with its future close time and values part-way to the stored ones', async () => {
      fake.setNow(openTime + 30 * MINUTE);
      const { json } = await getJson<Kline[]>(`${klinesUrl}&endTime=${openTime + 5 * HOUR}&limit=3`);
      expect(json.map((kline) => kline[0])).toEqual([openTime - 2 * HOUR, openTime - HOUR, openTime]);
      expectKlineMatchesCsv(json[1], row(openTime - HOUR));
      const open = json[2];
      const full = row(openTime);
      expect(open[6]).toBe(Number(full[6]));
      expect(open[6]).toBeGreaterThan(fake.now());
      expect(stripTrailingZeros(open[1])).toBe(full[1]);
      const [o, h, l, c] = [units(open[1]), units(open[2]), units(open[3]), units(open[4])];
      expect(l <= o && l <= c && h >= o && h >= c).toBe(true);
      expect(h <= csvUnits(full[2]) && l >= csvUnits(full[3])).toBe(true);
      // Still on BTCUSDT's 0.01 price grid, like every real price.
      expect([open[2], open[3], open[4]].filter((price) => !price.endsWith('000000'))).toEqual([]);
      expect(Number(open[5]) / Number(full[5])).toBeCloseTo(0.5, 5);
      expect(open[8]).toBeLessThan(Number(full[8]));
      expect(units(open[9]) <= units(open[5]) && units(open[10]) <= units(open[7])).toBe(true);
    });

    it('is never followed by candles that have not opened yet', async () => {
      fake.setNow(openTime + 30 * MINUTE);
      const { json } = await getJson<Kline[]>(`${klinesUrl}&startTime=${openTime - HOUR}&limit=1000`);
      expect(json.map((kline) => kline[0])).toEqual([openTime - HOUR, openTime]);
      const latest = await getJson<Kline[]>(`${klinesUrl}&limit=1`);
      expect(latest.json[0][0]).toBe(openTime);
    });

    it('grows monotonically and keeps every invariant through the whole hour', async () => {
      const full = row(openTime);
      const problems: string[] = [];
      let previous: Kline | undefined;
      for (let minute = 0; minute < 60; minute++) {
        fake.setNow(openTime + minute * MINUTE + 17_000);
        const [open] = (await getJson<Kline[]>(`${klinesUrl}&limit=1`)).json;
        const [o, h, l, c, v, q, tb, tq] = [1, 2, 3, 4, 5, 7, 9, 10].map((column) => units(open[column] as string));
        const at = `minute ${minute}`;
        if (open[0] !== openTime || o !== csvUnits(full[1])) problems.push(`${at}: wrong candle or open`);
        if (!(l <= o && l <= c && h >= o && h >= c)) problems.push(`${at}: OHLC out of order`);
        if (!(h <= csvUnits(full[2]) && l >= csvUnits(full[3]))) problems.push(`${at}: outside the final range`);
        if (tb > v || tq > q || open[8] > Number(full[8])) problems.push(`${at}: taker above total or too many trades`);
        if (previous !== undefined && (units(previous[5]) > v || previous[8] > open[8])) problems.push(`${at}: shrank`);
        previous = open;
      }
      expect(problems).toEqual([]);
    });

    it('closes into the stored candle when the clock passes its close time', async () => {
      fake.setNow(openTime + HOUR);
      const { json } = await getJson<Kline[]>(`${klinesUrl}&limit=2`);
      expectKlineMatchesCsv(json[0], row(openTime));
      expect(json[1][0]).toBe(openTime + HOUR);
      expect(Number(json[1][5])).toBeLessThan(Number(row(openTime + HOUR)[5]) / 1000);
    });
  });
});

describe('rate limiting: 429 with Retry-After, then 418 IP bans', () => {
  const minute = Date.UTC(2024, 0, 1, 12, 0);
  let fake: FakeBinance;
  const ping = () => httpGet(`${fake.url}/api/v3/ping`);

  afterEach(() => fake.close());

  it('after N requests answers 429, and bans with 418 a client that does not wait', async () => {
    fake = await startFakeBinance({ markets: [], now: () => minute + 15_000 });
    fake.setFaults({ rateLimit: { afterRequests: 2 } });
    expect((await ping()).status).toBe(200);
    expect((await ping()).status).toBe(200);

    const limited = await ping();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('45');
    expect(JSON.parse(limited.body)).toEqual({
      code: -1003,
      msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
    });

    fake.setNow(minute + 20_000);
    const banned = await ping();
    expect(banned.status).toBe(418);
    expect(banned.headers['retry-after']).toBe('120');
    const bannedUntil = minute + 20_000 + 120_000;
    expect(JSON.parse(banned.body)).toEqual({
      code: -1003,
      msg: `Way too much request weight used; IP banned until ${bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
    });
    expect(fake.stats).toMatchObject({ banned: true, bannedUntil, bansIssued: 1, rateLimitedResponses: 1, bannedResponses: 1 });

    fake.setNow(bannedUntil - 1_000);
    const stillBanned = await ping();
    expect([stillBanned.status, stillBanned.headers['retry-after']]).toEqual([418, '1']);

    // Waiting out the ban, then honouring the next Retry-After, keeps the client out of trouble.
    fake.setNow(bannedUntil);
    expect((await ping()).status).toBe(200);
    expect((await ping()).status).toBe(200);
    const again = await ping();
    expect(again.status).toBe(429);
    fake.setNow(bannedUntil + Number(again.headers['retry-after']) * 1000);
    expect((await ping()).status).toBe(200);
    expect(fake.stats.bansIssued).toBe(1);

    // A repeat offender's ban is twice as long.
    await ping();
    expect((await ping()).status).toBe(429);
    const secondBan = await ping();
    expect([secondBan.status, secondBan.headers['retry-after']]).toEqual([418, '240']);
  });

  it('with failOnBudgetExceeded refuses requests once the minute weight passes the limit', async () => {
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1m', candles: generateCandles({ symbol: 'BTCUSDT', interval: '1m', start: minute - 10 * MINUTE, count: 10, seed: 3 }) }],
      now: () => minute + 50_000,
      weightLimitPerMinute: 10,
      failOnBudgetExceeded: true,
    });
    const klines = () => httpGet(`${fake.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5`);
    for (let index = 1; index <= 5; index++) {
      const result = await klines();
      expect([result.status, result.headers['x-mbx-used-weight-1m']]).toEqual([200, String(2 * index)]);
    }
    const refused = await klines();
    expect([refused.status, refused.headers['x-mbx-used-weight-1m'], refused.headers['retry-after']]).toEqual([429, '12', '10']);
    expect(fake.stats).toMatchObject({ budgetExceeded: true, maxWeightPerMinute: 12, weightLimitPerMinute: 10 });

    fake.setNow(minute + MINUTE);
    const nextMinute = await klines();
    expect([nextMinute.status, nextMinute.headers['x-mbx-used-weight-1m']]).toEqual([200, '2']);
  });

  it('without it only records that the budget was exceeded', async () => {
    fake = await startFakeBinance({ markets: [], now: () => minute, weightLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) statuses.push((await ping()).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(fake.stats).toMatchObject({ budgetExceeded: true, maxWeightPerMinute: 5, rateLimitedResponses: 0 });

    // The rateLimit fault without afterRequests switches budget enforcement on.
    fake.setNow(minute + MINUTE);
    fake.setFaults({ rateLimit: {} });
    for (let index = 0; index < 3; index++) expect((await ping()).status).toBe(200);
    expect((await ping()).status).toBe(429);
    fake.clearFaults();
    expect((await ping()).status).toBe(200);
  });
});

describe('switchable faults', () => {
  let fake: FakeBinance;
  const klinesPath = '/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=50';

  beforeEach(async () => {
    const start = Date.UTC(2024, 0, 1);
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1m', candles: generateCandles({ symbol: 'BTCUSDT', interval: '1m', start, count: 100, seed: 11 }) }],
      now: () => start + 100 * MINUTE,
    });
  });
  afterEach(() => fake.close());

  it('answers the next N requests with 5xx, then recovers', async () => {
    fake.setFaults({ serverError: { count: 2 } });
    const first = await httpGet(`${fake.url}${klinesPath}`);
    expect(first.status).toBe(503);
    expect(JSON.parse(first.body)).toEqual({ code: -1008, msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.' });
    expect((await httpGet(`${fake.url}${klinesPath}`)).status).toBe(503);
    expect((await httpGet(`${fake.url}${klinesPath}`)).status).toBe(200);
    expect(fake.stats.faultsInjected.serverError).toBe(2);

    fake.setFaults({ serverError: { count: 1, status: 502 } });
    const gateway = await httpGet(`${fake.url}${klinesPath}`);
    expect([gateway.status, gateway.headers['content-type']]).toEqual([502, 'text/html']);
  });

  it('fails with a seeded probability, reproducibly, and only on the chosen paths', async () => {
    const pattern = async (): Promise<number[]> => {
      fake.setFaults({ seed: 7, serverError: { probability: 0.3, status: 500, paths: ['/api/v3/klines'] } });
      const statuses: number[] = [];
      for (let index = 0; index < 100; index++) statuses.push((await httpGet(`${fake.url}${klinesPath}`)).status);
      return statuses;
    };
    const first = await pattern();
    const failures = first.filter((status) => status === 500).length;
    expect(failures).toBeGreaterThan(15);
    expect(failures).toBeLessThan(45);
    expect(first.filter((status) => status !== 500 && status !== 200)).toEqual([]);
    expect(await pattern()).toEqual(first);
    expect((await httpGet(`${fake.url}/api/v3/ping`)).status).toBe(200);
  });

  it('slows responses down', async () => {
    fake.setFaults({ slow: { delayMs: 300, count: 1 } });
    let started = Date.now();
    expect((await httpGet(`${fake.url}/api/v3/ping`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    await httpGet(`${fake.url}/api/v3/ping`);
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('adds latencyMs to every response', async () => {
    const slowServer = await startFakeBinance({ markets: [], latencyMs: 150 });
    try {
      const started = Date.now();
      await httpGet(`${slowServer.url}/api/v3/ping`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slowServer.close();
    }
  });

  it('hangs requests until the client times out, and close() still ends them', async () => {
    fake.setFaults({ hang: { count: 1 } });
    await expect(httpGet(`${fake.url}/api/v3/ping`, 300)).rejects.toThrow('timed out after 300 ms');
    expect((await httpGet(`${fake.url}/api/v3/ping`)).status).toBe(200);
    expect(fake.stats.faultsInjected.hang).toBe(1);

    fake.setFaults({ hang: {} });
    const pending = httpGet(`${fake.url}/api/v3/ping`, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fake.close();
    await expect(pending).rejects.toThrow();
    fake = await startFakeBinance({ markets: [] }); // for afterEach
  });

  it('sends truncated or non-JSON bodies', async () => {
    const intact = await httpGet(`${fake.url}${klinesPath}`);
    expect(() => JSON.parse(intact.body) as unknown).not.toThrow();

    fake.setFaults({ malformedBody: { count: 1 } });
    const truncated = await httpGet(`${fake.url}${klinesPath}`);
    expect(truncated.status).toBe(200);
    expect(truncated.body.length).toBeLessThan(intact.body.length);
    expect(intact.body.startsWith(truncated.body)).toBe(true);
    expect(() => JSON.parse(truncated.body) as unknown).toThrow();

    fake.setFaults({ malformedBody: { count: 1, kind: 'not-json' } });
    const garbage = await httpGet(`${fake.url}${klinesPath}`);
    expect(garbage.status).toBe(200);
    expect(() => JSON.parse(garbage.body) as unknown).toThrow();
    expect((await httpGet(`${fake.url}${klinesPath}`)).body).toBe(intact.body);
  });

  it('drops the connection in the middle of the body', async () => {
    fake.setFaults({ dropConnection: { count: 1 } });
    await expect(httpGet(`${fake.url}${klinesPath}`)).rejects.toThrow();
    expect((await httpGet(`${fake.url}${klinesPath}`)).status).toBe(200);
    expect(fake.stats.faultsInjected.dropConnection).toBe(1);
  });
});

describe('new candles over time', () => {
  it('shows added candles once the clock reaches them', async () => {
    const start = Date.UTC(2024, 4, 1);
    const all = generateCandles({ symbol: 'ETHUSDT', interval: '1m', start, count: 15, seed: 5 });
    const fake = await startFakeBinance({ markets: [{ symbol: 'ETHUSDT', interval: '1m', candles: all.slice(0, 10) }], now: () => start + 10 * MINUTE });
    try {
      const url = `${fake.url}/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=${start}`;
      expect((await getJson<Kline[]>(url)).json).toHaveLength(10);

      fake.addCandles('ETHUSDT', '1m', all.slice(10));
      fake.setNow(start + 12 * MINUTE + 30_000);
      const midway = (await getJson<Kline[]>(url)).json;
      expect(midway.map((kline) => kline[0])).toEqual(all.slice(0, 13).map((candle) => candle.openTime));
      expect(midway[12][6]).toBeGreaterThan(fake.now());

      fake.setNow(start + 15 * MINUTE);
      const closed = (await getJson<Kline[]>(url)).json;
      expect(closed).toHaveLength(15);
      expect(stripTrailingZeros(closed[14][4])).toBe(stripTrailingZeros(all[14].close));
    } finally {
      await fake.close();
    }
  });
});

describe('generateCandles', () => {
  it('makes valid, continuous, reproducible candles', () => {
    const start = Date.UTC(2024, 0, 1);
    const candles = generateCandles({ symbol: 'BTCUSDT', interval: '1h', start, count: 2_000, seed: 42 });
    expect(candles).toHaveLength(2_000);
    const problems = candles.flatMap((candle: FakeCandle, index) => {
      const found: string[] = [];
      const [open, high, low, close, volume, quote, takerBase, takerQuote] = [
        candle.open, candle.high, candle.low, candle.close, candle.volume,
        candle.quoteAssetVolume, candle.takerBuyBaseVolume, candle.takerBuyQuoteVolume,
      ].map(csvUnits);
      if (candle.openTime !== start + index * HOUR) found.push('off the hourly grid');
      if (candle.closeTime !== candle.openTime + HOUR - 1) found.push('close time is not open time + 1h - 1');
      if (!(low > 0n && low <= open && low <= close && high >= open && high >= close)) found.push('OHLC out of order');
      if (index > 0 && open !== csvUnits(candles[index - 1].close)) found.push('does not open at the previous close');
      if (volume <= 0n || takerBase > volume || takerQuote > quote) found.push('volumes inconsistent');
      if (!Number.isInteger(candle.numberOfTrades) || candle.numberOfTrades < 1) found.push('bad trade count');
      return found.map((problem) => `#${index}: ${problem}`);
    });
    expect(problems).toEqual([]);
    const volumes = candles.map((candle) => Number(candle.volume));
    expect(Math.max(...volumes)).toBeGreaterThan(2 * Math.min(...volumes));

    expect(generateCandles({ symbol: 'BTCUSDT', interval: '1h', start, count: 50, seed: 42 })).toEqual(candles.slice(0, 50));
    expect(generateCandles({ symbol: 'BTCUSDT', interval: '1h', start, count: 50, seed: 43 })).not.toEqual(candles.slice(0, 50));
    expect(() => generateCandles({ symbol: 'BTCUSDT', interval: '1h', start: start + 1, count: 1, seed: 1 })).toThrow();
  });

  it('serves 500k synthetic 1m candles', async () => {
    const start = Date.UTC(2023, 0, 1);
    const count = 500_000;
    const candles = generateCandles({ symbol: 'BTCUSDT', interval: '1m', start, count, seed: 1 });
    const fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1m', candles }], now: () => start + count * MINUTE });
    try {
      const latest = (await getJson<Kline[]>(`${fake.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1000`)).json;
      expect(latest).toHaveLength(1000);
      expect(latest[999][0]).toBe(candles[count - 1].openTime);
      expect(stripTrailingZeros(latest[999][4])).toBe(stripTrailingZeros(candles[count - 1].close));
      const middle = (await getJson<Kline[]>(`${fake.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${candles[250_000].openTime}&limit=1000`)).json;
      expect(middle.map((kline) => kline[0])).toEqual(candles.slice(250_000, 251_000).map((candle) => candle.openTime));
    } finally {
      await fake.close();
    }
  }, 120_000);
});
