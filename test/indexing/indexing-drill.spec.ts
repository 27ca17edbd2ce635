import type { Client } from '@elastic/elasticsearch';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { HOUR_MS, importRealCandles } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { allIds, dropPrefix, drainUntilEmpty, elasticsearchScript, esClient, trainSmallModel, uniquePrefix } from './indexing-fixtures';

// A second Elasticsearch of its own (scripts/elasticsearch.sh on another port), so stopping it disturbs no other suite.
const DRILL_URL = process.env.ELASTICSEARCH_DRILL_URL ?? 'http://127.0.0.1:9201';
const DATA_FROM = Date.UTC(2023, 0, 1);
const DATA_TO = Date.UTC(2023, 2, 31, 23);
const TRAIN_TO = Date.UTC(2023, 1, 28, 23);
const DAY_MS = 24 * HOUR_MS;
const API_KEY = 'drill-spec-api-key-0123456789';

type Status = { enabled: boolean; backlog: number; parked: number; paused: boolean; last_error: string | null };

describe('Fault drill: Elasticsearch down at start-up and again while predictions keep coming', () => {
  const prefix = uniquePrefix('drill');
  let t: TestApp;
  let es: Client;
  let databaseUrl: string;

  const status = async (): Promise<Status> => (await request(t.http).get('/api/indexing/status').expect(200)).body as Status;
  const predictDay = async (modelId: number, day: number) =>
    request(t.http)
      .post(`/api/models/${modelId}/predict`)
      .set('x-api-key', API_KEY)
      .send({ start: String(Date.UTC(2023, 2, day)), end: String(Date.UTC(2023, 2, day) + DAY_MS - HOUR_MS) })
      .expect(200);

  beforeAll(async () => {
    await elasticsearchScript('stop', DRILL_URL);
    databaseUrl = await freshMysqlDatabase('index_drill');
    t = await startTestApp({
      DATABASE_URL: databaseUrl,
      ELASTICSEARCH_URL: DRILL_URL,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      ELASTICSEARCH_REQUEST_TIMEOUT_MS: '5000',
      INDEXING_DRAIN_INTERVAL_MS: '100',
      INDEXING_RETRY_BASE_DELAY_MS: '100',
      INDEXING_RETRY_MAX_DELAY_MS: '1000',
      MODEL_TRAINING_THREADS: '1',
      API_KEY,
    });
    es = esClient(DRILL_URL);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (es) {
      await dropPrefix(es, prefix).catch(() => undefined);
      await es.close();
    }
    await elasticsearchScript('stop', DRILL_URL);
  }, 60_000);

  it('keeps every result in the outbox while Elasticsearch is down, then indexes each prediction exactly once', async () => {
    // 1. Elasticsearch is not running: the app starts anyway, klines and model metrics wait in the outbox.
    await importRealCandles(t, DATA_FROM, DATA_TO);
    const modelId = await trainSmallModel(t, DATA_FROM, TRAIN_TO, API_KEY);
    let s = await status();
    expect(s.backlog).toBeGreaterThan(1);
    expect(s.last_error).toMatch(/unreachable|ECONNREFUSED|templates/i);
    const down = await request(t.http).get('/health').expect(200);
    expect(down.body.details.elasticsearch).toMatchObject({ status: 'degraded', enabled: true });

    // 2. Elasticsearch comes up: templates are created and the backlog drains.
    await elasticsearchScript('start', DRILL_URL);
    await drainUntilEmpty(t, 120_000);
    for (let day = 1; day <= 10; day++) await predictDay(modelId, day);
    await drainUntilEmpty(t);
    const beforeOutage = await allIds(es, `${prefix}predictions`);
    expect(beforeOutage.length).toBeGreaterThan(200);

    // 3. Elasticsearch stops while predictions keep coming: nothing is lost, the backlog grows.
    await elasticsearchScript('stop', DRILL_URL);
    let daysWritten = 0;
    for (let day = 11; day <= 25; day++) {
      if (((await predictDay(modelId, day)).body as { written: number }).written > 0) daysWritten++;
    }
    s = await status();
    // One outbox row per day that wrote predictions (days after the 2023-03-24 gap may write none).
    expect(daysWritten).toBeGreaterThan(10);
    expect(s.backlog).toBe(daysWritten);
    expect(s.parked).toBe(0);
    const health = await request(t.http).get('/health').expect(200);
    expect(health.body.details.indexing).toMatchObject({ status: 'up', backlog: s.backlog, parked: 0 });
    expect(health.body.details.elasticsearch.status).toBe('degraded');

    // 4. Back up, with more predictions arriving meanwhile; the drainer catches up on its own timer.
    await elasticsearchScript('start', DRILL_URL);
    for (let day = 26; day <= 31; day++) await predictDay(modelId, day);
    const deadline = Date.now() + 120_000;
    while ((s = await status()).backlog > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
    expect(s).toMatchObject({ backlog: 0, parked: 0 });

    // 5. Exactly once: the indexed ids are the database's rows, one each, and the values match.
    const connection = await createConnection(databaseUrl);
    const [rows] = await connection.query('SELECT model_id, open_time, prob_buy, trade_signal FROM predictions');
    const [[klines]] = (await connection.query('SELECT COUNT(*) AS n FROM klines')) as unknown as [{ n: number }[]];
    await connection.end();
    const stored = rows as { model_id: number; open_time: number; prob_buy: number; trade_signal: string }[];
    const ids = await allIds(es, `${prefix}predictions`);
    expect(ids.length).toBe(stored.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(stored.map((row) => `${row.model_id}:${row.open_time}`).sort());
    expect((await es.count({ index: `${prefix}predictions` })).count).toBe(stored.length);
    const sample = stored[Math.floor(stored.length / 2)];
    const doc = await es.get<{ prob_buy: number; trade_signal: string }>({ index: `${prefix}predictions`, id: `${sample.model_id}:${sample.open_time}` });
    expect(doc._source).toMatchObject({ prob_buy: sample.prob_buy, trade_signal: sample.trade_signal });
    // The klines and metrics queued while Elasticsearch was down at start-up arrived too.
    expect(Number(klines.n)).toBe(2158); // 2023-01-01 .. 03-31 minus the two candles of the 2023-03-24 trading halt
    expect((await es.count({ index: `${prefix}klines` })).count).toBe(2158);
    expect((await es.count({ index: `${prefix}model-metrics` })).count).toBeGreaterThan(4);
  }, 600_000);
});
