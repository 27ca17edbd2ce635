import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

const decimalColumn = { type: 'decimal', precision: 36, scale: 8 } as const;

/**
 * One Binance candlestick. Decimals are kept as strings in Binance's eight-decimal form; times are epoch ms
 * (bigint columns, read back as numbers — they stay far below 2^53).
 */
@Entity({ name: 'klines' })
@Index('uq_klines_symbol_interval_open_time', ['symbol', 'interval', 'openTime'], { unique: true })
export class KlineEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @Column({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'bigint', name: 'open_time' })
  openTime!: string;

  @Column({ type: 'bigint', name: 'close_time' })
  closeTime!: string;

  @Column({ ...decimalColumn, name: 'open_price' })
  openPrice!: string;

  @Column({ ...decimalColumn, name: 'high_price' })
  highPrice!: string;

  @Column({ ...decimalColumn, name: 'low_price' })
  lowPrice!: string;

  @Column({ ...decimalColumn, name: 'close_price' })
  closePrice!: string;

  @Column({ ...decimalColumn, name: 'volume' })
  volume!: string;

  @Column({ ...decimalColumn, name: 'quote_asset_volume' })
  quoteAssetVolume!: string;

  @Column({ type: 'int', unsigned: true, name: 'number_of_trades' })
  numberOfTrades!: number;

  @Column({ ...decimalColumn, name: 'taker_buy_base_volume' })
  takerBuyBaseVolume!: string;

  @Column({ ...decimalColumn, name: 'taker_buy_quote_volume' })
  takerBuyQuoteVolume!: string;

  @Column({ type: 'datetime', precision: 3, name: 'kline_open_time_parsed' })
  klineOpenTimeParsed!: Date;

  @Column({ type: 'datetime', precision: 3, name: 'kline_close_time_parsed' })
  klineCloseTimeParsed!: Date;
}
