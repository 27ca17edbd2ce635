import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModellingModule } from '../modelling/modelling.module';
import { PredictionEntity } from '../modelling/prediction.entity';
import { BinanceSpotClient } from './live/binance-spot.client';
import { SPOT_EXCHANGE_CLIENT } from './live/spot-exchange.client';
import { TradingControlService } from './trading-control.service';
import { TradingEngine } from './trading-engine.service';
import { TradingQueryService } from './trading-query.service';
import { TradingController } from './trading.controller';
import { TRADING_ENTITIES } from './trading.entities';
import { TradingScheduler } from './trading.scheduler';
import { readTradingSettings, TRADING_SETTINGS, type TradingSettings } from './trading.settings';
import { TradingStore } from './trading.store';

/**
 * Paper and live trading on the active models' predictions (see README.md). The exchange client exists only when
 * live trading is enabled by both opt-ins: in paper mode nothing in the app can reach an order endpoint.
 */
@Module({
  imports: [TypeOrmModule.forFeature([...TRADING_ENTITIES, PredictionEntity]), MarketDataModule, ModellingModule],
  controllers: [TradingController],
  providers: [
    { provide: TRADING_SETTINGS, inject: [ConfigService], useFactory: readTradingSettings },
    {
      provide: SPOT_EXCHANGE_CLIENT,
      inject: [TRADING_SETTINGS, ConfigService],
      useFactory: (settings: TradingSettings, config: ConfigService) => {
        if (!settings.liveEnabled || settings.binance === null) return null;
        new Logger('TradingModule').log(`Live exchange client for ${settings.binance.baseUrl}${settings.binance.testnet ? ' (testnet)' : ''}`);
        return new BinanceSpotClient({
          apiKey: settings.binance.apiKey,
          apiSecret: settings.binance.apiSecret,
          baseUrl: settings.binance.baseUrl,
          timeoutMs: config.getOrThrow<number>('BINANCE_REQUEST_TIMEOUT_MS'),
          recvWindowMs: 5_000,
          orderAttempts: 3,
          retryDelayMs: 200,
        });
      },
    },
    TradingStore,
    TradingEngine,
    TradingControlService,
    TradingQueryService,
    TradingScheduler,
  ],
  exports: [TradingEngine, TradingControlService],
})
export class TradingModule {}
