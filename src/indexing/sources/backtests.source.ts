import type { DataSource } from 'typeorm';
import { type IndexDocument, type IndexSource, num, loadEachRef, quoter } from '../index-source';

/**
 * Rows one backtest outbox reference stands for at most. A completed backtest enqueues one reference per chunk of
 * this many equity points (and trades), so a backtest of 10^5 candles is ~50 references of 2000 documents each and a
 * drain batch (at most 20,000 documents) never has to hold one backtest whole.
 */
export const BACKTEST_REF_ROWS = 2000;

/** Outbox reference of backtest trades: the trades of one backtest with seq in [from_seq, to_seq]. */
export interface BacktestTradesRef {
  backtest_id: number;
  from_seq: number;
  to_seq: number;
}

/** Outbox reference of a backtest's equity curve: its points with time in [from_time, to_time]. */
export interface BacktestEquityRef {
  backtest_id: number;
  from_time: number;
  to_time: number;
}

interface TradeRow {
  backtest_id: number | string;
  seq: number | string;
  model_id: number | string;
  symbol: string;
  interval: string;
  side: string;
  entry_time: number | string;
  exit_time: number | string;
  entry_price: number | string;
  exit_price: number | string;
  quantity: number | string;
  pnl: number | string;
  return_pct: number | string;
  fees: number | string;
  exit_reason: string;
  summary: string | null;
}

interface EquityRow {
  backtest_id: number | string;
  model_id: number | string;
  symbol: string;
  interval: string;
  time: number | string;
  equity: number | string;
  buy_and_hold_equity: number | string;
  drawdown: number | string;
  summary: string | null;
}

/** `<backtest_id>:<seq>`: the natural key of `backtest_trades`. */
export function backtestTradeDocumentId(backtestId: unknown, seq: unknown): string {
  return `${String(backtestId)}:${String(seq)}`;
}

function tradesSelect(q: (name: string) => string): string {
  const trade = ['backtest_id', 'seq', 'side', 'entry_time', 'exit_time', 'entry_price', 'exit_price', 'quantity', 'pnl', 'return_pct', 'fees', 'exit_reason'];
  return (
    `SELECT ${trade.map((c) => `t.${q(c)}`).join(', ')}, b.${q('model_id')}, b.${q('symbol')}, b.${q('interval')}, b.${q('summary')}` +
    ` FROM ${q('backtest_trades')} t JOIN ${q('backtests')} b ON b.${q('id')} = t.${q('backtest_id')}`
  );
}

function equitySelect(q: (name: string) => string): string {
  const point = ['backtest_id', 'time', 'equity', 'buy_and_hold_equity', 'drawdown'];
  return (
    `SELECT ${point.map((c) => `e.${q(c)}`).join(', ')}, b.${q('model_id')}, b.${q('symbol')}, b.${q('interval')}, b.${q('summary')}` +
    ` FROM ${q('backtest_equity')} e JOIN ${q('backtests')} b ON b.${q('id')} = e.${q('backtest_id')}`
  );
}

function tradeDocument(row: TradeRow): IndexDocument {
  const body = {
    backtest_id: String(row.backtest_id),
    model_id: String(row.model_id),
    symbol: row.symbol,
    interval: row.interval,
    side: row.side,
    entry_time: Number(row.entry_time),
    exit_time: Number(row.exit_time),
    entry_price: num(row.entry_price),
    exit_price: num(row.exit_price),
    quantity: num(row.quantity),
    pnl: num(row.pnl),
    return_pct: num(row.return_pct),
    fees: num(row.fees),
    exit_reason: row.exit_reason,
    in_sample: inSample(row.summary),
  };
  return { id: backtestTradeDocumentId(row.backtest_id, row.seq), body };
}

function equityDocument(row: EquityRow): IndexDocument {
  const body = {
    backtest_id: String(row.backtest_id),
    model_id: String(row.model_id),
    symbol: row.symbol,
    interval: row.interval,
    time: Number(row.time),
    equity: num(row.equity),
    buy_and_hold_equity: num(row.buy_and_hold_equity),
    drawdown: num(row.drawdown),
    in_sample: inSample(row.summary),
  };
  return { id: `${body.backtest_id}:${body.time}`, body };
}

/**
 * The backtest's range overlaps its model's training data (`summary.overlaps_training`): an in-sample result, which
 * Kibana must be able to tell apart (and filter out) from a test on unseen data.
 */
function inSample(summary: string | null): boolean {
  if (summary === null) return false;
  return (JSON.parse(summary) as { overlaps_training?: unknown }).overlaps_training === true;
}

/** Pages through `select` ordered by (backtest_id, `column`) with a keyset cursor. */
async function* keysetScan<R extends { backtest_id: number | string }>(
  dataSource: DataSource,
  select: string,
  alias: string,
  column: string,
  pageRows: number,
  map: (row: R) => IndexDocument,
): AsyncIterable<IndexDocument[]> {
  const q = quoter(dataSource);
  const id = `${alias}.${q('backtest_id')}`;
  const key = `${alias}.${q(column)}`;
  let backtest = -1;
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = await dataSource.query<R[]>(
      `${select} WHERE ${id} > ? OR (${id} = ? AND ${key} > ?) ORDER BY ${id}, ${key} LIMIT ${Math.trunc(pageRows)}`,
      [backtest, backtest, after],
    );
    if (rows.length === 0) return;
    yield rows.map(map);
    const last = rows[rows.length - 1] as R & Record<string, number | string>;
    backtest = Number(last.backtest_id);
    after = Number(last[column]);
  }
}

export const BACKTEST_TRADES_SOURCE: IndexSource = {
  name: 'backtest-trades',
  description: 'one document per closed backtest trade',
  timeField: 'entry_time',
  fields: {
    backtest_id: 'keyword',
    model_id: 'keyword',
    symbol: 'keyword',
    interval: 'keyword',
    side: 'keyword',
    entry_time: 'date',
    exit_time: 'date',
    entry_price: 'double',
    exit_price: 'double',
    quantity: 'double',
    pnl: 'double',
    return_pct: 'double',
    fees: 'double',
    exit_reason: 'keyword',
    in_sample: 'boolean',
  },
  // The natural key is (backtest_id, seq); seq is not a document field, so the reader passes the row (with seq).
  documentId: (row) => backtestTradeDocumentId(row.backtest_id, row.seq),
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      return loadEachRef<BacktestTradesRef>(refs, ['backtest_id', 'from_seq', 'to_seq'], async (ref) => {
        const rows = await dataSource.query<TradeRow[]>(
          `${tradesSelect(q)} WHERE t.${q('backtest_id')} = ? AND t.${q('seq')} >= ? AND t.${q('seq')} <= ? ORDER BY t.${q('seq')}`,
          [ref.backtest_id, ref.from_seq, ref.to_seq],
        );
        return rows.map(tradeDocument);
      });
    },
    scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      return keysetScan<TradeRow>(dataSource, tradesSelect(quoter(dataSource)), 't', 'seq', pageRows, tradeDocument);
    },
  },
};

export const BACKTEST_EQUITY_SOURCE: IndexSource = {
  name: 'backtest-equity',
  description: 'equity, buy-and-hold equity and drawdown of a backtest per candle',
  timeField: 'time',
  fields: {
    backtest_id: 'keyword',
    model_id: 'keyword',
    symbol: 'keyword',
    interval: 'keyword',
    time: 'date',
    equity: 'double',
    buy_and_hold_equity: 'double',
    drawdown: 'double',
    in_sample: 'boolean',
  },
  documentId: (body) => `${String(body.backtest_id)}:${String(body.time)}`,
  reader: {
    load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]> {
      const q = quoter(dataSource);
      return loadEachRef<BacktestEquityRef>(refs, ['backtest_id', 'from_time', 'to_time'], async (ref) => {
        const rows = await dataSource.query<EquityRow[]>(
          `${equitySelect(q)} WHERE e.${q('backtest_id')} = ? AND e.${q('time')} >= ? AND e.${q('time')} <= ? ORDER BY e.${q('time')}`,
          [ref.backtest_id, ref.from_time, ref.to_time],
        );
        return rows.map(equityDocument);
      });
    },
    scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]> {
      return keysetScan<EquityRow>(dataSource, equitySelect(quoter(dataSource)), 'e', 'time', pageRows, equityDocument);
    },
  },
};

/** The outbox references of one completed backtest: chunks of BACKTEST_REF_ROWS trades and equity points. */
export function backtestRefs(
  backtestId: number,
  tradeCount: number,
  equityTimes: ArrayLike<number>,
): { trades: BacktestTradesRef[]; equity: BacktestEquityRef[] } {
  const trades: BacktestTradesRef[] = [];
  for (let from = 1; from <= tradeCount; from += BACKTEST_REF_ROWS) {
    trades.push({ backtest_id: backtestId, from_seq: from, to_seq: Math.min(tradeCount, from + BACKTEST_REF_ROWS - 1) });
  }
  const equity: BacktestEquityRef[] = [];
  for (let offset = 0; offset < equityTimes.length; offset += BACKTEST_REF_ROWS) {
    const last = Math.min(equityTimes.length, offset + BACKTEST_REF_ROWS) - 1;
    equity.push({ backtest_id: backtestId, from_time: equityTimes[offset], to_time: equityTimes[last] });
  }
  return { trades, equity };
}
