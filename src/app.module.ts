import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { BacktestModule } from './backtest/backtest.module';
import { BodyTypeGuard } from './common/body-type.guard';
import { ApiExceptionFilter, UnknownPathResponder } from './common/api-exception.filter';
import { validateEnvironment } from './config/environment';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IndexOutboxModule } from './indexing/index-outbox';
import { IndexingModule } from './indexing/indexing.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { MarketDataModule } from './market-data/market-data.module';
import { ModellingModule } from './modelling/modelling.module';
import { TradingModule } from './trading/trading.module';

export interface AppModuleOptions {
  /**
   * Variables to use instead of process.env and .env (tests start several apps with different settings in one
   * process). When given, process.env is neither read nor consulted later.
   */
  environment?: Record<string, string | undefined>;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    const { environment } = options;
    const isolated = environment !== undefined;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: isolated,
          ignoreEnvVars: isolated,
          skipProcessEnv: isolated,
          validate: (raw) => validateEnvironment(environment ?? raw),
        }),
        // One scheduler registry for the whole app: ingestion sync, retraining and predictions register jobs in it.
        ScheduleModule.forRoot(),
        DatabaseModule,
        IndexOutboxModule,
        MarketDataModule,
        IngestionModule,
        ModellingModule,
        BacktestModule,
        TradingModule,
        IndexingModule,
        HealthModule,
        DashboardModule,
      ],
      // Rate limits are Express middleware (bootstrap.ts): they must also cover Swagger and the static files.
      providers: [
        { provide: APP_GUARD, useClass: BodyTypeGuard },
        // One error body for every error answer (src/common/error-response.ts).
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        UnknownPathResponder,
      ],
    };
  }
}
