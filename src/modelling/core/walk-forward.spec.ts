import { buildDataset } from './dataset';
import { LabelConfig } from './labels';
import { generateSyntheticCandles } from './synthetic-candles';
import { walkForward, WalkForwardOptions } from './walk-forward';

const HOUR = 3_600_000;
const LABELS: LabelConfig = { horizonCandles: 1, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: false };
const OPTIONS: WalkForwardOptions = { folds: 5, forest: { nEstimators: 40, seed: 3, parallelism: 1, tree: { maxDepth: 6 } } };

describe('walkForward', () => {
  it('finds no edge on a random walk: ROC-AUC 0.50 ± 0.03 and no fold beyond noise', async () => {
    const candles = generateSyntheticCandles({ count: 9000, seed: 21, intervalMs: HOUR, startOpenTime: Date.UTC(2023, 0, 1) });
    const dataset = buildDataset(candles, HOUR, { labels: LABELS });
    const report = await walkForward(dataset, OPTIONS);

    expect(report.overall.model.rows).toBeGreaterThan(4000);
    expect(Math.abs((report.overall.model.rocAucBuyVsRest as number) - 0.5)).toBeLessThanOrEqual(0.03);
    for (const fold of report.folds) {
      // |z| < 3: an AUC this far from 0.5 happens by chance for a no-information model.
      expect(Math.abs(fold.noise.aucZScore as number)).toBeLessThan(3);
      expect(fold.noise.accuracyZScore).toBeLessThan(3);
    }
  }, 40_000);

  it('keeps folds in time order with a purge of H candles before every test window', async () => {
    const labels: LabelConfig = { ...LABELS, horizonCandles: 6, holdClass: true };
    const candles = generateSyntheticCandles({ count: 2200, seed: 22, intervalMs: HOUR, startOpenTime: Date.UTC(2023, 0, 1), gapsBefore: [900] });
    const dataset = buildDataset(candles, HOUR, { labels });
    const report = await walkForward(dataset, { ...OPTIONS, folds: 3, forest: { ...OPTIONS.forest, rejectDegenerate: false } });

    expect(report.options.purgeCandles).toBe(6);
    let previousTestEnd = -Infinity;
    for (const fold of report.folds) {
      // The last training label (t + H) closes before the first test decision.
      expect(fold.train.toOpenTime + 7 * HOUR).toBeLessThanOrEqual(fold.test.fromOpenTime);
      expect(fold.test.fromOpenTime).toBeGreaterThan(previousTestEnd);
      previousTestEnd = fold.test.toOpenTime;
      expect(Object.keys(fold.model.perClass)).toEqual(['SELL', 'HOLD', 'BUY']);
      expect(fold.model.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(fold.test.rows);
      expect(fold.baselines.alwaysBuy.perClass.BUY.recall).toBe(1);
      expect(fold.baselines.momentum.rowsWithoutHistory).toBe(0);
    }
    const testedRows = report.folds.reduce((sum, fold) => sum + fold.test.rows, 0);
    expect(report.overall.model.rows).toBe(testedRows);
  }, 40_000);

  it('finds an edge where there is one (hour-of-day drift), beating the baselines', async () => {
    // Even UTC hours drift up, odd hours down, by half a standard deviation.
    const drift = (openTime: number): number => (new Date(openTime).getUTCHours() % 2 === 0 ? 0.003 : -0.003);
    const candles = generateSyntheticCandles({ count: 4000, seed: 23, intervalMs: HOUR, startOpenTime: Date.UTC(2023, 0, 1), drift });
    const dataset = buildDataset(candles, HOUR, { labels: LABELS });
    const report = await walkForward(dataset, { ...OPTIONS, folds: 3 });

    expect(report.overall.model.rocAucBuyVsRest).toBeGreaterThan(0.6);
    expect(report.overall.model.accuracy).toBeGreaterThan(report.overall.baselines.trainingMajority.accuracy + 0.05);
    expect(report.overall.model.accuracy).toBeGreaterThan(report.overall.baselines.momentum.accuracy + 0.05);
  }, 40_000);
});
