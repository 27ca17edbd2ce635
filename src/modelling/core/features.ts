import { ATR, BollingerBands, EMA, MACD, RSI } from 'trading-signals';
import { contiguousRunStarts, ModelCandle, validateCandles } from './model-candle';

/**
 * A versioned list of features. `compute` describes the decision taken at the close of
 * candles[index]; it may read only candles[index - lookbackCandles + 1 .. index]. Every feature
 * is a pure function of that window (indicators are restarted on it, not carried over from older
 * history), so live inference on the last `lookbackCandles` candles reproduces training values
 * bit for bit and an audit can recompute a row's hash.
 */
export interface FeatureSet {
  version: string;
  names: readonly string[];
  lookbackCandles: number;
  compute(candles: readonly ModelCandle[], index: number, intervalMs: number): number[];
}

export const FEATURE_SET_VERSION = 'opa-features-v1';

/** Candles a row needs: 100 gives the 26/9 MACD EMAs and 14-period Wilder averages ~70 candles to settle. */
export const FEATURE_LOOKBACK_CANDLES = 100;

export const FEATURE_NAMES = [
  'logReturn1',
  'logReturn3',
  'logReturn6',
  'logReturn12',
  'logReturn24',
  'realizedVolatility24',
  'rsi14',
  'macdLineRelative',
  'macdHistogramRelative',
  'bollingerPercentB20',
  'bollingerBandwidth20',
  'atr14Relative',
  'volumeZScore48',
  'tradeCountZScore48',
  'takerBuyRatio',
  'takerBuyRatio12',
  'candleRangeRelative',
  'hourOfDaySin',
  'hourOfDayCos',
  'dayOfWeekSin',
  'dayOfWeekCos',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

const DAY_MS = 86_400_000;
const RETURN_LAGS = [1, 3, 6, 12, 24] as const;

function zScoreOfLast(values: readonly number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return variance > 0 ? (values[values.length - 1] - mean) / Math.sqrt(variance) : 0;
}

function sampleStandardDeviation(values: readonly number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

function computeDefaultFeatures(candles: readonly ModelCandle[], index: number, intervalMs: number): number[] {
  const start = index - FEATURE_LOOKBACK_CANDLES + 1;
  if (start < 0) throw new RangeError(`row ${index} needs ${FEATURE_LOOKBACK_CANDLES} candles of history`);
  const window = candles.slice(start, index + 1);
  const last = window[window.length - 1];
  const close = last.close;
  const closes = window.map((candle) => candle.close);
  const closeAgo = (lag: number): number => closes[closes.length - 1 - lag];

  const logReturns = RETURN_LAGS.map((lag) => Math.log(close / closeAgo(lag)));

  const recentReturns: number[] = [];
  for (let lag = 23; lag >= 0; lag--) recentReturns.push(Math.log(closeAgo(lag) / closeAgo(lag + 1)));
  const realizedVolatility24 = sampleStandardDeviation(recentReturns);

  const rsi = new RSI(14);
  const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
  const atr = new ATR(14);
  for (const candle of window) {
    rsi.add(candle.close);
    macd.add(candle.close);
    atr.add({ high: candle.high, low: candle.low, close: candle.close });
  }
  const bollinger = new BollingerBands(20, 2);
  for (const price of closes.slice(-20)) bollinger.add(price);
  const macdResult = macd.getResultOrThrow();
  const bands = bollinger.getResultOrThrow();
  const bandWidth = bands.upper - bands.lower;

  const last48 = window.slice(-48);
  const last12 = window.slice(-12);
  const volume12 = last12.reduce((sum, candle) => sum + candle.volume, 0);
  const takerBuy12 = last12.reduce((sum, candle) => sum + candle.takerBuyBaseVolume, 0);

  // Calendar position of the decision time (the candle's close), as points on a circle.
  const decisionTime = last.openTime + intervalMs;
  const dayFraction = (((decisionTime % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  const weekFraction = ((((decisionTime / DAY_MS + 3) % 7) + 7) % 7) / 7; // 1970-01-01 was a Thursday: Monday = 0

  return [
    ...logReturns,
    realizedVolatility24,
    rsi.getResultOrThrow(),
    macdResult.macd / close,
    macdResult.histogram / close,
    bandWidth > 0 ? (close - bands.lower) / bandWidth : 0.5,
    bandWidth / bands.middle,
    atr.getResultOrThrow() / close,
    zScoreOfLast(last48.map((candle) => Math.log1p(candle.volume))),
    zScoreOfLast(last48.map((candle) => Math.log1p(candle.trades))),
    last.volume > 0 ? last.takerBuyBaseVolume / last.volume : 0.5,
    volume12 > 0 ? takerBuy12 / volume12 : 0.5,
    (last.high - last.low) / close,
    Math.sin(2 * Math.PI * dayFraction),
    Math.cos(2 * Math.PI * dayFraction),
    Math.sin(2 * Math.PI * weekFraction),
    Math.cos(2 * Math.PI * weekFraction),
  ];
}

export const DEFAULT_FEATURE_SET: FeatureSet = {
  version: FEATURE_SET_VERSION,
  names: FEATURE_NAMES,
  lookbackCandles: FEATURE_LOOKBACK_CANDLES,
  compute: computeDefaultFeatures,
};

export interface FeatureMatrix {
  /** Candle index of each row (the decision candle). */
  candleIndexes: number[];
  rows: number[][];
  /** Rows skipped because their look-back window was incomplete or crossed a gap. */
  droppedIncompleteWindow: number;
  /** Rows skipped because a feature came out NaN or infinite. */
  droppedNonFinite: number;
}

/** True when row `index` has a complete, gap-free look-back window. */
export function hasCompleteWindow(runStarts: Int32Array, index: number, lookbackCandles: number): boolean {
  const first = index - lookbackCandles + 1;
  return first >= 0 && runStarts[index] <= first;
}

/**
 * Feature rows for every candle whose look-back window is complete and gap-free. Rows are dropped,
 * never padded.
 */
export function buildFeatureMatrix(candles: readonly ModelCandle[], intervalMs: number, featureSet: FeatureSet = DEFAULT_FEATURE_SET): FeatureMatrix {
  validateCandles(candles, intervalMs);
  const runStarts = contiguousRunStarts(candles, intervalMs);
  const matrix: FeatureMatrix = { candleIndexes: [], rows: [], droppedIncompleteWindow: 0, droppedNonFinite: 0 };
  for (let index = 0; index < candles.length; index++) {
    if (!hasCompleteWindow(runStarts, index, featureSet.lookbackCandles)) {
      matrix.droppedIncompleteWindow++;
      continue;
    }
    const row = featureSet.compute(candles, index, intervalMs);
    if (row.length !== featureSet.names.length) throw new RangeError(`feature set ${featureSet.version} returned ${row.length} values for ${featureSet.names.length} names`);
    if (!row.every(Number.isFinite)) {
      matrix.droppedNonFinite++;
      continue;
    }
    matrix.candleIndexes.push(index);
    matrix.rows.push(row);
  }
  return matrix;
}
