import { classificationMetrics, nullAucStandardError, rocAuc } from './metrics';
import { createRandom } from './random';

function pairwiseAuc(scores: number[], positive: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (!positive[i]) return;
    scores.forEach((n, j) => {
      if (positive[j]) return;
      pairs++;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for an inverted one, 0.5 for constant scores', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5], [true, false, true])).toBe(0.5);
    expect(rocAuc([0.5, 0.5], [true, true])).toBeNull();
  });

  it('matches the pairwise definition with ties', () => {
    const random = createRandom(5);
    const scores = Array.from({ length: 300 }, () => random.nextInt(20) / 20);
    const positive = scores.map((s) => random.next() < 0.3 + s * 0.4);
    expect(rocAuc(scores, positive)).toBeCloseTo(pairwiseAuc(scores, positive), 12);
  });
});

describe('classificationMetrics', () => {
  it('computes the confusion matrix, accuracy and per-class precision/recall/F1', () => {
    const classes = ['SELL', 'HOLD', 'BUY'];
    const actual = [0, 0, 1, 2, 2, 2];
    const predicted = [0, 2, 1, 2, 2, 0];
    const metrics = classificationMetrics(classes, actual, predicted);
    expect(metrics.confusionMatrix).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [1, 0, 2],
    ]);
    expect(metrics.accuracy).toBeCloseTo(4 / 6);
    expect(metrics.perClass.BUY).toEqual({ precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3, predicted: 3 });
    expect(metrics.perClass.SELL.precision).toBe(0.5);
    expect(metrics.classBalance).toEqual({ SELL: 2 / 6, HOLD: 1 / 6, BUY: 3 / 6 });
    expect(metrics.rocAucBuyVsRest).toBeNull();
  });

  it('reports BUY-vs-rest and macro one-vs-rest ROC-AUC from class scores', () => {
    const classes = ['SELL', 'BUY'];
    const metrics = classificationMetrics(classes, [0, 0, 1, 1], [0, 1, 1, 1], [
      [0.9, 0.1],
      [0.4, 0.6],
      [0.3, 0.7],
      [0.2, 0.8],
    ]);
    expect(metrics.rocAucBuyVsRest).toBe(1);
    expect(metrics.rocAucMacroOneVsRest).toBe(1);
    expect(metrics.perClass.SELL).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, support: 2, predicted: 1 });
  });

  it('leaves precision null for a class never predicted', () => {
    const metrics = classificationMetrics(['SELL', 'BUY'], [0, 1], [1, 1]);
    expect(metrics.perClass.SELL.precision).toBeNull();
    expect(metrics.perClass.SELL.recall).toBe(0);
  });
});

describe('nullAucStandardError', () => {
  it('shrinks with rows and widens with label overlap', () => {
    const base = nullAucStandardError(1000, 1000, 1) as number;
    expect(base).toBeCloseTo(Math.sqrt(2001 / (12 * 1000 * 1000)), 12);
    expect(nullAucStandardError(1000, 1000, 4)).toBeCloseTo(base * 2, 12);
    expect(nullAucStandardError(0, 10, 1)).toBeNull();
  });
});
