import {
  type ClosedTrade,
  type CoreCandle,
  createStrategyState,
  emptyStepEvents,
  type Fill,
  liquidate,
  type SimulatedMarket,
  type StrategyConfig,
  stepCandle,
  type TradeSignal,
  DEFAULT_STRATEGY_CONFIG,
} from '../../trading/core';
import { computeMetrics, type PerformanceMetrics } from './performance-metrics';

/** Candles of one symbol × interval in columns (oldest first), so a million of them cost 40 MB and no objects. */
export interface CandleSeries {
  symbol: string;
  intervalMs: number;
  openTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** Prediction of each candle as a code: 0 none, 1 SELL, 2 HOLD, 3 BUY. */
export const SIGNAL_CODES: Readonly<Record<TradeSignal, number>> = { SELL: 1, HOLD: 2, BUY: 3 };
const SIGNAL_OF: ReadonlyArray<TradeSignal | null> = [null, 'SELL', 'HOLD', 'BUY'];

export interface StrategyRun {
  /** Equity at each candle's close (the last one after the end-of-data exit). */
  equity: Float64Array;
  trades: ClosedTrade[];
  fills: Fill[];
  metrics: PerformanceMetrics;
}

export interface RunOptions {
  config: StrategyConfig;
  market: SimulatedMarket;
  initialCapital: number;
  /** Keep every fill (the API stores trades only; the tests look at fills). */
  keepFills?: boolean;
}

/**
 * One strategy over history through trading/core's stepCandle: the order decided at candle t's close fills at
 * candle t+1's open. After the last candle a still-open position is sold at its close (`end_of_data`).
 */
export function runStrategy(series: CandleSeries, signals: Int8Array, options: RunOptions): StrategyRun {
  const n = series.openTime.length;
  if (signals.length !== n) throw new RangeError(`${signals.length} signals for ${n} candles`);
  const state = createStrategyState(series.symbol, options.initialCapital);
  const events = emptyStepEvents();
  const equity = new Float64Array(n);
  const trades: ClosedTrade[] = [];
  const fills: Fill[] = [];
  let rejected = 0;
  let inPosition = 0;
  const candle: CoreCandle = { openTime: 0, open: 0, high: 0, low: 0, close: 0 };
  const { openTime, open, high, low, close } = series;
  for (let i = 0; i < n; i++) {
    candle.openTime = openTime[i];
    candle.open = open[i];
    candle.high = high[i];
    candle.low = low[i];
    candle.close = close[i];
    stepCandle(state, candle, SIGNAL_OF[signals[i]], options.config, options.market, events);
    if (events.fill !== null) {
      if (options.keepFills) fills.push(events.fill);
      if (events.trade !== null) trades.push(events.trade);
    } else if (events.rejection !== null) {
      rejected++;
    }
    const position = state.position;
    if (position === null) {
      equity[i] = state.cash;
    } else {
      inPosition++;
      equity[i] = state.cash + position.quantityNumber * close[i];
    }
  }
  if (n > 0) {
    const closed = liquidate(state, close[n - 1], openTime[n - 1] + series.intervalMs, options.market);
    if (closed !== null) {
      trades.push(closed.trade);
      if (options.keepFills) fills.push(closed.fill);
      equity[n - 1] = state.cash;
    }
  }
  const metrics = computeMetrics({
    initialCapital: options.initialCapital,
    equity,
    openTime,
    intervalMs: series.intervalMs,
    trades,
    candlesInPosition: inPosition,
    feesPaid: state.feesPaid,
    rejectedOrders: rejected,
  });
  return { equity, trades, fills, metrics };
}

/** BUY on every candle: with exits off, one entry at the second candle's open held to the end. */
export function buyAndHoldSignals(n: number): Int8Array {
  return new Int8Array(n).fill(SIGNAL_CODES.BUY);
}

/** BUY when close(t) > close(t − H), SELL when below, HOLD when equal; none for the first H candles. */
export function momentumSignals(close: Float64Array, horizon: number): Int8Array {
  const signals = new Int8Array(close.length);
  for (let i = horizon; i < close.length; i++) {
    const change = close[i] - close[i - horizon];
    signals[i] = change > 0 ? SIGNAL_CODES.BUY : change < 0 ? SIGNAL_CODES.SELL : SIGNAL_CODES.HOLD;
  }
  return signals;
}

export interface BacktestResult {
  model: StrategyRun;
  baselines: { buy_and_hold: StrategyRun; always_flat: StrategyRun; momentum: StrategyRun };
}

/**
 * The model's predictions and three baselines over the same candles and the same fill model:
 * buy-and-hold (enter at the first possible open, no exits), always flat (never trades), and momentum (the sign of
 * the last `momentumHorizon`-candle return as the prediction, with the model's strategy settings).
 */
export function runBacktest(series: CandleSeries, modelSignals: Int8Array, options: RunOptions & { momentumHorizon: number }): BacktestResult {
  const n = series.openTime.length;
  return {
    model: runStrategy(series, modelSignals, options),
    baselines: {
      buy_and_hold: runStrategy(series, buyAndHoldSignals(n), { ...options, config: { ...DEFAULT_STRATEGY_CONFIG } }),
      always_flat: runStrategy(series, new Int8Array(n), options),
      momentum: runStrategy(series, momentumSignals(series.close, options.momentumHorizon), options),
    },
  };
}
