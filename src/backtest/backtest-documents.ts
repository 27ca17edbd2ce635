import { formatUnits, type StrategyConfig, type SymbolRules } from '../trading/core';
import type { PerformanceMetrics } from './engine/performance-metrics';

/** Strategy settings as the API names them (snake_case mirror of trading/core's StrategyConfig). */
export interface StrategySettings {
  position_fraction: number;
  stop_loss: number | null;
  take_profit: number | null;
  max_holding_candles: number | null;
  exit_on_sell: boolean;
  /** Candles of the momentum baseline's look-back (the model's label horizon). */
  momentum_horizon: number;
}

export function strategyConfigOf(settings: StrategySettings): StrategyConfig {
  return {
    positionFraction: settings.position_fraction,
    stopLoss: settings.stop_loss,
    takeProfit: settings.take_profit,
    maxHoldingCandles: settings.max_holding_candles,
    exitOnSell: settings.exit_on_sell,
  };
}

export interface SymbolRulesView {
  step_size: string;
  min_qty: string;
  /** "0.00000000" = no limit. */
  max_qty: string;
  min_notional: number;
  /** null = no limit for market orders. */
  max_notional: number | null;
  source: 'known_filters' | 'generic';
}

export function symbolRulesView(rules: SymbolRules, source: SymbolRulesView['source']): SymbolRulesView {
  return {
    step_size: formatUnits(rules.stepUnits),
    min_qty: formatUnits(rules.minQtyUnits),
    max_qty: formatUnits(rules.maxQtyUnits),
    min_notional: rules.minNotional,
    max_notional: Number.isFinite(rules.maxNotional) ? rules.maxNotional : null,
    source,
  };
}

/** The metrics of one strategy plus the buy-and-hold return of the same range, for comparison at a glance. */
export type BacktestMetrics = PerformanceMetrics & { buy_and_hold_return: number };

export interface BacktestBaselines {
  buy_and_hold: BacktestMetrics;
  always_flat: BacktestMetrics;
  momentum: BacktestMetrics;
}

export interface BacktestSummary {
  /** Stored candles in the range (the backtest's time line). */
  candles: number;
  first_time: number | null;
  last_time: number | null;
  /** Candles with a stored prediction of the model (the others are "no prediction": hold what you have). */
  predictions: number;
  candles_without_prediction: number;
  /** Predictions written by this run through the model's predict-range path (0 when all existed). */
  predictions_written: number;
  /** The model's training range, and whether the backtest range overlaps it (then the result is in-sample). */
  model_training_range: { start: number; end: number };
  overlaps_training: boolean;
  /** How long the simulation itself took (loading and storing excluded). */
  engine_ms: number;
}
