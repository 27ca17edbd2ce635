import type { DataSource } from 'typeorm';
import type { FoldMetrics, MetricsBlock, ModelMetrics } from '../../modelling/model-documents';
import { type IndexDocument, type IndexSource, loadEachRef, quoter } from '../index-source';

/** Outbox reference of model metrics: every metrics document of one (ready) model. */
export interface ModelMetricsRef {
  model_id: number;
}

interface ModelRow {
  id: number | string;
  symbol: string;
  interval: string;
  metrics: string | null;
  finished_at: number | string | null;
}

/** The API's baseline names → the index's (`majority` is the training-majority baseline). */
const BASELINES = { always_buy: 'always_buy', training_majority: 'majority', momentum: 'momentum' } as const;

export function modelMetricsDocumentId(body: Readonly<Record<string, unknown>>): string {
  const parts = [String(body.model_id), String(body.scope)];
  const { fold, baseline } = body as { fold?: number | null; baseline?: string | null };
  if (fold !== null && fold !== undefined) parts.push(`fold-${fold}`);
  if (baseline !== null && baseline !== undefined) parts.push(baseline);
  return parts.join(':');
}

function scores(block: MetricsBlock) {
  const buy = block.per_class.BUY;
  const sell = block.per_class.SELL;
  return {
    rows: block.rows,
    accuracy: block.accuracy,
    roc_auc: block.roc_auc,
    precision_buy: buy?.precision ?? null,
    recall_buy: buy?.recall ?? null,
    f1_buy: buy?.f1 ?? null,
    precision_sell: sell?.precision ?? null,
    recall_sell: sell?.recall ?? null,
    f1_sell: sell?.f1 ?? null,
  };
}

/** Overall, per-fold, and baseline (overall and per fold) documents of one model's walk-forward metrics. */
export function modelMetricsDocuments(row: ModelRow): IndexDocument[] {
  if (row.metrics === null) return [];
  const metrics = JSON.parse(row.metrics) as ModelMetrics;
  const common = { model_id: String(row.id), symbol: row.symbol, interval: row.interval, trained_at: row.finished_at === null ? null : Number(row.finished_at) };
  const folds = metrics.folds ?? [];
  const testStart = folds.length > 0 ? folds[0].test.from_open_time : null;
  const testEnd = folds.length > 0 ? folds[folds.length - 1].test.to_open_time : null;
  const docs: Record<string, unknown>[] = [];
  const withBaselines = (base: Record<string, unknown>, block: ModelMetrics | FoldMetrics) => {
    docs.push({ ...base, baseline: null, ...scores(block) });
    for (const [key, name] of Object.entries(BASELINES)) {
      const baseline = block.baselines[key as keyof typeof BASELINES];
      if (baseline) docs.push({ ...base, scope: 'baseline', baseline: name, ...scores(baseline) });
    }
  };
  withBaselines({ ...common, scope: 'overall', fold: null, test_start: testStart, test_end: testEnd }, metrics);
  for (const fold of folds) {
    withBaselines({ ...common, scope: 'fold', fold: fold.fold, test_start: fold.test.from_open_time, test_end: fold.test.to_open_time }, fold);
  }
  return docs.map((body) => ({ id: modelMetricsDocumentId(body), body }));
}

const COLUMNS = ['id', 'symbol', 'interval', 'metrics', 'finished_at'];

export const MODEL_METRICS_SOURCE: IndexSource = {
  name: 'model-metrics',
  description:
    'walk-forward metrics of each ready model: scope overall, fold (one per fold) and baseline (always_buy, majority, momentum; overall when fold is null, else per fold)',
  timeField: 'trained_at',
  fields: {
    model_id: 'keyword',
    symbol: 'keyword',
    interval: 'keyword',
    scope: 'keyword',
    fold: 'integer',
    baseline: 'keyword',
    trained_at: 'date',
    test_start: 'date',
    test_end: 'date',
    rows: 'integer',
    accuracy: 'double',
    roc_auc: 'double',
    precision_buy: 'double',
    recall_buy: 'double',
    f1_buy: 'double',
    precision_sell: 'double',
    recall_sell: 'double',
    f1_sell: 'double',
  },
  documentId: modelMetricsDocumentId,
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      return loadEachRef<ModelMetricsRef>(refs, ['model_id'], async (ref) => {
        const rows = await dataSource.query<ModelRow[]>(
          `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('models')} WHERE ${q('id')} = ? AND ${q('status')} = 'ready'`,
          [ref.model_id],
        );
        return rows.flatMap(modelMetricsDocuments);
      });
    },
    async *scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      const q = quoter(dataSource);
      let after = 0;
      const models = Math.max(1, Math.trunc(pageRows / 50));
      for (;;) {
        const rows = await dataSource.query<ModelRow[]>(
          `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('models')} WHERE ${q('id')} > ? AND ${q('status')} = 'ready' ORDER BY ${q('id')} LIMIT ${models}`,
          [after],
        );
        if (rows.length === 0) return;
        yield rows.flatMap(modelMetricsDocuments);
        after = Number(rows[rows.length - 1].id);
      }
    },
  },
};
