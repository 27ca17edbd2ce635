import { BacktestEntity } from '../backtest/backtest.entity';
import { IngestionJobEntity } from '../ingestion/jobs/ingestion-job.entity';
import { KnownGapEntity } from '../market-data/known-gap.entity';
import { KlineEntity } from '../market-data/kline.entity';
import { ActiveModelEntity } from '../modelling/active-model.entity';
import { ModelEntity } from '../modelling/model.entity';
import { PredictionEntity } from '../modelling/prediction.entity';
import { TRADING_ENTITIES } from '../trading/trading.entities';

export const DATABASE_ENTITIES = [
  KlineEntity,
  ModelEntity,
  ActiveModelEntity,
  PredictionEntity,
  IngestionJobEntity,
  KnownGapEntity,
  BacktestEntity,
  ...TRADING_ENTITIES,
];
