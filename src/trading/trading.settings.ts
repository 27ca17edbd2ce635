import type { ConfigService } from '@nestjs/config';
import { LIVE_CONFIRMATION, listSetting } from '../config/environment';
import { DEFAULT_STRATEGY_CONFIG, type FillSettings, type StrategyConfig, validateStrategyConfig } from './core';
import type { TradingMode } from './trading.entities';

export const TRADING_SETTINGS = Symbol('TRADING_SETTINGS');
export const BINANCE_PRODUCTION_URL = 'https://api.binance.com';
export const BINANCE_TESTNET_URL = 'https://testnet.binance.vision';

export interface RiskLimits {
  /** Largest entry (quote asset, fees included); 0 = no limit. */
  maxPositionNotional: number;
  /** No new entry once the UTC day's loss (equity at the day's start − now) exceeds this; 0 = no limit. */
  maxDailyLoss: number;
  /** No new entry once this many orders were decided in the last hour (by candle time); 0 = no limit. */
  maxOrdersPerHour: number;
}

export interface TradingSettings {
  /** What actually runs: 'live' only when both opt-ins are set. */
  mode: TradingMode;
  liveEnabled: boolean;
  /** Why the app runs paper although TRADING_MODE=live (one opt-in missing), else null. */
  paperBecause: string | null;
  symbols: string[];
  cron: string;
  paperInitialCash: number;
  risk: RiskLimits;
  /** TRADING_MAX_SIGNAL_AGE: how long after its close a candle may still decide an order; null = one interval. */
  maxSignalAgeMs: number | null;
  strategy: StrategyConfig;
  fill: FillSettings;
  /** Live only. The key and secret are used by the exchange client and nowhere else. */
  binance: { apiKey: string; apiSecret: string; baseUrl: string; testnet: boolean } | null;
}

export function readTradingSettings(config: ConfigService): TradingSettings {
  const requested = config.getOrThrow<TradingMode>('TRADING_MODE');
  const confirmed = config.get<string>('TRADING_LIVE_CONFIRM') === LIVE_CONFIRMATION;
  const liveEnabled = requested === 'live' && confirmed;
  let paperBecause: string | null = null;
  if (requested === 'live' && !confirmed) paperBecause = `TRADING_MODE=live without TRADING_LIVE_CONFIRM=${LIVE_CONFIRMATION}`;
  if (requested !== 'live' && config.get<string>('TRADING_LIVE_CONFIRM') !== undefined) paperBecause = 'TRADING_LIVE_CONFIRM is set but TRADING_MODE is not live';
  const testnet = config.get<boolean>('BINANCE_TESTNET') ?? false;
  const strategy: StrategyConfig = {
    ...DEFAULT_STRATEGY_CONFIG,
    positionFraction: config.getOrThrow<number>('TRADING_POSITION_FRACTION'),
    stopLoss: config.get<number>('TRADING_STOP_LOSS') ?? null,
    takeProfit: config.get<number>('TRADING_TAKE_PROFIT') ?? null,
    maxHoldingCandles: config.get<number>('TRADING_MAX_HOLDING_CANDLES') ?? null,
  };
  validateStrategyConfig(strategy);
  return {
    mode: liveEnabled ? 'live' : 'paper',
    liveEnabled,
    paperBecause,
    symbols: listSetting(config.getOrThrow<string>('SYMBOLS')),
    cron: config.getOrThrow<string>('TRADING_CRON'),
    paperInitialCash: config.getOrThrow<number>('TRADING_PAPER_INITIAL_CASH'),
    risk: {
      maxPositionNotional: config.getOrThrow<number>('TRADING_MAX_POSITION_NOTIONAL'),
      maxDailyLoss: config.getOrThrow<number>('TRADING_MAX_DAILY_LOSS'),
      maxOrdersPerHour: config.getOrThrow<number>('TRADING_MAX_ORDERS_PER_HOUR'),
    },
    maxSignalAgeMs: config.get<number>('TRADING_MAX_SIGNAL_AGE') ?? null,
    strategy,
    fill: { feeRate: config.getOrThrow<number>('TRADING_FEE_RATE'), slippageBps: config.getOrThrow<number>('TRADING_SLIPPAGE_BPS') },
    binance: liveEnabled
      ? {
          apiKey: config.getOrThrow<string>('BINANCE_API_KEY'),
          apiSecret: config.getOrThrow<string>('BINANCE_API_SECRET'),
          baseUrl: config.get<string>('BINANCE_TRADING_BASE_URL') ?? (testnet ? BINANCE_TESTNET_URL : BINANCE_PRODUCTION_URL),
          testnet,
        }
      : null,
  };
}
