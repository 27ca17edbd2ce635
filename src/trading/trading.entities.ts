import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../modelling/entity-columns';

/** 'paper' or 'live': every trading table keeps the two apart. */
export type TradingMode = 'paper' | 'live';

/** Strategy state of one mode × symbol × interval (see migrations/1764130000000-create-trading.ts). */
@Entity({ name: 'trading_accounts' })
export class TradingAccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 5, name: 'mode' })
  mode!: TradingMode;

  @PrimaryColumn({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'bigint', name: 'model_id', nullable: true, transformer: bigintAsNumber })
  modelId!: number | null;

  /** StrategyState as JSON, bigint quantities as strings (see strategy-state-codec.ts). */
  @Column({ type: 'text', name: 'state' })
  state!: string;

  @Column({ type: 'bigint', name: 'last_candle_open_time', nullable: true, transformer: bigintAsNumber })
  lastCandleOpenTime!: number | null;

  /** Candles that were too old to decide when reached (TRADING_MAX_SIGNAL_AGE): recorded for equity only. */
  @Column({ type: 'bigint', name: 'stale_candles', default: 0, transformer: bigintAsNumber })
  staleCandles!: number;

  /** Open times of the first and last candle of the newest such run, or null when there was none. */
  @Column({ type: 'bigint', name: 'last_stale_from', nullable: true, transformer: bigintAsNumber })
  lastStaleFrom!: number | null;

  @Column({ type: 'bigint', name: 'last_stale_to', nullable: true, transformer: bigintAsNumber })
  lastStaleTo!: number | null;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'bigint', name: 'updated_at', transformer: bigintAsNumber })
  updatedAt!: number;
}

/**
 * PENDING_NEW: decided and stored, not yet acknowledged by the exchange (live) or waiting for the next open (paper).
 * UNKNOWN: sent, outcome not known (network failure); reconciled by client id. The rest are Binance's statuses.
 */
export type TradingOrderStatus = 'PENDING_NEW' | 'UNKNOWN' | 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export const OPEN_ORDER_STATUSES: readonly TradingOrderStatus[] = ['PENDING_NEW', 'UNKNOWN', 'NEW', 'PARTIALLY_FILLED'];

@Entity({ name: 'trading_orders' })
export class TradingOrderEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', name: 'id' })
  id!: number;

  @Column({ type: 'varchar', length: 5, name: 'mode' })
  mode!: TradingMode;

  @Column({ type: 'varchar', length: 36, name: 'client_order_id' })
  clientOrderId!: string;

  @Column({ type: 'varchar', length: 32, name: 'exchange_order_id', nullable: true })
  exchangeOrderId!: string | null;

  @Column({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @Column({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'varchar', length: 4, name: 'side' })
  side!: 'BUY' | 'SELL';

  @Column({ type: 'varchar', length: 10, name: 'type' })
  type!: string;

  @Column({ type: 'varchar', length: 16, name: 'reason' })
  reason!: string;

  @Column({ type: 'varchar', length: 16, name: 'status' })
  status!: TradingOrderStatus;

  /** SELL: the exact quantity; BUY: the filled quantity once known. */
  @Column({ type: 'varchar', length: 32, name: 'quantity', nullable: true })
  quantity!: string | null;

  /** BUY: quote asset to spend, fees included. */
  @Column({ type: 'double', name: 'quote_budget', nullable: true })
  quoteBudget!: number | null;

  @Column({ type: 'varchar', length: 32, name: 'filled_quantity' })
  filledQuantity!: string;

  @Column({ type: 'double', name: 'avg_fill_price', nullable: true })
  avgFillPrice!: number | null;

  @Column({ type: 'double', name: 'fee' })
  fee!: number;

  /** Open time of the candle whose close produced the decision. */
  @Column({ type: 'bigint', name: 'decided_at', transformer: bigintAsNumber })
  decidedAt!: number;

  @Column({ type: 'bigint', name: 'model_id', nullable: true, transformer: bigintAsNumber })
  modelId!: number | null;

  @Column({ type: 'varchar', length: 500, name: 'error', nullable: true })
  error!: string | null;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'bigint', name: 'updated_at', transformer: bigintAsNumber })
  updatedAt!: number;
}

@Entity({ name: 'trading_fills' })
export class TradingFillEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', name: 'id' })
  id!: number;

  @Column({ type: 'varchar', length: 5, name: 'mode' })
  mode!: TradingMode;

  @Column({ type: 'varchar', length: 36, name: 'client_order_id' })
  clientOrderId!: string;

  @Column({ type: 'varchar', length: 32, name: 'trade_id' })
  tradeId!: string;

  @Column({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @Column({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'varchar', length: 4, name: 'side' })
  side!: 'BUY' | 'SELL';

  @Column({ type: 'varchar', length: 16, name: 'reason' })
  reason!: string;

  @Column({ type: 'double', name: 'price' })
  price!: number;

  @Column({ type: 'varchar', length: 32, name: 'quantity' })
  quantity!: string;

  @Column({ type: 'double', name: 'notional' })
  notional!: number;

  /** In the quote asset. */
  @Column({ type: 'double', name: 'fee' })
  fee!: number;

  @Column({ type: 'varchar', length: 16, name: 'fee_asset' })
  feeAsset!: string;

  @Column({ type: 'bigint', name: 'time', transformer: bigintAsNumber })
  time!: number;
}

@Entity({ name: 'trading_trades' })
export class TradingTradeEntity {
  @PrimaryColumn({ type: 'varchar', length: 5, name: 'mode' })
  mode!: TradingMode;

  @PrimaryColumn({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @PrimaryColumn({ type: 'bigint', name: 'entry_time', transformer: bigintAsNumber })
  entryTime!: number;

  @Column({ type: 'bigint', name: 'exit_time', transformer: bigintAsNumber })
  exitTime!: number;

  @Column({ type: 'double', name: 'entry_price' })
  entryPrice!: number;

  @Column({ type: 'double', name: 'exit_price' })
  exitPrice!: number;

  @Column({ type: 'varchar', length: 32, name: 'quantity' })
  quantity!: string;

  @Column({ type: 'double', name: 'pnl' })
  pnl!: number;

  @Column({ type: 'double', name: 'return_pct' })
  returnPct!: number;

  @Column({ type: 'double', name: 'fees' })
  fees!: number;

  @Column({ type: 'varchar', length: 16, name: 'exit_reason' })
  exitReason!: string;
}

@Entity({ name: 'trading_equity' })
export class TradingEquityEntity {
  @PrimaryColumn({ type: 'varchar', length: 5, name: 'mode' })
  mode!: TradingMode;

  @PrimaryColumn({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  /** Close time of the candle (its open time + interval). */
  @PrimaryColumn({ type: 'bigint', name: 'time', transformer: bigintAsNumber })
  time!: number;

  @Column({ type: 'double', name: 'equity' })
  equity!: number;

  @Column({ type: 'double', name: 'cash' })
  cash!: number;

  @Column({ type: 'double', name: 'position_value' })
  positionValue!: number;
}

@Entity({ name: 'trading_control' })
export class TradingControlEntity {
  @PrimaryColumn({ type: 'varchar', length: 16, name: 'id' })
  id!: string;

  @Column({ type: 'boolean', name: 'killed' })
  killed!: boolean;

  @Column({ type: 'varchar', length: 200, name: 'reason', nullable: true })
  reason!: string | null;

  @Column({ type: 'bigint', name: 'changed_at', transformer: bigintAsNumber })
  changedAt!: number;
}

export const TRADING_ENTITIES = [TradingAccountEntity, TradingOrderEntity, TradingFillEntity, TradingTradeEntity, TradingEquityEntity, TradingControlEntity];
