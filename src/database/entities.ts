import { KlineEntity } from '../market-data/kline.entity';
import { ActiveModelEntity } from '../modelling/active-model.entity';
import { ModelEntity } from '../modelling/model.entity';
import { PredictionEntity } from '../modelling/prediction.entity';

export const DATABASE_ENTITIES = [KlineEntity, ModelEntity, ActiveModelEntity, PredictionEntity];
