import * as path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { lazyWorkerPool, runWorkerTask } from '../common/workers/worker-pool';
import { candleColumnBuffers, toCandleColumns } from './core';
import type { TrainingRunRequest } from './training-run';
import type { EncodedTrainingResult, TrainingProgress, TrainingTask } from './training.worker';

// One thread: jobs run one at a time, and tree building inside it starts its own threads (MODEL_TRAINING_THREADS).
const trainingPool = lazyWorkerPool(path.join(__dirname, 'training.worker'), { handler: 'train', maxThreads: 1 });

/**
 * runTraining in a worker thread: same request, same result (the model arrives encoded, as the registry stores it).
 * Feature building, walk-forward scoring and the final model all run there; with one training thread the trees are
 * built in that worker too, never on the event loop.
 */
export async function runTrainingInWorker(request: TrainingRunRequest): Promise<EncodedTrainingResult> {
  const { candles, onProgress, ...settings } = request;
  const columns = toCandleColumns(candles);
  const channel = new MessageChannel();
  // Progress and the result travel on different ports, so their order is not guaranteed: waiting for `done` as well
  // delivers every progress message before the result is handed on.
  let progressDone: () => void = () => undefined;
  const allProgress = new Promise<void>((resolve) => (progressDone = resolve));
  channel.port1.on('message', (message: TrainingProgress) => {
    if (message.kind === 'done') progressDone();
    else onProgress?.(message.fraction, message.stage);
  });
  const task: TrainingTask = { request: settings, candles: columns, progress: channel.port2 };
  try {
    const run = runWorkerTask<EncodedTrainingResult>(trainingPool(), task, [channel.port2, ...candleColumnBuffers(columns)]);
    const [result] = await Promise.all([run, allProgress]);
    // Buffers arrive as plain Uint8Arrays after the structured clone.
    const data = result.encodedModel.data;
    return { ...result, encodedModel: { ...result.encodedModel, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) } };
  } finally {
    channel.port1.close();
  }
}
