import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class RiskLimitsResponse {
  @ApiProperty({ example: 1000, description: 'TRADING_MAX_POSITION_NOTIONAL: largest entry in the quote asset (0 = none)' }) max_position_notional!: number;
  @ApiProperty({ example: 100, description: 'TRADING_MAX_DAILY_LOSS: no new entry after this loss in a UTC day (0 = none)' }) max_daily_loss!: number;
  @ApiProperty({ example: 10, description: 'TRADING_MAX_ORDERS_PER_HOUR: no new entry after this many orders in an hour (0 = none)' }) max_orders_per_hour!: number;
}

export class CandleRefResponse {
  @ApiProperty({ example: 1726981200000 }) open_time!: number;
  @ApiProperty({ example: '2024-09-22T05:00:00.000Z' }) open_time_parsed!: string;
}

export class StaleCandlesResponse {
  @ApiProperty({ example: 3, description: 'Candles this account reached only after TRADING_MAX_SIGNAL_AGE had passed: recorded for equity, no order decided on them' })
  count!: number;
  @ApiProperty({ type: CandleRefResponse, nullable: true, description: 'First candle of the newest such run (e.g. the first one missed during an outage)' })
  last_from!: CandleRefResponse | null;
  @ApiProperty({ type: CandleRefResponse, nullable: true, description: 'Last candle of the newest such run' })
  last_to!: CandleRefResponse | null;
}

export class TradingAccountResponse {
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ type: Number, nullable: true }) model_id!: number | null;
  @ApiProperty({ enum: ['flat', 'entry_pending', 'long', 'exit_pending'] }) phase!: string;
  @ApiProperty() cash!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'At the last processed close' }) equity!: number | null;
  @ApiProperty({ type: CandleRefResponse, nullable: true }) last_candle_processed!: CandleRefResponse | null;
  @ApiProperty({ type: StaleCandlesResponse }) stale_candles!: StaleCandlesResponse;
}

export class TradingStatusResponse {
  @ApiProperty({ enum: ['paper', 'live'] }) mode!: string;
  @ApiProperty({ description: 'TRADING_MODE=live and TRADING_LIVE_CONFIRM=I_UNDERSTAND_REAL_ORDERS are both set' }) live_enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Why paper runs although live was asked for' }) paper_because!: string | null;
  @ApiProperty() killed!: boolean;
  @ApiProperty({ type: String, nullable: true }) killed_reason!: string | null;
  @ApiProperty({ type: Number, nullable: true }) killed_changed_at!: number | null;
  @ApiProperty({ type: [String], example: ['BTCUSDT'] }) symbols!: string[];
  @ApiProperty({ type: RiskLimitsResponse }) risk_limits!: RiskLimitsResponse;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: 'TRADING_MAX_SIGNAL_AGE in ms: a candle decides an order only until this long after its close (null: one interval of the pair)',
  })
  max_signal_age_ms!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/CandleRefResponse' }, example: { 'BTCUSDT 1h': { open_time: 1726981200000, open_time_parsed: '2024-09-22T05:00:00.000Z' } } })
  last_candle_processed!: Record<string, CandleRefResponse>;
  @ApiProperty({ type: [TradingAccountResponse] }) accounts!: TradingAccountResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Live: the trading host (never a key)' }) exchange_base_url!: string | null;
}

export class PositionResponse {
  @ApiProperty({ enum: ['paper', 'live'] }) mode!: string;
  @ApiProperty() symbol!: string;
  @ApiProperty() interval!: string;
  @ApiProperty({ example: '0.01234000' }) quantity!: string;
  @ApiProperty() entry_price!: number;
  @ApiProperty() entry_time!: number;
  @ApiProperty() entry_time_parsed!: string;
  @ApiProperty() candles_held!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Quantity × the close of the last processed candle' }) position_value!: number | null;
}

export class PositionPageResponse {
  @ApiProperty({ type: [PositionResponse] }) data!: PositionResponse[];
  @ApiProperty({ type: String, nullable: true }) next!: string | null;
}

export class OrderResponse {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ['paper', 'live'] }) mode!: string;
  @ApiProperty({ example: 'opa_lf3k2w00_en_1a2b3c4d5e6f', description: 'Derived from symbol, interval, decision candle and purpose' }) client_order_id!: string;
  @ApiProperty({ type: String, nullable: true }) exchange_order_id!: string | null;
  @ApiProperty() symbol!: string;
  @ApiProperty() interval!: string;
  @ApiProperty({ enum: ['BUY', 'SELL'] }) side!: string;
  @ApiProperty({ example: 'MARKET' }) type!: string;
  @ApiProperty({ enum: ['signal', 'stop_loss', 'take_profit', 'max_holding'] }) reason!: string;
  @ApiProperty({ enum: ['PENDING_NEW', 'UNKNOWN', 'NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) quantity!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'BUY: quote to spend, fees included' }) quote_budget!: number | null;
  @ApiProperty() filled_quantity!: string;
  @ApiProperty({ type: Number, nullable: true }) price!: number | null;
  @ApiProperty({ type: Number, nullable: true }) avg_fill_price!: number | null;
  @ApiProperty() fee!: number;
  @ApiProperty({ description: 'Open time of the decision candle' }) decided_at!: number;
  @ApiProperty() decided_at_parsed!: string;
  @ApiProperty() time!: number;
  @ApiProperty() time_parsed!: string;
  @ApiProperty({ type: Number, nullable: true }) model_id!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it was refused or dropped' }) error!: string | null;
}

export class OrderPageResponse {
  @ApiProperty({ type: [OrderResponse] }) data!: OrderResponse[];
  @ApiProperty({ type: String, nullable: true }) next!: string | null;
}

export class FillResponse {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ['paper', 'live'] }) mode!: string;
  @ApiProperty() client_order_id!: string;
  @ApiProperty() trade_id!: string;
  @ApiProperty() symbol!: string;
  @ApiProperty() interval!: string;
  @ApiProperty({ enum: ['BUY', 'SELL'] }) side!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() price!: number;
  @ApiProperty() quantity!: string;
  @ApiProperty() notional!: number;
  @ApiProperty({ description: 'In the quote asset' }) fee!: number;
  @ApiProperty() fee_asset!: string;
  @ApiProperty() time!: number;
  @ApiProperty() time_parsed!: string;
}

export class FillPageResponse {
  @ApiProperty({ type: [FillResponse] }) data!: FillResponse[];
  @ApiProperty({ type: String, nullable: true }) next!: string | null;
}

export class EquityPointResponse {
  @ApiProperty({ description: 'Close time of the candle' }) time!: number;
  @ApiProperty() time_parsed!: string;
  @ApiProperty() symbol!: string;
  @ApiProperty() interval!: string;
  @ApiProperty() equity!: number;
  @ApiProperty() cash!: number;
  @ApiProperty() position_value!: number;
}

export class EquityPageResponse {
  @ApiProperty({ type: [EquityPointResponse] }) data!: EquityPointResponse[];
  @ApiProperty({ type: String, nullable: true }) next!: string | null;
  @ApiPropertyOptional({ example: 10633, description: 'With max_points: how many points the curve has (data holds at most max_points of them)' })
  total_points?: number;
  @ApiPropertyOptional({ example: true, description: 'With max_points: true when data is thinned (total_points > max_points)' })
  downsampled?: boolean;
}

export class KillResponse {
  @ApiProperty({ example: true }) killed!: boolean;
  @ApiProperty({ description: 'Orders cancelled' }) cancelled_orders!: number;
  @ApiProperty({ type: [String], description: 'Live: symbols whose cancel failed (kill again to retry)' }) failed_symbols!: string[];
}

export class ResumeResponse {
  @ApiProperty({ example: false }) killed!: boolean;
}
