import request from 'supertest';
import { DataSource } from 'typeorm';
import { type ListeningApp, startListeningApp, TRAINING_FORM } from './security-support';

/**
 * Issue 14 item 4 / issue 17: one error body for every 4xx, whichever layer answers (Express middleware, body
 * parsers, guards, pipes, controllers, module errors, unknown routes), documented as one Swagger schema.
 */
const API_KEY = 'error-shape-api-key-0123456789';
const ERROR_KEYS = ['statusCode', 'error', 'code', 'message', 'errors'];
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

/** Every way the body may break the one error shape, as readable strings (empty: the body has the shape). */
function shapeProblems(status: number, body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [`body is not an object: ${JSON.stringify(body)}`];
  const b = body as Record<string, unknown>;
  const problems = Object.keys(b)
    .filter((key) => !ERROR_KEYS.includes(key))
    .map((key) => `unexpected key ${key}`);
  if (b.statusCode !== status) problems.push(`statusCode ${String(b.statusCode)} is not the status ${status}`);
  if (typeof b.error !== 'string' || b.error === '') problems.push('error is not a string');
  if (typeof b.code !== 'string' || !UPPER_SNAKE.test(b.code)) problems.push(`code ${JSON.stringify(b.code)} is not UPPER_SNAKE`);
  if (typeof b.message !== 'string' || b.message === '') problems.push(`message ${JSON.stringify(b.message)} is not a string`);
  if ('errors' in b) {
    if (!Array.isArray(b.errors) || b.errors.length === 0) problems.push('errors is present but not a non-empty array');
    else
      for (const entry of b.errors as unknown[]) {
        const e = entry as Record<string, unknown>;
        const keys = Object.keys(e).sort().join(',');
        if (keys !== 'field,message,rule' || [e.field, e.rule, e.message].some((value) => typeof value !== 'string')) {
          problems.push(`errors entry ${JSON.stringify(entry)} is not {field, rule, message}`);
        }
      }
  }
  return problems;
}

/** Asserts the shape and returns the body, typed. */
function expectErrorShape(response: request.Response, label = `${response.status}`): { code: string; message: string; errors?: { field: string; rule: string; message: string }[] } {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect([label, shapeProblems(response.status, response.body)]).toEqual([label, []]);
  return response.body as { code: string; message: string; errors?: { field: string; rule: string; message: string }[] };
}

describe('one error body for every 4xx (keyless app on SQLite)', () => {
  let s: ListeningApp;
  let paths: Paths;
  beforeAll(async () => {
    s = await startListeningApp();
    paths = (await request(s.origin).get('/docs-json').expect(200)).body.paths as Paths;
  });
  afterAll(() => s?.t.close());

  const operations = () =>
    Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, operation]) => ({ path, method, operation })),
    );
  const urlOf = (path: string, id = 'abc') => path.replace(/\{[^}]+\}/g, id);
  const send = (method: string, url: string) => request(s.origin)[method as 'get' | 'post'](url);

  it('walks every operation of /docs-json with bad inputs: every 4xx has the one shape', async () => {
    const refusals = new Map<string, number>();
    const check = (label: string, response: request.Response) => {
      expect([label, response.status < 500]).toEqual([label, true]);
      if (response.status < 400) return;
      expectErrorShape(response, label);
      const operation = label.split(' ').slice(0, 2).join(' ');
      refusals.set(operation, (refusals.get(operation) ?? 0) + 1);
    };
    expect(operations().length).toBeGreaterThan(15);
    for (const { path, method, operation } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      // Another host name (DNS rebinding): refused in front of every route.
      check(`${name} Host`, await send(method, urlOf(path, '1')).set('Host', 'attacker.example'));
      if (path.includes('{')) {
        const response = await send(method, urlOf(path)).set('Content-Type', 'application/json').send('{}');
        check(`${name} id=abc`, response);
        expect([name, response.status, response.body.code]).toEqual([name, 400, 'VALIDATION_FAILED']);
      }
      for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
        for (const value of ['0', '-1', 'not a valid value']) {
          check(`${name} ${parameter.name}=${value}`, await send(method, urlOf(path, '1')).query({ [parameter.name]: value }));
        }
      }
      if (method !== 'get') {
        const malformed = await send(method, urlOf(path, '1')).set('Content-Type', 'application/json').send('{"symbol": "BTCUSDT",');
        check(`${name} malformed JSON`, malformed);
        expect([name, malformed.status, malformed.body.code]).toEqual([name, 400, 'MALFORMED_JSON']);
        const form = await send(method, urlOf(path, '1')).set('Content-Type', 'application/x-www-form-urlencoded').send(TRAINING_FORM);
        check(`${name} form body`, form);
        expect([name, form.status, form.body.code]).toEqual([name, 415, 'UNSUPPORTED_MEDIA_TYPE']);
        if (operation.requestBody?.content['application/json']) {
          const unknownField = await send(method, urlOf(path, '1')).send({ no_such_field: 1 });
          check(`${name} unknown field`, unknownField);
          expect([name, unknownField.status, unknownField.body.code]).toEqual([name, 400, 'VALIDATION_FAILED']);
          expect(unknownField.body.errors).toContainEqual({ field: 'no_such_field', rule: 'unknown field', message: 'property no_such_field should not exist' });
        }
        const text = await send(method, urlOf(path, '1')).set('Content-Type', 'text/plain').send('hello');
        check(`${name} text body`, text);
        expect([name, text.status, text.body.code]).toEqual([name, 415, 'UNSUPPORTED_MEDIA_TYPE']);
      }
    }
    // Every operation was refused, and most more than once (the Host check alone would give one each).
    const names = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(names.filter((name) => !refusals.has(name))).toEqual([]);
    expect([...refusals.values()].reduce((sum, count) => sum + count, 0)).toBeGreaterThan(names.length * 2);
  });

  it('documents every 4xx and 5xx of every operation with the shared ErrorResponse schema', () => {
    for (const { path, method, operation } of operations()) {
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      expect([path, method, errors.length > 0]).toEqual([path, method, true]);
      const parameters = (operation.parameters ?? []).filter((parameter) => parameter.in !== 'header');
      if (parameters.length > 0) expect([path, method, Object.keys(operation.responses)]).toEqual([path, method, expect.arrayContaining(['400'])]);
      for (const [status, response] of errors) {
        // The one exception: an import with a rejected file answers its per-file report, the body of its 200.
        if (path === '/api/klines/import' && status === '422') continue;
        // And /health's 503: its terminus report, the body of its 200 (see the last test).
        if (path === '/health' && status === '503') continue;
        expect([path, method, status, response.content?.['application/json']?.schema.$ref]).toEqual([
          path,
          method,
          status,
          '#/components/schemas/ErrorResponse',
        ]);
      }
    }
  });

  it('the ErrorResponse schema lists the fields of the shape', async () => {
    const schemas = (await request(s.origin).get('/docs-json').expect(200)).body.components.schemas as Record<
      string,
      { required?: string[]; properties: Record<string, { type?: string; items?: { $ref: string } }> }
    >;
    expect(schemas.ErrorResponse.required?.sort()).toEqual(['code', 'error', 'message', 'statusCode']);
    expect(Object.keys(schemas.ErrorResponse.properties).sort()).toEqual(['code', 'error', 'errors', 'files', 'message', 'statusCode']);
    expect(schemas.ErrorResponse.properties.errors.items?.$ref).toBe('#/components/schemas/FieldErrorResponse');
    expect(schemas.FieldErrorResponse.required?.sort()).toEqual(['field', 'message', 'rule']);
  });

  it('unknown routes are 404 NOT_FOUND in the shape, under /api and outside it', async () => {
    for (const [method, path] of [
      ['get', '/api/no-such-route'],
      ['post', '/api/no-such-route'],
      ['delete', '/api/models/1'],
      ['get', '/no-such-page'],
      ['post', '/health'],
      ['get', '/health/deeper'],
    ]) {
      const body = expectErrorShape(await send(method, path).expect(404));
      expect(body.code).toBe('NOT_FOUND');
    }
  });

  it('bad path ids name the parameter; unknown ids are 404s with their module codes', async () => {
    for (const path of ['/api/models/abc', '/api/backtests/abc', '/api/backtests/1.5/equity', '/api/models/0']) {
      const body = expectErrorShape(await request(s.origin).get(path).expect(400), path);
      expect(body.errors).toEqual([{ field: 'id', rule: 'isPositiveInt', message: 'id must be a positive integer' }]);
    }
    expect(expectErrorShape(await request(s.origin).get('/api/ingestion/jobs/abc').expect(400)).errors).toEqual([
      { field: 'id', rule: 'isUuid', message: 'id must be a UUID' },
    ]);
    expect(expectErrorShape(await request(s.origin).get('/api/models/999999').expect(404)).code).toBe('MODEL_NOT_FOUND');
    expect(expectErrorShape(await request(s.origin).get('/api/backtests/999999').expect(404)).code).toBe('BACKTEST_NOT_FOUND');
    const job = expectErrorShape(await request(s.origin).get('/api/ingestion/jobs/7f0c5a4e-3a9b-4d5e-8f6a-0b1c2d3e4f5a').expect(404));
    expect(job.code).toBe('NOT_FOUND');
  });

  it('malformed JSON is 400 MALFORMED_JSON naming the body', async () => {
    const response = await request(s.origin).post('/api/models').set('Content-Type', 'application/json').send('{"symbol": ').expect(400);
    const body = expectErrorShape(response);
    expect(body).toMatchObject({ code: 'MALFORMED_JSON', errors: [{ field: 'body', rule: 'json syntax' }] });
  });

  it('a body over 1 MB is 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = JSON.stringify({ symbol: 'x'.repeat(2 * 1024 * 1024) });
    const response = await request(s.origin).post('/api/models').set('Content-Type', 'application/json').send(huge).expect(413);
    expect(expectErrorShape(response)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', errors: [{ field: 'body', rule: 'max size' }] });
  });

  it('a form-encoded body is 415 naming Content-Type, not "property {…} should not exist"', async () => {
    const response = await request(s.origin).post('/api/models').set('Content-Type', 'application/x-www-form-urlencoded').send(TRAINING_FORM).expect(415);
    const body = expectErrorShape(response);
    expect(body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'Content-Type', rule: 'media type' }] });
    expect(body.message).not.toContain('should not exist');
  });

  it('model_id "1" says what is wrong once, not once per decorator', async () => {
    const response = await request(s.origin).post('/api/backtests').send({ model_id: '1' }).expect(400);
    const body = expectErrorShape(response);
    expect(body.code).toBe('VALIDATION_FAILED');
    const modelIdErrors = body.errors?.filter((error) => error.field === 'model_id');
    expect(modelIdErrors).toEqual([{ field: 'model_id', rule: expect.stringMatching(/^(isInt|min)$/), message: 'model_id must be a positive integer' }]);
    expect(body.message.match(/model_id must be a positive integer/g)).toHaveLength(1);
  });

  it('limit=0 on a paged endpoint names the field and the rule', async () => {
    const body = expectErrorShape(await request(s.origin).get('/api/models').query({ limit: 0 }).expect(400));
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors?.map((error) => error.field)).toEqual(['limit']);
  });

  it('keyless refusals: 403 FORBIDDEN_HOST for another Host, FORBIDDEN_ORIGIN for another site', async () => {
    const host = expectErrorShape(await request(s.origin).get('/api/symbols').set('Host', 'attacker.example').expect(403));
    expect(host).toMatchObject({ code: 'FORBIDDEN_HOST', errors: [{ field: 'Host' }] });
    const origin = expectErrorShape(await request(s.origin).post('/api/trading/kill').set('Origin', 'http://evil.example').send({}).expect(403));
    expect(origin).toMatchObject({ code: 'FORBIDDEN_ORIGIN', errors: [{ field: 'Origin' }] });
  });
});

describe('one error body for 401 and 429 (app with API_KEY and a small budget)', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp({ API_KEY, RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => s?.t.close());

  it('a missing API key is 401 UNAUTHORIZED naming the header; past the budget, 429 RATE_LIMITED', async () => {
    const unauthorized = expectErrorShape(await request(s.origin).post('/api/models').send({}).expect(401));
    expect(unauthorized).toMatchObject({ code: 'UNAUTHORIZED', errors: [{ field: 'x-api-key', rule: 'api key' }] });
    await request(s.origin).get('/api/symbols').expect(200);
    await request(s.origin).get('/api/symbols').expect(200);
    const limited = await request(s.origin).get('/api/symbols').expect(429);
    expect(expectErrorShape(limited)).toMatchObject({ code: 'RATE_LIMITED', errors: [{ field: 'client', rule: 'rate limit' }] });
  });
});

describe('/health keeps its report when the database is down', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp();
  });
  afterAll(() => s?.t.close());

  it('503 with terminus\'s {status, info, error, details} naming the database, not an ErrorResponse', async () => {
    await s.t.app.get(DataSource).destroy();
    const response = await request(s.origin).get('/health').expect(503);
    expect(response.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } }, details: { database: { status: 'down' } } });
  });
});
