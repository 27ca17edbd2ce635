/** Classification metrics for signal models and baselines. */

export interface ClassMetrics {
  /** null when the class was never predicted. */
  precision: number | null;
  /** null when the class never occurred. */
  recall: number | null;
  f1: number | null;
  /** Rows whose actual class is this one. */
  support: number;
  /** Rows predicted as this class. */
  predicted: number;
}

export interface ClassificationMetrics {
  rows: number;
  accuracy: number;
  perClass: Record<string, ClassMetrics>;
  /** confusionMatrix[actual][predicted], in class order. */
  confusionMatrix: number[][];
  /** Share of each actual class among the rows. */
  classBalance: Record<string, number>;
  /**
   * ROC-AUC of "BUY vs everything else", scored by the BUY probability (or the baseline's score).
   * null when the rows hold only one side, or no scores were given.
   */
  rocAucBuyVsRest: number | null;
  /** Unweighted mean over classes of one-vs-rest ROC-AUC; equals rocAucBuyVsRest with two classes. */
  rocAucMacroOneVsRest: number | null;
}

/**
 * ROC-AUC as the Mann-Whitney probability that a random positive outscores a random negative,
 * counting ties as one half (mid-ranks). Returns null without both positives and negatives.
 */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number | null {
  if (scores.length !== positive.length) throw new RangeError('scores and labels differ in length');
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSumOfPositives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k]]) {
        positives++;
        rankSumOfPositives += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSumOfPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * @param classScores optional per-row scores per class (e.g. predicted probabilities), used for ROC-AUC.
 */
export function classificationMetrics(
  classes: readonly string[],
  actual: readonly number[],
  predicted: readonly number[],
  classScores?: readonly (readonly number[])[],
): ClassificationMetrics {
  if (actual.length !== predicted.length) throw new RangeError('actual and predicted differ in length');
  const k = classes.length;
  const confusionMatrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  actual.forEach((a, i) => {
    confusionMatrix[a][predicted[i]]++;
    if (a === predicted[i]) correct++;
  });
  const rows = actual.length;
  const perClass: Record<string, ClassMetrics> = {};
  const classBalance: Record<string, number> = {};
  classes.forEach((name, c) => {
    const truePositives = confusionMatrix[c][c];
    const support = confusionMatrix[c].reduce((sum, v) => sum + v, 0);
    const predictedCount = confusionMatrix.reduce((sum, row) => sum + row[c], 0);
    const precision = predictedCount > 0 ? truePositives / predictedCount : null;
    const recall = support > 0 ? truePositives / support : null;
    const f1 = precision !== null && recall !== null ? (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0) : null;
    perClass[name] = { precision, recall, f1, support, predicted: predictedCount };
    classBalance[name] = rows > 0 ? support / rows : 0;
  });

  let rocAucBuyVsRest: number | null = null;
  let rocAucMacroOneVsRest: number | null = null;
  if (classScores) {
    if (classScores.length !== rows) throw new RangeError('classScores and actual differ in length');
    const aucs = classes.map((_, c) =>
      rocAuc(
        classScores.map((scores) => scores[c]),
        actual.map((a) => a === c),
      ),
    );
    const buy = classes.indexOf('BUY');
    rocAucBuyVsRest = buy >= 0 ? aucs[buy] : null;
    rocAucMacroOneVsRest = aucs.every((auc) => auc !== null) ? aucs.reduce<number>((sum, auc) => sum + (auc ?? 0), 0) / k : null;
    // With two classes the SELL-vs-rest AUC is the mirror image; keep both fields equal for clarity.
    if (k === 2) rocAucMacroOneVsRest = rocAucBuyVsRest;
  }
  return { rows, accuracy: rows > 0 ? correct / rows : 0, perClass, confusionMatrix, classBalance, rocAucBuyVsRest, rocAucMacroOneVsRest };
}

/**
 * Standard error of ROC-AUC when the scores carry no information (Mann-Whitney null),
 * inflated by sqrt(overlap) because labels of overlapping H-candle windows are not independent.
 */
export function nullAucStandardError(positives: number, negatives: number, labelOverlap: number): number | null {
  if (positives === 0 || negatives === 0) return null;
  return Math.sqrt((positives + negatives + 1) / (12 * positives * negatives)) * Math.sqrt(Math.max(1, labelOverlap));
}
