import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { nextOpenTime } from '../market-data/binance-interval';
import type { KlineRecord } from '../market-data/kline-record';
import { KlineRepository } from '../market-data/kline.repository';
import type { IngestionPair } from './ingestion.settings';
import { isKnownGap, KnownGapRepository } from '../market-data/known-gap.repository';
import { type KlinePage, MARKET_DATA_SOURCE, type MarketDataSource, type SkippedKline, type SourceCallContext } from './source/market-data-source';

export interface IngestContext extends SourceCallContext {
  /** Candles whose close time is not before this (the exchange's clock) are still open and never stored. */
  closedBefore: number;
  /** Runs in the transaction that stores a page, so progress (a job's cursor) commits with the candles. */
  onPage?: (page: { stored: number; nextCursor: number }, manager: EntityManager) => Promise<void>;
  onSkipped?: (skipped: SkippedKline) => void;
}

export interface RepairResult {
  gapsFound: number;
  filled: number;
  knownGaps: number;
}

/** Passes over a range's gaps: a partly filled gap leaves smaller ones, asked for once more. */
const MAX_REPAIR_PASSES = 4;

/**
 * Moves klines from the source into the klines table: pages through a range (upserting each page, so a repeat is
 * harmless), and repairs gaps by asking for each missing range; one that comes back without a candle is recorded as
 * a known gap of the exchange and not asked for again.
 */
@Injectable()
export class KlineIngestor {
  private readonly logger = new Logger(KlineIngestor.name);

  constructor(
    @Inject(MARKET_DATA_SOURCE) private readonly source: MarketDataSource,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly klines: KlineRepository,
    private readonly knownGaps: KnownGapRepository,
  ) {}

  /**
   * Stores every closed candle the source has with open time in [from, to]; returns how many were written. Pages are
   * stored in order, each in its own transaction with its onPage progress, while the next page is already being
   * fetched and parsed (one page ahead, within the weight budget like any call), so fetching and storing overlap.
   */
  async ingestRange(pair: IngestionPair, from: number, to: number, context: IngestContext): Promise<number> {
    if (from > to) return 0;
    const fetchPage = (cursor: number): Promise<Settled<KlinePage>> =>
      settle(
        this.source.klines(
          { symbol: pair.symbol, interval: pair.interval, startTime: cursor, endTime: to, limit: this.source.maxKlinesPerCall },
          context,
        ),
      );
    let cursor = from;
    let stored = 0;
    let next: Promise<Settled<KlinePage>> | null = fetchPage(cursor);
    while (next) {
      context.signal?.throwIfAborted();
      const page = unwrap(await next);
      next = null;
      const closed = this.closedWithin(page.klines, cursor, to, context.closedBefore);
      for (const skipped of page.skipped) context.onSkipped?.(skipped);
      const nextCursor = page.lastOpenTime === null ? to + 1 : nextOpenTime(pair.interval, page.lastOpenTime);
      // A short page means the source has nothing more in the range; a cursor that does not move would loop.
      const more = page.rowCount >= this.source.maxKlinesPerCall && nextCursor > cursor && nextCursor <= to;
      // Settled promises never reject, so a prefetch left behind when this page fails to store is no unhandled rejection.
      if (more) next = fetchPage(nextCursor);
      await this.dataSource.transaction(async (manager) => {
        await this.klines.upsert(closed, manager);
        await context.onPage?.({ stored: closed.length, nextCursor: Math.min(nextCursor, to + 1) }, manager);
      });
      stored += closed.length;
      cursor = nextCursor;
    }
    return stored;
  }

  /**
   * Asks again for every missing run of candles in [from, to] not already known as an exchange gap. Whatever comes
   * back is stored; a run that comes back without a storable candle is recorded as a known gap.
   */
  async repairGaps(pair: IngestionPair, from: number, to: number, callerContext: IngestContext): Promise<RepairResult> {
    // Gap pages do not move a job's cursor.
    const context: IngestContext = { ...callerContext, onPage: undefined };
    const result: RepairResult = { gapsFound: 0, filled: 0, knownGaps: 0 };
    for (let pass = 0; pass < MAX_REPAIR_PASSES; pass++) {
      const known = await this.knownGaps.find(pair.symbol, pair.interval, from, to);
      const open = (await this.klines.missingRanges(pair.symbol, pair.interval, from, to)).filter(
        (gap) => !isKnownGap(known, gap.from, gap.to),
      );
      if (pass === 0) result.gapsFound = open.length;
      if (open.length === 0) break;
      for (const gap of open) {
        context.signal?.throwIfAborted();
        const page = await this.source.klines(
          { symbol: pair.symbol, interval: pair.interval, startTime: gap.from, endTime: gap.to, limit: this.source.maxKlinesPerCall },
          context,
        );
        const closed = this.closedWithin(page.klines, gap.from, gap.to, context.closedBefore);
        for (const skipped of page.skipped) context.onSkipped?.(skipped);
        if (closed.length === 0) {
          // Only a gap that has closed can be confirmed empty: later candles exist (the gap lies before a stored one).
          await this.knownGaps.record({ symbol: pair.symbol, interval: pair.interval, from: gap.from, to: gap.to, missing: gap.missing });
          result.knownGaps++;
          this.logger.log(
            `${pair.symbol} ${pair.interval}: Binance has no candles from ${new Date(gap.from).toISOString()} to ` +
              `${new Date(gap.to).toISOString()} (${gap.missing}); recorded as a known gap`,
          );
          continue;
        }
        await this.klines.upsert(closed);
        result.filled += closed.length;
        if (page.rowCount >= this.source.maxKlinesPerCall && page.lastOpenTime !== null) {
          result.filled += await this.ingestRange(pair, nextOpenTime(pair.interval, page.lastOpenTime), gap.to, context);
        }
      }
    }
    return result;
  }

  private closedWithin(klines: KlineRecord[], from: number, to: number, closedBefore: number): KlineRecord[] {
    return klines.filter((kline) => kline.openTime >= from && kline.openTime <= to && kline.closeTime < closedBefore);
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unwrap<T>(settled: Settled<T>): T {
  if (settled.ok) return settled.value;
  throw settled.error;
}
