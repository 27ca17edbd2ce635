import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModellingModule } from '../modelling/modelling.module';
import { JobsModule } from '../platform/jobs';
import { BacktestDataLoader } from './backtest-data.loader';
import { BacktestEntity } from './backtest.entity';
import { BacktestRunnerService } from './backtest-runner.service';
import { BacktestStore } from './backtest-store';
import { BacktestsController } from './backtests.controller';

/** Backtests of stored models on stored klines through trading/core's strategy and fill model (see README.md). */
@Module({
  imports: [TypeOrmModule.forFeature([BacktestEntity]), MarketDataModule, ModellingModule, JobsModule],
  controllers: [BacktestsController],
  providers: [BacktestStore, BacktestDataLoader, BacktestRunnerService],
  exports: [BacktestStore, BacktestRunnerService],
})
export class BacktestModule {}
