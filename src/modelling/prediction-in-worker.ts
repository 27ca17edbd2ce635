import * as path from 'node:path';
import { lazyWorkerPool, runWorkerTask } from '../common/workers/worker-pool';
import { candleColumnBuffers, type ModelCandle, toCandleColumns } from './core';
import type { PredictionRunResult } from './prediction-run';
import type { PredictionTask, StoredModel } from './prediction.worker';

// One thread: predictions are short next to training, and the thread keeps the models it has loaded.
const predictionPool = lazyWorkerPool(path.join(__dirname, 'prediction.worker'), { handler: 'predict', maxThreads: 1 });

/** predictCandles in a worker thread: feature building and the forest's vote leave the event loop. */
export function predictCandlesInWorker(model: StoredModel, candles: readonly ModelCandle[], intervalMs: number, start: number): Promise<PredictionRunResult> {
  const columns = toCandleColumns(candles);
  const task: PredictionTask = { model, candles: columns, intervalMs, start };
  return runWorkerTask<PredictionRunResult>(predictionPool(), task, candleColumnBuffers(columns));
}
