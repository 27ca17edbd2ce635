import { Logger } from '@nestjs/common';
import Binance from 'binance-api-node';
import {
  ExchangeError,
  type ExchangeFill,
  type ExchangeOrder,
  type ExchangeOrderStatus,
  type NewMarketOrder,
  type SpotExchangeClient,
} from './spot-exchange.client';

export interface BinanceSpotClientOptions {
  apiKey: string;
  apiSecret: string;
  /** https://api.binance.com, https://testnet.binance.vision, or the test fake. */
  baseUrl: string;
  timeoutMs: number;
  recvWindowMs: number;
  /** Tries of one order (the first send included) while its outcome stays unknown. */
  orderAttempts: number;
  retryDelayMs: number;
}

type Payload = Record<string, string | number>;

/** The part of binance-api-node's client used here (its own typings are looser than what it returns). */
interface RawClient {
  time(): Promise<number>;
  exchangeInfo(payload: Payload): Promise<{ symbols: Array<{ symbol: string; filters: Array<Record<string, unknown>> }> }>;
  order(payload: Payload): Promise<RawOrder>;
  getOrder(payload: Payload): Promise<RawOrder>;
  openOrders(payload: Payload): Promise<RawOrder[]>;
  cancelOpenOrders(payload: Payload): Promise<RawOrder[]>;
  accountInfo(payload: Payload): Promise<{ balances: Array<{ asset: string; free: string; locked: string }> }>;
  myTrades(payload: Payload): Promise<Array<{ id: unknown; price: string; qty: string; commission: string; commissionAsset: string }>>;
}

interface RawOrder {
  symbol: string;
  orderId: unknown;
  clientOrderId: string;
  side: 'BUY' | 'SELL';
  type: string;
  status: ExchangeOrderStatus;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  time?: number;
  transactTime?: number;
  fills?: Array<{ price: string; qty: string; commission: string; commissionAsset: string; tradeId: unknown }>;
}

/** Binance codes that mean "the request may have been executed": treat like a network failure. */
const UNKNOWN_OUTCOME_CODES = new Set([-1000, -1001, -1006, -1007, -1008]);
const AUTH_CODES = new Set([-1002, -2014, -2015, -1022]);
const TIMESTAMP_CODE = -1021;

/**
 * Binance spot's SIGNED REST endpoints through binance-api-node 0.13.10, which signs correctly (HMAC-SHA256 hex of
 * the query string it sends, `timestamp` added, key in X-MBX-APIKEY), passes our `newClientOrderId` through
 * unchanged (it only generates one when none is given) and accepts `httpBase` and a `getTime` clock. Wrapped here
 * where it falls short for placing real orders:
 * - no timeout and no AbortSignal (a hung socket would hang the trading run): every call races a timer, and a call
 *   that times out is treated as "outcome unknown";
 * - `testnet: true` sends every call to https://demo-api.binance.com (Binance's demo-trading host) and then ignores
 *   httpBase, so it is never set; BINANCE_TESTNET picks https://testnet.binance.vision as httpBase instead;
 * - errors are plain Errors: a Binance JSON error carries `code`, a network failure or HTML 5xx none; both are mapped
 *   to ExchangeError kinds (rejected / auth / unknown_outcome), and messages are rebuilt without the request URL;
 * - clock drift: the local clock is offset by the server's /api/v3/time, re-synced once on -1021;
 * - idempotent orders: see placeMarketOrder.
 * The API secret is only handed to binance-api-node; neither it nor the key is ever logged or put in an error.
 */
export class BinanceSpotClient implements SpotExchangeClient {
  private readonly logger = new Logger(BinanceSpotClient.name);
  private readonly raw: RawClient;
  private clockOffsetMs: number | null = null;

  constructor(private readonly options: BinanceSpotClientOptions) {
    this.raw = Binance({
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      httpBase: options.baseUrl,
      getTime: () => Date.now() + (this.clockOffsetMs ?? 0),
    }) as unknown as RawClient;
  }

  /**
   * At most one order per client id: a definitive answer (FILLED, NEW, or a Binance rejection) ends it. When the
   * outcome is unknown (connection dropped after sending, 5xx, timeout) the order is looked up by its client id
   * first; only when the exchange does not know it is the same order (same id) sent again. A -2010 "Duplicate order
   * sent." means it already exists: it is looked up and returned.
   */
  async placeMarketOrder(order: NewMarketOrder): Promise<ExchangeOrder> {
    const payload: Payload = { symbol: order.symbol, side: order.side, type: 'MARKET', newClientOrderId: order.clientOrderId, newOrderRespType: 'FULL' };
    if (order.quantity !== undefined) payload.quantity = order.quantity;
    if (order.quoteOrderQty !== undefined) payload.quoteOrderQty = order.quoteOrderQty;
    let lastFailure: ExchangeError | undefined;
    for (let attempt = 1; attempt <= this.options.orderAttempts; attempt++) {
      try {
        return toExchangeOrder(await this.signed('order', (p) => this.raw.order(p), payload));
      } catch (error) {
        const failure = asExchangeError(error);
        if (failure.kind === 'rejected' && failure.code === -2010 && /duplicate order/i.test(failure.message)) {
          const existing = await this.findOrder(order.symbol, order.clientOrderId);
          if (existing !== null) return existing;
        }
        if (failure.kind !== 'unknown_outcome') throw failure;
        lastFailure = failure;
        this.logger.warn(`${order.symbol} ${order.side} ${order.clientOrderId}: outcome unknown (${failure.message}); looking it up before any retry`);
        const existing = await this.findOrderPatiently(order.symbol, order.clientOrderId);
        if (existing !== null) return existing;
        if (attempt < this.options.orderAttempts) await sleep(this.options.retryDelayMs * attempt);
      }
    }
    throw lastFailure ?? new ExchangeError('unknown_outcome', `${order.clientOrderId}: no answer`);
  }

  /** GET /api/v3/order by client id, plus the order's fills (GET /api/v3/myTrades) when it has executed. */
  async findOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null> {
    let order: ExchangeOrder;
    try {
      order = toExchangeOrder(await this.signed('getOrder', (p) => this.raw.getOrder(p), { symbol, origClientOrderId: clientOrderId }));
    } catch (error) {
      const failure = asExchangeError(error);
      if (failure.code === -2013) return null;
      throw failure;
    }
    if (order.executedQty !== '0.00000000' && Number(order.executedQty) > 0) {
      const trades = await this.signed('myTrades', (p) => this.raw.myTrades(p), { symbol, orderId: order.exchangeOrderId });
      order.fills = trades.map((trade) => ({
        price: trade.price,
        qty: trade.qty,
        commission: trade.commission,
        commissionAsset: trade.commissionAsset,
        tradeId: String(trade.id),
      }));
    }
    return order;
  }

  async openOrders(symbol: string): Promise<ExchangeOrder[]> {
    return (await this.signed('openOrders', (p) => this.raw.openOrders(p), { symbol })).map(toExchangeOrder);
  }

  async cancelOpenOrders(symbol: string): Promise<ExchangeOrder[]> {
    try {
      return (await this.signed('cancelOpenOrders', (p) => this.raw.cancelOpenOrders(p), { symbol })).map(toExchangeOrder);
    } catch (error) {
      const failure = asExchangeError(error);
      // -2011 Unknown order sent.: nothing was open.
      if (failure.code === -2011) return [];
      throw failure;
    }
  }

  async balances(): Promise<Record<string, { free: string; locked: string }>> {
    const account = await this.signed('accountInfo', (p) => this.raw.accountInfo(p), {});
    return Object.fromEntries(account.balances.map((balance) => [balance.asset, { free: balance.free, locked: balance.locked }]));
  }

  async symbolFilters(symbol: string): Promise<ReadonlyArray<Record<string, unknown>>> {
    const info = await this.withTimeout('exchangeInfo', this.raw.exchangeInfo({ symbol }));
    const entry = info.symbols.find((candidate) => candidate.symbol === symbol);
    if (entry === undefined) throw new ExchangeError('rejected', `${symbol} is not listed`);
    return entry.filters;
  }

  private async findOrderPatiently(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.findOrder(symbol, clientOrderId);
      } catch (error) {
        const failure = asExchangeError(error);
        if (failure.kind !== 'unknown_outcome' || attempt >= this.options.orderAttempts) throw failure;
        await sleep(this.options.retryDelayMs * attempt);
      }
    }
  }

  /** A SIGNED call with recvWindow, the synced clock, a timeout, and one re-sync + retry on -1021. */
  private async signed<T>(name: string, call: (payload: Payload) => Promise<T>, payload: Payload): Promise<T> {
    if (this.clockOffsetMs === null) await this.syncClock();
    try {
      return await this.withTimeout(name, call({ ...payload, recvWindow: this.options.recvWindowMs }));
    } catch (error) {
      if (asExchangeError(error).code !== TIMESTAMP_CODE) throw error;
      await this.syncClock();
      return this.withTimeout(name, call({ ...payload, recvWindow: this.options.recvWindowMs }));
    }
  }

  private async syncClock(): Promise<void> {
    const before = Date.now();
    const serverTime = await this.withTimeout('time', this.raw.time());
    this.clockOffsetMs = serverTime - Math.round((before + Date.now()) / 2);
  }

  private async withTimeout<T>(name: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExchangeError('unknown_outcome', `${name}: no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } catch (error) {
      throw asExchangeError(error);
    } finally {
      clearTimeout(timer);
      // A call that lost the race still settles later; its rejection is already accounted for.
      promise.catch(() => undefined);
    }
  }
}

/** binance-api-node's Error (with `code` for a Binance JSON answer) → ExchangeError, without URLs or headers. */
export function asExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) return error;
  const raw = error as { code?: unknown; message?: unknown };
  const message = redact(typeof raw.message === 'string' ? raw.message : String(error));
  if (typeof raw.code === 'number') {
    if (UNKNOWN_OUTCOME_CODES.has(raw.code)) return new ExchangeError('unknown_outcome', message, raw.code);
    if (AUTH_CODES.has(raw.code)) return new ExchangeError('auth', message, raw.code);
    return new ExchangeError('rejected', message, raw.code);
  }
  // No Binance code: a network failure (reset, refused, cut body) or a proxy's HTML 5xx page.
  return new ExchangeError('unknown_outcome', message);
}

/** Drops query strings (they carry the signature) and HTML bodies from a message. */
function redact(message: string): string {
  return message
    .replace(/\?[^\s]*/g, '?…')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

function toExchangeOrder(raw: RawOrder): ExchangeOrder {
  const fills: ExchangeFill[] = (raw.fills ?? []).map((fill) => ({
    price: fill.price,
    qty: fill.qty,
    commission: fill.commission,
    commissionAsset: fill.commissionAsset,
    tradeId: String(fill.tradeId),
  }));
  return {
    symbol: raw.symbol,
    clientOrderId: raw.clientOrderId,
    exchangeOrderId: String(raw.orderId),
    side: raw.side,
    type: raw.type,
    status: raw.status,
    origQty: raw.origQty,
    executedQty: raw.executedQty,
    cummulativeQuoteQty: raw.cummulativeQuoteQty,
    fills,
    time: raw.transactTime ?? raw.time ?? 0,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
