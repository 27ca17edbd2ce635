import * as path from 'node:path';
import { lazyWorkerPool, runWorkerTask } from '../common/workers/worker-pool';
import { candleColumnBuffers, type ModelCandle, toCandleColumns } from './core';
import type { PredictionRunResult } from './prediction-run';
import type { PredictionTask, StoredModel } from './prediction.worker';

// One thread: predictions are short next to training. It keeps the models it has loaded and stays up 10 minutes
// when idle, longer than the one-minute prediction schedule, so a scheduled run does not decode the model again.
const predictionPool = lazyWorkerPool(path.join(__dirname, 'prediction.worker'), { handler: 'predict', maxThreads: 1, idleTimeoutMs: 10 * 60_000 });

/** predictCandles in a worker thread: feature building and the forest's vote leave the event loop. */
export function predictCandlesInWorker(model: StoredModel, candles: readonly ModelCandle[], intervalMs: number, start: number): Promise<PredictionRunResult> {
  const columns = toCandleColumns(candles);
  const task: PredictionTask = { model, candles: columns, intervalMs, start };
  return runWorkerTask<PredictionRunResult>(predictionPool(), task, candleColumnBuffers(columns));
}
