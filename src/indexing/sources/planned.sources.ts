import type { IndexSource } from '../index-source';

/*
 * Indices whose MySQL tables are being built in other modules (src/backtest, src/trading). Their templates and empty
 * indices exist from the start so the Kibana data views resolve; to feed one, add a `reader` (see
 * predictions.source.ts) and call IndexOutbox.enqueue(manager, '<name>', ref) in the transaction that writes the rows.
 */

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
  },
  documentId: (body) => `${String(body.backtest_id)}:${String(body.symbol)}:${String(body.entry_time)}`,
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
  },
  documentId: (body) => `${String(body.backtest_id)}:${String(body.time)}`,
};

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
  documentId: (body) => `${String(body.mode)}:${String(body.client_order_id)}`,
};

export const TRADING_EQUITY_SOURCE: IndexSource = {
  name: 'trading-equity',
  description: 'paper/live account equity over time per symbol',
  timeField: 'time',
  fields: {
    mode: 'keyword',
    symbol: 'keyword',
    time: 'date',
    equity: 'double',
    cash: 'double',
    position_value: 'double',
    drawdown: 'double',
  },
  documentId: (body) => `${String(body.mode)}:${String(body.symbol)}:${String(body.time)}`,
};
