import { RandomForestClassifier } from 'ml-random-forest';
import { Dataset } from './dataset';
import { hashFeatureVector } from './feature-hash';
import { forestSettings, ForestSettings, ForestTrainingOptions, ForestTrainingStats, RandomForestClassifierJson, trainForest } from './forest-trainer';
import { LabelConfig, TradeSignal } from './labels';

export const SIGNAL_MODEL_FORMAT = 'opa-rf-signal-model';
export const SIGNAL_MODEL_FORMAT_VERSION = 1;

/**
 * A trained buy/sell model: the ml-random-forest model plus what is needed to use it correctly
 * (feature-set version and names, class order, label definition). Deterministic: contains no
 * timestamps of its own, so the same seed and data serialise to the same JSON.
 */
export interface SignalModel {
  format: typeof SIGNAL_MODEL_FORMAT;
  formatVersion: typeof SIGNAL_MODEL_FORMAT_VERSION;
  featureSetVersion: string;
  featureNames: string[];
  classes: TradeSignal[];
  labelConfig: LabelConfig;
  intervalMs: number;
  training: {
    rows: number;
    fromOpenTime: number;
    toOpenTime: number;
    classCounts: Record<string, number>;
    settings: ForestSettings;
  };
  /** `RandomForestClassifier.load(forest)` from ml-random-forest 2.1.0 predicts with it. */
  forest: RandomForestClassifierJson;
}

export type SignalModelTrainingOptions = Omit<ForestTrainingOptions, 'classCount' | 'classNames'>;

/**
 * Trains on the dataset rows listed in `rowSelection` (dataset row numbers, default all).
 * Rejects degenerate forests with DegenerateModelError unless `rejectDegenerate: false`.
 */
export async function trainSignalModel(
  dataset: Dataset,
  options: SignalModelTrainingOptions = {},
  rowSelection?: readonly number[],
): Promise<{ model: SignalModel; stats: ForestTrainingStats }> {
  const selected = rowSelection ?? Array.from(dataset.rows.keys());
  if (selected.length === 0) throw new RangeError('no training rows selected');
  const rows = selected.map((i) => dataset.rows[i]);
  const labels = selected.map((i) => dataset.labels[i]);
  const { model: forest, stats } = await trainForest(rows, labels, { ...options, classCount: dataset.classes.length, classNames: dataset.classes });
  const classCounts = Object.fromEntries(dataset.classes.map((name) => [name, 0]));
  for (const label of labels) classCounts[dataset.classes[label]]++;
  const model: SignalModel = {
    format: SIGNAL_MODEL_FORMAT,
    formatVersion: SIGNAL_MODEL_FORMAT_VERSION,
    featureSetVersion: dataset.featureSetVersion,
    featureNames: [...dataset.featureNames],
    classes: [...dataset.classes],
    labelConfig: { ...dataset.labelConfig },
    intervalMs: dataset.intervalMs,
    training: {
      rows: selected.length,
      fromOpenTime: Math.min(...selected.map((i) => dataset.openTimes[i])),
      toOpenTime: Math.max(...selected.map((i) => dataset.openTimes[i])),
      classCounts,
      settings: forestSettings(options),
    },
    forest,
  };
  return { model, stats };
}

export interface SignalPrediction {
  signal: TradeSignal;
  /** Share of trees voting for each class (sums to 1). */
  probabilities: Record<TradeSignal, number>;
  /** sha256 of the canonical feature vector (see feature-hash.ts), for the audit trail. */
  featureHash: string;
}

/** Predicts with a SignalModel through ml-random-forest's own loader and trees. */
export class SignalPredictor {
  private readonly forest: RandomForestClassifier;

  constructor(readonly model: SignalModel) {
    if (model.format !== SIGNAL_MODEL_FORMAT || model.formatVersion !== SIGNAL_MODEL_FORMAT_VERSION) {
      throw new RangeError(`not a ${SIGNAL_MODEL_FORMAT} v${SIGNAL_MODEL_FORMAT_VERSION} model`);
    }
    this.forest = loadForest(model.forest);
  }

  /** Class index per row: the trees' majority vote (ml-random-forest `predict`). */
  predictClasses(rows: readonly (readonly number[])[]): number[] {
    if (rows.length === 0) return [];
    return this.forest.predict(this.checkRows(rows));
  }

  /** Per row, the share of trees voting for each class, in `model.classes` order. */
  predictProbabilities(rows: readonly (readonly number[])[]): number[][] {
    if (rows.length === 0) return [];
    return forestVoteShares(this.forest, this.checkRows(rows), this.model.classes.length);
  }

  predict(rows: readonly (readonly number[])[]): SignalPrediction[] {
    const classes = this.predictClasses(rows);
    const shares = this.predictProbabilities(rows);
    return classes.map((classIndex, i) => ({
      signal: this.model.classes[classIndex],
      probabilities: Object.fromEntries(this.model.classes.map((name, c) => [name, shares[i][c]])) as Record<TradeSignal, number>,
      featureHash: hashFeatureVector(this.model.featureSetVersion, this.model.featureNames, rows[i]),
    }));
  }

  private checkRows(rows: readonly (readonly number[])[]): number[][] {
    const width = this.model.featureNames.length;
    return rows.map((row, i) => {
      if (row.length !== width) throw new RangeError(`row ${i} has ${row.length} features, model ${this.model.featureSetVersion} expects ${width}`);
      return [...row];
    });
  }
}

export function loadForest(forest: RandomForestClassifierJson): RandomForestClassifier {
  return RandomForestClassifier.load(forest as unknown as Parameters<typeof RandomForestClassifier.load>[0]);
}

/**
 * Vote shares from ml-random-forest's per-tree predictions. Not `predictProbability`: in 2.1.0 its
 * reduce has no initial value, so it skips the first tree's vote and adds that tree's class index
 * instead (e.g. 0.5 + 2e-6 style errors).
 */
export function forestVoteShares(forest: RandomForestClassifier, rows: number[][], classCount: number): number[][] {
  const votes = forest.predictionValues(rows);
  const trees = votes.columns;
  const shares: number[][] = [];
  for (let i = 0; i < votes.rows; i++) {
    const row = new Array<number>(classCount).fill(0);
    for (let t = 0; t < trees; t++) row[votes.get(i, t)]++;
    shares.push(row.map((count) => count / trees));
  }
  return shares;
}
