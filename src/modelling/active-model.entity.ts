import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './entity-columns';

/** Which model predicts for a symbol × interval: at most one row per pair (primary key). */
@Entity({ name: 'active_models' })
export class ActiveModelEntity {
  @PrimaryColumn({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'bigint', name: 'model_id', transformer: bigintAsNumber })
  modelId!: number;

  @Column({ type: 'bigint', name: 'activated_at', transformer: bigintAsNumber })
  activatedAt!: number;

  /** 'api' (POST /api/models/:id/activate) or the scheduled promotion's explanation. */
  @Column({ type: 'varchar', length: 255, name: 'reason' })
  reason!: string;
}
