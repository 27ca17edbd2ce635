import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BACKTEST_STATUSES, type BacktestStatus } from '../backtest.entity';

export class BacktestCreatedResponse {
  @ApiProperty({ example: 12 }) id!: number;
  @ApiProperty({ enum: BACKTEST_STATUSES, example: 'queued' }) status!: BacktestStatus;
}

export class BacktestMetricsResponse {
  @ApiProperty({ example: 10000 }) initial_capital!: number;
  @ApiProperty({ example: 10423.5 }) final_equity!: number;
  @ApiProperty({ example: 0.04235, description: 'final_equity / initial_capital − 1' }) total_return!: number;
  @ApiProperty({ example: 0.087, description: '(1 + total_return)^(1/years) − 1; years from the first open to the last close (365.25 days)' }) cagr!: number;
  @ApiProperty({ example: 0.31, description: 'Total return of buy-and-hold over the same range and fill model' }) buy_and_hold_return!: number;
  @ApiProperty({ nullable: true, example: 0.9, description: 'Mean / sd of per-candle returns × √(candles per year); null on a flat curve' }) sharpe!: number | null;
  @ApiProperty({ nullable: true, example: 1.2, description: 'Mean / downside deviation × √(candles per year); null without a losing candle' }) sortino!: number | null;
  @ApiProperty({ example: 0.12, description: 'Largest fall from a running peak, 1 − equity/peak' }) max_drawdown!: number;
  @ApiProperty({ example: 1_209_600_000, description: 'Longest time below an earlier peak (peak → recovery, or → the last candle)' }) max_drawdown_duration_ms!: number;
  @ApiProperty({ nullable: true, example: 0.48 }) win_rate!: number | null;
  @ApiProperty({ nullable: true, example: 1.1, description: 'Gross profit / gross loss; null without a losing trade' }) profit_factor!: number | null;
  @ApiProperty({ nullable: true, example: 3.2, description: 'Mean pnl per round trip, quote asset' }) expectancy!: number | null;
  @ApiProperty({ nullable: true, example: 0.0003, description: 'Mean return_pct per round trip' }) expectancy_pct!: number | null;
  @ApiProperty({ example: 135 }) trades!: number;
  @ApiProperty({ example: 0.42, description: 'Share of candles closed with a position held' }) exposure!: number;
  @ApiProperty({ example: 2710.4 }) fees_paid!: number;
  @ApiProperty({ example: 4344 }) candles!: number;
  @ApiProperty({ example: 0, description: 'Orders refused by the lot-size / notional rules' }) rejected_orders!: number;
}

export class BacktestBaselinesResponse {
  @ApiProperty({ type: BacktestMetricsResponse, description: 'BUY at the first possible open, hold to the end' }) buy_and_hold!: BacktestMetricsResponse;
  @ApiProperty({ type: BacktestMetricsResponse, description: 'Never trades' }) always_flat!: BacktestMetricsResponse;
  @ApiProperty({ type: BacktestMetricsResponse, description: 'Prediction = sign of the last momentum_horizon-candle return, same strategy settings' })
  momentum!: BacktestMetricsResponse;
}

export class StrategySettingsResponse {
  @ApiProperty({ example: 1 }) position_fraction!: number;
  @ApiProperty({ nullable: true, example: null }) stop_loss!: number | null;
  @ApiProperty({ nullable: true, example: null }) take_profit!: number | null;
  @ApiProperty({ nullable: true, example: null }) max_holding_candles!: number | null;
  @ApiProperty({ example: true }) exit_on_sell!: boolean;
  @ApiProperty({ example: 4 }) momentum_horizon!: number;
}

export class SymbolRulesResponse {
  @ApiProperty({ example: '0.00001000' }) step_size!: string;
  @ApiProperty({ example: '0.00001000' }) min_qty!: string;
  @ApiProperty({ example: '97.92836420' }) max_qty!: string;
  @ApiProperty({ example: 5 }) min_notional!: number;
  @ApiProperty({ nullable: true, example: null }) max_notional!: number | null;
  @ApiProperty({ enum: ['known_filters', 'generic'] }) source!: string;
}

export class BacktestResponse {
  @ApiProperty({ example: 12 }) id!: number;
  @ApiProperty({ enum: BACKTEST_STATUSES }) status!: BacktestStatus;
  @ApiProperty({ nullable: true, example: 'simulating' }) stage!: string | null;
  @ApiProperty({ example: 3 }) model_id!: number;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ example: 1727049600000 }) start!: number;
  @ApiProperty({ example: 1743465600000 }) end!: number;
  @ApiProperty({ example: '2024-09-23T00:00:00.000Z' }) start_parsed!: string;
  @ApiProperty({ example: '2025-04-01T00:00:00.000Z' }) end_parsed!: string;
  @ApiProperty({ example: 0.001 }) fee_rate!: number;
  @ApiProperty({ example: 5 }) slippage_bps!: number;
  @ApiProperty({ example: 10000 }) initial_capital!: number;
  @ApiProperty({ type: StrategySettingsResponse }) strategy!: StrategySettingsResponse;
  @ApiProperty({ type: SymbolRulesResponse }) symbol_rules!: SymbolRulesResponse;
  @ApiProperty({ type: BacktestMetricsResponse, nullable: true }) metrics!: BacktestMetricsResponse | null;
  @ApiProperty({ type: BacktestBaselinesResponse, nullable: true }) baselines!: BacktestBaselinesResponse | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'candles, predictions found, candles_without_prediction, predictions_written, model_training_range, overlaps_training (true = in-sample), engine_ms',
  })
  summary!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true }) error!: string | null;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ example: '2026-12-01T08:00:00.000Z' }) created_at!: string;
  @ApiProperty({ nullable: true }) started_at!: string | null;
  @ApiProperty({ nullable: true }) finished_at!: string | null;
}

export class BacktestPageResponse {
  @ApiProperty({ type: [BacktestResponse] }) data!: BacktestResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next (older) page' }) next!: string | null;
}

export class EquityPointResponse {
  @ApiProperty({ example: 1727049600000, description: 'Open time of the candle; equity is valued at its close' }) time!: number;
  @ApiProperty({ example: '2024-09-23T00:00:00.000Z' }) time_parsed!: string;
  @ApiProperty({ example: 10012.3 }) equity!: number;
  @ApiProperty({ example: 10050.1 }) buy_and_hold_equity!: number;
  @ApiProperty({ example: 0.013, description: '1 − equity / running peak' }) drawdown!: number;
}

export class EquityPageResponse {
  @ApiProperty({ type: [EquityPointResponse] }) data!: EquityPointResponse[];
  @ApiProperty({ nullable: true, type: String }) next!: string | null;
  @ApiPropertyOptional({ example: 7778, description: 'With max_points: how many points the curve has (data holds at most max_points of them)' })
  total_points?: number;
  @ApiPropertyOptional({ example: false, description: 'With max_points: true when data is thinned (total_points > max_points)' })
  downsampled?: boolean;
}

export class TradeResponse {
  @ApiProperty({ example: 1 }) seq!: number;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: 'LONG' }) side!: string;
  @ApiProperty({ example: 1727056800000, description: 'Open time of the candle whose open the entry filled at' }) entry_time!: number;
  @ApiProperty({ example: '2024-09-23T02:00:00.000Z' }) entry_time_parsed!: string;
  @ApiProperty({ example: 1727071200000 }) exit_time!: number;
  @ApiProperty({ example: '2024-09-23T06:00:00.000Z' }) exit_time_parsed!: string;
  @ApiProperty({ example: 63412.7, description: 'After slippage' }) entry_price!: number;
  @ApiProperty({ example: 63620.1 }) exit_price!: number;
  @ApiProperty({ example: '0.15754000', description: 'Exact, a LOT_SIZE step multiple' }) quantity!: string;
  @ApiProperty({ example: 12.6, description: 'Exit value − entry value − both fees' }) pnl!: number;
  @ApiProperty({ example: 0.00126, description: 'pnl / (entry value + entry fee)' }) return_pct!: number;
  @ApiProperty({ example: 20.03 }) fees!: number;
  @ApiProperty({ enum: ['signal', 'stop_loss', 'take_profit', 'max_holding', 'end_of_data'] }) exit_reason!: string;
  @ApiProperty({ example: 4 }) candles_held!: number;
}

export class TradePageResponse {
  @ApiProperty({ type: [TradeResponse] }) data!: TradeResponse[];
  @ApiProperty({ nullable: true, type: String }) next!: string | null;
}
