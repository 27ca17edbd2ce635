/**
 * Worker-thread entry of predictions (see prediction-in-worker.ts): a thin adapter that loads the model (kept for the
 * next call, models never change once ready), rebuilds the candles from their columns and calls predictCandles.
 */
import { DEFAULT_FEATURE_SET, fromCandleColumns, type ModelCandleColumns, SignalPredictor } from './core';
import { decodeModel } from './model-codec';
import { predictCandles, type PredictionRunResult } from './prediction-run';

/** A stored model as the registry keeps it: gzip of its JSON, named by the sha256 of that JSON. */
export interface StoredModel {
  sha256: string;
  data: Uint8Array;
  encoding: string;
}

export interface PredictionTask {
  model: StoredModel;
  candles: ModelCandleColumns;
  intervalMs: number;
  start: number;
}

const CACHED_PREDICTORS = 8;
const predictors = new Map<string, SignalPredictor>();

function predictorOf(stored: StoredModel): SignalPredictor {
  const cached = predictors.get(stored.sha256);
  if (cached) return cached;
  const model = decodeModel(Buffer.from(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength), stored.encoding);
  if (model.featureSetVersion !== DEFAULT_FEATURE_SET.version) {
    throw new Error(`the model uses feature set ${model.featureSetVersion}; this build computes ${DEFAULT_FEATURE_SET.version}`);
  }
  const predictor = new SignalPredictor(model);
  if (predictors.size >= CACHED_PREDICTORS) predictors.delete(predictors.keys().next().value as string);
  predictors.set(stored.sha256, predictor);
  return predictor;
}

export function predict(task: PredictionTask): PredictionRunResult {
  return predictCandles(predictorOf(task.model), fromCandleColumns(task.candles), task.intervalMs, task.start);
}
