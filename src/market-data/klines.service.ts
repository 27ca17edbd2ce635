import { Injectable } from '@nestjs/common';
import type { BinanceInterval } from './binance-interval';
import type { CoverageResponse, KlinePageResponse, StoredPairResponse } from './dto/kline.response';
import { KlineRepository } from './kline.repository';
import { isKnownGap, KnownGapRepository } from './known-gap.repository';

export interface KlinePageRequest {
  symbol: string;
  interval: BinanceInterval;
  start?: number;
  end?: number;
  limit: number;
  cursor?: string;
}

@Injectable()
export class KlinesService {
  constructor(
    private readonly klines: KlineRepository,
    /** Gaps Binance confirmed it has no candles for, recorded by ingestion. */
    private readonly knownGaps: KnownGapRepository,
  ) {}

  /** One page of klines, oldest first; `next` is the open time the following page starts at. */
  async page(request: KlinePageRequest): Promise<KlinePageResponse> {
    const from = request.cursor !== undefined ? Number(request.cursor) : (request.start ?? 0);
    const to = request.end ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.klines.find(request.symbol, request.interval, from, to, request.limit + 1);
    const hasMore = rows.length > request.limit;
    const data = hasMore ? rows.slice(0, request.limit) : rows;
    return { data, next: hasMore ? String(rows[request.limit].open_time) : null };
  }

  async coverage(symbol: string, interval: BinanceInterval): Promise<CoverageResponse> {
    const range = await this.klines.range(symbol, interval);
    const gaps = range ? await this.klines.missingRanges(symbol, interval) : [];
    const known = range && gaps.length > 0 ? await this.knownGaps.find(symbol, interval) : [];
    const knownFlags = gaps.map((gap) => isKnownGap(known, gap.from, gap.to));
    return {
      symbol,
      interval,
      count: range?.count ?? 0,
      first_open_time: range?.first_open_time ?? null,
      last_open_time: range?.last_open_time ?? null,
      first_open_time_iso: range ? new Date(range.first_open_time).toISOString() : null,
      last_open_time_iso: range ? new Date(range.last_open_time).toISOString() : null,
      missing: gaps.reduce((sum, gap) => sum + gap.missing, 0),
      known_missing: gaps.reduce((sum, gap, index) => sum + (knownFlags[index] ? gap.missing : 0), 0),
      gaps: gaps.map((gap, index) => ({
        ...gap,
        from_iso: new Date(gap.from).toISOString(),
        to_iso: new Date(gap.to).toISOString(),
        known: knownFlags[index],
      })),
    };
  }

  async storedPairs(): Promise<StoredPairResponse[]> {
    const ranges = await this.klines.ranges();
    return ranges.map((range) => ({
      ...range,
      first_open_time_iso: new Date(range.first_open_time).toISOString(),
      last_open_time_iso: new Date(range.last_open_time).toISOString(),
    }));
  }
}
