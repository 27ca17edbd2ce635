import type { DataSource } from 'typeorm';
import { type IndexDocument, type IndexSource, num, loadEachRef, quoter } from '../index-source';

/** Outbox reference of predictions: every prediction of one model with open_time in [from, to]. */
export interface PredictionsRef {
  model_id: number;
  from: number;
  to: number;
}

interface PredictionRow {
  model_id: number | string;
  open_time: number | string;
  symbol: string;
  interval: string;
  trade_signal: string;
  prob_buy: number | string;
  prob_sell: number | string;
  prob_hold: number | string | null;
  feature_hash: string;
}

const COLUMNS = ['model_id', 'open_time', 'symbol', 'interval', 'trade_signal', 'prob_buy', 'prob_sell', 'prob_hold', 'feature_hash'];

function toDocument(row: PredictionRow): IndexDocument {
  const body = {
    model_id: String(row.model_id),
    symbol: row.symbol,
    interval: row.interval,
    open_time: Number(row.open_time),
    trade_signal: row.trade_signal,
    prob_buy: num(row.prob_buy),
    prob_sell: num(row.prob_sell),
    prob_hold: num(row.prob_hold),
    feature_hash: row.feature_hash,
  };
  return { id: predictionDocumentId(body), body };
}

export function predictionDocumentId(body: Readonly<Record<string, unknown>>): string {
  return `${String(body.model_id)}:${String(body.open_time)}`;
}

export const PREDICTIONS_SOURCE: IndexSource = {
  name: 'predictions',
  description: 'one document per model × candle: class probabilities and the trade signal',
  timeField: 'open_time',
  fields: {
    model_id: 'keyword',
    symbol: 'keyword',
    interval: 'keyword',
    open_time: 'date',
    trade_signal: 'keyword',
    prob_buy: 'double',
    prob_sell: 'double',
    prob_hold: 'double',
    feature_hash: 'keyword',
  },
  documentId: predictionDocumentId,
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      return loadEachRef<PredictionsRef>(refs, ['model_id', 'from', 'to'], async (ref) => {
        const rows = await dataSource.query<PredictionRow[]>(
          `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('predictions')} WHERE ${q('model_id')} = ? AND ${q('open_time')} >= ? AND ${q('open_time')} <= ?`,
          [ref.model_id, ref.from, ref.to],
        );
        return rows.map(toDocument);
      });
    },
    async *scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      const q = quoter(dataSource);
      let model = -1;
      let time = -1;
      for (;;) {
        const rows = await dataSource.query<PredictionRow[]>(
          `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('predictions')} WHERE ${q('model_id')} > ? OR (${q('model_id')} = ? AND ${q('open_time')} > ?)` +
            ` ORDER BY ${q('model_id')}, ${q('open_time')} LIMIT ${Math.trunc(pageRows)}`,
          [model, model, time],
        );
        if (rows.length === 0) return;
        yield rows.map(toDocument);
        const last = rows[rows.length - 1];
        model = Number(last.model_id);
        time = Number(last.open_time);
      }
    },
  },
};
