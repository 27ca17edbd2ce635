import { FeatureSet } from './features';
import { ModelCandle } from './model-candle';
import { createRandom, sampleWithoutReplacement } from './random';

/**
 * Look-ahead check in the spirit of freqtrade's `lookahead-analysis`: recompute the features of
 * sampled rows from the data truncated just after the decision candle and compare them with the
 * values computed on the full data. Any difference (or a failure on the truncated data) means a
 * feature reads candles that had not closed at decision time.
 */
export interface LookAheadCheckOptions {
  /** Rows to re-check, drawn with `seed`. Default 64. */
  sampleSize?: number;
  seed?: number;
}

export interface LookAheadMismatch {
  candleIndex: number;
  openTime: number;
  feature: string;
  fullDataValue: number | null;
  truncatedDataValue: number | null;
  error?: string;
}

export interface LookAheadCheckResult {
  checkedRows: number;
  mismatches: LookAheadMismatch[];
}

export class LookAheadBiasError extends Error {
  constructor(
    message: string,
    readonly result: LookAheadCheckResult,
  ) {
    super(message);
    this.name = 'LookAheadBiasError';
  }
}

export function checkFeatureLookAhead(
  candles: readonly ModelCandle[],
  intervalMs: number,
  featureSet: FeatureSet,
  computed: { candleIndexes: readonly number[]; rows: readonly (readonly number[])[] },
  options: LookAheadCheckOptions = {},
): LookAheadCheckResult {
  const total = computed.candleIndexes.length;
  const sampleSize = Math.min(total, options.sampleSize ?? 64);
  const picked = sampleWithoutReplacement(createRandom(options.seed ?? 0x1a4ead), total, sampleSize).sort((a, b) => a - b);
  const mismatches: LookAheadMismatch[] = [];
  for (const rowIndex of picked) {
    const candleIndex = computed.candleIndexes[rowIndex];
    const fullRow = computed.rows[rowIndex];
    const base = { candleIndex, openTime: candles[candleIndex].openTime };
    let truncatedRow: number[];
    try {
      truncatedRow = featureSet.compute(candles.slice(0, candleIndex + 1), candleIndex, intervalMs);
    } catch (error: unknown) {
      mismatches.push({ ...base, feature: '*', fullDataValue: null, truncatedDataValue: null, error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    featureSet.names.forEach((feature, f) => {
      // Exact comparison: the same pure computation on the same past must give the same bits.
      if (!Object.is(fullRow[f], truncatedRow[f])) {
        mismatches.push({ ...base, feature, fullDataValue: fullRow[f], truncatedDataValue: truncatedRow[f] ?? null });
      }
    });
  }
  return { checkedRows: sampleSize, mismatches };
}

export function assertNoFeatureLookAhead(
  candles: readonly ModelCandle[],
  intervalMs: number,
  featureSet: FeatureSet,
  computed: { candleIndexes: readonly number[]; rows: readonly (readonly number[])[] },
  options: LookAheadCheckOptions = {},
): LookAheadCheckResult {
  const result = checkFeatureLookAhead(candles, intervalMs, featureSet, computed, options);
  if (result.mismatches.length > 0) {
    const features = [...new Set(result.mismatches.map((m) => m.feature))].join(', ');
    const first = result.mismatches[0];
    throw new LookAheadBiasError(
      `look-ahead bias in feature set ${featureSet.version}: ${result.mismatches.length} value(s) differ when the data is truncated at the decision candle ` +
        `(features: ${features}; first at candle ${first.candleIndex}, full ${first.fullDataValue} vs truncated ${first.truncatedDataValue}${first.error ? `, error: ${first.error}` : ''})`,
      result,
    );
  }
  return result;
}
