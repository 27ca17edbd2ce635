import { Inject, Injectable, Logger } from '@nestjs/common';
import { KlineRepository } from '../../market-data/kline.repository';
import { lastClosedOpenTime, stepBack } from '../candle-grid';
import { DatabaseRetry } from '../database-retry';
import { IngestionLifecycle, isAbort } from '../ingestion-lifecycle';
import { INGESTION_SETTINGS, type IngestionPair, type IngestionSettings } from '../ingestion.settings';
import { KlineIngestor } from '../kline-ingestor';
import { MARKET_DATA_SOURCE, type MarketDataSource, MarketDataSourceError } from '../source/market-data-source';
import { SymbolCatalog } from '../symbol-catalog';
import { nextOpenTime } from '../../market-data/binance-interval';
import { BinanceReachability, type ReachabilitySnapshot, UNREACHABLE_HINT } from './binance-reachability';

export interface PairSyncResult {
  symbol: string;
  interval: string;
  stored: number;
  knownGaps: number;
  error?: string;
}

export interface SyncRunSummary {
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  serverTime: number | null;
  pairs: number;
  stored: number;
  failedPairs: number;
  invalidSymbols: string[];
  results: PairSyncResult[];
  error?: string;
}

/**
 * The scheduled sync: for every configured symbol × interval the exchange lists, fetch what closed since the last
 * stored candle (a pair with nothing stored starts INGESTION_SYNC_INITIAL_CANDLES back), then repair gaps in the last
 * INGESTION_SYNC_REPAIR_CANDLES. Candles still open at the exchange's time are never stored. Pairs run concurrently,
 * held back by the weight governor. One pair failing does not stop the others, and nothing here throws.
 */
@Injectable()
export class IngestionSyncService {
  private readonly logger = new Logger(IngestionSyncService.name);
  private running: Promise<SyncRunSummary> | null = null;
  private runs = 0;
  private last: SyncRunSummary | null = null;
  private readonly reachability: BinanceReachability;

  constructor(
    @Inject(MARKET_DATA_SOURCE) private readonly source: MarketDataSource,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    private readonly klines: KlineRepository,
    private readonly ingestor: KlineIngestor,
    private readonly catalog: SymbolCatalog,
    private readonly lifecycle: IngestionLifecycle,
    private readonly retry: DatabaseRetry,
  ) {
    this.reachability = new BinanceReachability(settings.unreachableBackoffMs, settings.unreachableBackoffMaxMs);
  }

  get runCount(): number {
    return this.runs;
  }

  get lastRun(): SyncRunSummary | null {
    return this.last;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Whether Binance answered the last sync, and when the next one may try while it does not. */
  get binance(): ReachabilitySnapshot {
    return this.reachability.snapshot();
  }

  /** False while backing off because Binance is unreachable: the scheduler then skips its tick without a word. */
  mayRun(now = Date.now()): boolean {
    return this.reachability.mayTry(now);
  }

  /** Resolves when no sync is running. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** One sync of every configured pair; a call while one runs gets that run's result. Never rejects. */
  syncAll(): Promise<SyncRunSummary> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(): Promise<SyncRunSummary> {
    const startedAt = Date.now();
    const summary: SyncRunSummary = {
      startedAt,
      finishedAt: startedAt,
      durationMs: 0,
      serverTime: null,
      pairs: 0,
      stored: 0,
      failedPairs: 0,
      invalidSymbols: [],
      results: [],
    };
    const signal = this.lifecycle.signal;
    try {
      // One quiet try first: offline, this is all a run does (one log line when Binance stops or starts answering).
      const serverTime = await this.probe(signal);
      if (serverTime === null) return this.finish(summary, { quiet: true });
      summary.serverTime = serverTime;
      const { valid, invalidSymbols } = await this.catalog.validPairs(this.settings.pairs, { signal });
      summary.invalidSymbols = invalidSymbols;
      summary.pairs = valid.length;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < valid.length && !signal.aborted) {
          const pair = valid[next++];
          summary.results.push(await this.syncPair(pair, serverTime, signal));
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.settings.binance.maxConcurrency, valid.length) }, () => worker()));
    } catch (error) {
      summary.error = error instanceof Error ? error.message : String(error);
      if (!isAbort(error, signal)) this.logger.error(`Sync failed before any pair ran: ${summary.error}`);
    }
    return this.finish(summary, { quiet: false });
  }

  /** Binance's time, or null when it does not answer (network, DNS, timeout, 5xx): the sync then backs off. */
  private async probe(signal: AbortSignal): Promise<number | null> {
    try {
      const serverTime = await this.source.serverTime({ signal, probe: true });
      if (this.reachability.succeeded() === 'became-reachable') this.logger.log('Binance answers again: the scheduled sync resumes');
      return serverTime;
    } catch (error) {
      if (isAbort(error, signal) || !(error instanceof MarketDataSourceError) || !error.retryable || error.status === 429 || error.status === 418) throw error;
      const change = this.reachability.failed(Date.now(), error.message);
      const { nextTryAt } = this.reachability.snapshot();
      const next = nextTryAt === null ? '' : `, next try at ${new Date(nextTryAt).toISOString()}`;
      if (change === 'became-unreachable') {
        this.logger.warn(
          `Binance unreachable (${error.message}): scheduled sync paused${next}, backing off up to ${Math.round(this.settings.unreachableBackoffMaxMs / 1000)} s. ${UNREACHABLE_HINT}`,
        );
      } else {
        this.logger.debug(`Binance still unreachable (${error.message})${next}`);
      }
      return null;
    }
  }

  private finish(summary: SyncRunSummary, { quiet }: { quiet: boolean }): SyncRunSummary {
    summary.finishedAt = Date.now();
    summary.durationMs = summary.finishedAt - summary.startedAt;
    summary.stored = summary.results.reduce((sum, result) => sum + result.stored, 0);
    summary.failedPairs = summary.results.filter((result) => result.error !== undefined).length;
    this.runs++;
    this.last = summary;
    if (quiet) {
      summary.error = `Binance unreachable: ${this.reachability.snapshot().reason ?? 'no answer'}`;
      return summary;
    }
    const level = summary.failedPairs > 0 || summary.error ? 'warn' : 'log';
    this.logger[level](
      `Sync: ${summary.pairs} pairs, ${summary.stored} new candles, ${summary.failedPairs} failed, in ${summary.durationMs} ms` +
        (summary.invalidSymbols.length > 0 ? `; skipped unlisted ${summary.invalidSymbols.join(',')}` : ''),
    );
    return summary;
  }

  private async syncPair(pair: IngestionPair, serverTime: number, signal: AbortSignal): Promise<PairSyncResult> {
    const result: PairSyncResult = { symbol: pair.symbol, interval: pair.interval, stored: 0, knownGaps: 0 };
    try {
      // Safe to run again from the top (it starts from what is stored), so a lost database connection is retried.
      await this.retry.execute(`Sync ${pair.symbol} ${pair.interval}`, async () => {
        const lastClosed = lastClosedOpenTime(pair.interval, serverTime);
        // Only the newest stored candle matters: counting a pair with years of 1m history every minute would not scale.
        const lastStored = await this.klines.lastOpenTime(pair.symbol, pair.interval);
        const from =
          lastStored !== null ? nextOpenTime(pair.interval, lastStored) : stepBack(pair.interval, lastClosed, this.settings.syncInitialCandles - 1);
        const context = { signal, closedBefore: serverTime };
        if (from <= lastClosed) result.stored += await this.ingestor.ingestRange(pair, from, lastClosed, context);
        if (this.settings.syncRepairCandles > 0) {
          const repairFrom = stepBack(pair.interval, lastClosed, this.settings.syncRepairCandles);
          const repair = await this.ingestor.repairGaps(pair, repairFrom, lastClosed, context);
          result.stored += repair.filled;
          result.knownGaps = repair.knownGaps;
        }
      }, { signal });
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      if (!isAbort(error, signal)) this.logger.warn(`Sync ${pair.symbol} ${pair.interval} failed: ${result.error}`);
    }
    return result;
  }
}
