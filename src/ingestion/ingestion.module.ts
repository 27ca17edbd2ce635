import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MarketDataModule } from '../market-data/market-data.module';
import { JobsModule } from '../platform/jobs';
import { DatabaseRetry } from './database-retry';
import { IngestionLeaderService } from './ingestion-leader.service';
import { IngestionLifecycle } from './ingestion-lifecycle';
import { IngestionController } from './ingestion.controller';
import { INGESTION_SETTINGS, type IngestionSettings, readIngestionSettings } from './ingestion.settings';
import { BackfillService } from './jobs/backfill.service';
import { IngestionJobRunner } from './jobs/ingestion-job-runner';
import { IngestionJobRepository } from './jobs/ingestion-job.repository';
import { KlineIngestor } from './kline-ingestor';
import { BinanceMarketDataSource } from './source/binance-market-data.source';
import { MARKET_DATA_SOURCE } from './source/market-data-source';
import { WeightGovernor } from './source/weight-governor';
import { SymbolCatalog } from './symbol-catalog';
import { IngestionScheduler } from './sync/ingestion-scheduler';
import { IngestionSyncService } from './sync/ingestion-sync.service';

/**
 * Binance → klines: the market-data source behind MARKET_DATA_SOURCE (Binance, within its weight budget), backfill
 * jobs (POST /api/ingestion/backfill), the scheduled sync, gap repair with known gaps, and the single-instance lock.
 */
@Module({
  imports: [MarketDataModule, JobsModule],
  controllers: [IngestionController],
  providers: [
    { provide: INGESTION_SETTINGS, inject: [ConfigService], useFactory: readIngestionSettings },
    {
      provide: WeightGovernor,
      inject: [INGESTION_SETTINGS],
      useFactory: (settings: IngestionSettings) =>
        new WeightGovernor({
          limitPerWindow: settings.binance.weightLimit,
          budgetPercent: settings.binance.weightBudgetPercent,
          windowMs: settings.binance.weightWindowMs,
          maxConcurrency: settings.binance.maxConcurrency,
        }),
    },
    {
      provide: MARKET_DATA_SOURCE,
      inject: [INGESTION_SETTINGS, WeightGovernor],
      useFactory: (settings: IngestionSettings, governor: WeightGovernor) =>
        new BinanceMarketDataSource(
          {
            baseUrl: settings.binance.baseUrl,
            timeoutMs: settings.binance.timeoutMs,
            retryAttempts: settings.binance.retryAttempts,
            retryBaseDelayMs: settings.binance.retryBaseDelayMs,
            retryMaxDelayMs: settings.binance.retryMaxDelayMs,
          },
          governor,
        ),
    },
    IngestionLifecycle,
    IngestionJobRepository,
    KlineIngestor,
    SymbolCatalog,
    BackfillService,
    IngestionLeaderService,
    DatabaseRetry,
    IngestionJobRunner,
    IngestionSyncService,
    IngestionScheduler,
  ],
  exports: [MARKET_DATA_SOURCE, IngestionSyncService, IngestionJobRunner],
})
export class IngestionModule {}
