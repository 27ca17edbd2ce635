import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A run of candles Binance does not have (the exchange was down): a request for exactly this range came back without
 * a candle. Table from migration CreateIngestion1764090000000; read and written by KnownGapRepository.
 */
@Entity({ name: 'kline_known_gaps' })
export class KnownGapEntity {
  @PrimaryColumn({ type: 'varchar', length: 20, name: 'symbol' }) symbol!: string;
  @PrimaryColumn({ type: 'varchar', length: 3, name: 'interval' }) interval!: string;
  @PrimaryColumn({ type: 'bigint', name: 'from_open_time' }) fromOpenTime!: string;
  @Column({ type: 'bigint', name: 'to_open_time' }) toOpenTime!: string;
  @Column({ type: 'int', name: 'missing' }) missing!: number;
  @Column({ type: 'bigint', name: 'confirmed_at' }) confirmedAt!: string;
}
