import { monitorEventLoopDelay } from 'node:perf_hooks';
import request from 'supertest';
import { waitForBacktest } from '../backtest/backtest-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { importRealCandles, submitModel, waitForModel } from './modelling-fixtures';

// Issue 13 item 4: with MODEL_TRAINING_THREADS=1 a training used to build every tree on the event loop (the kill switch
// and /health stalled for many seconds), and a backtest predicted and simulated its range there too. Now the whole
// computation runs in worker threads, so the event loop of the app's own process never stalls for long. The bound is
// deliberately generous: it separates "responsive" from "blocked for seconds", not fast from slow.
const MAX_EVENT_LOOP_DELAY_MS = 1_000;
const TRAIN_FROM = Date.UTC(2021, 0, 1);
const TRAIN_TO = Date.UTC(2022, 11, 31, 23);
const BACKTEST_FROM = Date.UTC(2020, 0, 1);
const BACKTEST_TO = Date.UTC(2023, 11, 31, 23);

/** Runs `job` while sampling the event loop's delay every 10 ms; returns the largest delay seen, in ms. */
async function maxEventLoopDelayDuring(job: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await job();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

describe('The event loop while a training and a backtest run', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MODEL_TRAINING_THREADS: '1', MODEL_PREDICT_CRON: 'off' });
    await importRealCandles(t, BACKTEST_FROM - 100 * 3_600_000, BACKTEST_TO);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('never stalls for a second: training (17.5k candles, one training thread) and a backtest of 35k candles run in worker threads', async () => {
    let modelId = 0;
    const trainingDelayMs = await maxEventLoopDelayDuring(async () => {
      modelId = await submitModel(t.http, {
        symbol: 'BTCUSDT',
        interval: '1h',
        start: TRAIN_FROM,
        end: TRAIN_TO,
        hyper_parameters: { n_estimators: 40 },
        folds: 3,
      });
      const { model } = await waitForModel(t.http, modelId, 600_000);
      expect(model.status).toBe('ready');
    });

    // The backtest first predicts the 35k candles of its range (none stored yet), then simulates them.
    const backtestDelayMs = await maxEventLoopDelayDuring(async () => {
      const created = await request(t.http).post('/api/backtests').send({ model_id: modelId, start: BACKTEST_FROM, end: BACKTEST_TO }).expect(202);
      const { backtest } = await waitForBacktest(t.http, (created.body as { id: number }).id, 600_000);
      expect(backtest.status).toBe('completed');
    });

    expect(trainingDelayMs).toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
    expect(backtestDelayMs).toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
  }, 1_200_000);
});
