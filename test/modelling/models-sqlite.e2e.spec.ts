import request from 'supertest';
import { DataSource } from 'typeorm';
import { decodeModel, encodeModel } from '../../src/modelling/model-codec';
import { ModelRegistryService } from '../../src/modelling/model-registry.service';
import { PredictionsService } from '../../src/modelling/predictions.service';
import { resolveTrainingParams } from '../../src/modelling/training-params';
import { runTraining } from '../../src/modelling/training-run';
import { startTestApp, type TestApp } from '../support/test-app';
import { HOUR_MS, importRealCandles, realCandles, submitModel, waitForModel } from './modelling-fixtures';

// The embedded SQLite mode (no DATABASE_URL): same migrations, BLOB model storage, ON CONFLICT upserts.
const DATA_FROM = Date.UTC(2023, 0, 1);
const DATA_TO = Date.UTC(2023, 1, 28, 23);
const BODY = {
  symbol: 'BTCUSDT',
  interval: '1h',
  start: DATA_FROM,
  end: Date.UTC(2023, 1, 14, 23),
  horizon: 6,
  thresholds: { fee_per_side: 0.00075, slippage_bps_per_side: 2 },
  hyper_parameters: { n_estimators: 12, max_depth: 6 },
  seed: 11,
  folds: 2,
};

describe('Models on the embedded SQLite database', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MODEL_TRAINING_THREADS: '1', MODEL_PREDICT_CRON: 'off' });
    await importRealCandles(t, DATA_FROM, DATA_TO);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('trains, stores the same model the core trains on the CSV candles, activates and predicts', async () => {
    const { model } = await waitForModel(t.http, await submitModel(t.http, BODY));
    expect(model).toMatchObject({ status: 'ready', progress: 1, error: null, params: { horizon: 6, folds: 2, thresholds: { dead_zone_half_width: 0.0019 } } });
    expect(model.metrics!.folds).toHaveLength(2);

    // The registry's bytes equal a direct core run on the file's candles: DB decimals read back to the same numbers.
    const params = resolveTrainingParams({ ...BODY, interval: '1h' });
    const direct = await runTraining({
      candles: realCandles(params.start, params.end),
      intervalMs: HOUR_MS,
      labels: params.labels,
      hyperParameters: params.hyperParameters,
      seed: params.seed,
      folds: params.folds,
      parallelism: 1,
    });
    const stored = await t.app.get(ModelRegistryService).storedModel(model.id);
    expect(stored!.data.equals(encodeModel(direct.model).data)).toBe(true);
    expect(decodeModel(stored!.data, stored!.encoding)).toEqual(JSON.parse(JSON.stringify(direct.model)));
    expect(model.metrics).toEqual(direct.metrics);

    await request(t.http).post(`/api/models/${model.id}/activate`).expect(200);
    const body = { start: '2023-02-15T00:00:00Z', end: '2023-02-28T23:00:00Z' };
    const first = await request(t.http).post(`/api/models/${model.id}/predict`).send(body).expect(200);
    expect(first.body).toMatchObject({ candles: 336, written: 336 });
    await request(t.http).post(`/api/models/${model.id}/predict`).send(body).expect(200);
    const page = await request(t.http).get('/api/predictions').query({ symbol: 'BTCUSDT', interval: '1h', limit: 1000 }).expect(200);
    expect(page.body.data).toHaveLength(336);
    expect(page.body.data[0]).toMatchObject({ model_id: model.id, open_time: Date.UTC(2023, 1, 15), feature_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const latest = await t.app.get(PredictionsService).predictLatest('BTCUSDT', '1h', DATA_TO + HOUR_MS);
    expect(latest).toMatchObject({ model_id: model.id, written: 0, latest: page.body.data[335] });
  }, 120_000);

  it('records a failed model when the range has enough candles but too few usable rows', async () => {
    // A dead zone wider than any 1-hour move leaves no labelled rows; the count check passes, training then fails.
    const { model } = await waitForModel(t.http, await submitModel(t.http, { ...BODY, horizon: 1, thresholds: { extra_dead_zone: 0.9 } }));
    expect(model.status).toBe('failed');
    expect(model.error).toMatch(/^too little data: 1080 candles gave 0 labelled rows \(dropped: 99 without a complete 100-candle look-back, .*\); 2 folds need at least 300 rows$/);
    expect(model.metrics).toBeNull();
    const notReady = await request(t.http).post(`/api/models/${model.id}/activate`).expect(409);
    expect(notReady.body).toMatchObject({ code: 'MODEL_NOT_READY', message: `model ${model.id} is failed; only a ready model can be activated` });
    await request(t.http).post(`/api/models/${model.id}/predict`).send({ start: DATA_FROM, end: DATA_TO }).expect(409);
  }, 60_000);

  // Last: it deletes stored candles, which the tests above do not expect.
  it('says in the model that its range spans a hole longer than the look-back, instead of training silently', async () => {
    const holeFrom = Date.UTC(2023, 0, 20);
    const holeTo = Date.UTC(2023, 0, 27, 23);
    await t.app.get(DataSource).query('DELETE FROM klines WHERE symbol = ? AND open_time >= ? AND open_time <= ?', ['BTCUSDT', holeFrom, holeTo]);
    const { model } = await waitForModel(t.http, await submitModel(t.http, { ...BODY, end: DATA_TO }));
    expect(model.status).toBe('ready');
    expect((model.dataset as { gaps: unknown }).gaps).toEqual({
      count: 1,
      missing_candles: 192,
      longer_than_lookback: 1,
      lookback_candles: 100,
      longest: { after: holeFrom - HOUR_MS, before: holeTo + HOUR_MS, missing: 192 },
    });
  }, 60_000);
});
