import { type BinanceInterval, fixedIntervalMs } from '../market-data/binance-interval';
import { DEFAULT_FEATURE_SET, DEFAULT_FOREST_SETTINGS, DEFAULT_LABEL_CONFIG, type LabelConfig, planForest, validateLabelConfig } from './core';
import { forestSettingsOf, type HyperParameters, hyperParametersOf } from './model-documents';
import { ModellingError } from './modelling.errors';

export const DEFAULT_FOLDS = 5;

/** What a training run needs, every default filled in. */
export interface TrainingParams {
  symbol: string;
  interval: BinanceInterval;
  start: number;
  end: number;
  labels: LabelConfig;
  hyperParameters: HyperParameters;
  seed: number;
  folds: number;
}

/** Optional parts of a training request, as the API names them. */
export interface TrainingParamsInput {
  symbol: string;
  interval: BinanceInterval;
  start: number;
  end: number;
  horizon?: number;
  thresholds?: { fee_per_side?: number; slippage_bps_per_side?: number; extra_dead_zone?: number; hold_class?: boolean };
  hyper_parameters?: Partial<HyperParameters>;
  seed?: number;
  folds?: number;
}

/**
 * Fills in defaults and runs the checks the core would otherwise make mid-training, so bad values are a 400 that
 * names the field instead of a failed model.
 */
export function resolveTrainingParams(input: TrainingParamsInput): TrainingParams {
  const intervalMs = fixedIntervalMs(input.interval);
  if (intervalMs === null) throw ModellingError.invalid('interval', `interval ${input.interval} has no fixed length; models need a fixed-length interval`);
  const labels: LabelConfig = {
    horizonCandles: input.horizon ?? DEFAULT_LABEL_CONFIG.horizonCandles,
    feePerSide: input.thresholds?.fee_per_side ?? DEFAULT_LABEL_CONFIG.feePerSide,
    slippageBpsPerSide: input.thresholds?.slippage_bps_per_side ?? DEFAULT_LABEL_CONFIG.slippageBpsPerSide,
    extraDeadZone: input.thresholds?.extra_dead_zone ?? 0,
    holdClass: input.thresholds?.hold_class ?? DEFAULT_LABEL_CONFIG.holdClass,
  };
  try {
    validateLabelConfig(labels);
  } catch (error) {
    throw ModellingError.invalid('thresholds', `thresholds: ${(error as Error).message}`);
  }
  const hyperParameters: HyperParameters = { ...hyperParametersOf({ ...DEFAULT_FOREST_SETTINGS }), ...definedOnly(input.hyper_parameters ?? {}) };
  const seed = input.seed ?? DEFAULT_FOREST_SETTINGS.seed;
  const featureCount = DEFAULT_FEATURE_SET.names.length;
  if (hyperParameters.max_features > 1 && !Number.isInteger(hyperParameters.max_features)) {
    throw ModellingError.invalid(
      'hyper_parameters.max_features',
      `hyper_parameters.max_features must be a fraction in (0, 1] or an integer count from 2 to ${featureCount}, got ${hyperParameters.max_features}`,
    );
  }
  if (hyperParameters.max_features > featureCount) {
    throw ModellingError.invalid(
      'hyper_parameters.max_features',
      `hyper_parameters.max_features ${hyperParameters.max_features} exceeds the ${featureCount} features of ${DEFAULT_FEATURE_SET.version}`,
    );
  }
  try {
    // Same checks trainForest makes, on a nominal row count.
    planForest({ ...forestSettingsOf(hyperParameters, seed), classCount: 2, parallelism: 1 }, 1_000, featureCount);
  } catch (error) {
    throw ModellingError.invalid('hyper_parameters', `hyper_parameters: ${(error as Error).message}`);
  }
  return { symbol: input.symbol, interval: input.interval, start: input.start, end: input.end, labels, hyperParameters, seed, folds: input.folds ?? DEFAULT_FOLDS };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
