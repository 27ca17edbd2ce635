import { Dataset } from './dataset';
import { ForestTrainingStats } from './forest-trainer';
import { deadZoneHalfWidth } from './labels';
import { classificationMetrics, ClassificationMetrics, nullAucStandardError } from './metrics';
import { SignalModelTrainingOptions, SignalPredictor, trainSignalModel } from './signal-model';

/**
 * Walk-forward evaluation: the rows (time-ordered, never shuffled) are cut into `folds + 1` equal
 * blocks; fold k tests on block k and trains on the rows before it, minus a purge of
 * `purgeCandles` candles so no training label window (t .. t+H) reaches into the test period.
 */
export interface WalkForwardOptions {
  /** Test blocks. Default 5. */
  folds?: number;
  /** Candles between the last training decision and the first test decision that are left out. Default: the label horizon H. */
  purgeCandles?: number;
  /** 'expanding' (default): all earlier rows; otherwise only the last `rollingCandles` candles before the purge. */
  trainingWindow?: 'expanding' | { rollingCandles: number };
  forest?: SignalModelTrainingOptions;
  /** Called after each fold has been trained and scored (progress reporting). */
  onFoldDone?: (fold: number, folds: number) => void;
}

export interface BaselineReports {
  alwaysBuy: ClassificationMetrics;
  /** Always the class most frequent in the fold's training window. */
  trainingMajority: ClassificationMetrics & { predictedClass: string };
  /** Sign of the last H-candle return (BUY if > 0, SELL otherwise; HOLD inside the dead zone when HOLD is a class). */
  momentum: ClassificationMetrics & { rowsWithoutHistory: number };
}

export interface NoiseCheck {
  /** Standard error of ROC-AUC if the model had no information, widened for overlapping H-candle labels. */
  aucStandardError: number | null;
  /** (ROC-AUC - 0.5) / aucStandardError. */
  aucZScore: number | null;
  /** Model accuracy minus the training-majority baseline's. */
  accuracyEdgeOverMajority: number;
  accuracyStandardError: number;
  accuracyZScore: number;
}

export interface FoldReport {
  fold: number;
  train: { rows: number; fromOpenTime: number; toOpenTime: number; classBalance: Record<string, number> };
  test: { rows: number; fromOpenTime: number; toOpenTime: number };
  model: ClassificationMetrics;
  baselines: BaselineReports;
  noise: NoiseCheck;
  training: ForestTrainingStats;
}

export interface WalkForwardReport {
  folds: FoldReport[];
  /** All test rows of all folds pooled. */
  overall: { model: ClassificationMetrics; baselines: BaselineReports; noise: NoiseCheck };
  options: { folds: number; purgeCandles: number; trainingWindow: WalkForwardOptions['trainingWindow'] };
}

interface FoldPredictions {
  actual: number[];
  predicted: number[];
  probabilities: number[][];
  majorityClass: number[];
  momentum: Array<number | null>;
  momentumScore: Array<number | null>;
}

export async function walkForward(dataset: Dataset, options: WalkForwardOptions = {}): Promise<WalkForwardReport> {
  const folds = options.folds ?? 5;
  const horizon = dataset.labelConfig.horizonCandles;
  const purgeCandles = options.purgeCandles ?? horizon;
  const trainingWindow = options.trainingWindow ?? 'expanding';
  if (!Number.isInteger(folds) || folds < 1) throw new RangeError(`folds must be a positive integer, got ${folds}`);
  if (!Number.isInteger(purgeCandles) || purgeCandles < horizon) throw new RangeError(`purgeCandles must be an integer >= the label horizon ${horizon}`);
  for (let i = 1; i < dataset.openTimes.length; i++) {
    if (dataset.openTimes[i] <= dataset.openTimes[i - 1]) throw new RangeError('dataset rows must be in time order');
  }
  const rowCount = dataset.rows.length;
  const blockSize = Math.floor(rowCount / (folds + 1));
  if (blockSize < 1) throw new RangeError(`${rowCount} rows are too few for ${folds} folds`);

  const reports: FoldReport[] = [];
  const pooled: FoldPredictions = { actual: [], predicted: [], probabilities: [], majorityClass: [], momentum: [], momentumScore: [] };
  const buy = dataset.classes.indexOf('BUY');
  for (let fold = 1; fold <= folds; fold++) {
    const testStart = fold * blockSize;
    const testEnd = fold === folds ? rowCount : (fold + 1) * blockSize;
    const firstTestTime = dataset.openTimes[testStart];
    // A training row's label is known at the close of candle t + H; keep it only if that is before the first test decision.
    const latestTrainTime = firstTestTime - (purgeCandles + 1) * dataset.intervalMs;
    const earliestTrainTime = trainingWindow === 'expanding' ? -Infinity : latestTrainTime - (trainingWindow.rollingCandles - 1) * dataset.intervalMs;
    const trainRows: number[] = [];
    for (let i = 0; i < testStart; i++) {
      const time = dataset.openTimes[i];
      if (time <= latestTrainTime && time >= earliestTrainTime) trainRows.push(i);
    }
    if (trainRows.length === 0) throw new RangeError(`fold ${fold} has no training rows after the purge`);
    const testRows = Array.from({ length: testEnd - testStart }, (_, k) => testStart + k);

    const { model, stats } = await trainSignalModel(dataset, options.forest, trainRows);
    const predictor = new SignalPredictor(model);
    const testFeatures = testRows.map((i) => dataset.rows[i]);
    const predictions: FoldPredictions = {
      actual: testRows.map((i) => dataset.labels[i]),
      predicted: predictor.predictClasses(testFeatures),
      probabilities: predictor.predictProbabilities(testFeatures),
      majorityClass: [],
      momentum: testRows.map((i) => momentumSignal(dataset, i)),
      momentumScore: testRows.map((i) => dataset.pastReturns[i]),
    };
    const trainCounts = new Array<number>(dataset.classes.length).fill(0);
    for (const i of trainRows) trainCounts[dataset.labels[i]]++;
    const majority = trainCounts.indexOf(Math.max(...trainCounts));
    predictions.majorityClass = testRows.map(() => majority);

    reports.push({
      fold,
      train: {
        rows: trainRows.length,
        fromOpenTime: dataset.openTimes[trainRows[0]],
        toOpenTime: dataset.openTimes[trainRows[trainRows.length - 1]],
        classBalance: Object.fromEntries(dataset.classes.map((name, c) => [name, trainCounts[c] / trainRows.length])),
      },
      test: { rows: testRows.length, fromOpenTime: firstTestTime, toOpenTime: dataset.openTimes[testEnd - 1] },
      ...evaluate(dataset, predictions, buy),
      training: stats,
    });
    for (const key of Object.keys(pooled) as Array<keyof FoldPredictions>) (pooled[key] as unknown[]).push(...predictions[key]);
    options.onFoldDone?.(fold, folds);
  }
  return { folds: reports, overall: evaluate(dataset, pooled, buy), options: { folds, purgeCandles, trainingWindow } };
}

function momentumSignal(dataset: Dataset, row: number): number | null {
  const pastReturn = dataset.pastReturns[row];
  if (pastReturn === null) return null;
  const classes = dataset.classes;
  const hold = classes.indexOf('HOLD');
  if (hold >= 0 && Math.abs(pastReturn) <= deadZoneHalfWidth(dataset.labelConfig)) return hold;
  return pastReturn > 0 ? classes.indexOf('BUY') : classes.indexOf('SELL');
}

function evaluate(dataset: Dataset, predictions: FoldPredictions, buy: number): { model: ClassificationMetrics; baselines: BaselineReports; noise: NoiseCheck } {
  const classes = dataset.classes;
  const k = classes.length;
  const oneHot = (c: number): number[] => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0));
  const model = classificationMetrics(classes, predictions.actual, predictions.predicted, predictions.probabilities);

  const alwaysBuy = classificationMetrics(
    classes,
    predictions.actual,
    predictions.actual.map(() => buy),
    predictions.actual.map(() => oneHot(buy)),
  );
  const trainingMajority = classificationMetrics(
    classes,
    predictions.actual,
    predictions.majorityClass,
    predictions.majorityClass.map((c) => oneHot(c)),
  );
  // Rows without H gap-free candles of history get no momentum call; they are left out of its metrics (rowsWithoutHistory).
  const withHistory = predictions.momentum.flatMap((signal, i) => (signal === null ? [] : [i]));
  const momentumBase = classificationMetrics(
    classes,
    withHistory.map((i) => predictions.actual[i]),
    withHistory.map((i) => predictions.momentum[i] as number),
    withHistory.map((i) => {
      const score = predictions.momentumScore[i] as number;
      // One-vs-rest scores from the past return: higher means more BUY-like, lower more SELL-like.
      return classes.map((name) => (name === 'BUY' ? score : name === 'SELL' ? -score : -Math.abs(score)));
    }),
  );
  const majorityClass = predictions.majorityClass.length > 0 ? predictions.majorityClass[0] : 0;
  const allSameMajority = predictions.majorityClass.every((c) => c === majorityClass);

  const rows = predictions.actual.length;
  const positives = predictions.actual.filter((c) => c === buy).length;
  const aucStandardError = nullAucStandardError(positives, rows - positives, dataset.labelConfig.horizonCandles);
  const auc = model.rocAucBuyVsRest;
  const majorityAccuracy = trainingMajority.accuracy;
  // Binomial standard error at the baseline's accuracy, widened like the AUC one for overlapping labels (approximate).
  const accuracyStandardError = Math.sqrt((Math.max(majorityAccuracy * (1 - majorityAccuracy), 1e-12) / Math.max(rows, 1)) * dataset.labelConfig.horizonCandles);
  const accuracyEdgeOverMajority = model.accuracy - majorityAccuracy;
  return {
    model,
    baselines: {
      alwaysBuy,
      trainingMajority: { ...trainingMajority, predictedClass: allSameMajority ? classes[majorityClass] : 'per fold' },
      momentum: { ...momentumBase, rowsWithoutHistory: rows - withHistory.length },
    },
    noise: {
      aucStandardError,
      aucZScore: auc !== null && aucStandardError !== null ? (auc - 0.5) / aucStandardError : null,
      accuracyEdgeOverMajority,
      accuracyStandardError,
      accuracyZScore: accuracyEdgeOverMajority / accuracyStandardError,
    },
  };
}
