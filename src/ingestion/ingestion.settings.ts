import { ConfigService } from '@nestjs/config';
import { listSetting } from '../config/environment';
import { type BinanceInterval, isBinanceInterval } from '../market-data/binance-interval';

export const INGESTION_SETTINGS = Symbol('INGESTION_SETTINGS');

export interface IngestionPair {
  symbol: string;
  interval: BinanceInterval;
}

/** The validated environment variables the ingestion module reads (see src/config/environment.ts). */
export interface IngestionSettings {
  enabled: boolean;
  cron: string;
  pairs: IngestionPair[];
  syncInitialCandles: number;
  syncRepairCandles: number;
  pollMs: number;
  /** Back-off of the sync while Binance is unreachable: first wait, doubling up to the max. */
  unreachableBackoffMs: number;
  unreachableBackoffMaxMs: number;
  binance: {
    baseUrl: string;
    timeoutMs: number;
    weightLimit: number;
    weightBudgetPercent: number;
    weightWindowMs: number;
    maxConcurrency: number;
    retryAttempts: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
  };
}

export function readIngestionSettings(config: ConfigService): IngestionSettings {
  const symbols = listSetting(config.getOrThrow<string>('SYMBOLS'));
  const intervals = listSetting(config.getOrThrow<string>('INTERVALS')).filter(isBinanceInterval);
  return {
    enabled: config.getOrThrow<boolean>('INGESTION_ENABLED'),
    cron: config.getOrThrow<string>('INGESTION_CRON'),
    pairs: symbols.flatMap((symbol) => intervals.map((interval) => ({ symbol, interval }))),
    syncInitialCandles: config.getOrThrow<number>('INGESTION_SYNC_INITIAL_CANDLES'),
    syncRepairCandles: config.getOrThrow<number>('INGESTION_SYNC_REPAIR_CANDLES'),
    pollMs: config.getOrThrow<number>('INGESTION_POLL_MS'),
    unreachableBackoffMs: config.getOrThrow<number>('INGESTION_UNREACHABLE_BACKOFF_MS'),
    unreachableBackoffMaxMs: config.getOrThrow<number>('INGESTION_UNREACHABLE_BACKOFF_MAX_MS'),
    binance: {
      baseUrl: config.getOrThrow<string>('BINANCE_BASE_URL'),
      timeoutMs: config.getOrThrow<number>('BINANCE_REQUEST_TIMEOUT_MS'),
      weightLimit: config.getOrThrow<number>('BINANCE_WEIGHT_LIMIT'),
      weightBudgetPercent: config.getOrThrow<number>('BINANCE_WEIGHT_BUDGET_PERCENT'),
      weightWindowMs: config.getOrThrow<number>('BINANCE_WEIGHT_WINDOW_MS'),
      maxConcurrency: config.getOrThrow<number>('BINANCE_MAX_CONCURRENCY'),
      retryAttempts: config.getOrThrow<number>('BINANCE_RETRY_ATTEMPTS'),
      retryBaseDelayMs: config.getOrThrow<number>('BINANCE_RETRY_BASE_DELAY_MS'),
      retryMaxDelayMs: config.getOrThrow<number>('BINANCE_RETRY_MAX_DELAY_MS'),
    },
  };
}
