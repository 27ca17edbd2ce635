import type { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { IndexOutbox } from '../../src/indexing/index-outbox';
import { IndexingDrainer } from '../../src/indexing/indexing-drainer.service';
import { HOUR_MS, importRealCandles } from '../modelling/modelling-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { allIds, dropPrefix, drainUntilEmpty, ELASTICSEARCH_TEST_URL, esClient, uniquePrefix } from './indexing-fixtures';

const FROM = Date.UTC(2023, 5, 1);
const TO = FROM + 47 * HOUR_MS;

describe('Indexing failures on SQLite: rejected documents are retried, parked, reported and recovered by reindex', () => {
  const prefix = uniquePrefix('park');
  let es: Client;
  let t: TestApp;

  beforeAll(async () => {
    es = esClient();
    // An index that exists before the app starts, with a mapping the documents cannot satisfy (symbol as a number):
    // the template does not apply to it, so every kline is rejected with a mapping error.
    await es.indices.create({ index: `${prefix}klines`, mappings: { properties: { symbol: { type: 'long' } } } });
    t = await startTestApp({
      ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      INDEXING_DRAIN_INTERVAL_MS: '50',
      INDEXING_MAX_ATTEMPTS: '3',
      INDEXING_RETRY_BASE_DELAY_MS: '20',
      INDEXING_RETRY_MAX_DELAY_MS: '100',
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (es) {
      await dropPrefix(es, prefix);
      await es.close();
    }
  });

  it('retries a rejected row with backoff, parks it after INDEXING_MAX_ATTEMPTS and reports it; the klines stay in the database', async () => {
    expect(await importRealCandles(t, FROM, TO)).toBe(48);
    const deadline = Date.now() + 90_000;
    let status: Record<string, unknown> & { parked?: number; parked_rows?: unknown; last_error?: string } = {};
    while (Date.now() < deadline) {
      await t.app.get(IndexingDrainer).drainNow();
      status = (await request(t.http).get('/api/indexing/status').expect(200)).body;
      if ((status.parked ?? 0) > 0) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    // On failure, show what the drainer last saw.
    expect({ ...status, drainer_error: t.app.get(IndexingDrainer).lastError }).toMatchObject({ enabled: true, backlog: 0, parked: 1 });
    expect(status.parked_rows).toEqual([
      { id: expect.any(Number), source: 'klines', ref: JSON.stringify({ symbol: 'BTCUSDT', interval: '1h', from: FROM, to: TO }), attempts: 3, last_error: expect.stringMatching(/48 of 48 document\(s\) rejected.*BTCUSDT:1h:.*parsing/) },
    ]);
    expect(status.last_error).toMatch(/rejected/);

    const health = await request(t.http).get('/health').expect(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.details.indexing).toMatchObject({ status: 'degraded', backlog: 0, parked: 1 });
    expect(health.body.details.database.status).toBe('up');

    const stored = await request(t.http).get('/api/klines').query({ symbol: 'BTCUSDT', interval: '1h', start: FROM, end: TO }).expect(200);
    expect(stored.body.data).toHaveLength(48);
  });

  it('reindex rebuilds the index from its template, indexes every kline and clears the parked row', async () => {
    const rebuilt = await request(t.http).post('/api/indexing/reindex').send({ index: 'klines' }).expect(200);
    expect(rebuilt.body).toMatchObject({ documents: 48, failed: 0, parked_cleared: 1 });
    const mapping = await es.indices.getMapping({ index: `${prefix}klines` });
    expect(mapping[`${prefix}klines`].mappings.properties!.symbol).toEqual({ type: 'keyword' });
    const ids = await allIds(es, `${prefix}klines`);
    expect(ids.sort()).toEqual(Array.from({ length: 48 }, (_, i) => `BTCUSDT:1h:${FROM + i * HOUR_MS}`).sort());
    const status = (await request(t.http).get('/api/indexing/status').expect(200)).body;
    expect(status).toMatchObject({ backlog: 0, parked: 0, parked_rows: [] });
    await drainUntilEmpty(t);
  });
});

describe('Indexing off (ELASTICSEARCH_URL unset)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({});
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('queues nothing, reports enabled: false, and refuses reindex with 409', async () => {
    expect(t.app.get(IndexOutbox).enabled).toBe(false);
    expect(await importRealCandles(t, FROM, TO)).toBe(48);
    expect(await t.app.get(IndexOutbox).counts()).toEqual({ backlog: 0, parked: 0 });
    const status = (await request(t.http).get('/api/indexing/status').expect(200)).body;
    expect(status).toMatchObject({ enabled: false, backlog: 0, parked: 0, last_drain_at: null });
    const health = await request(t.http).get('/health').expect(200);
    expect(health.body.info.elasticsearch).toEqual({ status: 'up', enabled: false });
    const refused = await request(t.http).post('/api/indexing/reindex').send({ index: 'klines' }).expect(409);
    expect(refused.body.code).toBe('INDEXING_DISABLED');
  });
});
