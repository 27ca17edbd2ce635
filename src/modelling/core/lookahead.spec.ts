import { buildDataset } from './dataset';
import { buildFeatureMatrix, DEFAULT_FEATURE_SET, FeatureSet } from './features';
import { LabelConfig } from './labels';
import { checkFeatureLookAhead, LookAheadBiasError } from './lookahead';
import { generateSyntheticCandles } from './synthetic-candles';

const HOUR = 3_600_000;
const LABELS: LabelConfig = { horizonCandles: 4, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: false };
const candles = generateSyntheticCandles({ count: 500, seed: 11, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 2, 1) });

describe('look-ahead check', () => {
  it('passes for the default feature set, and buildDataset runs it by default', () => {
    const dataset = buildDataset(candles, HOUR, { labels: LABELS });
    expect(dataset.summary.lookAheadCheck?.checkedRows).toBe(64);
    expect(dataset.summary.lookAheadCheck?.mismatches).toEqual([]);
  });

  it('catches a feature with a deliberately injected future value', () => {
    // logReturn1 replaced by the NEXT candle's return: exactly the label information.
    const leaky: FeatureSet = {
      ...DEFAULT_FEATURE_SET,
      version: 'leaky-next-return',
      compute: (all, index, intervalMs) => {
        const row = DEFAULT_FEATURE_SET.compute(all, index, intervalMs);
        const next = all[index + 1] as (typeof all)[number] | undefined;
        row[0] = next ? Math.log(next.close / all[index].close) : 0;
        return row;
      },
    };
    expect(() => buildDataset(candles, HOUR, { labels: LABELS, featureSet: leaky })).toThrow(LookAheadBiasError);
    const result = checkFeatureLookAhead(candles, HOUR, leaky, buildFeatureMatrix(candles, HOUR, leaky), { sampleSize: 20 });
    expect(new Set(result.mismatches.map((m) => m.feature))).toEqual(new Set(['logReturn1']));
    expect(result.mismatches.length).toBeGreaterThanOrEqual(19); // every sampled row but possibly the very last candle
  });

  it('catches a subtler leak: normalising with statistics of the whole data set', () => {
    const leaky: FeatureSet = {
      ...DEFAULT_FEATURE_SET,
      version: 'leaky-global-mean',
      compute: (all, index, intervalMs) => {
        const row = DEFAULT_FEATURE_SET.compute(all, index, intervalMs);
        const mean = all.reduce((sum, c) => sum + c.close, 0) / all.length; // mean over every candle it was given
        row[1] = all[index].close / mean - 1;
        return row;
      },
    };
    expect(() => buildDataset(candles, HOUR, { labels: LABELS, featureSet: leaky })).toThrow(/look-ahead bias .*logReturn3/);
  });

  it('reports a feature that fails on truncated data as a mismatch', () => {
    const throwing: FeatureSet = {
      ...DEFAULT_FEATURE_SET,
      version: 'leaky-throws',
      compute: (all, index, intervalMs) => {
        const row = DEFAULT_FEATURE_SET.compute(all, index, intervalMs);
        row[2] = all[index + 1].volume; // TypeError when the next candle does not exist
        return row;
      },
    };
    // On the full data every row but the last has a next candle.
    const candleIndexes = Array.from({ length: 200 }, (_, i) => 99 + i);
    const rows = candleIndexes.map((index) => throwing.compute(candles, index, HOUR));
    const result = checkFeatureLookAhead(candles, HOUR, throwing, { candleIndexes, rows }, { sampleSize: 10 });
    expect(result.mismatches.length).toBeGreaterThan(0);
    expect(result.mismatches[0].error).toMatch(/undefined/);
  });
});
