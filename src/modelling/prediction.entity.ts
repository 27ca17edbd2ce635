import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TradeSignal } from './core';
import { bigintAsNumber } from './entity-columns';

/** One model decision at the close of one candle; (model_id, open_time) is unique and rewritten by upserts. */
@Entity({ name: 'predictions' })
@Index('ix_predictions_symbol_interval_open_time', ['symbol', 'interval', 'openTime'])
export class PredictionEntity {
  @PrimaryColumn({ type: 'bigint', name: 'model_id', transformer: bigintAsNumber })
  modelId!: number;

  @PrimaryColumn({ type: 'bigint', name: 'open_time', transformer: bigintAsNumber })
  openTime!: number;

  @Column({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @Column({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'varchar', length: 4, name: 'trade_signal' })
  signal!: TradeSignal;

  @Column({ type: 'double', name: 'prob_sell' })
  probSell!: number;

  /** null when the model has no HOLD class. */
  @Column({ type: 'double', name: 'prob_hold', nullable: true })
  probHold!: number | null;

  @Column({ type: 'double', name: 'prob_buy' })
  probBuy!: number;

  @Column({ type: 'varchar', length: 64, name: 'feature_hash' })
  featureHash!: string;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintAsNumber })
  createdAt!: number;
}
