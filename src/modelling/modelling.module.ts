import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MarketDataModule } from '../market-data/market-data.module';
import { JobsModule } from '../platform/jobs';
import { ActiveModelEntity } from './active-model.entity';
import { ModelCandleLoader } from './model-candle.loader';
import { ModelRegistryService } from './model-registry.service';
import { ModelRetrainService } from './model-retrain.service';
import { ModelTrainingService } from './model-training.service';
import { ModelEntity } from './model.entity';
import { ModellingScheduler } from './modelling.scheduler';
import { ModelsController } from './models.controller';
import { PredictionEntity } from './prediction.entity';
import { PredictionsController } from './predictions.controller';
import { PredictionsService } from './predictions.service';

/**
 * Random-forest models on stored klines: registry, background training, walk-forward metrics, activation,
 * predictions (PredictionsService.predictLatest is the hook for newly closed candles) and scheduled retraining.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ModelEntity, ActiveModelEntity, PredictionEntity]), MarketDataModule, JobsModule],
  controllers: [ModelsController, PredictionsController],
  providers: [ModelCandleLoader, ModelRegistryService, ModelTrainingService, PredictionsService, ModelRetrainService, ModellingScheduler],
  exports: [ModelRegistryService, ModelTrainingService, PredictionsService, ModelRetrainService],
})
export class ModellingModule {}
