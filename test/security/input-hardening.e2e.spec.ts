import request from 'supertest';
import { JSON_MAX_DEPTH } from '../../src/common/json-body.middleware';
import { appState, firstError, type ListeningApp, startListeningApp, UNTOUCHED } from './security-support';

const API_KEY = 'security-api-key-0123456789';

/** `{"symbol":{"a":{"a":…}}}`: `levels` objects, the outermost one the body itself. */
function nestedBody(levels: number): string {
  return '{"symbol":'.concat('{"a":'.repeat(levels - 2), '{}', '}'.repeat(levels - 2), '}');
}

describe('JSON bodies: depth limit and prototype keys', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp({ API_KEY });
  });
  afterAll(() => s?.t.close());

  const postJson = (path: string, raw: string) =>
    request(s.origin).post(path).set('x-api-key', API_KEY).set('Content-Type', 'application/json').send(raw);

  it('a body nested 10,000 levels deep is a 400 naming the rule, not a 500', async () => {
    for (const path of ['/api/models', '/api/backtests', '/api/trading/kill']) {
      const response = await postJson(path, nestedBody(10_000)).expect(400);
      expect(firstError(response.body)).toEqual({
        field: 'body',
        rule: 'max depth',
        message: `body: JSON nested more than ${JSON_MAX_DEPTH} levels deep is refused`,
      });
    }
    const arrays = await postJson('/api/models', `{"hyper_parameters":${'['.repeat(10_000)}${']'.repeat(10_000)}}`).expect(400);
    expect(firstError(arrays.body).rule).toBe('max depth');
    expect(await appState(s.origin)).toEqual(UNTOUCHED);
  });

  it(`${JSON_MAX_DEPTH} levels are within the rule (the DTO then judges the fields)`, async () => {
    const response = await postJson('/api/trading/kill', nestedBody(JSON_MAX_DEPTH)).expect(400);
    expect(firstError(response.body).rule).not.toBe('max depth');
    const deeper = await postJson('/api/trading/kill', nestedBody(JSON_MAX_DEPTH + 1)).expect(400);
    expect(firstError(deeper.body).rule).toBe('max depth');
  });

  it.each([
    ['__proto__', '{"symbol":"BTCUSDT","__proto__":{"polluted":true}}', '__proto__'],
    ['constructor', '{"symbol":"BTCUSDT","hyper_parameters":{"constructor":{"prototype":{"polluted":true}}}}', 'hyper_parameters.constructor'],
    ['prototype', '{"thresholds":[{"prototype":1}]}', 'thresholds.0.prototype'],
  ])('a %s key anywhere in the body is a 400 naming it', async (key, raw, field) => {
    const response = await postJson('/api/models', raw).expect(400);
    expect(firstError(response.body)).toEqual({
      field,
      rule: 'forbidden key',
      message: `${field}: the key "${key}" is not allowed in a request body`,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('Swagger lists the 400, 403, 415 and 429 answers of these rules', async () => {
    type Responses = Record<string, { description: string }>;
    const paths = (await request(s.origin).get('/docs-json').expect(200)).body.paths as Record<string, Record<string, { responses: Responses }>>;
    const kill = paths['/api/trading/kill'].post.responses;
    expect(Object.keys(kill)).toEqual(expect.arrayContaining(['400', '403', '415', '429']));
    expect(kill['429'].description).toContain('RATE_LIMIT_KILL_PER_MINUTE');
    expect(kill['400'].description).toContain(`more than ${JSON_MAX_DEPTH} levels`);
    expect(paths['/api/klines/import'].post.responses['415'].description).toContain('multipart/form-data');
    expect(paths['/api/symbols'].get.responses['429'].description).toContain('RATE_LIMIT_PER_MINUTE');
  });

  it('a body that breaks no rule still reaches the handler', async () => {
    await postJson('/api/trading/kill', '{"reason":"a constructor\'s __proto__ in a value is fine"}').expect(200);
    expect(await appState(s.origin)).toEqual({ ...UNTOUCHED, killed: true });
  });
});

describe('rate limits: one budget per client across every route', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => s?.t.close());

  it('counts /health, Swagger, static dashboard files and the API together; the sixth request is a 429', async () => {
    for (const path of ['/health', '/docs', '/docs-json', '/index.html', '/api/symbols']) await request(s.origin).get(path).expect(200);
    for (const path of ['/favicon.svg', '/api/symbols', '/docs-json', '/health']) {
      const limited = await request(s.origin).get(path).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(firstError(limited.body)).toMatchObject({ field: 'client', rule: 'rate limit' });
      expect(firstError(limited.body).message).toContain('RATE_LIMIT_PER_MINUTE');
    }
  });

  it('the kill switch still answers to a client that used up the general budget', async () => {
    await request(s.origin).get('/api/trading/status').expect(429);
    await request(s.origin).post('/api/trading/kill').send({ reason: 'over budget' }).expect(200);
  });
});

describe('rate limits: the kill switch has its own budget, and wrong keys cannot use it up', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp({ API_KEY, RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_KILL_PER_MINUTE: '4' });
  });
  afterAll(() => s?.t.close());

  const kill = (key: string) => request(s.origin).post('/api/trading/kill').set('x-api-key', key);

  it('18 wrong-key kills, then a correct-key kill: 200', async () => {
    const wrong: number[] = [];
    for (let i = 0; i < 18; i++) wrong.push((await kill('wrong-key-0123456789abc')).status);
    expect(wrong).toEqual([...Array<number>(4).fill(401), ...Array<number>(14).fill(429)]);
    const limited = await kill('wrong-key-0123456789abc').expect(429);
    expect(firstError(limited.body).message).toContain('RATE_LIMIT_KILL_PER_MINUTE');
    await kill(API_KEY).expect(200);
  });

  it('the general budget used up: the correct-key kill still answers; past its own budget it is a 429 too', async () => {
    for (let i = 0; i < 3; i++) await request(s.origin).get('/api/symbols').expect(200);
    await request(s.origin).get('/api/symbols').expect(429);
    await kill(API_KEY).expect(200);
    await kill(API_KEY).expect(200);
    await kill(API_KEY).expect(200);
    const limited = await kill(API_KEY).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
