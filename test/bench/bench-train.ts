/**
 * Training benchmark for the random-forest signal model.
 *
 *   npx tsc -p tsconfig.build.json && node dist/test/bench/bench-train.js [options]
 *
 * Options:
 *   --sizes 10000,100000,1000000   training rows for our trainer (default)
 *   --compare-sizes 2000           sizes where plain ml-random-forest also runs (default 2000)
 *   --plain-timeout-s 600          plain runs are killed after this long (default 600)
 *   --real-walk-forward            instead: walk-forward on real BTCUSDT 1h 2022-09-23 .. 2024-09-22
 *   --csv PATH                     kline CSV (default /work/shared/data/binance/BTCUSDT-1h.csv)
 *
 * Data: feature rows computed from the real CSV, resampled (seeded) with a little jitter, and a
 * synthetic label (a fixed non-linear rule of a few features plus noise) so the holdout measures
 * how well each learner recovers a known signal. Every case runs in its own child process so
 * peak RSS is per case. The holdout is 20 000 fresh rows from the same generator.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { RandomForestClassifier } from 'ml-random-forest';
import {
  buildDataset,
  buildFeatureMatrix,
  createRandom,
  FEATURE_NAMES,
  forestVoteShares,
  loadForest,
  parseKlineCsv,
  rocAuc,
  trainForest,
  walkForward,
  type ClassificationMetrics,
  type LabelConfig,
  type WalkForwardReport,
} from '../../src/modelling/core';
import { BTCUSDT_1H_CSV } from '../support/shared-data';

const HOUR = 3_600_000;
const HOLDOUT_ROWS = 20_000;
const DEFAULT_CSV = BTCUSDT_1H_CSV;

type CaseKind = 'ours' | 'plain-defaults' | 'plain-like-ours';

interface CaseResult {
  kind: CaseKind;
  rows: number;
  trainMs: number;
  rssBeforeTrainingMb: number;
  peakRssMb: number;
  peakWorkerHeapMb: number | null;
  holdoutAccuracy: number;
  holdoutRocAuc: number | null;
  /** Ours only, at comparison sizes: the same run with seeds 1..5, to show how much accuracy moves with the seed alone. */
  seedSpread?: { seeds: number[]; accuracyMin: number; accuracyMax: number; rocAucMin: number; rocAucMax: number };
  notes: string;
}

interface SkippedCase {
  kind: CaseKind;
  rows: number;
  skipped: string;
}

function write(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Real feature rows from every gap-free stretch of the CSV (rows with incomplete windows are dropped). */
function realFeatureRows(csvPath: string): number[][] {
  const candles = parseKlineCsv(fs.readFileSync(csvPath, 'utf8'));
  return buildFeatureMatrix(candles, HOUR).rows;
}

/**
 * Resamples real feature rows with 5 % jitter and labels them with a fixed rule + noise:
 * BUY when oversold RSI, volume-confirmed 24h trend, the US session and taker buying outweigh noise.
 */
function syntheticRows(real: number[][], count: number, seed: number): { rows: Float64Array[]; labels: Uint8Array } {
  const featureCount = real[0].length;
  const means = Array.from({ length: featureCount }, (_, f) => real.reduce((sum, row) => sum + row[f], 0) / real.length);
  const stds = means.map((mean, f) => Math.sqrt(real.reduce((sum, row) => sum + (row[f] - mean) ** 2, 0) / real.length) || 1);
  const index = (name: (typeof FEATURE_NAMES)[number]): number => FEATURE_NAMES.indexOf(name);
  const [rsi, trend, volume, hourSin, taker] = [index('rsi14'), index('logReturn24'), index('volumeZScore48'), index('hourOfDaySin'), index('takerBuyRatio')];
  const random = createRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const buffer = new Float64Array(count * featureCount);
  const rows: Float64Array[] = [];
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const source = real[random.nextInt(real.length)];
    const row = buffer.subarray(r * featureCount, (r + 1) * featureCount);
    for (let f = 0; f < featureCount; f++) row[f] = source[f] + 0.05 * stds[f] * gaussian();
    const z = (f: number): number => (row[f] - means[f]) / stds[f];
    const score = -0.6 * z(rsi) + 0.5 * Math.tanh(z(trend) * z(volume)) + (row[hourSin] < -0.5 ? 0.5 : -0.2) + 0.3 * z(taker) + 0.9 * gaussian();
    labels[r] = score > 0 ? 1 : 0;
    rows.push(row);
  }
  return { rows, labels };
}

function holdoutScores(forest: RandomForestClassifier, holdout: { rows: Float64Array[]; labels: Uint8Array }): { accuracy: number; auc: number | null } {
  const rows = holdout.rows.map((row) => Array.from(row));
  const predictions = forest.predict(rows);
  const buyShare = forestVoteShares(forest, rows, 2).map((shares) => shares[1]);
  const accuracy = predictions.filter((p, i) => p === holdout.labels[i]).length / rows.length;
  return { accuracy, auc: rocAuc(buyShare, Array.from(holdout.labels, (label) => label === 1)) };
}

/** Child process: one training case. */
async function runCase(kind: CaseKind, rowCount: number, csvPath: string, withSeedSpread: boolean): Promise<CaseResult> {
  const real = realFeatureRows(csvPath);
  const train = syntheticRows(real, rowCount, 1);
  const holdout = syntheticRows(real, HOLDOUT_ROWS, 2);
  const rssBeforeTrainingMb = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  let forest: RandomForestClassifier;
  let peakWorkerHeapMb: number | null = null;
  let notes: string;
  if (kind === 'ours') {
    const { model, stats } = await trainForest(train.rows, train.labels, { classCount: 2 });
    forest = loadForest(model);
    peakWorkerHeapMb = stats.peakWorkerHeapBytes / 2 ** 20;
    notes =
      `${stats.treeCount} trees, ${stats.rowsPerTree} rows x ${stats.featuresPerTree} features per tree, depth 10, ${stats.workerCount} workers; ` +
      `presort ${(stats.presortMs / 1000).toFixed(1)} s, trees ${(stats.treesMs / 1000).toFixed(1)} s`;
  } else {
    const plainRows = train.rows.map((row) => Array.from(row));
    const plainLabels = Array.from(train.labels);
    forest =
      kind === 'plain-defaults'
        ? new RandomForestClassifier({})
        : new RandomForestClassifier({
            nEstimators: 100,
            maxFeatures: 0.6,
            replacement: false,
            noOOB: true,
            treeOptions: { maxDepth: 10, minNumSamples: 20, gainThreshold: 0 },
          });
    forest.train(plainRows, plainLabels);
    notes =
      kind === 'plain-defaults'
        ? 'library defaults: 50 trees, bootstrap rows, all features drawn with replacement, unlimited depth, gainThreshold 0.01'
        : 'ml-random-forest with our settings: 100 trees, 0.6 features, depth 10, minNumSamples 20, gainThreshold 0, bootstrap rows';
  }
  const trainMs = performance.now() - started;
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  const scores = holdoutScores(forest, holdout);
  const result: CaseResult = {
    kind,
    rows: rowCount,
    trainMs,
    rssBeforeTrainingMb,
    peakRssMb,
    peakWorkerHeapMb,
    holdoutAccuracy: scores.accuracy,
    holdoutRocAuc: scores.auc,
    notes,
  };
  if (kind === 'ours' && withSeedSpread) {
    const seeds = [1, 2, 3, 4, 5];
    const spread: Array<{ accuracy: number; auc: number | null }> = [];
    for (const seed of seeds) spread.push(holdoutScores(loadForest((await trainForest(train.rows, train.labels, { classCount: 2, seed })).model), holdout));
    const accuracies = spread.map((s) => s.accuracy);
    const aucs = spread.map((s) => s.auc ?? Number.NaN);
    result.seedSpread = { seeds, accuracyMin: Math.min(...accuracies), accuracyMax: Math.max(...accuracies), rocAucMin: Math.min(...aucs), rocAucMax: Math.max(...aucs) };
  }
  return result;
}

function runChild(kind: CaseKind, rowCount: number, csvPath: string, timeoutMs: number, withSeedSpread = false): Promise<CaseResult | SkippedCase> {
  return new Promise((resolve) => {
    const args = ['--child', kind, String(rowCount), '--csv', csvPath, ...(withSeedSpread ? ['--seed-spread'] : [])];
    const child = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: CaseResult | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (message: CaseResult) => {
      result = message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else resolve({ kind, rows: rowCount, skipped: signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `child failed (exit ${code})` });
    });
  });
}

function isSkipped(value: CaseResult | SkippedCase): value is SkippedCase {
  return 'skipped' in value;
}

function formatCase(result: CaseResult | SkippedCase): string {
  const label = `${result.kind.padEnd(16)} ${String(result.rows).padStart(8)} rows`;
  if (isSkipped(result)) return `${label}  SKIPPED: ${result.skipped}`;
  return (
    `${label}  train ${(result.trainMs / 1000).toFixed(1).padStart(7)} s  peak RSS ${result.peakRssMb.toFixed(0).padStart(5)} MB ` +
    `(before training ${result.rssBeforeTrainingMb.toFixed(0)} MB${result.peakWorkerHeapMb === null ? '' : `, worker heap ${result.peakWorkerHeapMb.toFixed(0)} MB`})  ` +
    `holdout acc ${result.holdoutAccuracy.toFixed(4)}  ROC-AUC ${result.holdoutRocAuc?.toFixed(4) ?? '-'}\n      ${result.notes}` +
    (result.seedSpread
      ? `\n      seeds ${result.seedSpread.seeds.join(',')}: accuracy ${result.seedSpread.accuracyMin.toFixed(4)} .. ${result.seedSpread.accuracyMax.toFixed(4)}, ` +
        `ROC-AUC ${result.seedSpread.rocAucMin.toFixed(4)} .. ${result.seedSpread.rocAucMax.toFixed(4)}`
      : '')
  );
}

async function benchmark(csvPath: string): Promise<void> {
  const sizes = (argument('--sizes') ?? '10000,100000,1000000').split(',').map(Number);
  const compareSizes = (argument('--compare-sizes') ?? '2000').split(',').map(Number);
  const plainTimeoutMs = Number(argument('--plain-timeout-s') ?? 600) * 1000;
  write(`bench-train: node ${process.version}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, holdout ${HOLDOUT_ROWS} rows`);
  write(`data: real ${csvPath} feature rows (${FEATURE_NAMES.length} features) resampled with jitter; synthetic rule + noise labels (2 classes)`);
  write();

  const results: Array<CaseResult | SkippedCase> = [];
  const plainSeconds = new Map<CaseKind, { rows: number; seconds: number }>();
  for (const rows of [...new Set([...compareSizes, ...sizes])].sort((a, b) => a - b)) {
    const ours = await runChild('ours', rows, csvPath, 30 * 60_000, compareSizes.includes(rows));
    results.push(ours);
    write(formatCase(ours));
    for (const kind of ['plain-defaults', 'plain-like-ours'] as const) {
      const previous = plainSeconds.get(kind);
      // ml-cart's split search is quadratic in rows: extrapolate from the largest finished run.
      const estimate = previous ? previous.seconds * (rows / previous.rows) ** 2 : 0;
      let plain: CaseResult | SkippedCase;
      if (!compareSizes.includes(rows) && estimate > plainTimeoutMs / 1000) {
        plain = { kind, rows, skipped: `would take ~${(estimate / 60).toFixed(0)} min (extrapolated as rows^2 from ${previous?.rows} rows), over the ${plainTimeoutMs / 60_000} min limit` };
      } else {
        plain = await runChild(kind, rows, csvPath, plainTimeoutMs);
        if (!isSkipped(plain)) plainSeconds.set(kind, { rows, seconds: plain.trainMs / 1000 });
      }
      results.push(plain);
      write(formatCase(plain));
      if (!isSkipped(ours) && !isSkipped(plain)) {
        write(
          `      ratio ${kind}/ours: time x${(plain.trainMs / ours.trainMs).toFixed(1)}, accuracy ${(plain.holdoutAccuracy / ours.holdoutAccuracy).toFixed(3)}, ` +
            `ROC-AUC ${plain.holdoutRocAuc !== null && ours.holdoutRocAuc !== null ? (plain.holdoutRocAuc / ours.holdoutRocAuc).toFixed(3) : '-'}`,
        );
      }
    }
    write();
  }
  write(`JSON ${JSON.stringify(results)}`);
}

function formatMetrics(name: string, metrics: ClassificationMetrics): string {
  const perClass = Object.entries(metrics.perClass)
    .map(([label, m]) => `${label} P ${m.precision?.toFixed(3) ?? '-'} R ${m.recall?.toFixed(3) ?? '-'} F1 ${m.f1?.toFixed(3) ?? '-'}`)
    .join(' | ');
  return (
    `  ${name.padEnd(18)} acc ${metrics.accuracy.toFixed(4)}  AUC(BUY vs rest) ${metrics.rocAucBuyVsRest?.toFixed(4) ?? '-'}  ` +
    `AUC(macro OvR) ${metrics.rocAucMacroOneVsRest?.toFixed(4) ?? '-'}  ${perClass}`
  );
}

function printWalkForward(report: WalkForwardReport): void {
  const day = (time: number): string => new Date(time).toISOString().slice(0, 13).replace('T', ' ');
  for (const fold of report.folds) {
    write(
      `fold ${fold.fold}: train ${fold.train.rows} rows ${day(fold.train.fromOpenTime)} .. ${day(fold.train.toOpenTime)}, ` +
        `test ${fold.test.rows} rows ${day(fold.test.fromOpenTime)} .. ${day(fold.test.toOpenTime)}, test balance ${JSON.stringify(roundAll(fold.model.classBalance))}, ` +
        `train ${(fold.training.totalMs / 1000).toFixed(1)} s`,
    );
    write(formatMetrics('model', fold.model));
    write(formatMetrics('always BUY', fold.baselines.alwaysBuy));
    write(formatMetrics(`train majority (${fold.baselines.trainingMajority.predictedClass})`, fold.baselines.trainingMajority));
    write(formatMetrics('momentum', fold.baselines.momentum));
    write(`  noise: AUC z ${fold.noise.aucZScore?.toFixed(2) ?? '-'}, accuracy edge over majority ${fold.noise.accuracyEdgeOverMajority.toFixed(4)} (z ${fold.noise.accuracyZScore.toFixed(2)})`);
  }
  write('overall (all test rows pooled):');
  write(formatMetrics('model', report.overall.model));
  write(formatMetrics('always BUY', report.overall.baselines.alwaysBuy));
  write(formatMetrics('train majority', report.overall.baselines.trainingMajority));
  write(formatMetrics('momentum', report.overall.baselines.momentum));
  write(`  confusion matrix [actual][predicted]: ${JSON.stringify(report.overall.model.confusionMatrix)}`);
  write(
    `  noise: AUC z ${report.overall.noise.aucZScore?.toFixed(2) ?? '-'} (SE ${report.overall.noise.aucStandardError?.toFixed(4) ?? '-'}), ` +
      `accuracy edge over majority ${report.overall.noise.accuracyEdgeOverMajority.toFixed(4)} (z ${report.overall.noise.accuracyZScore.toFixed(2)})`,
  );
}

function roundAll(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, Number(value.toFixed(3))]));
}

async function realWalkForward(csvPath: string): Promise<void> {
  const candles = parseKlineCsv(fs.readFileSync(csvPath, 'utf8'), { fromOpenTime: Date.UTC(2022, 8, 23, 7), toOpenTime: Date.UTC(2024, 8, 22, 5) });
  write(`real walk-forward: ${candles.length} BTCUSDT 1h candles ${new Date(candles[0].openTime).toISOString()} .. ${new Date(candles[candles.length - 1].openTime).toISOString()}`);
  for (const holdClass of [false, true]) {
    const labels: LabelConfig = { horizonCandles: 4, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass };
    const started = performance.now();
    const dataset = buildDataset(candles, HOUR, { labels });
    const report = await walkForward(dataset, { folds: 5 });
    write();
    write(
      `=== H = 4 candles, fee 0.1 %/side + 5 bps slippage/side (dead zone +-0.3 %), ${holdClass ? 'HOLD class inside the dead zone' : 'dead-zone rows dropped'}; ` +
        `5 expanding folds, purge ${report.options.purgeCandles} candles; forest defaults (100 trees, depth 10) ===`,
    );
    const { lookAheadCheck, ...summary } = dataset.summary;
    write(`dataset: ${JSON.stringify(summary)}; look-ahead check: ${lookAheadCheck?.checkedRows} rows, ${lookAheadCheck?.mismatches.length} mismatches`);
    printWalkForward(report);
    write(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

async function main(): Promise<void> {
  const csvPath = argument('--csv') ?? DEFAULT_CSV;
  const childIndex = process.argv.indexOf('--child');
  if (childIndex >= 0) {
    const result = await runCase(process.argv[childIndex + 1] as CaseKind, Number(process.argv[childIndex + 2]), csvPath, process.argv.includes('--seed-spread'));
    process.send?.(result, () => process.disconnect());
    return;
  }
  if (process.argv.includes('--real-walk-forward')) await realWalkForward(csvPath);
  else await benchmark(csvPath);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
