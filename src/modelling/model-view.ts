import { DEFAULT_FEATURE_SET } from './core';
import type { ModelResponse, ModelSummaryResponse } from './dto/model.response';
import { labelDefinitionView } from './model-documents';
import type { ModelEntity } from './model.entity';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function modelSummaryView(model: ModelEntity, active: boolean): ModelSummaryResponse {
  return {
    id: model.id,
    symbol: model.symbol,
    interval: model.interval,
    status: model.status,
    progress: model.progress,
    stage: model.stage,
    active,
    origin: model.origin,
    params: {
      start: model.dataStart,
      end: model.dataEnd,
      start_iso: new Date(model.dataStart).toISOString(),
      end_iso: new Date(model.dataEnd).toISOString(),
      horizon: model.labelDefinition.horizonCandles,
      thresholds: labelDefinitionView(model.labelDefinition),
      hyper_parameters: model.hyperParameters,
      seed: model.seed,
      folds: model.evaluation.folds,
      purge_candles: model.evaluation.purge_candles,
      training_window: model.evaluation.training_window,
      feature_set: { version: model.featureSetVersion, names: model.featureNames, lookback_candles: DEFAULT_FEATURE_SET.lookbackCandles },
    },
    roc_auc: model.rocAuc,
    accuracy: model.accuracy,
    error: model.error,
    created_at: new Date(model.createdAt).toISOString(),
    started_at: iso(model.startedAt),
    finished_at: iso(model.finishedAt),
    training_ms: model.trainingMs,
    model:
      model.modelEncoding && model.modelBytes !== null && model.modelSha256
        ? { encoding: model.modelEncoding, bytes: model.modelBytes, sha256: model.modelSha256 }
        : null,
    promotion: model.promotion,
  };
}

export function modelView(model: ModelEntity, active: boolean): ModelResponse {
  return {
    ...modelSummaryView(model, active),
    metrics: model.metrics,
    dataset: model.datasetSummary as unknown as Record<string, unknown> | null,
    training: model.trainingStats as unknown as Record<string, unknown> | null,
  };
}
