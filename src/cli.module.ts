import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnvironment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { IndexOutboxModule } from './indexing/index-outbox';
import { MarketDataModule } from './market-data/market-data.module';

/** The slice of the app the command-line tools need: configuration, database and market data, no HTTP or schedules. */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateEnvironment }),
        DatabaseModule,
        // Imported klines are queued for Elasticsearch too (the app drains the outbox).
        IndexOutboxModule,
        MarketDataModule,
      ],
    };
  }
}
