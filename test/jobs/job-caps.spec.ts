import { type Connection, createConnection } from 'mysql2/promise';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { BacktestEntity } from '../../src/backtest/backtest.entity';
import { BacktestStore } from '../../src/backtest/backtest-store';
import { DEFAULT_LABEL_CONFIG } from '../../src/modelling/core';
import { ModelRegistryService } from '../../src/modelling/model-registry.service';
import { ModelEntity } from '../../src/modelling/model.entity';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';

const HOUR_MS = 3_600_000;
const FROM = Date.UTC(2023, 0, 1);
const CAP = 2;
const TRAINING_CAP = 1_000;
const TRAINING_BODY = {
  symbol: 'BTCUSDT',
  interval: '1h',
  start: FROM,
  end: FROM + 999 * HOUR_MS,
  hyper_parameters: { n_estimators: 5, max_depth: 4 },
  folds: 2,
};

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors?: { field: string; rule: string; message: string }[];
}

describe('caps on queued jobs (429 with Retry-After) and on the candles of a training (400)', () => {
  let t: TestApp;
  let databaseUrl: string;
  let readyModelId: number;
  let ingestionLock: Connection;

  /** A job another, live instance holds: running, with a lease that has not expired. */
  const heldElsewhere = { owner: 'another-instance:1:abcdef01', leaseUntil: Date.now() + 3_600_000 };
  const count = async (table: string): Promise<number> => {
    const [row] = await t.app.get(DataSource).query<{ n: number | string }[]>(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number(row.n);
  };

  beforeAll(async () => {
    databaseUrl = await freshMysqlDatabase('jobs_caps');
    // Another connection holds the ingestion lock from before the app starts, so the app never leads ingestion and the
    // backfills it accepts stay queued.
    ingestionLock = await createConnection(databaseUrl);
    const [[{ acquired }]] = (await ingestionLock.query('SELECT GET_LOCK(CONCAT(?, DATABASE()), 0) AS acquired', ['opa_crypto_ingestion:'])) as unknown as [
      [{ acquired: number }],
    ];
    expect(Number(acquired)).toBe(1);
    // No poll while the spec runs: jobs are looked at only when submitted.
    t = await startTestApp({
      DATABASE_URL: databaseUrl,
      JOBS_MAX_QUEUED: String(CAP),
      JOBS_POLL_MS: '3600000',
      MODEL_TRAINING_MAX_CANDLES: String(TRAINING_CAP),
      MODEL_PREDICT_CRON: 'off',
      INGESTION_ENABLED: 'false',
    });
    const registry = t.app.get(ModelRegistryService);
    const model = () =>
      registry.create({
        symbol: 'BTCUSDT', interval: '1h', dataStart: FROM, dataEnd: FROM + 999 * HOUR_MS, labels: { ...DEFAULT_LABEL_CONFIG }, seed: 1, origin: 'api',
        hyperParameters: { n_estimators: 1, max_features: 0.6, sample_fraction: 0.5, max_samples_per_tree: 10, with_replacement: false, max_depth: 2, min_num_samples: 2, gain_threshold: 0 },
        evaluation: { folds: 2, purge_candles: 4, training_window: 'expanding' },
      });
    const models = t.app.get(DataSource).getRepository(ModelEntity);
    readyModelId = (await model()).id;
    await models.update({ id: readyModelId }, { status: 'ready' });
    for (let k = 0; k < CAP; k++) await models.update({ id: (await model()).id }, { status: 'training', ...heldElsewhere });
    const store = t.app.get(BacktestStore);
    for (let k = 0; k < CAP; k++) {
      const backtest = await store.create({
        modelId: readyModelId, symbol: 'BTCUSDT', interval: '1h', rangeStart: FROM, rangeEnd: FROM + 99 * HOUR_MS, feeRate: 0.001, slippageBps: 5,
        initialCapital: 10_000, strategy: {} as never, symbolRules: {} as never,
      });
      await t.app.get(DataSource).getRepository(BacktestEntity).update({ id: backtest.id }, { status: 'running', ...heldElsewhere });
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await ingestionLock?.end();
  });

  const expectQueueFull = (response: request.Response, kind: string): void => {
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    const body = response.body as ErrorBody;
    expect(body.statusCode).toBe(429);
    expect(body.code).toBe('JOB_QUEUE_FULL');
    expect(body.message).toContain(`too many ${kind} jobs: ${CAP} are queued or running and JOBS_MAX_QUEUED allows ${CAP} per kind`);
  };

  it('refuses a training with 429 and Retry-After while JOBS_MAX_QUEUED trainings are queued or running (on any instance)', async () => {
    const before = await count('models');
    expectQueueFull(await request(t.http).post('/api/models').send(TRAINING_BODY), 'training');
    expect(await count('models')).toBe(before);
  });

  it('refuses a backtest with 429 and Retry-After while JOBS_MAX_QUEUED backtests are queued or running', async () => {
    const before = await count('backtests');
    const response = await request(t.http).post('/api/backtests').send({ model_id: readyModelId, start: FROM, end: FROM + 99 * HOUR_MS });
    expectQueueFull(response, 'backtest');
    expect(await count('backtests')).toBe(before);
  });

  it('refuses a backfill with 429 and Retry-After once JOBS_MAX_QUEUED backfills are queued', async () => {
    const body = { symbol: 'BTCUSDT', interval: '1h', start: '2023-01-01T00:00:00Z', end: '2023-01-02T00:00:00Z' };
    for (let k = 0; k < CAP; k++) await request(t.http).post('/api/ingestion/backfill').send(body).expect(202);
    expectQueueFull(await request(t.http).post('/api/ingestion/backfill').send(body), 'backfill');
    expect(await count('ingestion_jobs')).toBe(CAP);
  });

  it('describes the 429 and its Retry-After header in Swagger for the three submissions', async () => {
    const document = (await request(t.http).get('/docs-json').expect(200)).body as {
      paths: Record<string, { post: { responses: Record<string, { headers?: Record<string, unknown> }> } }>;
    };
    for (const path of ['/api/models', '/api/backtests', '/api/ingestion/backfill']) {
      expect(document.paths[path].post.responses['429']?.headers).toHaveProperty('Retry-After');
    }
  });

  it('refuses a training whose range spans more candles than MODEL_TRAINING_MAX_CANDLES with 400 naming end and the rule', async () => {
    const before = await count('models');
    const response = await request(t.http)
      .post('/api/models')
      .send({ ...TRAINING_BODY, end: FROM + TRAINING_CAP * HOUR_MS });
    expect(response.status).toBe(400);
    const body = response.body as ErrorBody;
    expect(body.errors).toEqual([
      { field: 'end', rule: 'maxCandles', message: expect.stringContaining(`spans ${TRAINING_CAP + 1} 1h candles; a training may span at most ${TRAINING_CAP} (MODEL_TRAINING_MAX_CANDLES)`) as string },
    ]);
    expect(await count('models')).toBe(before);
  });
});
