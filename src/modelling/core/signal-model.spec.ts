import { RandomForestClassifier } from 'ml-random-forest';
import { buildDataset } from './dataset';
import { hashFeatureVector } from './feature-hash';
import { generateSyntheticCandles } from './synthetic-candles';
import { SignalPredictor, trainSignalModel } from './signal-model';

const HOUR = 3_600_000;

describe('signal model', () => {
  const candles = generateSyntheticCandles({ count: 1500, seed: 31, intervalMs: HOUR, startOpenTime: Date.UTC(2024, 0, 1) });
  const dataset = buildDataset(candles, HOUR, { labels: { horizonCandles: 3, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: true } });
  const options = { nEstimators: 20, seed: 5, parallelism: 1, rejectDegenerate: false };

  it('carries the feature-set version, names, classes and label definition with the forest', async () => {
    const { model } = await trainSignalModel(dataset, options);
    expect(model.featureSetVersion).toBe(dataset.featureSetVersion);
    expect(model.featureNames).toEqual([...dataset.featureNames]);
    expect(model.classes).toEqual(['SELL', 'HOLD', 'BUY']);
    expect(model.training.rows).toBe(dataset.rows.length);
    expect(model.training.settings.nEstimators).toBe(20);
    expect(model.forest.baseModel.estimators).toHaveLength(20);
    // Serialised model = same seed and data → same text.
    expect(JSON.stringify((await trainSignalModel(dataset, options)).model)).toBe(JSON.stringify(model));
  });

  it('predicts signals, vote-share probabilities and feature hashes through ml-random-forest', async () => {
    const { model } = await trainSignalModel(dataset, options, Array.from({ length: 800 }, (_, i) => i));
    const predictor = new SignalPredictor(JSON.parse(JSON.stringify(model)) as typeof model);
    const rows = dataset.rows.slice(900, 950);
    const predictions = predictor.predict(rows);
    const library = RandomForestClassifier.load(model.forest as unknown as Parameters<typeof RandomForestClassifier.load>[0]).predict(rows);
    predictions.forEach((prediction, i) => {
      expect(prediction.signal).toBe(model.classes[library[i]]);
      expect(prediction.probabilities.SELL + prediction.probabilities.HOLD + prediction.probabilities.BUY).toBeCloseTo(1, 12);
      expect(prediction.featureHash).toBe(hashFeatureVector(model.featureSetVersion, model.featureNames, rows[i]));
    });
    expect(() => predictor.predict([[1, 2, 3]])).toThrow(/expects 21/);
  });
});
