import { buildFeatureMatrix, DEFAULT_FEATURE_SET, FeatureSet } from './features';
import { labelCandles, LabelConfig, signalClasses, TradeSignal, validateLabelConfig } from './labels';
import { assertNoFeatureLookAhead, LookAheadCheckOptions, LookAheadCheckResult } from './lookahead';
import { type CandleGap, candleGaps, contiguousRunStarts, ModelCandle } from './model-candle';

export interface DatasetOptions {
  labels: LabelConfig;
  featureSet?: FeatureSet;
  /** Look-ahead check on a sample of rows (default on); `false` skips it. */
  lookAheadCheck?: LookAheadCheckOptions | false;
}

/** Time-ordered training rows: features at the close of candle t, label from close(t) to close(t + H). */
export interface Dataset {
  intervalMs: number;
  featureSetVersion: string;
  featureNames: readonly string[];
  classes: TradeSignal[];
  labelConfig: LabelConfig;
  rows: number[][];
  labels: number[];
  candleIndexes: number[];
  openTimes: number[];
  futureReturns: number[];
  /** close(t) / close(t - H) - 1, or null when t - H is missing or across a gap (momentum baseline). */
  pastReturns: Array<number | null>;
  summary: DatasetSummary;
}

export interface DatasetSummary {
  candles: number;
  rows: number;
  droppedIncompleteWindow: number;
  droppedNonFinite: number;
  droppedNoLabel: number;
  droppedDeadZone: number;
  classCounts: Record<string, number>;
  lookAheadCheck: LookAheadCheckResult | null;
  /**
   * Holes in the candles. One longer than the feature look-back cuts the series in two: features restart after it and
   * labels stop before it, so a range that spans months of missing data trains on less than it seems. Said, not hidden.
   */
  gaps: { count: number; missingCandles: number; longerThanLookback: number; lookbackCandles: number; longest: CandleGap | null };
}

export function buildDataset(candles: readonly ModelCandle[], intervalMs: number, options: DatasetOptions): Dataset {
  validateLabelConfig(options.labels);
  const featureSet = options.featureSet ?? DEFAULT_FEATURE_SET;
  const features = buildFeatureMatrix(candles, intervalMs, featureSet);
  const lookAheadCheck =
    options.lookAheadCheck === false ? null : assertNoFeatureLookAhead(candles, intervalMs, featureSet, features, options.lookAheadCheck ?? {});
  const candleLabels = labelCandles(candles, intervalMs, options.labels);
  const classes = signalClasses(options.labels);
  const horizon = options.labels.horizonCandles;
  const runStarts = contiguousRunStarts(candles, intervalMs);

  const dataset: Dataset = {
    intervalMs,
    featureSetVersion: featureSet.version,
    featureNames: featureSet.names,
    classes,
    labelConfig: { ...options.labels },
    rows: [],
    labels: [],
    candleIndexes: [],
    openTimes: [],
    futureReturns: [],
    pastReturns: [],
    summary: {
      candles: candles.length,
      rows: 0,
      droppedIncompleteWindow: features.droppedIncompleteWindow,
      droppedNonFinite: features.droppedNonFinite,
      droppedNoLabel: 0,
      droppedDeadZone: 0,
      classCounts: Object.fromEntries(classes.map((name) => [name, 0])),
      lookAheadCheck,
      gaps: gapSummary(candleGaps(candles, intervalMs), featureSet.lookbackCandles),
    },
  };
  features.candleIndexes.forEach((t, i) => {
    const labelled = candleLabels[t];
    if (labelled === null) {
      dataset.summary.droppedNoLabel++;
      return;
    }
    if (labelled.label === null) {
      dataset.summary.droppedDeadZone++;
      return;
    }
    dataset.rows.push(features.rows[i]);
    dataset.labels.push(labelled.label);
    dataset.candleIndexes.push(t);
    dataset.openTimes.push(candles[t].openTime);
    dataset.futureReturns.push(labelled.futureReturn);
    dataset.pastReturns.push(t - horizon >= 0 && runStarts[t] <= t - horizon ? candles[t].close / candles[t - horizon].close - 1 : null);
    dataset.summary.classCounts[classes[labelled.label]]++;
  });
  dataset.summary.rows = dataset.rows.length;
  return dataset;
}

function gapSummary(gaps: readonly CandleGap[], lookbackCandles: number): DatasetSummary['gaps'] {
  let longest: CandleGap | null = null;
  let missingCandles = 0;
  let longerThanLookback = 0;
  for (const gap of gaps) {
    missingCandles += gap.missing;
    if (gap.missing > lookbackCandles) longerThanLookback++;
    if (longest === null || gap.missing > longest.missing) longest = gap;
  }
  return { count: gaps.length, missingCandles, longerThanLookback, lookbackCandles, longest };
}
