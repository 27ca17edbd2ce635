import type { ClosedTrade } from '../../trading/core';

/** 365.25 days: crypto trades around the clock, so a year holds 8 766 hourly candles. */
export const YEAR_MS = 365.25 * 24 * 3_600_000;

/** The report of one strategy over one range (all fractions, money in the quote asset). */
export interface PerformanceMetrics {
  initial_capital: number;
  final_equity: number;
  /** final_equity / initial_capital − 1. */
  total_return: number;
  /** (1 + total_return)^(1 / years) − 1, years = span of the candles (first open → last close). */
  cagr: number;
  /** Mean per-candle return ÷ its standard deviation (n − 1) × √(candles per year); null when the curve is flat. */
  sharpe: number | null;
  /** Mean per-candle return ÷ downside deviation √(Σ min(r, 0)² / n) × √(candles per year); null without losses. */
  sortino: number | null;
  /** Largest fall from a running peak, 1 − equity / peak (0.25 = −25 %). */
  max_drawdown: number;
  /** Longest time the equity stayed below an earlier peak: from the peak candle to the candle that regained it (or the last). */
  max_drawdown_duration_ms: number;
  /** Share of round trips with pnl > 0; null without trades. */
  win_rate: number | null;
  /** Gross profit ÷ gross loss; null without a losing trade. */
  profit_factor: number | null;
  /** Mean pnl per round trip, in the quote asset; null without trades. */
  expectancy: number | null;
  /** Mean return_pct per round trip; null without trades. */
  expectancy_pct: number | null;
  trades: number;
  /** Share of candles that closed with a position held. */
  exposure: number;
  fees_paid: number;
  candles: number;
  /** Orders the lot/notional rules refused. */
  rejected_orders: number;
}

export interface MetricsInput {
  initialCapital: number;
  /** Equity at the close of each candle (the last one after the end-of-data exit). */
  equity: Float64Array;
  openTime: Float64Array;
  intervalMs: number;
  trades: readonly ClosedTrade[];
  candlesInPosition: number;
  feesPaid: number;
  rejectedOrders: number;
}

export function computeMetrics(input: MetricsInput): PerformanceMetrics {
  const { equity, openTime, intervalMs, initialCapital, trades } = input;
  const n = equity.length;
  const finalEquity = n === 0 ? initialCapital : equity[n - 1];
  const totalReturn = finalEquity / initialCapital - 1;
  const spanMs = n === 0 ? 0 : openTime[n - 1] + intervalMs - openTime[0];
  const years = spanMs / YEAR_MS;
  const cagr = years > 0 ? (finalEquity > 0 ? Math.pow(finalEquity / initialCapital, 1 / years) - 1 : -1) : 0;

  let sum = 0;
  let previous = initialCapital;
  for (let i = 0; i < n; i++) {
    sum += equity[i] / previous - 1;
    previous = equity[i];
  }
  const mean = n > 0 ? sum / n : 0;
  let squares = 0;
  let downside = 0;
  previous = initialCapital;
  for (let i = 0; i < n; i++) {
    const r = equity[i] / previous - 1;
    previous = equity[i];
    squares += (r - mean) * (r - mean);
    if (r < 0) downside += r * r;
  }
  const periodsPerYear = YEAR_MS / intervalMs;
  const std = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  const downsideDeviation = n > 0 ? Math.sqrt(downside / n) : 0;

  let peak = initialCapital;
  let peakTime = n > 0 ? openTime[0] : 0;
  let maxDrawdown = 0;
  let maxDuration = 0;
  let underwater = false;
  for (let i = 0; i < n; i++) {
    const value = equity[i];
    if (value >= peak) {
      if (underwater) maxDuration = Math.max(maxDuration, openTime[i] - peakTime);
      underwater = false;
      peak = value;
      peakTime = openTime[i];
    } else {
      underwater = true;
      const drawdown = 1 - value / peak;
      if (drawdown > maxDrawdown) maxDrawdown = drawdown;
    }
  }
  if (underwater) maxDuration = Math.max(maxDuration, openTime[n - 1] - peakTime);

  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let pnlSum = 0;
  let returnSum = 0;
  for (const trade of trades) {
    pnlSum += trade.pnl;
    returnSum += trade.returnPct;
    if (trade.pnl > 0) {
      wins++;
      grossProfit += trade.pnl;
    } else {
      grossLoss -= trade.pnl;
    }
  }
  const count = trades.length;
  return {
    initial_capital: initialCapital,
    final_equity: finalEquity,
    total_return: totalReturn,
    cagr,
    sharpe: std > 0 ? (mean / std) * Math.sqrt(periodsPerYear) : null,
    sortino: downsideDeviation > 0 ? (mean / downsideDeviation) * Math.sqrt(periodsPerYear) : null,
    max_drawdown: maxDrawdown,
    max_drawdown_duration_ms: maxDuration,
    win_rate: count > 0 ? wins / count : null,
    profit_factor: grossLoss > 0 ? grossProfit / grossLoss : null,
    expectancy: count > 0 ? pnlSum / count : null,
    expectancy_pct: count > 0 ? returnSum / count : null,
    trades: count,
    exposure: n > 0 ? input.candlesInPosition / n : 0,
    fees_paid: input.feesPaid,
    candles: n,
    rejected_orders: input.rejectedOrders,
  };
}

/** Drawdown of each point against the running peak (starting from the initial capital): 1 − equity / peak. */
export function drawdownCurve(equity: Float64Array, initialCapital: number): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = initialCapital;
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    out[i] = 1 - equity[i] / peak;
  }
  return out;
}
