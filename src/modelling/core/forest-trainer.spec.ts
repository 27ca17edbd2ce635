import { DecisionTreeClassifier } from 'ml-cart';
import { RandomForestClassifier } from 'ml-random-forest';
import { assertForestNotDegenerate, DegenerateModelError, ForestTrainingOptions, planForest, trainForest } from './forest-trainer';
import { createRandom } from './random';
import { forestVoteShares, loadForest } from './signal-model';
import { drawRowSample } from './tree-task';

/** Features in [-1, 1]; the label follows a non-linear rule of three of them plus 15 % label noise. */
function learnableData(rowCount: number, seed: number) {
  const random = createRandom(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let r = 0; r < rowCount; r++) {
    const row = Array.from({ length: 8 }, () => random.next() * 2 - 1);
    const signal = row[0] + 0.8 * row[1] - (row[2] > 0.3 ? 0.6 : 0);
    const label = signal > 0 ? 1 : 0;
    rows.push(row);
    labels.push(random.next() < 0.15 ? 1 - label : label);
  }
  return { rows, labels };
}

const SMALL: ForestTrainingOptions = { classCount: 2, nEstimators: 30, seed: 7, parallelism: 1, tree: { maxDepth: 6 } };

describe('trainForest', () => {
  const train = learnableData(3000, 1);
  const holdout = learnableData(1000, 2);

  it('produces a model ml-random-forest loads, predicts with and re-serialises', async () => {
    const { model, stats } = await trainForest(train.rows, train.labels, SMALL);
    const loaded = RandomForestClassifier.load(JSON.parse(JSON.stringify(model)) as Parameters<typeof RandomForestClassifier.load>[0]);
    const predictions = loaded.predict(holdout.rows);
    const accuracy = predictions.filter((p, i) => p === holdout.labels[i]).length / holdout.rows.length;
    expect(accuracy).toBeGreaterThan(0.7); // classes are balanced; the noise-free rule would reach about 0.85
    expect(stats.rowsPerTree).toBe(1500);
    expect(stats.featuresPerTree).toBe(4); // floor(8 * 0.6), as ml-random-forest reads maxFeatures
    const reloaded = RandomForestClassifier.load(loaded.toJSON());
    expect(reloaded.predict(holdout.rows)).toEqual(predictions);
  });

  it('is reproducible from the seed: same seed gives identical JSON, another seed does not', async () => {
    const first = JSON.stringify((await trainForest(train.rows, train.labels, SMALL)).model);
    const second = JSON.stringify((await trainForest(train.rows, train.labels, SMALL)).model);
    const otherSeed = JSON.stringify((await trainForest(train.rows, train.labels, { ...SMALL, seed: 8 })).model);
    expect(second).toBe(first);
    expect(otherSeed).not.toBe(first);
  });

  it('builds the same forest in worker threads as in-process', async () => {
    const options = { ...SMALL, nEstimators: 8 };
    const inProcess = await trainForest(train.rows, train.labels, { ...options, parallelism: 1 });
    const threaded = await trainForest(train.rows, train.labels, { ...options, parallelism: 2 });
    expect(threaded.stats.workerCount).toBe(2);
    expect(JSON.stringify(threaded.model)).toBe(JSON.stringify(inProcess.model));
  }, 30_000);

  it('gives each tree its own row sample and ml-cart-identical trees on it', async () => {
    const options = { ...SMALL, nEstimators: 3, withReplacement: true };
    const { model } = await trainForest(train.rows, train.labels, options);
    const plan = planForest(options, train.rows.length, 8);
    const samples = plan.map((task) => drawRowSample(train.rows.length, task.sampleSize, task.withReplacement, task.rowSeed));
    expect(samples[0]).not.toEqual(samples[1]);
    plan.forEach((task, i) => {
      expect(model.baseModel.indexes[i]).toEqual(task.featureIndexes);
      const reference = new DecisionTreeClassifier(model.baseModel.treeOptions);
      reference.train(
        Array.from(samples[i], (row) => task.featureIndexes.map((f) => train.rows[row][f])),
        Array.from(samples[i], (row) => train.labels[row]),
      );
      expect(JSON.stringify(model.baseModel.estimators[i])).toBe(JSON.stringify(reference.toJSON()));
    });
  });

  it('spreads row samples over the whole (time-ordered) training set, unlike maxSamples', () => {
    const plan = planForest({ ...SMALL, sampleFraction: 0.1 }, 10_000, 8);
    const sample = drawRowSample(10_000, plan[0].sampleSize, false, plan[0].rowSeed);
    expect(sample.length).toBe(1000);
    expect(sample[0]).toBeLessThan(100);
    expect(sample[sample.length - 1]).toBeGreaterThan(9900);
  });

  it('rejects a forest that predicts one class for everything', async () => {
    // A gain threshold no split can reach leaves every tree a single leaf: the majority class.
    await expect(trainForest(train.rows, train.labels, { ...SMALL, tree: { gainThreshold: 0.6 }, classNames: ['SELL', 'BUY'] })).rejects.toThrow(
      DegenerateModelError,
    );
    await expect(trainForest(train.rows, train.labels, { ...SMALL, tree: { gainThreshold: 0.6 }, classNames: ['SELL', 'BUY'] })).rejects.toThrow(
      /predicts (SELL|BUY) for all 3000 training rows/,
    );
  });

  it('rejects a forest that is worse than the majority class on its training rows', async () => {
    // Trained on inverted labels, then checked against the true ones.
    const inverted = train.labels.map((label) => 1 - label);
    const { model } = await trainForest(train.rows, inverted, { ...SMALL, rejectDegenerate: false });
    expect(() => assertForestNotDegenerate(model, train.rows, train.labels, { classCount: 2 })).toThrow(/below the majority-class baseline/);
  });

  it('computes vote shares per class; ml-random-forest predictProbability is off by one vote', async () => {
    const { model } = await trainForest(train.rows, train.labels, SMALL);
    const forest = loadForest(model);
    const probe = holdout.rows.slice(0, 50);
    const shares = forestVoteShares(forest, probe, 2);
    const votes = forest.predictionValues(probe);
    shares.forEach((row, i) => {
      expect(row[0] + row[1]).toBeCloseTo(1, 12);
      const buyVotes = votes.getRow(i).filter((v) => v === 1).length;
      expect(row[1]).toBe(buyVotes / 30);
    });
    // The library's reduce() starts from the first tree's class index instead of 0 and skips that tree's vote.
    const library = forest.predictProbability(probe, 1);
    probe.forEach((_, i) => {
      const row = votes.getRow(i);
      const expectedBug = Math.round(row[0] + row.slice(1).filter((v) => v === 1).length * (1e6 / 30)) / 1e6;
      expect(library[i]).toBe(expectedBug);
    });
  });
});
