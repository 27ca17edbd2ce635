/**
 * The JSON documents the registry stores and the API returns, in the API's snake_case, and the conversions from the
 * core's camelCase reports. Metrics hold no timings, so the same seed and data give equal documents.
 */
import type {
  BaselineReports,
  ClassificationMetrics,
  DatasetSummary,
  FoldReport,
  ForestSettings,
  ForestTrainingStats,
  LabelConfig,
  NoiseCheck,
  WalkForwardReport,
} from './core';
import { deadZoneHalfWidth } from './core';

/** Forest hyper-parameters with every default filled in (the seed is a column of its own). */
export interface HyperParameters {
  n_estimators: number;
  max_features: number;
  sample_fraction: number;
  max_samples_per_tree: number;
  with_replacement: boolean;
  max_depth: number;
  min_num_samples: number;
  gain_threshold: number;
}

export interface EvaluationSettings {
  folds: number;
  purge_candles: number;
  training_window: 'expanding';
}

export interface LabelDefinitionView {
  horizon_candles: number;
  fee_per_side: number;
  slippage_bps_per_side: number;
  extra_dead_zone: number;
  hold_class: boolean;
  /** BUY above +this return, SELL below −this: 2 × (fee + slippage) per side + extra. */
  dead_zone_half_width: number;
}

export interface ClassScores {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number;
  predicted: number;
}

export interface MetricsBlock {
  rows: number;
  accuracy: number;
  /** ROC-AUC of BUY vs the rest, scored by the BUY probability. */
  roc_auc: number | null;
  /** Mean one-vs-rest ROC-AUC over classes (equals roc_auc with two classes). */
  roc_auc_macro: number | null;
  per_class: Record<string, ClassScores>;
  /** confusion_matrix[actual][predicted] in `classes` order. */
  confusion_matrix: number[][];
  class_balance: Record<string, number>;
}

export interface BaselinesBlock {
  always_buy: MetricsBlock;
  training_majority: MetricsBlock & { predicted_class: string };
  momentum: MetricsBlock & { rows_without_history: number };
}

export interface NoiseBlock {
  auc_standard_error: number | null;
  auc_z_score: number | null;
  accuracy_edge_over_majority: number;
  accuracy_standard_error: number;
  accuracy_z_score: number;
}

export interface FoldMetrics extends MetricsBlock {
  fold: number;
  train: { rows: number; from_open_time: number; to_open_time: number; class_balance: Record<string, number> };
  test: { rows: number; from_open_time: number; to_open_time: number };
  baselines: BaselinesBlock;
  noise: NoiseBlock;
}

/** Overall (all test rows of all folds pooled) walk-forward metrics, the baselines, and every fold. */
export interface ModelMetrics extends MetricsBlock {
  classes: string[];
  baselines: BaselinesBlock;
  noise: NoiseBlock;
  folds: FoldMetrics[];
  walk_forward: { folds: number; purge_candles: number; training_window: string };
}

export interface DatasetSummaryRecord {
  candles: number;
  first_open_time: number | null;
  last_open_time: number | null;
  rows: number;
  dropped_incomplete_window: number;
  dropped_non_finite: number;
  dropped_no_label: number;
  dropped_dead_zone: number;
  class_counts: Record<string, number>;
  look_ahead_check: { checked_rows: number; mismatches: number } | null;
  /** Holes in the training candles; `longer_than_lookback` > 0 means the range is cut by missing data. */
  gaps: {
    count: number;
    missing_candles: number;
    longer_than_lookback: number;
    lookback_candles: number;
    longest: { after: number; before: number; missing: number } | null;
  };
}

export interface TrainingRunStats {
  rows: number;
  trees: number;
  rows_per_tree: number;
  features_per_tree: number;
  workers: number;
  presort_ms: number;
  trees_ms: number;
  total_ms: number;
  peak_worker_heap_bytes: number;
  in_sample_accuracy: number | null;
  in_sample_majority_accuracy: number | null;
}

export interface TrainingStatsRecord {
  load_ms: number;
  dataset_ms: number;
  walk_forward_ms: number;
  final_model_ms: number;
  folds: TrainingRunStats[];
  final_model: TrainingRunStats;
}

export interface PromotionRecord {
  promoted: boolean;
  reason: string;
  compared_with_model_id: number | null;
  decided_at: number;
}

export function hyperParametersOf(settings: ForestSettings): HyperParameters {
  return {
    n_estimators: settings.nEstimators,
    max_features: settings.maxFeatures,
    sample_fraction: settings.sampleFraction,
    max_samples_per_tree: settings.maxSamplesPerTree,
    with_replacement: settings.withReplacement,
    max_depth: settings.tree.maxDepth,
    min_num_samples: settings.tree.minNumSamples,
    gain_threshold: settings.tree.gainThreshold,
  };
}

/** The core's settings for these hyper-parameters and seed. */
export function forestSettingsOf(hyper: HyperParameters, seed: number): ForestSettings {
  return {
    nEstimators: hyper.n_estimators,
    seed,
    maxFeatures: hyper.max_features,
    sampleFraction: hyper.sample_fraction,
    maxSamplesPerTree: hyper.max_samples_per_tree,
    withReplacement: hyper.with_replacement,
    tree: { maxDepth: hyper.max_depth, minNumSamples: hyper.min_num_samples, gainThreshold: hyper.gain_threshold },
  };
}

export function labelDefinitionView(config: LabelConfig): LabelDefinitionView {
  return {
    horizon_candles: config.horizonCandles,
    fee_per_side: config.feePerSide,
    slippage_bps_per_side: config.slippageBpsPerSide,
    extra_dead_zone: config.extraDeadZone ?? 0,
    hold_class: config.holdClass,
    dead_zone_half_width: deadZoneHalfWidth(config),
  };
}

function metricsBlock(metrics: ClassificationMetrics): MetricsBlock {
  return {
    rows: metrics.rows,
    accuracy: metrics.accuracy,
    roc_auc: metrics.rocAucBuyVsRest,
    roc_auc_macro: metrics.rocAucMacroOneVsRest,
    per_class: Object.fromEntries(Object.entries(metrics.perClass).map(([name, scores]) => [name, { ...scores }])),
    confusion_matrix: metrics.confusionMatrix.map((row) => [...row]),
    class_balance: { ...metrics.classBalance },
  };
}

function baselinesBlock(baselines: BaselineReports): BaselinesBlock {
  return {
    always_buy: metricsBlock(baselines.alwaysBuy),
    training_majority: { ...metricsBlock(baselines.trainingMajority), predicted_class: baselines.trainingMajority.predictedClass },
    momentum: { ...metricsBlock(baselines.momentum), rows_without_history: baselines.momentum.rowsWithoutHistory },
  };
}

function noiseBlock(noise: NoiseCheck): NoiseBlock {
  return {
    auc_standard_error: noise.aucStandardError,
    auc_z_score: noise.aucZScore,
    accuracy_edge_over_majority: noise.accuracyEdgeOverMajority,
    accuracy_standard_error: noise.accuracyStandardError,
    accuracy_z_score: noise.accuracyZScore,
  };
}

function foldMetrics(fold: FoldReport): FoldMetrics {
  return {
    fold: fold.fold,
    train: {
      rows: fold.train.rows,
      from_open_time: fold.train.fromOpenTime,
      to_open_time: fold.train.toOpenTime,
      class_balance: { ...fold.train.classBalance },
    },
    test: { rows: fold.test.rows, from_open_time: fold.test.fromOpenTime, to_open_time: fold.test.toOpenTime },
    ...metricsBlock(fold.model),
    baselines: baselinesBlock(fold.baselines),
    noise: noiseBlock(fold.noise),
  };
}

export function modelMetricsOf(report: WalkForwardReport, classes: readonly string[]): ModelMetrics {
  return {
    classes: [...classes],
    ...metricsBlock(report.overall.model),
    baselines: baselinesBlock(report.overall.baselines),
    noise: noiseBlock(report.overall.noise),
    folds: report.folds.map(foldMetrics),
    walk_forward: {
      folds: report.options.folds,
      purge_candles: report.options.purgeCandles,
      training_window: typeof report.options.trainingWindow === 'object' ? `rolling ${report.options.trainingWindow.rollingCandles}` : 'expanding',
    },
  };
}

export function trainingRunStats(stats: ForestTrainingStats): TrainingRunStats {
  return {
    rows: stats.rowCount,
    trees: stats.treeCount,
    rows_per_tree: stats.rowsPerTree,
    features_per_tree: stats.featuresPerTree,
    workers: stats.workerCount,
    presort_ms: Math.round(stats.presortMs),
    trees_ms: Math.round(stats.treesMs),
    total_ms: Math.round(stats.totalMs),
    peak_worker_heap_bytes: stats.peakWorkerHeapBytes,
    in_sample_accuracy: stats.inSampleAccuracy,
    in_sample_majority_accuracy: stats.inSampleMajorityAccuracy,
  };
}

export function datasetSummaryOf(summary: DatasetSummary, firstOpenTime: number | null, lastOpenTime: number | null): DatasetSummaryRecord {
  return {
    candles: summary.candles,
    first_open_time: firstOpenTime,
    last_open_time: lastOpenTime,
    rows: summary.rows,
    dropped_incomplete_window: summary.droppedIncompleteWindow,
    dropped_non_finite: summary.droppedNonFinite,
    dropped_no_label: summary.droppedNoLabel,
    dropped_dead_zone: summary.droppedDeadZone,
    class_counts: { ...summary.classCounts },
    look_ahead_check: summary.lookAheadCheck
      ? { checked_rows: summary.lookAheadCheck.checkedRows, mismatches: summary.lookAheadCheck.mismatches.length }
      : null,
    gaps: {
      count: summary.gaps.count,
      missing_candles: summary.gaps.missingCandles,
      longer_than_lookback: summary.gaps.longerThanLookback,
      lookback_candles: summary.gaps.lookbackCandles,
      longest: summary.gaps.longest === null ? null : { ...summary.gaps.longest },
    },
  };
}
