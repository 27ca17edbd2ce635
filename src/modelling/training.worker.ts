/**
 * Worker-thread entry of a training run (see training-in-worker.ts): a thin adapter that rebuilds the candles from
 * their columns, calls runTraining and sends progress back over a MessagePort. The model leaves the thread already
 * encoded, so the main thread neither clones nor gzips a multi-megabyte object graph.
 */
import type { MessagePort } from 'node:worker_threads';
import { fromCandleColumns, type ModelCandleColumns } from './core';
import { encodeModel, type EncodedModel } from './model-codec';
import { runTraining, type TrainingRunRequest, type TrainingRunResult } from './training-run';

/** Progress messages, then `done` once nothing more will be sent. */
export type TrainingProgress = { kind: 'progress'; fraction: number; stage: string } | { kind: 'done' };

export interface TrainingTask {
  request: Omit<TrainingRunRequest, 'candles' | 'onProgress'>;
  candles: ModelCandleColumns;
  progress: MessagePort;
}

/** A training run's result with the model in its stored form (gzip of its JSON) instead of as objects. */
export type EncodedTrainingResult = Omit<TrainingRunResult, 'model'> & { encodedModel: EncodedModel };

export async function train(task: TrainingTask): Promise<EncodedTrainingResult> {
  try {
    const { model, ...rest } = await runTraining({
      ...task.request,
      candles: fromCandleColumns(task.candles),
      onProgress: (fraction, stage) => task.progress.postMessage({ kind: 'progress', fraction, stage } satisfies TrainingProgress),
    });
    return { ...rest, encodedModel: encodeModel(model) };
  } finally {
    task.progress.postMessage({ kind: 'done' } satisfies TrainingProgress);
    task.progress.close();
  }
}
