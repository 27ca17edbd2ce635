import { KlineEntity } from '../market-data/kline.entity';

export const DATABASE_ENTITIES = [KlineEntity];
