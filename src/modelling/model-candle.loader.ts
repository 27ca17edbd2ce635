import { Injectable } from '@nestjs/common';
import type { KlineView } from '../market-data/kline-record';
import { KlineRepository } from '../market-data/kline.repository';
import type { ModelCandle } from './core';

// Small pages: each page is parsed and turned into objects in one go on the event loop, so its size bounds how long
// a request such as the kill switch can wait behind it.
const PAGE_ROWS = 2_000;

/** Stored klines as the modelling core's candles (numbers parsed from the decimal strings, as the CSV reader does). */
@Injectable()
export class ModelCandleLoader {
  constructor(private readonly klines: KlineRepository) {}

  /** Every stored candle with open_time in [from, to], oldest first, read in pages. */
  async load(symbol: string, interval: string, from: number, to: number): Promise<ModelCandle[]> {
    const candles: ModelCandle[] = [];
    let next = from;
    for (;;) {
      const page = await this.klines.find(symbol, interval, next, to, PAGE_ROWS);
      for (const view of page) candles.push(toModelCandle(view));
      if (page.length < PAGE_ROWS) return candles;
      next = page[page.length - 1].open_time + 1;
    }
  }

  count(symbol: string, interval: string, from: number, to: number): Promise<number> {
    return this.klines.count(symbol, interval, from, to);
  }

  /** Open time of the newest stored candle, or null when none is stored. */
  async lastOpenTime(symbol: string, interval: string): Promise<number | null> {
    return (await this.klines.range(symbol, interval))?.last_open_time ?? null;
  }
}

export function toModelCandle(view: KlineView): ModelCandle {
  return {
    openTime: view.open_time,
    open: Number(view.open_price),
    high: Number(view.high_price),
    low: Number(view.low_price),
    close: Number(view.close_price),
    volume: Number(view.volume),
    quoteAssetVolume: Number(view.quote_asset_volume),
    trades: view.number_of_trades,
    takerBuyBaseVolume: Number(view.taker_buy_base_volume),
    takerBuyQuoteVolume: Number(view.taker_buy_quote_volume),
  };
}
