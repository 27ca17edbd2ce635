import { buildDataset } from './dataset';
import { buildFeatureMatrix, DEFAULT_FEATURE_SET, FEATURE_LOOKBACK_CANDLES, FEATURE_NAMES, FEATURE_SET_VERSION } from './features';
import { labelCandles } from './labels';
import { generateSyntheticCandles } from './synthetic-candles';

const HOUR = 3_600_000;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('features', () => {
  it('has a versioned list of about 20 uniquely named features', () => {
    expect(FEATURE_SET_VERSION).toMatch(/^opa-features-v\d+$/);
    expect(FEATURE_NAMES.length).toBeGreaterThanOrEqual(18);
    expect(FEATURE_NAMES.length).toBeLessThanOrEqual(24);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    expect(DEFAULT_FEATURE_SET.names).toBe(FEATURE_NAMES);
  });

  it('drops rows whose look-back window is incomplete or crosses a data gap', () => {
    // 2-hour outage before candle 250.
    const candles = generateSyntheticCandles({ count: 420, seed: 1, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 0, 1), gapsBefore: [250], gapCandles: 2 });
    const matrix = buildFeatureMatrix(candles, HOUR);
    const w = FEATURE_LOOKBACK_CANDLES;
    expect(matrix.candleIndexes).toEqual([...range(w - 1, 249), ...range(250 + w - 1, 419)]);
    expect(matrix.droppedIncompleteWindow).toBe(2 * (w - 1));
    expect(matrix.rows.every((row) => row.length === FEATURE_NAMES.length && row.every(Number.isFinite))).toBe(true);
  });

  it('drops label windows that cross a gap or run past the data', () => {
    const candles = generateSyntheticCandles({ count: 300, seed: 2, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 0, 1), gapsBefore: [200] });
    const labels = labelCandles(candles, HOUR, { horizonCandles: 4, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: true });
    const missing = labels.flatMap((label, t) => (label === null ? [t] : []));
    expect(missing).toEqual([196, 197, 198, 199, 296, 297, 298, 299]);

    const dataset = buildDataset(candles, HOUR, { labels: { horizonCandles: 4, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: true } });
    // Features need 99 earlier gap-free candles, labels 4 later ones: after the gap only candle 299 has
    // features, and it is the last candle, so no row there has both.
    expect(dataset.candleIndexes).toEqual(range(99, 195));
    expect(dataset.summary.droppedNoLabel).toBe(5); // 196..199 (label crosses the gap) and 299 (past the data)
  });

  it('says in the dataset summary how much data is missing and which holes are longer than the look-back', () => {
    // A short outage (2 candles) and a long one (150 candles, longer than the 100-candle look-back).
    const short = generateSyntheticCandles({ count: 600, seed: 4, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 0, 1), gapsBefore: [250], gapCandles: 2 });
    const candles = [...short.slice(0, 400), ...short.slice(400).map((candle) => ({ ...candle, openTime: candle.openTime + 150 * HOUR }))];
    const { gaps } = buildDataset(candles, HOUR, { labels: { horizonCandles: 4, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: true } }).summary;
    expect(gaps).toEqual({
      count: 2,
      missingCandles: 152,
      longerThanLookback: 1,
      lookbackCandles: FEATURE_LOOKBACK_CANDLES,
      longest: { after: candles[399].openTime, before: candles[400].openTime, missing: 150 },
    });
    expect(FEATURE_LOOKBACK_CANDLES).toBeLessThan(150);
  });

  it('only reads candles up to the decision candle (changing the future changes nothing)', () => {
    const candles = generateSyntheticCandles({ count: 260, seed: 3, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 0, 1) });
    const t = 180;
    const futureChanged = candles.map((candle, i) => (i > t ? { ...candle, close: candle.close * 1.5, high: candle.high * 1.5, volume: 1 } : candle));
    const original = buildFeatureMatrix(candles, HOUR);
    const changed = buildFeatureMatrix(futureChanged, HOUR);
    const upTo = original.candleIndexes.indexOf(t);
    expect(changed.rows.slice(0, upTo + 1)).toEqual(original.rows.slice(0, upTo + 1));
  });

  it('computes returns, taker ratio and calendar position at the candle close', () => {
    const candles = generateSyntheticCandles({ count: 120, seed: 4, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 0, 1, 0) }); // a Monday
    const t = 110;
    const row = DEFAULT_FEATURE_SET.compute(candles, t, HOUR);
    const value = (name: string): number => row[FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number])];
    expect(value('logReturn3')).toBeCloseTo(Math.log(candles[t].close / candles[t - 3].close), 12);
    expect(value('takerBuyRatio')).toBeCloseTo(candles[t].takerBuyBaseVolume / candles[t].volume, 12);
    expect(value('rsi14')).toBeGreaterThan(0);
    expect(value('rsi14')).toBeLessThan(100);
    // Candle 110 opens 2024-01-05 14:00 UTC (Friday) and closes 15:00.
    const hourAngle = (2 * Math.PI * 15) / 24;
    expect(value('hourOfDaySin')).toBeCloseTo(Math.sin(hourAngle), 12);
    expect(value('hourOfDayCos')).toBeCloseTo(Math.cos(hourAngle), 12);
    const weekAngle = (2 * Math.PI * (4 + 15 / 24)) / 7;
    expect(value('dayOfWeekSin')).toBeCloseTo(Math.sin(weekAngle), 12);
  });
});
