import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type BinanceInterval, fixedIntervalMs } from '../market-data/binance-interval';
import { KlineRepository } from '../market-data/kline.repository';
import { SPOT_EXCHANGE_CLIENT, type SpotExchangeClient } from './live/spot-exchange.client';
import { TradingEngine } from './trading-engine.service';
import { TRADING_SETTINGS, type TradingSettings } from './trading.settings';
import { TradingStore } from './trading.store';

export interface KillResult {
  killed: true;
  /** Orders cancelled: paper orders waiting for the next open, or open orders at the exchange. */
  cancelled_orders: number;
  /** Live: symbols whose open orders could not be cancelled (exchange unreachable); retried by the next kill. */
  failed_symbols: string[];
}

/** The kill switch: persisted in trading_control, so a restarted app stays stopped until resumed. */
@Injectable()
export class TradingControlService {
  private readonly logger = new Logger(TradingControlService.name);

  constructor(
    @Inject(TRADING_SETTINGS) private readonly settings: TradingSettings,
    private readonly store: TradingStore,
    private readonly engine: TradingEngine,
    private readonly klines: KlineRepository,
    @Optional() @Inject(SPOT_EXCHANGE_CLIENT) private readonly exchange: SpotExchangeClient | null,
  ) {}

  /** Stops trading first (persisted), then cancels every open order. Positions are left as they are. */
  async kill(reason: string): Promise<KillResult> {
    await this.store.setKilled(true, reason);
    this.logger.warn(`Kill switch ON (${reason}): trading stopped, cancelling open orders`);
    if (this.settings.mode === 'paper') {
      const cancelled = await this.engine.cancelPaperOrders('kill switch');
      return { killed: true, cancelled_orders: cancelled.length, failed_symbols: [] };
    }
    const failed: string[] = [];
    let cancelled = 0;
    const symbols = new Set([...this.settings.symbols, ...(await this.store.accounts('live')).map((account) => account.symbol)]);
    for (const symbol of symbols) {
      try {
        cancelled += (await this.exchange?.cancelOpenOrders(symbol))?.length ?? 0;
      } catch (error) {
        failed.push(symbol);
        this.logger.error(`Kill switch: cancelling ${symbol} open orders failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // Book what the exchange now says about our unfinished orders (cancelled, or filled before the cancel).
    await this.engine.reconcileOpenOrders(Date.now(), { resend: false, cancelledBecause: 'kill switch' });
    return { killed: true, cancelled_orders: cancelled, failed_symbols: failed };
  }

  /** Trading resumes from the newest closed candle: candles that closed while stopped are skipped, never traded late. */
  async resume(now = Date.now()): Promise<{ killed: false }> {
    await this.store.transaction(async (manager) => {
      for (const account of await this.store.accounts(this.settings.mode)) {
        const intervalMs = fixedIntervalMs(account.interval as BinanceInterval);
        const range = await this.klines.range(account.symbol, account.interval);
        if (intervalMs === null || range === null) continue;
        const newestClosed = range.last_open_time + intervalMs <= now ? range.last_open_time : range.last_open_time - intervalMs;
        if ((account.lastCandleOpenTime ?? -1) < newestClosed - 1) {
          account.lastCandleOpenTime = newestClosed - 1;
          account.updatedAt = Date.now();
          await this.store.saveAccount(account, manager);
        }
      }
    });
    await this.store.setKilled(false, null);
    this.logger.warn('Kill switch OFF: trading resumes with the next run');
    return { killed: false };
  }
}
