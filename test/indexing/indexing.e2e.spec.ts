import type { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { createConnection } from 'mysql2/promise';
import { INDEX_NAMES } from '../../src/indexing/index-source';
import { IndexingDrainer } from '../../src/indexing/indexing-drainer.service';
import { INDEX_SOURCES } from '../../src/indexing/index-sources';
import { HOUR_MS, importRealCandles, realCandles } from '../modelling/modelling-fixtures';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { allIds, dropPrefix, drainUntilEmpty, ELASTICSEARCH_TEST_URL, esClient, trainSmallModel, uniquePrefix } from './indexing-fixtures';

// Real BTCUSDT 1h klines, 2023-01-01 .. 2023-03-31 (2 160 candles); the model trains on January-February.
const DATA_FROM = Date.UTC(2023, 0, 1);
const DATA_TO = Date.UTC(2023, 2, 31, 23);
const TRAIN_TO = Date.UTC(2023, 1, 28, 23);
const PREDICT_FROM = Date.UTC(2023, 2, 1);
const API_KEY = 'index-spec-api-key-0123456789';
const DAY_MS = 24 * HOUR_MS;

describe('Indexing into a real Elasticsearch (MariaDB, outbox, templates, reindex)', () => {
  const prefix = uniquePrefix('e2e');
  let es: Client;
  let t: TestApp;
  let databaseUrl: string;
  let modelId: number;
  /** Predictions the model wrote for March (fewer than 744: candles after the 2023-03-24 gap lack a full look-back). */
  let written = 0;

  const mysqlRows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const connection = await createConnection(databaseUrl);
    try {
      return (await connection.query(sql, params))[0] as T[];
    } finally {
      await connection.end();
    }
  };

  beforeAll(async () => {
    es = esClient();
    databaseUrl = await freshMysqlDatabase('index_e2e');
    t = await startTestApp({
      DATABASE_URL: databaseUrl,
      ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      INDEXING_DRAIN_INTERVAL_MS: '200',
      MODEL_TRAINING_THREADS: '1',
      API_KEY,
    });
    await importRealCandles(t, DATA_FROM, DATA_TO);
    modelId = await trainSmallModel(t, DATA_FROM, TRAIN_TO, API_KEY);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (es) {
      await dropPrefix(es, prefix);
      await es.close();
    }
  });

  it('creates one composable template per index at start-up, with explicit mappings, and the empty indices', async () => {
    const { index_templates: templates } = await es.indices.getIndexTemplate({ name: `${prefix}*` });
    expect(templates.map((tpl) => tpl.name).sort()).toEqual(INDEX_NAMES.map((name) => `${prefix}${name}`).sort());
    for (const name of INDEX_NAMES) {
      const mapping = await es.indices.getMapping({ index: `${prefix}${name}` });
      const properties = mapping[`${prefix}${name}`].mappings.properties as Record<string, { type: string }>;
      const types = Object.fromEntries(Object.entries(properties).map(([field, property]) => [field, property.type]));
      expect([name, types]).toEqual([name, INDEX_SOURCES[name].fields]);
      expect(mapping[`${prefix}${name}`].mappings.dynamic).toBe('strict');
    }
    const predictions = (await es.indices.getMapping({ index: `${prefix}predictions` }))[`${prefix}predictions`].mappings.properties!;
    expect(predictions.open_time).toEqual({ type: 'date', format: 'epoch_millis' });
    expect(predictions.prob_buy).toEqual({ type: 'double' });
    expect(predictions.trade_signal).toEqual({ type: 'keyword' });
    const klines = (await es.indices.getMapping({ index: `${prefix}klines` }))[`${prefix}klines`].mappings.properties!;
    expect(klines.close).toEqual({ type: 'double' });
  });

  it('indexes every imported kline once, with the stored values, from a handful of outbox rows', async () => {
    await drainUntilEmpty(t);
    const expected = realCandles(DATA_FROM, DATA_TO);
    const index = `${prefix}klines`;
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(expected.length);
    const sample = expected[777];
    const doc = await es.get<Record<string, unknown>>({ index, id: `BTCUSDT:1h:${sample.openTime}` });
    expect(doc._source).toEqual({
      symbol: 'BTCUSDT',
      interval: '1h',
      open_time: sample.openTime,
      open: sample.open,
      high: sample.high,
      low: sample.low,
      close: sample.close,
      volume: sample.volume,
      quote_asset_volume: sample.quoteAssetVolume,
      number_of_trades: sample.trades,
    });
  });

  it('indexes the walk-forward metrics of a ready model: overall, every fold, and the baselines', async () => {
    await drainUntilEmpty(t);
    const index = `${prefix}model-metrics`;
    await es.indices.refresh({ index });
    const model = (await request(t.http).get(`/api/models/${modelId}`).expect(200)).body as {
      metrics: { accuracy: number; roc_auc: number; folds: { fold: number; accuracy: number; rows: number }[] };
    };
    const folds = model.metrics.folds.length;
    expect((await es.count({ index, query: { term: { model_id: String(modelId) } } })).count).toBe((1 + folds) * 4);
    const overall = await es.get<Record<string, unknown>>({ index, id: `${modelId}:overall` });
    expect(overall._source).toMatchObject({ scope: 'overall', accuracy: model.metrics.accuracy, roc_auc: model.metrics.roc_auc, baseline: null });
    const fold = model.metrics.folds[1];
    const foldDoc = await es.get<Record<string, unknown>>({ index, id: `${modelId}:fold:fold-${fold.fold}` });
    expect(foldDoc._source).toMatchObject({ scope: 'fold', fold: fold.fold, accuracy: fold.accuracy, rows: fold.rows });
    const majority = await es.search({ index, size: 100, query: { bool: { filter: [{ term: { scope: 'baseline' } }, { term: { baseline: 'majority' } }] } } });
    expect(majority.hits.hits).toHaveLength(1 + folds);
  });

  it('indexes predictions as they are written; a date_histogram per day matches the database', async () => {
    const predicted = await request(t.http)
      .post(`/api/models/${modelId}/predict`)
      .set('x-api-key', API_KEY)
      .send({ start: String(PREDICT_FROM), end: String(DATA_TO) })
      .expect(200);
    written = (predicted.body as { written: number }).written;
    expect(written).toBeGreaterThan(500);
    await drainUntilEmpty(t);
    const index = `${prefix}predictions`;
    const ids = await allIds(es, index);
    const rows = await mysqlRows<{ model_id: number; open_time: number; trade_signal: string }>(
      'SELECT model_id, open_time, trade_signal FROM predictions ORDER BY open_time',
    );
    expect(rows).toHaveLength(written);
    expect(ids.sort()).toEqual(rows.map((row) => `${row.model_id}:${row.open_time}`).sort());

    const result = await es.search({
      index,
      size: 0,
      query: { term: { model_id: String(modelId) } },
      aggs: {
        per_day: {
          date_histogram: { field: 'open_time', calendar_interval: 'day' },
          aggs: { buys: { filter: { term: { trade_signal: 'BUY' } } }, avg_prob_buy: { avg: { field: 'prob_buy' } } },
        },
      },
    });
    const buckets = (result.aggregations!.per_day as { buckets: { key: number; doc_count: number; buys: { doc_count: number } }[] }).buckets;
    // Every day from the first to the last prediction, empty days (the gap) included, as date_histogram answers.
    const expected = new Map<number, { n: number; buys: number }>();
    const firstDay = Math.floor(Number(rows[0].open_time) / DAY_MS) * DAY_MS;
    const lastDay = Math.floor(Number(rows[rows.length - 1].open_time) / DAY_MS) * DAY_MS;
    for (let day = firstDay; day <= lastDay; day += DAY_MS) expected.set(day, { n: 0, buys: 0 });
    for (const row of rows) {
      const day = Math.floor(Number(row.open_time) / DAY_MS) * DAY_MS;
      const bucket = expected.get(day) ?? { n: 0, buys: 0 };
      bucket.n++;
      if (row.trade_signal === 'BUY') bucket.buys++;
      expected.set(day, bucket);
    }
    expect(buckets).toHaveLength(31);
    expect(buckets.some((b) => b.doc_count === 0)).toBe(true);
    expect(buckets.map((b) => [b.key, b.doc_count, b.buys.doc_count])).toEqual([...expected].map(([day, b]) => [day, b.n, b.buys]));
    expect(buckets[0].key).toBe(PREDICT_FROM);
  });

  it('predicting the same range again rewrites the same documents: no duplicates', async () => {
    await request(t.http)
      .post(`/api/models/${modelId}/predict`)
      .set('x-api-key', API_KEY)
      .send({ start: String(PREDICT_FROM), end: String(PREDICT_FROM + 47 * HOUR_MS) })
      .expect(200);
    await drainUntilEmpty(t);
    await es.indices.refresh({ index: `${prefix}predictions` });
    expect((await es.count({ index: `${prefix}predictions` })).count).toBe(written);
  });

  it('drains only while holding the MySQL lock opa_crypto_indexing:<database>: another holder stops it, nothing is lost', async () => {
    const index = `${prefix}klines`;
    const before = (await es.count({ index })).count;
    const other = await createConnection(databaseUrl); // stands for another app instance holding the drain lock
    try {
      const lockName = `opa_crypto_indexing:${new URL(databaseUrl).pathname.slice(1)}`;
      // Waits (up to 10 s) for a drain run of the app's own timer that may hold the lock right now.
      const [[taken]] = (await other.query('SELECT GET_LOCK(?, 10) AS ok', [lockName])) as unknown as [{ ok: number }[]];
      expect(Number(taken.ok)).toBe(1);
      expect(await importRealCandles(t, Date.UTC(2023, 3, 1), Date.UTC(2023, 3, 2, 23))).toBe(48);
      for (let i = 0; i < 5; i++) await t.app.get(IndexingDrainer).drainNow();
      await new Promise((done) => setTimeout(done, 500)); // the app's own timer runs too
      const waiting = (await request(t.http).get('/api/indexing/status').expect(200)).body as { backlog: number };
      expect(waiting.backlog).toBe(1);
      await es.indices.refresh({ index });
      expect((await es.count({ index })).count).toBe(before);
      await other.query('SELECT RELEASE_LOCK(?)', [lockName]);
    } finally {
      await other.end();
    }
    await drainUntilEmpty(t);
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(before + 48);
  });

  it('GET /health shows Elasticsearch and the indexing backlog; GET /api/indexing/status the pipeline', async () => {
    const health = await request(t.http).get('/health').expect(200);
    expect(health.body.info.elasticsearch).toMatchObject({ status: 'up', enabled: true, cluster: expect.stringMatching(/green|yellow/) });
    expect(health.body.info.indexing).toMatchObject({ status: 'up', enabled: true, backlog: 0, parked: 0 });
    const status = await request(t.http).get('/api/indexing/status').expect(200);
    expect(status.body).toMatchObject({ enabled: true, backlog: 0, parked: 0, last_drain_at: expect.any(Number), paused: false });
    expect(status.body.indices).toContainEqual({ name: 'predictions', index: `${prefix}predictions`, time_field: 'open_time', fed: true });
    // Every index is fed from the database now (backtests and trading included).
    expect(status.body.indices).toContainEqual({ name: 'orders', index: `${prefix}orders`, time_field: 'time', fed: true });
    expect((status.body.indices as Array<{ fed: boolean }>).every((index) => index.fed)).toBe(true);
  });

  it('POST /api/indexing/reindex rebuilds an index from MySQL (stray documents gone, every row back)', async () => {
    const index = `${prefix}predictions`;
    await es.index({ index, id: 'stray', document: { model_id: '999', open_time: 0 }, refresh: true });
    await es.delete({ index, id: `${modelId}:${PREDICT_FROM}`, refresh: true });
    const rebuilt = await request(t.http).post('/api/indexing/reindex').set('x-api-key', API_KEY).send({ index: 'predictions' }).expect(200);
    expect(rebuilt.body).toMatchObject({ index: 'predictions', physical_index: index, documents: written, failed: 0, errors: [] });
    const ids = await allIds(es, index);
    expect(ids).toHaveLength(written);
    expect(ids).toContain(`${modelId}:${PREDICT_FROM}`);
    expect(ids).not.toContain('stray');
  });

  it('reindex: 400 naming the field for an unknown index or none, 401 without the key', async () => {
    const bad = await request(t.http).post('/api/indexing/reindex').set('x-api-key', API_KEY).send({ index: 'nope' }).expect(400);
    expect(bad.body.errors).toEqual([{ field: 'index', rule: 'isIn', message: expect.stringContaining('index must be one of predictions') }]);
    const missing = await request(t.http).post('/api/indexing/reindex').set('x-api-key', API_KEY).send({}).expect(400);
    expect(missing.body.errors[0]).toMatchObject({ field: 'index' });
    await request(t.http).post('/api/indexing/reindex').send({ index: 'predictions' }).expect(401);
  });
});
