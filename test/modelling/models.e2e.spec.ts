import request from 'supertest';
import { buildFeatureMatrix, hashFeatureVector, SignalPredictor } from '../../src/modelling/core';
import { decodeModel } from '../../src/modelling/model-codec';
import { ModelRegistryService } from '../../src/modelling/model-registry.service';
import { ModelRetrainService } from '../../src/modelling/model-retrain.service';
import { PredictionsService, type PredictionView } from '../../src/modelling/predictions.service';
import { decidePromotion, PROMOTION_RULE } from '../../src/modelling/promotion-rule';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { HOUR_MS, importRealCandles, type ModelBody, realCandles, submitModel, waitForModel } from './modelling-fixtures';

// Real BTCUSDT 1h data, 2023-01-01 .. 2023-05-31: 3 622 candles including the 2023-03-24 12:00-13:00 trading halt (a gap).
const DATA_FROM = Date.UTC(2023, 0, 1);
const DATA_TO = Date.UTC(2023, 4, 31, 23);
const PREDICT_FROM = Date.UTC(2023, 4, 1);
const TRAIN_BODY = {
  symbol: 'BTCUSDT',
  interval: '1h',
  start: '2023-01-01T00:00:00Z',
  end: String(Date.UTC(2023, 3, 30, 23)), // epoch ms works too
  horizon: 4,
  hyper_parameters: { n_estimators: 25, max_depth: 8, min_num_samples: 20 },
  seed: 7,
  folds: 4,
};

describe('Models API on MariaDB with real BTCUSDT 1h klines', () => {
  let t: TestApp;
  let first: ModelBody;
  let second: ModelBody;

  beforeAll(async () => {
    const url = await freshMysqlDatabase('model_api');
    t = await startTestApp({ DATABASE_URL: url, MODEL_TRAINING_THREADS: '1', MODEL_PREDICT_CRON: 'off', MODEL_RETRAIN_WINDOW_CANDLES: '2000' });
    await importRealCandles(t, DATA_FROM, DATA_TO);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('trains in the background: 202 {id}, queued → training → ready, walk-forward metrics with baselines', async () => {
    const created = await request(t.http).post('/api/models').send(TRAIN_BODY).expect(202);
    expect(created.body).toEqual({ id: expect.any(Number), status: 'queued' });
    const { model, statuses } = await waitForModel(t.http, (created.body as { id: number }).id);
    expect(model.error).toBeNull();
    expect(model.status).toBe('ready');
    expect(['queued', 'training', 'ready']).toEqual(expect.arrayContaining(statuses));
    expect(statuses[statuses.length - 1]).toBe('ready');
    expect(model.progress).toBe(1);
    first = model;

    expect(model.params).toMatchObject({
      start: DATA_FROM,
      end: Date.UTC(2023, 3, 30, 23),
      horizon: 4,
      seed: 7,
      folds: 4,
      purge_candles: 4,
      thresholds: { horizon_candles: 4, fee_per_side: 0.001, slippage_bps_per_side: 5, hold_class: false, dead_zone_half_width: 0.003 },
      hyper_parameters: { n_estimators: 25, max_depth: 8, min_num_samples: 20, max_features: 0.6, sample_fraction: 0.5, with_replacement: false },
      feature_set: { version: 'opa-features-v1', lookback_candles: 100 },
    });
    const metrics = model.metrics!;
    expect(metrics.classes).toEqual(['SELL', 'BUY']);
    expect(metrics.roc_auc).toBeGreaterThan(0.3);
    expect(metrics.roc_auc).toBeLessThan(0.7);
    expect(metrics.accuracy).toBeGreaterThan(0.3);
    for (const name of ['SELL', 'BUY']) {
      expect(metrics.per_class[name]).toEqual({
        precision: expect.any(Number),
        recall: expect.any(Number),
        f1: expect.any(Number),
        support: expect.any(Number),
        predicted: expect.any(Number),
      });
    }
    expect(Object.keys(metrics.baselines)).toEqual(['always_buy', 'training_majority', 'momentum']);
    expect(metrics.baselines.always_buy.per_class.BUY.recall).toBe(1);
    expect(metrics.folds).toHaveLength(4);
    for (const [i, fold] of metrics.folds.entries()) {
      expect(fold.fold).toBe(i + 1);
      // Purge: the last training decision is at least H + 1 candles before the first test decision.
      expect(fold.test.from_open_time - fold.train.to_open_time).toBeGreaterThanOrEqual(5 * HOUR_MS);
      expect(fold.baselines.momentum.accuracy).toEqual(expect.any(Number));
    }
    expect(model.dataset).toMatchObject({ candles: 2878, look_ahead_check: { mismatches: 0 } });
    expect(model.model).toEqual({ encoding: 'gzip', bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  }, 120_000);

  it('is reproducible: same seed and data give the same metrics and the identical serialized model', async () => {
    second = (await waitForModel(t.http, await submitModel(t.http, TRAIN_BODY))).model;
    expect(second.status).toBe('ready');
    expect(second.metrics).toEqual(first.metrics);
    expect(second.model).toEqual(first.model);
    const registry = t.app.get(ModelRegistryService);
    const a = await registry.storedModel(first.id);
    const b = await registry.storedModel(second.id);
    expect(a!.data.length).toBeGreaterThan(1000);
    expect(a!.data.equals(b!.data)).toBe(true);

    const list = await request(t.http).get('/api/models').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200);
    expect((list.body as ModelBody[]).map((m) => m.id)).toEqual([second.id, first.id]);
    expect(list.body[0]).not.toHaveProperty('metrics');
  }, 120_000);

  it('activates one model per symbol × interval', async () => {
    const activated = await request(t.http).post(`/api/models/${first.id}/activate`).expect(200);
    expect(activated.body).toMatchObject({ id: first.id, active: true });
    await request(t.http).post(`/api/models/${second.id}/activate`).expect(200);
    expect((await request(t.http).get(`/api/models/${first.id}`).expect(200)).body.active).toBe(false);
    expect((await request(t.http).get(`/api/models/${second.id}`).expect(200)).body.active).toBe(true);
    await request(t.http).post(`/api/models/${first.id}/activate`).expect(200);
  });

  it('predicts stored candles: rows equal SignalPredictor output and feature hashes, and repeating is an upsert', async () => {
    const body = { start: new Date(PREDICT_FROM).toISOString(), end: String(DATA_TO) };
    const predicted = await request(t.http).post(`/api/models/${first.id}/predict`).send(body).expect(200);
    expect(predicted.body).toMatchObject({ model_id: first.id, candles: 744, written: 744, skipped_incomplete_window: 0 });

    // Expected: the stored model through the core's own predictor, on features from the CSV file itself.
    const stored = await t.app.get(ModelRegistryService).storedModel(first.id);
    const signalModel = decodeModel(stored!.data, stored!.encoding);
    const candles = realCandles(DATA_FROM, DATA_TO);
    const matrix = buildFeatureMatrix(candles, HOUR_MS);
    const wanted = matrix.candleIndexes.flatMap((index, row) => (candles[index].openTime >= PREDICT_FROM ? [row] : []));
    const rows = wanted.map((row) => matrix.rows[row]);
    const expected = new SignalPredictor(signalModel).predict(rows);

    const page = await request(t.http)
      .get('/api/predictions')
      .query({ symbol: 'BTCUSDT', interval: '1h', start: PREDICT_FROM, end: '2023-05-31T23:00:00Z', model_id: first.id, limit: 5000 })
      .expect(200);
    const actual = page.body.data as PredictionView[];
    expect(page.body.next).toBeNull();
    expect(actual).toHaveLength(expected.length);
    actual.forEach((prediction, i) => {
      expect(prediction.open_time).toBe(candles[matrix.candleIndexes[wanted[i]]].openTime);
      expect(prediction.signal).toBe(expected[i].signal);
      expect(prediction.probabilities).toEqual(expected[i].probabilities);
      expect(prediction.feature_hash).toBe(expected[i].featureHash);
      expect(prediction.feature_hash).toBe(hashFeatureVector('opa-features-v1', signalModel.featureNames, rows[i]));
    });
    expect(new Set(actual.map((p) => p.signal)).size).toBe(2);

    await request(t.http).post(`/api/models/${first.id}/predict`).send(body).expect(200);
    const again = await request(t.http)
      .get('/api/predictions')
      .query({ symbol: 'BTCUSDT', interval: '1h', model_id: first.id, limit: 5000 })
      .expect(200);
    expect(again.body.data).toEqual(actual);

    // Paging with the cursor walks the same rows.
    const firstPage = await request(t.http).get('/api/predictions').query({ symbol: 'BTCUSDT', interval: '1h', limit: 500 }).expect(200);
    const secondPage = await request(t.http)
      .get('/api/predictions')
      .query({ symbol: 'BTCUSDT', interval: '1h', limit: 500, cursor: firstPage.body.next })
      .expect(200);
    expect([...firstPage.body.data, ...secondPage.body.data]).toEqual(actual);
  }, 60_000);

  it('predictLatest writes the active model’s prediction for each newly closed candle, once', async () => {
    const predictions = t.app.get(PredictionsService);
    await t.app.get(ModelRegistryService).activate(second.id, 'test');
    // While the newest stored candle is still open, the one before it is the latest closed candle.
    const early = await predictions.predictLatest('BTCUSDT', '1h', DATA_TO + 10_000);
    expect(early).toMatchObject({ model_id: second.id, written: 1, latest: { open_time: DATA_TO - HOUR_MS, model_id: second.id } });
    const now = DATA_TO + HOUR_MS; // the 23:00 candle has just closed
    const result = await predictions.predictLatest('BTCUSDT', '1h', now);
    expect(result).toMatchObject({ model_id: second.id, written: 1, latest: { open_time: DATA_TO, model_id: second.id } });
    expect(await predictions.predictLatest('BTCUSDT', '1h', now)).toEqual({ model_id: second.id, written: 0, latest: result.latest });
    // Same model bytes as `first`, so the same decision for that candle as POST /predict wrote for `first`.
    const fromFirst = await request(t.http)
      .get('/api/predictions')
      .query({ symbol: 'BTCUSDT', interval: '1h', start: DATA_TO, model_id: first.id })
      .expect(200);
    expect(fromFirst.body.data[0]).toMatchObject({ signal: result.latest!.signal, probabilities: result.latest!.probabilities, feature_hash: result.latest!.feature_hash });
    expect(await predictions.predictLatest('ETHUSDT', '1h', now)).toEqual({ model_id: null, written: 0, latest: null });
  });

  it('scheduled retrain trains on the rolling window and applies the promotion rule', async () => {
    const [outcome] = await t.app.get(ModelRetrainService).retrainAll();
    expect(outcome).toMatchObject({ symbol: 'BTCUSDT', interval: '1h', previous_model_id: second.id, status: 'ready' });
    const retrained = (await request(t.http).get(`/api/models/${outcome.model_id!}`).expect(200)).body as ModelBody;
    expect(retrained).toMatchObject({ origin: 'schedule', params: { end: DATA_TO, start: DATA_TO - 1999 * HOUR_MS, seed: 7 } });
    const score = (model: ModelBody) => ({ modelId: model.id, rocAuc: model.metrics!.roc_auc, accuracy: model.metrics!.accuracy });
    const expected = decidePromotion(score(second), score(retrained)).promoted;
    expect(outcome.promoted).toBe(expected);
    expect(retrained.promotion).toMatchObject({ promoted: expected, compared_with_model_id: second.id });
    expect(retrained.active).toBe(expected);
  }, 120_000);

  it('documents every endpoint and the promotion rule in Swagger', async () => {
    const document = (await request(t.http).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { description?: string }>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/models', '/api/models/{id}', '/api/models/{id}/activate', '/api/models/{id}/predict', '/api/predictions']),
    );
    expect(document.paths['/api/models/{id}/activate'].post.description).toContain(PROMOTION_RULE);
  });

  describe('400s name what is wrong or missing', () => {
    const post = (body: object) => request(t.http).post('/api/models').send(body);
    const fields = (response: request.Response) => (response.body.errors as Array<{ field: string }>).map((e) => e.field);

    it('rejects bad hyper-parameters', async () => {
      const bad = await post({ ...TRAIN_BODY, hyper_parameters: { n_estimators: 0, max_depth: 2.5, sample_fraction: 1.5, bogus: 1 } }).expect(400);
      expect(fields(bad)).toEqual(
        expect.arrayContaining(['hyper_parameters.n_estimators', 'hyper_parameters.max_depth', 'hyper_parameters.sample_fraction', 'hyper_parameters.bogus']),
      );
      const tooMany = await post({ ...TRAIN_BODY, hyper_parameters: { max_features: 30 } }).expect(400);
      expect(tooMany.body.errors[0]).toMatchObject({ field: 'hyper_parameters.max_features' });
      expect(tooMany.body.message).toContain('exceeds the 21 features');
      const notCount = await post({ ...TRAIN_BODY, hyper_parameters: { max_features: 2.5 } }).expect(400);
      expect(notCount.body.errors[0]).toMatchObject({ field: 'hyper_parameters.max_features' });
    });

    it('rejects missing or malformed fields', async () => {
      const missing = await post({ interval: '1h' }).expect(400);
      expect(fields(missing)).toEqual(expect.arrayContaining(['symbol', 'start', 'end']));
      const reversed = await post({ ...TRAIN_BODY, start: '2023-05-01', end: '2023-01-01' }).expect(400);
      expect(reversed.body.message).toContain('end must not be before start');
      const month = await post({ ...TRAIN_BODY, interval: '1M' }).expect(400);
      expect(month.body.message).toContain('1M has no fixed length');
      const thresholds = await post({ ...TRAIN_BODY, thresholds: { fee_per_side: -1 }, horizon: 0, folds: 1, seed: -3 }).expect(400);
      expect(fields(thresholds)).toEqual(expect.arrayContaining(['thresholds.fee_per_side', 'horizon', 'folds', 'seed']));
    });

    it('rejects a range with too little data, saying how many candles there are and are needed', async () => {
      const short = await post({ ...TRAIN_BODY, start: '2023-01-01T00:00:00Z', end: '2023-01-10T00:00:00Z' }).expect(400);
      expect(short.body.code).toBe('INSUFFICIENT_DATA');
      expect(short.body.message).toMatch(/has 217 stored candles .* needs at least 604 \(100 look-back \+ 4 horizon \+ 5 walk-forward blocks/);
      const otherSymbol = await post({ ...TRAIN_BODY, symbol: 'ETHUSDT' }).expect(400);
      expect(otherSymbol.body.message).toContain('ETHUSDT 1h has 0 stored candles');
    });

    it('answers 404 for unknown models and 400 for bad predict/prediction parameters', async () => {
      await request(t.http).get('/api/models/999999').expect(404);
      await request(t.http).post('/api/models/999999/activate').expect(404);
      await request(t.http).get('/api/models/abc').expect(400);
      const badRange = await request(t.http).post(`/api/models/${first.id}/predict`).send({ start: 'yesterday', end: 5 }).expect(400);
      expect(badRange.body.errors[0]).toMatchObject({ field: 'start' });
      const badQuery = await request(t.http).get('/api/predictions').query({ symbol: 'btc', interval: '1h', limit: 0 }).expect(400);
      expect(fields(badQuery)).toEqual(expect.arrayContaining(['symbol', 'limit']));
    });
  });
});
