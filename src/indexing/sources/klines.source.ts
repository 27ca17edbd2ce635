import type { DataSource } from 'typeorm';
import { type IndexDocument, type IndexSource, num, loadEachRef, quoter } from '../index-source';

/**
 * Outbox reference of klines: every stored kline of one symbol × interval with open_time in [from, to]. One reference
 * per upsert batch (up to 2000 klines), so a bulk import adds a handful of outbox rows, not one per kline.
 */
export interface KlinesRef {
  symbol: string;
  interval: string;
  from: number;
  to: number;
}

interface KlineRow {
  id: number | string;
  symbol: string;
  interval: string;
  open_time: number | string;
  open_price: string;
  high_price: string;
  low_price: string;
  close_price: string;
  volume: string;
  quote_asset_volume: string;
  number_of_trades: number | string;
}

const COLUMNS = ['id', 'symbol', 'interval', 'open_time', 'open_price', 'high_price', 'low_price', 'close_price', 'volume', 'quote_asset_volume', 'number_of_trades'];

function toDocument(row: KlineRow): IndexDocument {
  const body = {
    symbol: row.symbol,
    interval: row.interval,
    open_time: Number(row.open_time),
    open: num(row.open_price),
    high: num(row.high_price),
    low: num(row.low_price),
    close: num(row.close_price),
    volume: num(row.volume),
    quote_asset_volume: num(row.quote_asset_volume),
    number_of_trades: Number(row.number_of_trades),
  };
  return { id: klineDocumentId(body), body };
}

export function klineDocumentId(body: Readonly<Record<string, unknown>>): string {
  return `${String(body.symbol)}:${String(body.interval)}:${String(body.open_time)}`;
}

export const KLINES_SOURCE: IndexSource = {
  name: 'klines',
  description: 'one document per stored candle (so Kibana can chart the price beside the signals)',
  timeField: 'open_time',
  fields: {
    symbol: 'keyword',
    interval: 'keyword',
    open_time: 'date',
    open: 'double',
    high: 'double',
    low: 'double',
    close: 'double',
    volume: 'double',
    quote_asset_volume: 'double',
    number_of_trades: 'long',
  },
  documentId: klineDocumentId,
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      return loadEachRef<KlinesRef>(refs, ['symbol', 'interval', 'from', 'to'], async (ref) => {
        const rows = await dataSource.query<KlineRow[]>(
          `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('klines')} WHERE ${q('symbol')} = ? AND ${q('interval')} = ?` +
            ` AND ${q('open_time')} >= ? AND ${q('open_time')} <= ?`,
          [ref.symbol, ref.interval, ref.from, ref.to],
        );
        return rows.map(toDocument);
      });
    },
    async *scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      const q = quoter(dataSource);
      let after = 0;
      for (;;) {
        const rows = await dataSource.query<KlineRow[]>(
          `SELECT ${COLUMNS.map(q).join(', ')} FROM ${q('klines')} WHERE ${q('id')} > ? ORDER BY ${q('id')} LIMIT ${Math.trunc(pageRows)}`,
          [after],
        );
        if (rows.length === 0) return;
        yield rows.map(toDocument);
        after = Number(rows[rows.length - 1].id);
      }
    },
  },
};
