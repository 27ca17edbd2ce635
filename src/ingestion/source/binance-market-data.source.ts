import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleAll, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { parseKlineRow } from '../../market-data/archive/kline-row-parser';
import type { KlineRecord } from '../../market-data/kline-record';
import { BinanceHttpClient, BinanceRequestError, type QueryValue } from './binance-http.client';
import {
  type KlinePage,
  type KlineRequest,
  type MarketDataSource,
  MarketDataSourceError,
  type SkippedKline,
  type SourceCallContext,
  type SourceIssue,
} from './market-data-source';
import type { WeightGovernor } from './weight-governor';

/** A probe's policy: the one try, never retried. */
const noRetry = retry(handleAll, { maxAttempts: 0 });

export interface BinanceSourceOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Tries after the first one for 429, 418, 5xx, timeouts, dropped connections and broken bodies. */
  retryAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** Request weights of Binance spot's public market endpoints. */
const WEIGHT = { time: 1, exchangeInfo: 20, klines: 2 } as const;
const MAX_KLINES_PER_CALL = 1000;
/** Retry-After to assume when a 429 or 418 comes without one. */
const DEFAULT_RETRY_AFTER_MS = { 'rate-limited': 60_000, banned: 120_000 } as const;

/**
 * Binance spot's public market data (no API key needed): server time, listed symbols and klines. Every call goes
 * through the weight governor, and failures worth retrying are retried with exponential backoff and jitter
 * (cockatiel). 429 and 418 pause every caller for the answer's Retry-After before the retry.
 */
export class BinanceMarketDataSource implements MarketDataSource {
  readonly name = 'binance';
  readonly maxKlinesPerCall = MAX_KLINES_PER_CALL;
  private readonly logger = new Logger('BinanceSource');
  private readonly http: BinanceHttpClient;
  private readonly retryPolicy: RetryPolicy;

  constructor(
    options: BinanceSourceOptions,
    private readonly governor: WeightGovernor,
  ) {
    this.http = new BinanceHttpClient(options.baseUrl, options.timeoutMs);
    this.retryPolicy = retry(
      handleWhen((error) => error instanceof BinanceRequestError && error.retryable),
      {
        maxAttempts: options.retryAttempts,
        backoff: new ExponentialBackoff({ initialDelay: options.retryBaseDelayMs, maxDelay: options.retryMaxDelayMs }),
      },
    );
  }

  async serverTime(context: SourceCallContext = {}): Promise<number> {
    const body = await this.call('/api/v3/time', {}, WEIGHT.time, context);
    const serverTime = (body as { serverTime?: unknown }).serverTime;
    if (typeof serverTime !== 'number' || !Number.isSafeInteger(serverTime)) {
      throw new MarketDataSourceError('Binance /api/v3/time answered without a serverTime', false);
    }
    return serverTime;
  }

  async listedSymbols(context: SourceCallContext = {}): Promise<ReadonlySet<string>> {
    const body = (await this.call('/api/v3/exchangeInfo', {}, WEIGHT.exchangeInfo, context)) as {
      symbols?: { symbol?: unknown }[];
      rateLimits?: { rateLimitType?: unknown; interval?: unknown; intervalNum?: unknown; limit?: unknown }[];
    };
    if (!Array.isArray(body.symbols)) throw new MarketDataSourceError('Binance /api/v3/exchangeInfo answered without symbols', false);
    const weightLimit = body.rateLimits?.find(
      (limit) => limit.rateLimitType === 'REQUEST_WEIGHT' && limit.interval === 'MINUTE' && limit.intervalNum === 1,
    );
    if (typeof weightLimit?.limit === 'number') this.governor.useExchangeLimit(weightLimit.limit);
    return new Set(body.symbols.map((entry) => entry.symbol).filter((symbol): symbol is string => typeof symbol === 'string'));
  }

  async klines(request: KlineRequest, context: SourceCallContext = {}): Promise<KlinePage> {
    const body = await this.call(
      '/api/v3/klines',
      {
        symbol: request.symbol,
        interval: request.interval,
        startTime: request.startTime,
        endTime: request.endTime,
        limit: Math.min(request.limit ?? MAX_KLINES_PER_CALL, MAX_KLINES_PER_CALL),
      },
      WEIGHT.klines,
      context,
    );
    if (!Array.isArray(body)) throw new MarketDataSourceError('Binance /api/v3/klines answered with something other than a list', true);
    const klines: KlineRecord[] = [];
    const skipped: SkippedKline[] = [];
    let lastOpenTime: number | null = null;
    for (const row of body as unknown[]) {
      const fields: unknown[] = Array.isArray(row) ? (row as unknown[]).map((field) => (typeof field === 'number' ? String(field) : field)) : [];
      const openTime = typeof fields[0] === 'string' && /^\d{1,15}$/.test(fields[0]) ? Number(fields[0]) : null;
      if (openTime !== null) lastOpenTime = openTime;
      if (!fields.every((field): field is string => typeof field === 'string')) {
        skipped.push({ openTime, reason: 'row is not a list of numbers and decimal strings' });
        continue;
      }
      const parsed = parseKlineRow(fields, request.symbol, request.interval, false);
      if (parsed.kind === 'kline') klines.push(parsed.record);
      else if (parsed.kind !== 'header') skipped.push({ openTime, reason: parsed.reason });
    }
    return { rowCount: body.length, klines, skipped, lastOpenTime };
  }

  private async call(path: string, query: Record<string, QueryValue>, weight: number, context: SourceCallContext): Promise<unknown> {
    const { signal } = context;
    const report = (issue: SourceIssue): void => {
      this.logger[context.probe ? 'debug' : 'warn'](`${issue.message}${issue.waitMs ? `; waiting ${issue.waitMs} ms` : ''}`);
      context.onIssue?.(issue);
    };
    const policy = context.probe ? noRetry : this.retryPolicy;
    try {
      return await policy.execute(async ({ attempt }): Promise<unknown> => {
        const ticket = await this.governor.acquire(weight, signal);
        let usedWeight: number | undefined;
        try {
          const response = await this.http.get(path, query, signal);
          usedWeight = response.usedWeight;
          return response.body;
        } catch (error) {
          if (error instanceof BinanceRequestError) {
            usedWeight = error.details.usedWeight;
            this.onFailure(error, attempt, report);
          }
          throw error;
        } finally {
          this.governor.settle(ticket, usedWeight);
        }
      }, signal);
    } catch (error) {
      if (error instanceof BinanceRequestError) {
        if (error.retryable && !context.probe) report({ kind: 'gave-up', message: `${error.message}: gave up after retrying` });
        throw new MarketDataSourceError(error.message, error.retryable, error.details.status, error.details.code);
      }
      throw error;
    }
  }

  private onFailure(error: BinanceRequestError, attempt: number, report: (issue: SourceIssue) => void): void {
    const tryText = `(try ${attempt + 1})`;
    switch (error.kind) {
      case 'rate-limited': {
        const waitMs = this.governor.rateLimited(error.details.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS['rate-limited']);
        report({ kind: 'rate-limited', message: `${error.message} ${tryText}: pausing all calls for Retry-After and slowing down`, waitMs });
        return;
      }
      case 'banned': {
        const waitMs = this.governor.banned(error.details.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS.banned);
        report({
          kind: 'banned',
          message: `${error.message} ${tryText}: IP banned, no calls until ${new Date(Date.now() + waitMs).toISOString()}`,
          waitMs,
        });
        return;
      }
      case 'server-error':
      case 'timeout':
      case 'network':
      case 'malformed-response':
        report({ kind: error.kind, message: `${error.message} ${tryText}: retrying with backoff` });
        return;
      case 'client-error':
      case 'aborted':
        return;
    }
  }
}
