import { Inject, Injectable, Logger } from '@nestjs/common';
import { KlineRepository } from '../../market-data/kline.repository';
import { lastClosedOpenTime, stepBack } from '../candle-grid';
import { DatabaseRetry } from '../database-retry';
import { IngestionLifecycle, isAbort } from '../ingestion-lifecycle';
import { INGESTION_SETTINGS, type IngestionPair, type IngestionSettings } from '../ingestion.settings';
import { KlineIngestor } from '../kline-ingestor';
import { MARKET_DATA_SOURCE, type MarketDataSource } from '../source/market-data-source';
import { SymbolCatalog } from '../symbol-catalog';
import { nextOpenTime } from '../../market-data/binance-interval';

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

  constructor(
    @Inject(MARKET_DATA_SOURCE) private readonly source: MarketDataSource,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    private readonly klines: KlineRepository,
    private readonly ingestor: KlineIngestor,
    private readonly catalog: SymbolCatalog,
    private readonly lifecycle: IngestionLifecycle,
    private readonly retry: DatabaseRetry,
  ) {}

  get runCount(): number {
    return this.runs;
  }

  get lastRun(): SyncRunSummary | null {
    return this.last;
  }

  get isRunning(): boolean {
    return this.running !== null;
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
      const { valid, invalidSymbols } = await this.catalog.validPairs(this.settings.pairs, { signal });
      summary.invalidSymbols = invalidSymbols;
      summary.pairs = valid.length;
      const serverTime = await this.source.serverTime({ signal });
      summary.serverTime = serverTime;
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
    summary.finishedAt = Date.now();
    summary.durationMs = summary.finishedAt - startedAt;
    summary.stored = summary.results.reduce((sum, result) => sum + result.stored, 0);
    summary.failedPairs = summary.results.filter((result) => result.error !== undefined).length;
    this.runs++;
    this.last = summary;
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
