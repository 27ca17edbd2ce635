import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { KlineView } from '../../src/market-data/kline-record';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import { BTCUSDT_1H_CSV, eightDecimals, gapsListedInSources, readSharedCsv } from '../support/shared-data';

const API_KEY = 'test-api-key-0123456789';
const HOUR = 3_600_000;
const csv = readSharedCsv(BTCUSDT_1H_CSV);

describe.each([
  ['MariaDB', async () => ({ DATABASE_URL: await freshMysqlDatabase('klines_api') })],
  ['embedded SQLite', () => Promise.resolve({})],
])('klines API on %s with the real BTCUSDT 1h archive', (_store, environment) => {
  let t: TestApp;
  let workDir: string;

  beforeAll(async () => {
    t = await startTestApp({ ...(await environment()), API_KEY });
    workDir = mkdtempSync(join(tmpdir(), 'opa-klines-api-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const importFiles = (files: string[], fields: Record<string, string> = { symbol: 'BTCUSDT', interval: '1h' }) => {
    let call = request(t.http).post('/api/klines/import').set('x-api-key', API_KEY);
    for (const [name, value] of Object.entries(fields)) call = call.field(name, value);
    for (const file of files) call = call.attach('files', file);
    return call;
  };
  const count = async () => {
    const response = await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200);
    return (response.body as { count: number }).count;
  };

  it('imports a slice first, then the full file adds only the candles that were missing', async () => {
    const slice = join(workDir, 'slice.csv');
    writeFileSync(slice, [csv.header, ...csv.lines.slice(20_000, 21_000)].join('\n'));
    const first = await importFiles([slice]).expect(200);
    expect(first.body).toMatchObject({ imported_files: 1, rejected_files: 0, files: [{ status: 'imported', klines: 1000, inserted: 1000 }] });

    const full = await importFiles([BTCUSDT_1H_CSV]).expect(200);
    expect(full.body.files[0]).toMatchObject({ status: 'imported', klines: csv.rows.length, inserted: csv.rows.length - 1000 });
    expect(await count()).toBe(csv.rows.length);
  });

  it('returns every stored candle field for field, in open_time order, through the paged API', async () => {
    const received: KlineView[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { symbol: 'BTCUSDT', interval: '1h', limit: 1000 };
      if (cursor) query.cursor = cursor;
      const page = await request(t.http).get('/api/klines').query(query).expect(200);
      const body = page.body as { data: KlineView[]; next: string | null };
      received.push(...body.data);
      cursor = body.next;
    } while (cursor);

    expect(received).toHaveLength(csv.rows.length);
    received.forEach((kline, index) => {
      const row = csv.rows[index];
      expect({
        symbol: kline.symbol,
        interval: kline.interval,
        open_time: kline.open_time,
        close_time: kline.close_time,
        open_price: kline.open_price,
        high_price: kline.high_price,
        low_price: kline.low_price,
        close_price: kline.close_price,
        volume: kline.volume,
        quote_asset_volume: kline.quote_asset_volume,
        number_of_trades: kline.number_of_trades,
        taker_buy_base_volume: kline.taker_buy_base_volume,
        taker_buy_quote_volume: kline.taker_buy_quote_volume,
        kline_open_time_parsed: kline.kline_open_time_parsed,
        kline_close_time_parsed: kline.kline_close_time_parsed,
      }).toEqual({
        symbol: 'BTCUSDT',
        interval: '1h',
        open_time: row.open_time,
        close_time: row.close_time,
        open_price: eightDecimals(row.open),
        high_price: eightDecimals(row.high),
        low_price: eightDecimals(row.low),
        close_price: eightDecimals(row.close),
        volume: eightDecimals(row.volume),
        quote_asset_volume: eightDecimals(row.quote_asset_volume),
        number_of_trades: row.number_of_trades,
        taker_buy_base_volume: eightDecimals(row.taker_buy_base_volume),
        taker_buy_quote_volume: eightDecimals(row.taker_buy_quote_volume),
        kline_open_time_parsed: new Date(row.open_time).toISOString(),
        kline_close_time_parsed: new Date(row.close_time).toISOString(),
      });
      expect(typeof kline.id).toBe('number');
    });
    expect(new Set(received.map((kline) => kline.id)).size).toBe(received.length);
  });

  it('lists exactly the gaps SOURCES.md lists, without inventing candles', async () => {
    const listed = gapsListedInSources('BTCUSDT-1h.csv');
    expect(listed).toHaveLength(29);
    const response = await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200);
    expect(response.body).toMatchObject({
      symbol: 'BTCUSDT',
      interval: '1h',
      count: csv.rows.length,
      first_open_time: csv.rows[0].open_time,
      last_open_time: csv.rows[csv.rows.length - 1].open_time,
      missing: listed.reduce((sum, gap) => sum + gap.missing, 0),
    });
    const gaps = (response.body as { gaps: { from: number; to: number; missing: number }[] }).gaps;
    expect(gaps.map(({ from, to, missing }) => ({ from, to, missing }))).toEqual(listed);
    for (const gap of gaps) expect((gap.to - gap.from) / HOUR + 1).toBe(gap.missing);
  });

  it('re-importing the same file changes nothing', async () => {
    const again = await importFiles([BTCUSDT_1H_CSV]).expect(200);
    expect(again.body.files[0]).toMatchObject({ status: 'imported', klines: csv.rows.length, inserted: 0 });
    expect(await count()).toBe(csv.rows.length);
  });

  it('rejects a file with a bad row, naming file, line and reason, and writes none of it', async () => {
    const bad = join(workDir, 'ETHUSDT-1h-2024-01.csv');
    const good = '1704067200000,2281.87,2285.09,2275.5,2282.52,7425.2551,1704070799999,16925283.05,17553,3761.9339,8574582.79,0';
    const lowAboveHigh = '1704070800000,2282.52,2283.0,2290.0,2282.0,100,1704074399999,228200,10,50,114100,0';
    writeFileSync(bad, `${good}\n${lowAboveHigh}\n`);
    const response = await importFiles([bad], {}).expect(422);
    expect(response.body).toMatchObject({ imported_files: 0, rejected_files: 1 });
    const [file] = response.body.files as { file: string; status: string; symbol: string; errors: { line: number; reason: string }[] }[];
    expect(file).toMatchObject({ file: 'ETHUSDT-1h-2024-01.csv', status: 'rejected', symbol: 'ETHUSDT' });
    expect(file.errors[0].line).toBe(2);
    expect(file.errors[0].reason).toMatch(/low/);
    const coverage = await request(t.http).get('/api/klines/coverage').query({ symbol: 'ETHUSDT', interval: '1h' }).expect(200);
    expect(coverage.body).toMatchObject({ count: 0 });
  });

  it('lists stored pairs with counts and ranges', async () => {
    const response = await request(t.http).get('/api/symbols').expect(200);
    expect(response.body).toEqual([
      expect.objectContaining({
        symbol: 'BTCUSDT',
        interval: '1h',
        count: csv.rows.length,
        first_open_time: csv.rows[0].open_time,
        last_open_time_iso: new Date(csv.rows[csv.rows.length - 1].open_time).toISOString(),
      }),
    ]);
  });

  it('filters by start and end given as ISO-8601 or epoch ms alike', async () => {
    const start = Date.parse('2023-03-24T10:00:00Z');
    const end = Date.parse('2023-03-24T15:00:00Z');
    const iso = await request(t.http)
      .get('/api/klines')
      .query({ symbol: 'BTCUSDT', interval: '1h', start: '2023-03-24T10:00:00Z', end: '2023-03-24T15:00:00.000Z' })
      .expect(200);
    const ms = await request(t.http).get('/api/klines').query({ symbol: 'BTCUSDT', interval: '1h', start, end }).expect(200);
    const times = (iso.body as { data: KlineView[] }).data.map((kline) => kline.open_time);
    // 12:00 and 13:00 are the trading-halt gap.
    expect(times).toEqual([start, start + HOUR, start + 4 * HOUR, start + 5 * HOUR]);
    expect(ms.body).toEqual(iso.body);
    expect(iso.body.next).toBeNull();
  });
});

describe('klines API input rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_KEY, RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(() => t?.close());

  it.each([
    [{ symbol: 'btc-usdt', interval: '1h' }, 'symbol'],
    [{ symbol: 'BTCUSDT', interval: '7m' }, 'interval'],
    [{ interval: '1h' }, 'symbol'],
    [{ symbol: 'BTCUSDT', interval: '1h', limit: 0 }, 'limit'],
    [{ symbol: 'BTCUSDT', interval: '1h', limit: 5000 }, 'limit'],
    [{ symbol: 'BTCUSDT', interval: '1h', limit: 'ten' }, 'limit'],
    [{ symbol: 'BTCUSDT', interval: '1h', start: 'yesterday' }, 'start'],
    [{ symbol: 'BTCUSDT', interval: '1h', start: '2024-02-01T00:00:00Z', end: '2024-01-01T00:00:00Z' }, 'end'],
    [{ symbol: 'BTCUSDT', interval: '1h', junk: 'x' }, 'junk'],
  ])('GET /api/klines %j → 400 naming %s', async (query, field) => {
    const response = await request(t.http).get('/api/klines').query(query).expect(400);
    const errors = (response.body as { errors: { field: string; rule: string; message: string }[] }).errors;
    expect(errors.map((error) => error.field)).toContain(field);
    for (const error of errors) {
      expect(error.rule).toBeTruthy();
      expect(error.message).toContain(error.field);
    }
  });

  it('coverage needs a valid symbol and interval', async () => {
    const response = await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '2x' }).expect(400);
    expect(response.body.errors[0]).toMatchObject({ field: 'interval' });
  });

  it('import without or with a wrong x-api-key is 401, and without files is 400', async () => {
    await request(t.http).post('/api/klines/import').attach('files', BTCUSDT_1H_CSV).expect(401);
    await request(t.http).post('/api/klines/import').set('x-api-key', 'wrong-key-0123456789').attach('files', BTCUSDT_1H_CSV).expect(401);
    const empty = await request(t.http).post('/api/klines/import').set('x-api-key', API_KEY).field('symbol', 'BTCUSDT').expect(400);
    expect(empty.body.errors[0]).toMatchObject({ field: 'files', rule: 'required' });
    const coverage = await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200);
    expect(coverage.body.count).toBe(0);
  });

  it('import rejects a bad symbol or interval field with 400', async () => {
    const response = await request(t.http)
      .post('/api/klines/import')
      .set('x-api-key', API_KEY)
      .field('symbol', 'btc usdt')
      .field('interval', '3h')
      .attach('files', BTCUSDT_1H_CSV)
      .expect(400);
    expect((response.body.errors as { field: string }[]).map((error) => error.field).sort()).toEqual(['interval', 'symbol']);
  });

  it('serves security headers, Swagger UI and the OpenAPI document', async () => {
    const health = await request(t.http).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
    await request(t.http).get('/docs').expect(200);
    const openApi = await request(t.http).get('/docs-json').expect(200);
    expect(Object.keys(openApi.body.paths as object)).toEqual(
      expect.arrayContaining(['/api/klines', '/api/klines/coverage', '/api/symbols', '/api/klines/import', '/health']),
    );
  });

  it('rejects a JSON body over the size limit with 413', async () => {
    await request(t.http)
      .post('/api/klines/import')
      .set('x-api-key', API_KEY)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }))
      .expect(413);
  });
});

describe('rate limiting of the public API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => t?.close());

  it('answers 429 once a client exceeds RATE_LIMIT_PER_MINUTE', async () => {
    for (let i = 0; i < 3; i++) await request(t.http).get('/api/symbols').expect(200);
    const limited = await request(t.http).get('/api/symbols').expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
