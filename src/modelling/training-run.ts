/**
 * One training run from candles to a registry-ready result: dataset (with its look-ahead check), walk-forward
 * evaluation, then the final model on every row. Framework-free; the Nest job runner persists what it returns.
 */
import {
  buildDataset,
  DEFAULT_FEATURE_SET,
  type LabelConfig,
  type ModelCandle,
  type SignalModel,
  trainSignalModel,
  walkForward,
} from './core';
import {
  datasetSummaryOf,
  type DatasetSummaryRecord,
  forestSettingsOf,
  type HyperParameters,
  type ModelMetrics,
  modelMetricsOf,
  trainingRunStats,
  type TrainingStatsRecord,
} from './model-documents';

/** Rows each walk-forward block (the first training block and every test fold) must at least hold. */
export const MIN_ROWS_PER_BLOCK = 100;

export interface TrainingRunRequest {
  candles: readonly ModelCandle[];
  intervalMs: number;
  labels: LabelConfig;
  hyperParameters: HyperParameters;
  seed: number;
  folds: number;
  /** Worker threads for tree building (default: available cores). */
  parallelism?: number;
  onProgress?: (fraction: number, stage: string) => void;
  /** Time spent loading the candles, for the stats. */
  loadMs?: number;
}

export interface TrainingRunResult {
  model: SignalModel;
  metrics: ModelMetrics;
  datasetSummary: DatasetSummaryRecord;
  stats: TrainingStatsRecord;
}

/** The data does not hold enough usable rows; the message says how many there are and how many are needed. */
export class InsufficientTrainingDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientTrainingDataError';
  }
}

/** Candles a range must at least hold before training is even attempted (gaps and the dead zone remove more). */
export function minimumCandles(horizonCandles: number, folds: number): number {
  return DEFAULT_FEATURE_SET.lookbackCandles + horizonCandles + (folds + 1) * MIN_ROWS_PER_BLOCK;
}

export async function runTraining(request: TrainingRunRequest): Promise<TrainingRunResult> {
  const progress = request.onProgress ?? (() => undefined);
  const started = performance.now();
  progress(0.05, 'building features and labels');
  const dataset = buildDataset(request.candles, request.intervalMs, { labels: request.labels });
  const datasetMs = performance.now() - started;
  const summary = dataset.summary;
  const needed = (request.folds + 1) * MIN_ROWS_PER_BLOCK;
  if (summary.rows < needed) {
    throw new InsufficientTrainingDataError(
      `too little data: ${summary.candles} candles gave ${summary.rows} labelled rows (dropped: ${summary.droppedIncompleteWindow} without a complete ` +
        `${DEFAULT_FEATURE_SET.lookbackCandles}-candle look-back, ${summary.droppedNoLabel} without a ${request.labels.horizonCandles}-candle future, ` +
        `${summary.droppedDeadZone} inside the dead zone); ${request.folds} folds need at least ${needed} rows`,
    );
  }
  const presentClasses = Object.entries(summary.classCounts).filter(([, count]) => count > 0);
  if (presentClasses.length < 2) {
    throw new InsufficientTrainingDataError(`too little data: every labelled row is ${presentClasses[0]?.[0] ?? 'missing'}; at least two classes are needed`);
  }

  const forest = { ...forestSettingsOf(request.hyperParameters, request.seed), parallelism: request.parallelism };
  const walkStarted = performance.now();
  progress(0.1, `walk-forward fold 1 of ${request.folds}`);
  const report = await walkForward(dataset, {
    folds: request.folds,
    forest,
    onFoldDone: (fold, folds) =>
      progress(0.1 + (0.75 * fold) / folds, fold < folds ? `walk-forward fold ${fold + 1} of ${folds}` : 'training the final model on all rows'),
  });
  const walkForwardMs = performance.now() - walkStarted;

  const finalStarted = performance.now();
  const { model, stats } = await trainSignalModel(dataset, forest);
  const finalModelMs = performance.now() - finalStarted;
  progress(0.95, 'saving');

  return {
    model,
    metrics: modelMetricsOf(report, dataset.classes),
    datasetSummary: datasetSummaryOf(summary, dataset.openTimes[0] ?? null, dataset.openTimes[dataset.openTimes.length - 1] ?? null),
    stats: {
      load_ms: Math.round(request.loadMs ?? 0),
      dataset_ms: Math.round(datasetMs),
      walk_forward_ms: Math.round(walkForwardMs),
      final_model_ms: Math.round(finalModelMs),
      folds: report.folds.map((fold) => trainingRunStats(fold.training)),
      final_model: trainingRunStats(stats),
    },
  };
}
