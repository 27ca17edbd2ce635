import type { BinanceInterval } from '../../market-data/binance-interval';
import type { KlineRecord } from '../../market-data/kline-record';

/** Injection token of the market-data source (Binance in the app, anything implementing the interface in tests). */
export const MARKET_DATA_SOURCE = Symbol('MARKET_DATA_SOURCE');

export interface KlineRequest {
  symbol: string;
  interval: BinanceInterval;
  /** Earliest open time, inclusive. */
  startTime: number;
  /** Latest open time, inclusive. */
  endTime?: number;
  /** Candles per call; the source may cap it (Binance: 1000). */
  limit?: number;
}

/** A row the source sent that is not stored as a candle (e.g. a candle cut short by a trading halt). */
export interface SkippedKline {
  openTime: number | null;
  reason: string;
}

export interface KlinePage {
  /** Rows the source answered with, storable or not. */
  rowCount: number;
  /** Valid candles in canonical form, oldest first. The last one may still be open: compare closeTime with the server time. */
  klines: KlineRecord[];
  skipped: SkippedKline[];
  /** Open time of the last row answered (storable or not); null for an empty answer. */
  lastOpenTime: number | null;
}

/** Something that went wrong on the way and was dealt with (waited, retried); reported in job errors and the log. */
export interface SourceIssue {
  kind: 'rate-limited' | 'banned' | 'server-error' | 'timeout' | 'network' | 'malformed-response' | 'gave-up';
  message: string;
  /** How long the source waits (or waited) because of it. */
  waitMs?: number;
}

export interface SourceCallContext {
  /** Aborts waits and the request in flight (app shutdown, job cancelled). */
  signal?: AbortSignal;
  /** Told about every issue met on the way, before the call resolves. */
  onIssue?: (issue: SourceIssue) => void;
  /**
   * One try, no retry, issues logged at debug only: for a probe whose caller reports the outcome itself (the sync's
   * reachability check, which must stay quiet while Binance is unreachable).
   */
  probe?: boolean;
}

export interface MarketDataSource {
  readonly name: string;
  /** Most candles one klines call returns. */
  readonly maxKlinesPerCall: number;
  /** The exchange's clock (ms): decides which candles have closed. */
  serverTime(context?: SourceCallContext): Promise<number>;
  /** Symbols the exchange lists. */
  listedSymbols(context?: SourceCallContext): Promise<ReadonlySet<string>>;
  /** Klines opening in [startTime, endTime], oldest first, at most `limit`. Gaps of the exchange are simply absent. */
  klines(request: KlineRequest, context?: SourceCallContext): Promise<KlinePage>;
}

/** A call the source could not complete, after retrying what can be retried. */
export class MarketDataSourceError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'MarketDataSourceError';
  }
}
