/** The authenticated spot exchange the live broker trades on, injected by this token (a fake swaps in for tests). */
export const SPOT_EXCHANGE_CLIENT = Symbol('SPOT_EXCHANGE_CLIENT');

export type ExchangeOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'PENDING_CANCEL' | 'REJECTED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';

export interface ExchangeFill {
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  tradeId: string;
}

/** An order as the exchange reports it (quantities and prices as Binance's decimal strings). */
export interface ExchangeOrder {
  symbol: string;
  clientOrderId: string;
  exchangeOrderId: string;
  side: 'BUY' | 'SELL';
  type: string;
  status: ExchangeOrderStatus;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  /** From the FULL answer to a new order, or from GET /api/v3/myTrades for a looked-up one. */
  fills: ExchangeFill[];
  time: number;
}

export interface NewMarketOrder {
  symbol: string;
  side: 'BUY' | 'SELL';
  /** Base quantity (SELL), eight-decimal string. */
  quantity?: string;
  /** Quote amount to spend (BUY). */
  quoteOrderQty?: string;
  /** Deterministic id (see client-order-id.ts): the same decision always carries the same id. */
  clientOrderId: string;
}

export interface SpotExchangeClient {
  /**
   * Places a MARKET order at most once per client order id: on a network failure or an answer whose outcome is
   * unknown (5xx, timeout), the order is looked up by its client id before any retry.
   */
  placeMarketOrder(order: NewMarketOrder): Promise<ExchangeOrder>;
  /** The order with this client id, or null when the exchange does not know it (-2013). */
  findOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null>;
  openOrders(symbol: string): Promise<ExchangeOrder[]>;
  /** Cancels every open order of the symbol; returns the cancelled ones (none open: []). */
  cancelOpenOrders(symbol: string): Promise<ExchangeOrder[]>;
  /** Free balance of each asset. */
  balances(): Promise<Record<string, { free: string; locked: string }>>;
  /** The symbol's exchangeInfo filters (LOT_SIZE, NOTIONAL, ...). */
  symbolFilters(symbol: string): Promise<ReadonlyArray<Record<string, unknown>>>;
}

/** Why a call failed. `unknown_outcome`: the request may or may not have been executed (network, 5xx, timeout). */
export type ExchangeFailureKind = 'rejected' | 'unknown_outcome' | 'auth';

export class ExchangeError extends Error {
  constructor(
    readonly kind: ExchangeFailureKind,
    message: string,
    /** Binance's error code when the exchange answered with one. */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}
