import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KlineRepository } from '../market-data/kline.repository';
import type { TradeSignal } from '../trading/core';
import { type CandleSeries, SIGNAL_CODES } from './engine/backtest-engine';

// Small pages: each page is parsed and turned into numbers in one go on the event loop, so its size bounds how long
// a request such as the kill switch can wait behind it.
const PAGE_ROWS = 2_000;

/** Stored klines and predictions as the engine's column arrays. */
@Injectable()
export class BacktestDataLoader {
  private readonly mysql: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly klines: KlineRepository,
  ) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  countCandles(symbol: string, interval: string, from: number, to: number): Promise<number> {
    return this.klines.count(symbol, interval, from, to);
  }

  /** Every stored candle with open_time in [from, to], oldest first (prices parsed from the stored decimals). */
  async candles(symbol: string, interval: string, intervalMs: number, from: number, to: number): Promise<CandleSeries> {
    const openTime: number[] = [];
    const open: number[] = [];
    const high: number[] = [];
    const low: number[] = [];
    const close: number[] = [];
    let next = from;
    for (;;) {
      const page = await this.klines.find(symbol, interval, next, to, PAGE_ROWS);
      for (const view of page) {
        openTime.push(view.open_time);
        open.push(Number(view.open_price));
        high.push(Number(view.high_price));
        low.push(Number(view.low_price));
        close.push(Number(view.close_price));
      }
      if (page.length < PAGE_ROWS) break;
      next = page[page.length - 1].open_time + 1;
    }
    return {
      symbol,
      intervalMs,
      openTime: Float64Array.from(openTime),
      open: Float64Array.from(open),
      high: Float64Array.from(high),
      low: Float64Array.from(low),
      close: Float64Array.from(close),
    };
  }

  /** The model's stored signal for each candle of the series (0 = no prediction for that candle). */
  async signals(modelId: number, series: CandleSeries): Promise<{ signals: Int8Array; found: number }> {
    const n = series.openTime.length;
    const signals = new Int8Array(n);
    if (n === 0) return { signals, found: 0 };
    const rows = await this.dataSource.query<{ open_time: number | string; trade_signal: TradeSignal }[]>(
      `SELECT ${this.q('open_time')}, ${this.q('trade_signal')} FROM ${this.q('predictions')} ` +
        `WHERE ${this.q('model_id')} = ? AND ${this.q('open_time')} >= ? AND ${this.q('open_time')} <= ? ORDER BY ${this.q('open_time')}`,
      [modelId, series.openTime[0], series.openTime[n - 1]],
    );
    // Both lists are in time order: walk them together.
    let i = 0;
    let found = 0;
    for (const row of rows) {
      const time = Number(row.open_time);
      while (i < n && series.openTime[i] < time) i++;
      if (i < n && series.openTime[i] === time) {
        signals[i] = SIGNAL_CODES[row.trade_signal] ?? 0;
        found++;
      }
    }
    return { signals, found };
  }

  private q(name: string): string {
    return this.mysql ? `\`${name}\`` : `"${name}"`;
  }
}
