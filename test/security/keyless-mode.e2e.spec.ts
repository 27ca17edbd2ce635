import request from 'supertest';
import {
  appState,
  BACKFILL_FORM,
  firstError,
  type ListeningApp,
  oneDayOfCandles,
  startListeningApp,
  TRAINING_FORM,
  UNTOUCHED,
} from './security-support';

const EVIL = 'http://evil.example';
const API_KEY = 'security-api-key-0123456789';

describe('keyless mode (no API_KEY) answers only this machine', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp();
  });
  afterAll(() => s?.t.close());

  describe('the requests a web page at http://evil.example can make a browser send', () => {
    it('text/plain POST /api/trading/kill: 403 naming Origin, kill switch not engaged', async () => {
      const response = await request(s.origin)
        .post('/api/trading/kill')
        .set('Origin', EVIL)
        .set('Content-Type', 'text/plain')
        .send('{"reason":"pwned"}')
        .expect(403);
      expect(firstError(response.body)).toMatchObject({ field: 'Origin', rule: 'same origin' });
      expect(await appState(s.origin)).toEqual(UNTOUCHED);
    });

    it('form-encoded POST /api/models and /api/ingestion/backfill: 403, no model and no backfill job', async () => {
      for (const [path, form] of [
        ['/api/models', TRAINING_FORM],
        ['/api/ingestion/backfill', BACKFILL_FORM],
      ]) {
        const response = await request(s.origin)
          .post(path)
          .set('Origin', EVIL)
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send(form)
          .expect(403);
        expect(response.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      expect(await appState(s.origin)).toEqual(UNTOUCHED);
    });

    it('multipart POST /api/klines/import: 403, no candle stored', async () => {
      await request(s.origin)
        .post('/api/klines/import')
        .set('Origin', EVIL)
        .field('symbol', 'BTCUSDT')
        .field('interval', '1h')
        .attach('files', oneDayOfCandles(), 'BTCUSDT-1h-2023-01-01.csv')
        .expect(403);
      expect(await appState(s.origin)).toEqual(UNTOUCHED);
    });

    it('a cross-site request without Origin but with Sec-Fetch-Site: cross-site or same-site is refused too', async () => {
      for (const site of ['cross-site', 'same-site']) {
        const response = await request(s.origin).post('/api/trading/kill').set('Sec-Fetch-Site', site).send({ reason: 'x' }).expect(403);
        expect(firstError(response.body).field).toBe('Sec-Fetch-Site');
      }
      await request(s.origin).post('/api/trading/kill').set('Origin', 'null').send({}).expect(403);
      expect(await appState(s.origin)).toEqual(UNTOUCHED);
    });

    it('DNS rebinding: a request with Host: attacker.example is refused, whatever the route', async () => {
      for (const path of ['/api/trading/status', '/api/symbols', '/health', '/docs', '/docs-json', '/', '/index.html']) {
        const response = await request(s.origin).get(path).set('Host', 'attacker.example').expect(403);
        expect(firstError(response.body)).toMatchObject({ field: 'Host', rule: 'local host only' });
      }
      await request(s.origin).post('/api/trading/kill').set('Host', `attacker.example:${s.port}`).send({}).expect(403);
      expect(await appState(s.origin)).toEqual(UNTOUCHED);
    });
  });

  it('answers Host localhost, 127.0.0.1 and [::1], with or without the port', async () => {
    for (const host of ['localhost', `localhost:${s.port}`, '127.0.0.1', `127.0.0.1:${s.port}`, '[::1]', `[::1]:${s.port}`, 'LOCALHOST']) {
      await request(s.origin).get('/api/symbols').set('Host', host).expect(200);
    }
    // A stray Content-Type on a request without a body is not a body of the wrong type.
    await request(s.origin).get('/health').set('Content-Type', 'text/plain').expect(200);
  });

  it('a local client that sends a wrong body type gets 415 and nothing changes', async () => {
    // curl or a script on this machine: no Origin, so it passes the cross-site check and meets the media-type rule.
    const kill = await request(s.origin).post('/api/trading/kill').set('Content-Type', 'text/plain').send('{}').expect(415);
    expect(firstError(kill.body)).toMatchObject({ field: 'Content-Type', rule: 'media type' });
    expect(firstError(kill.body).message).toContain('application/json');
    await request(s.origin).post('/api/models').type('form').send(TRAINING_FORM).expect(415);
    await request(s.origin).post('/api/ingestion/backfill').type('form').send(BACKFILL_FORM).expect(415);
    const json = await request(s.origin).post('/api/klines/import').send({ symbol: 'BTCUSDT' }).expect(415);
    expect(firstError(json.body).message).toContain('multipart/form-data');
    expect(await appState(s.origin)).toEqual(UNTOUCHED);
  });

  it('the app\'s own pages (same Origin, Sec-Fetch-Site: same-origin) still control it, and a bodyless kill still works', async () => {
    for (const origin of [s.origin, `http://localhost:${s.port}`]) {
      const host = origin.replace('http://', '');
      await request(s.origin).post('/api/trading/resume').set('Host', host).set('Origin', origin).set('Sec-Fetch-Site', 'same-origin').expect(200);
    }
    await request(s.origin).post('/api/trading/kill').expect(200);
    expect((await appState(s.origin)).killed).toBe(true);
    await request(s.origin).post('/api/trading/resume').set('Origin', s.origin).send({}).expect(200);
    await request(s.origin).post('/api/trading/kill').set('Origin', s.origin).send({ reason: 'from the dashboard' }).expect(200);
    expect((await appState(s.origin)).killed).toBe(true);
  });
});

describe('with API_KEY set', () => {
  let s: ListeningApp;
  beforeAll(async () => {
    s = await startListeningApp({ API_KEY });
  });
  afterAll(() => s?.t.close());

  it('serves any Host (remote access is what the key is for)', async () => {
    await request(s.origin).get('/api/symbols').set('Host', 'opa.example:8080').expect(200);
    await request(s.origin).get('/health').set('Host', 'opa.example').expect(200);
  });

  it('refuses the cross-site requests of a web page: no key (401) or, with the key, the wrong body type (415)', async () => {
    // A page cannot read or set the key; even a request that somehow carries it gets 415 for a non-JSON body.
    await request(s.origin).post('/api/trading/kill').set('Origin', EVIL).set('Content-Type', 'text/plain').send('{}').expect(415);
    await request(s.origin).post('/api/trading/kill').set('Origin', EVIL).set('x-api-key', API_KEY).set('Content-Type', 'text/plain').send('{}').expect(415);
    await request(s.origin).post('/api/models').set('x-api-key', API_KEY).type('form').send(TRAINING_FORM).expect(415);
    await request(s.origin).post('/api/ingestion/backfill').set('x-api-key', API_KEY).type('form').send(BACKFILL_FORM).expect(415);
    await request(s.origin).post('/api/trading/kill').send({}).expect(401);
    expect(await appState(s.origin)).toEqual(UNTOUCHED);
  });

  it('still takes multipart uploads on /api/klines/import and JSON elsewhere', async () => {
    const imported = await request(s.origin)
      .post('/api/klines/import')
      .set('x-api-key', API_KEY)
      .field('symbol', 'BTCUSDT')
      .field('interval', '1h')
      .attach('files', oneDayOfCandles(), 'BTCUSDT-1h-2023-01-01.csv')
      .expect(200);
    expect(imported.body).toMatchObject({ imported_files: 1, rejected_files: 0 });
    await request(s.origin).post('/api/trading/kill').set('x-api-key', API_KEY).set('Content-Type', 'application/json; charset=utf-8').send('{"reason":"test"}').expect(200);
    expect(await appState(s.origin)).toEqual({ ...UNTOUCHED, killed: true, storedPairs: 1 });
  });
});
