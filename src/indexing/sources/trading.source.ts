import type { DataSource } from 'typeorm';
import { type IndexDocument, type IndexSource, num, loadEachRef, quoter } from '../index-source';

/** Outbox reference of one order (its latest state is read when the row drains). */
export interface OrderRef {
  mode: string;
  client_order_id: string;
}

/** Outbox reference of one equity point of a trading account (mode × symbol × interval) at a candle close. */
export interface TradingEquityRef {
  mode: string;
  symbol: string;
  interval: string;
  time: number;
}

interface OrderRow {
  id: number | string;
  mode: string;
  client_order_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: string;
  type: string;
  status: string;
  quantity: string | null;
  filled_quantity: string;
  avg_fill_price: number | string | null;
  fee: number | string;
  decided_at: number | string;
  model_id: number | string | null;
}

interface EquityRow {
  mode: string;
  symbol: string;
  interval: string;
  time: number | string;
  equity: number | string;
  cash: number | string;
  position_value: number | string;
}

const ORDER_COLUMNS = [
  'id', 'mode', 'client_order_id', 'exchange_order_id', 'symbol', 'side', 'type', 'status', 'quantity', 'filled_quantity', 'avg_fill_price', 'fee',
  'decided_at', 'model_id',
];
const EQUITY_COLUMNS = ['mode', 'symbol', 'interval', 'time', 'equity', 'cash', 'position_value'];

export function orderDocumentId(body: Readonly<Record<string, unknown>>): string {
  return `${String(body.mode)}:${String(body.client_order_id)}`;
}

/** An account is mode × symbol × interval: two intervals of one symbol close candles at the same times. */
export function tradingEquityDocumentId(body: Readonly<Record<string, unknown>>): string {
  return `${String(body.mode)}:${String(body.symbol)}:${String(body.interval)}:${String(body.time)}`;
}

function orderDocument(row: OrderRow): IndexDocument {
  const avgFillPrice = num(row.avg_fill_price);
  const body = {
    mode: row.mode,
    client_order_id: row.client_order_id,
    exchange_order_id: row.exchange_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    status: row.status,
    quantity: num(row.quantity),
    // MARKET orders only: the price of an order is the average price it filled at (null until it fills).
    price: avgFillPrice,
    filled_quantity: num(row.filled_quantity),
    avg_fill_price: avgFillPrice,
    fee: num(row.fee),
    // The decision candle's open time (what the client order id encodes).
    time: Number(row.decided_at),
    model_id: row.model_id === null ? null : String(row.model_id),
  };
  return { id: orderDocumentId(body), body };
}

/** Drawdown against the running peak of the same account's stored equity, 1 − equity / peak (0 at a new high). */
function equityDocument(row: EquityRow, peak: number): IndexDocument {
  const equity = Number(row.equity);
  const body = {
    mode: row.mode,
    symbol: row.symbol,
    interval: row.interval,
    time: Number(row.time),
    equity: num(row.equity),
    cash: num(row.cash),
    position_value: num(row.position_value),
    drawdown: peak > 0 && Number.isFinite(equity) ? Math.max(0, 1 - equity / peak) : null,
  };
  return { id: tradingEquityDocumentId(body), body };
}

export const ORDERS_SOURCE: IndexSource = {
  name: 'orders',
  description: 'paper and live orders (latest state of each order)',
  timeField: 'time',
  fields: {
    mode: 'keyword',
    client_order_id: 'keyword',
    exchange_order_id: 'keyword',
    symbol: 'keyword',
    side: 'keyword',
    type: 'keyword',
    status: 'keyword',
    quantity: 'double',
    price: 'double',
    filled_quantity: 'double',
    avg_fill_price: 'double',
    fee: 'double',
    time: 'date',
    model_id: 'keyword',
  },
  documentId: orderDocumentId,
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      return loadEachRef<OrderRef>(refs, ['mode', 'client_order_id'], async (ref) => {
        const rows = await dataSource.query<OrderRow[]>(
          `SELECT ${ORDER_COLUMNS.map(q).join(', ')} FROM ${q('trading_orders')} WHERE ${q('mode')} = ? AND ${q('client_order_id')} = ?`,
          [ref.mode, ref.client_order_id],
        );
        return rows.map(orderDocument);
      });
    },
    async *scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      const q = quoter(dataSource);
      let after = -1;
      for (;;) {
        const rows = await dataSource.query<OrderRow[]>(
          `SELECT ${ORDER_COLUMNS.map(q).join(', ')} FROM ${q('trading_orders')} WHERE ${q('id')} > ? ORDER BY ${q('id')} LIMIT ${Math.trunc(pageRows)}`,
          [after],
        );
        if (rows.length === 0) return;
        yield rows.map(orderDocument);
        after = Number(rows[rows.length - 1].id);
      }
    },
  },
};

/**
 * trading_equity does not store a drawdown: the reader computes it against the running peak of the account
 * (mode × symbol × interval). For one reference it asks MySQL for the highest equity at or before that time; a scan
 * walks each account oldest first and carries the peak across pages, so both give the same number.
 */
export const TRADING_EQUITY_SOURCE: IndexSource = {
  name: 'trading-equity',
  description: 'paper/live account equity over time per symbol and interval',
  timeField: 'time',
  fields: {
    mode: 'keyword',
    symbol: 'keyword',
    interval: 'keyword',
    time: 'date',
    equity: 'double',
    cash: 'double',
    position_value: 'double',
    drawdown: 'double',
  },
  documentId: tradingEquityDocumentId,
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      const account = `${q('mode')} = ? AND ${q('symbol')} = ? AND ${q('interval')} = ?`;
      return loadEachRef<TradingEquityRef>(refs, ['mode', 'symbol', 'interval', 'time'], async (ref) => {
        const rows = await dataSource.query<EquityRow[]>(
          `SELECT ${EQUITY_COLUMNS.map(q).join(', ')} FROM ${q('trading_equity')} WHERE ${account} AND ${q('time')} = ?`,
          [ref.mode, ref.symbol, ref.interval, ref.time],
        );
        if (rows.length === 0) return [];
        const [peak] = await dataSource.query<{ peak: number | string | null }[]>(
          `SELECT MAX(${q('equity')}) AS ${q('peak')} FROM ${q('trading_equity')} WHERE ${account} AND ${q('time')} <= ?`,
          [ref.mode, ref.symbol, ref.interval, ref.time],
        );
        return [equityDocument(rows[0], Number(peak?.peak ?? rows[0].equity))];
      });
    },
    async *scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      const q = quoter(dataSource);
      const [m, s, i, t] = ['mode', 'symbol', 'interval', 'time'].map(q);
      let cursor: EquityRow | null = null;
      let peak = Number.NEGATIVE_INFINITY;
      for (;;) {
        const where: string =
          cursor === null
            ? ''
            : ` WHERE ${m} > ? OR (${m} = ? AND (${s} > ? OR (${s} = ? AND (${i} > ? OR (${i} = ? AND ${t} > ?)))))`;
        const params: unknown[] =
          cursor === null ? [] : [cursor.mode, cursor.mode, cursor.symbol, cursor.symbol, cursor.interval, cursor.interval, cursor.time];
        const rows: EquityRow[] = await dataSource.query<EquityRow[]>(
          `SELECT ${EQUITY_COLUMNS.map(q).join(', ')} FROM ${q('trading_equity')}${where} ORDER BY ${m}, ${s}, ${i}, ${t} LIMIT ${Math.trunc(pageRows)}`,
          params,
        );
        if (rows.length === 0) return;
        const page: IndexDocument[] = [];
        for (const row of rows) {
          const sameAccount: boolean = cursor !== null && cursor.mode === row.mode && cursor.symbol === row.symbol && cursor.interval === row.interval;
          if (!sameAccount) peak = Number.NEGATIVE_INFINITY;
          peak = Math.max(peak, Number(row.equity));
          page.push(equityDocument(row, peak));
          cursor = row;
        }
        yield page;
      }
    },
  },
};
