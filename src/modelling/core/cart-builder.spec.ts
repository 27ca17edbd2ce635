import { DecisionTreeClassifier } from 'ml-cart';
import { argsortColumn, buildCartTree, CartTreeOptions, ML_CART_DEFAULT_OPTIONS, presortRows, repeatedSum } from './cart-builder';
import { createRandom, RandomSource } from './random';

function naiveRepeatedSum(increment: number, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += increment;
  return sum;
}

/** Trains ml-cart itself on the same matrix the builder sees and returns its JSON text. */
function mlCartJson(rows: number[][], labels: number[], sampleRows: Int32Array, featureIndexes: number[], options: Partial<CartTreeOptions>): string {
  const matrix = Array.from(sampleRows, (row) => featureIndexes.map((f) => rows[row][f]));
  const y = Array.from(sampleRows, (row) => labels[row]);
  const tree = new DecisionTreeClassifier(options);
  tree.train(matrix, y);
  return JSON.stringify(tree.toJSON());
}

function randomDataset(random: RandomSource, rowCount: number, featureCount: number, classCount: number, distinctValues: number | null) {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let r = 0; r < rowCount; r++) {
    const row: number[] = [];
    for (let f = 0; f < featureCount; f++) {
      row.push(distinctValues === null ? random.next() * 2 - 1 : random.nextInt(distinctValues) / 4 - 1);
    }
    // Labels depend on the first two features plus noise, so trees have real structure.
    const signal = row[0] + 0.5 * row[1] + (random.next() - 0.5);
    labels.push(classCount === 2 ? (signal > 0 ? 1 : 0) : signal > 0.3 ? 2 : signal < -0.3 ? 0 : 1);
    rows.push(row);
  }
  return { rows, labels };
}

function bootstrapRows(random: RandomSource, rowCount: number, sampleSize: number): Int32Array {
  const sample = Int32Array.from({ length: sampleSize }, () => random.nextInt(rowCount));
  return sample.sort();
}

describe('repeatedSum', () => {
  it('matches sequential addition bit for bit', () => {
    for (let length = 1; length <= 300; length++) {
      const increment = 1 / length;
      let sequential = 0;
      for (let count = 1; count <= length + 2; count++) {
        sequential += increment;
        expect(repeatedSum(increment, count)).toBe(sequential);
      }
    }
    const random = createRandom(7);
    for (let trial = 0; trial < 60; trial++) {
      const length = 1 + random.nextInt(2_000_000);
      const count = random.nextInt(length + 1);
      expect(repeatedSum(1 / length, count)).toBe(naiveRepeatedSum(1 / length, count));
    }
  });
});

describe('argsortColumn', () => {
  it('sorts by value, ties by row index, negatives included', () => {
    const column = Float64Array.from([0.5, -1, 3, -1, 0, -0.25, 3, 1e-300, -1e300]);
    const order = Array.from(argsortColumn(column));
    const expected = Array.from(column.keys()).sort((a, b) => column[a] - column[b] || a - b);
    expect(order).toEqual(expected);
  });
});

describe('buildCartTree', () => {
  const cases: Array<{ name: string; classes: number; distinct: number | null; options: Partial<CartTreeOptions>; bootstrap: boolean }> = [
    { name: 'continuous, 2 classes, ml-cart defaults', classes: 2, distinct: null, options: {}, bootstrap: false },
    { name: 'many ties, 3 classes, bootstrap duplicates', classes: 3, distinct: 9, options: { gainThreshold: 0, minNumSamples: 2 }, bootstrap: true },
    { name: 'continuous, 3 classes, depth 4', classes: 3, distinct: null, options: { maxDepth: 4, gainThreshold: 0.001, minNumSamples: 5 }, bootstrap: true },
    { name: 'coarse ties, 2 classes, no threshold', classes: 2, distinct: 5, options: { gainThreshold: 0 }, bootstrap: false },
  ];

  it.each(cases)('builds the same tree as ml-cart: $name', ({ classes, distinct, options, bootstrap }) => {
    const random = createRandom(1234 + classes * 10 + (distinct ?? 0));
    for (let trial = 0; trial < 4; trial++) {
      const { rows, labels } = randomDataset(random, 300, 6, classes, distinct);
      const data = presortRows(rows, labels, classes);
      const sampleRows = bootstrap ? bootstrapRows(random, 300, 300) : Int32Array.from(rows.keys());
      const featureIndexes = trial % 2 === 0 ? [0, 1, 2, 3, 4, 5] : [4, 1, 5, 0];
      const fullOptions = { ...ML_CART_DEFAULT_OPTIONS, ...options };
      const ours = JSON.stringify(buildCartTree(data, sampleRows, featureIndexes, fullOptions));
      expect(ours).toBe(mlCartJson(rows, labels, sampleRows, featureIndexes, options));
    }
  });

  it('loads into ml-cart and predicts like the ml-cart-trained tree', () => {
    const random = createRandom(99);
    const { rows, labels } = randomDataset(random, 400, 5, 2, null);
    const data = presortRows(rows, labels, 2);
    const json = buildCartTree(data, Int32Array.from(rows.keys()), [0, 1, 2, 3, 4], { maxDepth: 6, minNumSamples: 3, gainThreshold: 0 });
    const loaded = DecisionTreeClassifier.load(JSON.parse(JSON.stringify(json)) as object);
    const reference = new DecisionTreeClassifier({ maxDepth: 6, minNumSamples: 3, gainThreshold: 0 });
    reference.train(rows, labels);
    const probe = randomDataset(random, 200, 5, 2, null).rows;
    expect(loaded.predict(probe)).toEqual(reference.predict(probe));
  });

  it('rejects non-finite features and out-of-range labels', () => {
    expect(() => presortRows([[1], [Number.NaN]], [0, 1], 2)).toThrow(/finite/);
    expect(() => presortRows([[1], [2]], [0, 2], 2)).toThrow(/label/);
  });
});
