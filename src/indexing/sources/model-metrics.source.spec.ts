import { backoffMs } from '../indexing.settings';
import { indexTemplateOf, INDEX_SOURCES } from '../index-sources';
import { modelMetricsDocuments } from './model-metrics.source';

const block = (accuracy: number, rows: number) => ({
  rows,
  accuracy,
  roc_auc: accuracy - 0.01,
  roc_auc_macro: null,
  per_class: {
    BUY: { precision: 0.5, recall: 0.6, f1: 0.55, support: 10, predicted: 12 },
    SELL: { precision: 0.4, recall: 0.3, f1: 0.35, support: 9, predicted: 7 },
  },
  confusion_matrix: [],
  class_balance: {},
});
const baselines = (base: number) => ({
  always_buy: block(base, 1),
  training_majority: { ...block(base + 0.01, 1), predicted_class: 'SELL' },
  momentum: { ...block(base + 0.02, 1), rows_without_history: 0 },
});

describe('model-metrics documents', () => {
  const metrics = {
    ...block(0.55, 300),
    classes: ['SELL', 'BUY'],
    baselines: baselines(0.5),
    folds: [1, 2].map((fold) => ({
      ...block(0.5 + fold / 100, 150),
      fold,
      train: { rows: 100 * fold, from_open_time: 0, to_open_time: 1, class_balance: {} },
      test: { rows: 150, from_open_time: 1000 * fold, to_open_time: 1000 * fold + 999 },
      baselines: baselines(0.4),
    })),
  };
  const docs = modelMetricsDocuments({ id: 7, symbol: 'BTCUSDT', interval: '1h', metrics: JSON.stringify(metrics), finished_at: '1700000000000' });

  it('has overall, per-fold and baseline documents with ids from the natural key', () => {
    expect(docs.map((d) => d.id)).toEqual([
      '7:overall',
      '7:baseline:always_buy',
      '7:baseline:majority',
      '7:baseline:momentum',
      '7:fold:fold-1',
      '7:baseline:fold-1:always_buy',
      '7:baseline:fold-1:majority',
      '7:baseline:fold-1:momentum',
      '7:fold:fold-2',
      '7:baseline:fold-2:always_buy',
      '7:baseline:fold-2:majority',
      '7:baseline:fold-2:momentum',
    ]);
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
  });

  it('fills the contract fields, and only fields the template maps', () => {
    expect(docs[0].body).toEqual({
      model_id: '7',
      symbol: 'BTCUSDT',
      interval: '1h',
      scope: 'overall',
      fold: null,
      baseline: null,
      trained_at: 1_700_000_000_000,
      test_start: 1000,
      test_end: 2999,
      rows: 300,
      accuracy: 0.55,
      roc_auc: 0.54,
      precision_buy: 0.5,
      recall_buy: 0.6,
      f1_buy: 0.55,
      precision_sell: 0.4,
      recall_sell: 0.3,
      f1_sell: 0.35,
    });
    expect(docs[6].body).toMatchObject({ scope: 'baseline', fold: 1, baseline: 'majority', accuracy: 0.4 + 0.01, test_start: 1000, test_end: 1999 });
    const mapped = Object.keys(indexTemplateOf(INDEX_SOURCES['model-metrics'], 'x-').template.mappings.properties);
    for (const doc of docs) expect(Object.keys(doc.body).filter((field) => !mapped.includes(field))).toEqual([]);
  });

  it('a model without metrics has no documents', () => {
    expect(modelMetricsDocuments({ id: 8, symbol: 'BTCUSDT', interval: '1h', metrics: null, finished_at: null })).toEqual([]);
  });
});

describe('backoffMs', () => {
  it('doubles from the base delay and stops at the maximum', () => {
    const settings = { retryBaseDelayMs: 100, retryMaxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 50].map((attempt) => backoffMs(attempt, settings))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
