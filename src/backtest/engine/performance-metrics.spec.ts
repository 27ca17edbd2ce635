import type { ClosedTrade } from '../../trading/core';
import { computeMetrics, drawdownCurve, YEAR_MS } from './performance-metrics';

const trade = (pnl: number, returnPct: number): ClosedTrade => ({
  symbol: 'X', side: 'LONG', entryTime: 0, exitTime: 1, entryPrice: 1, exitPrice: 1, quantity: '1.00000000', quantityNumber: 1,
  pnl, returnPct, fees: 0, exitReason: 'signal', candlesHeld: 1,
});

describe('computeMetrics (hand-computed cases)', () => {
  // Three candles of a third of a year each: 100 → 110 → 99 → 121.
  const interval = YEAR_MS / 3;
  const base = {
    initialCapital: 100,
    equity: Float64Array.from([110, 99, 121]),
    openTime: Float64Array.from([0, interval, 2 * interval]),
    intervalMs: interval,
    trades: [trade(10, 0.1), trade(-5, -0.05), trade(3, 0.03)],
    candlesInPosition: 2,
    feesPaid: 1.5,
    rejectedOrders: 1,
  };

  it('returns, risk ratios, drawdown and trade statistics', () => {
    const m = computeMetrics(base);
    expect(m.final_equity).toBe(121);
    expect(m.total_return).toBeCloseTo(0.21, 12);
    // One year exactly: CAGR = total return.
    expect(m.cagr).toBeCloseTo(0.21, 12);
    // Per-candle returns +0.1, −0.1, +2/9: mean 2/27, sample sd 0.162668083…, 3 candles a year.
    expect(m.sharpe).toBeCloseTo((2 / 27 / 0.16266808337776115) * Math.sqrt(3), 10);
    expect(m.sharpe).toBeCloseTo(0.78872300672, 9);
    // Downside deviation √(0.1² / 3) → Sortino = (2/27) / (0.1/√3) × √3 = 20/9.
    expect(m.sortino).toBeCloseTo(20 / 9, 10);
    // Peak 110 → 99: 10 %; under water from the first candle until the third regains 110.
    expect(m.max_drawdown).toBeCloseTo(0.1, 12);
    expect(m.max_drawdown_duration_ms).toBe(2 * interval);
    expect(m.win_rate).toBeCloseTo(2 / 3, 12);
    expect(m.profit_factor).toBeCloseTo(13 / 5, 12);
    expect(m.expectancy).toBeCloseTo(8 / 3, 12);
    expect(m.expectancy_pct).toBeCloseTo(0.08 / 3, 12);
    expect(m).toMatchObject({ trades: 3, candles: 3, fees_paid: 1.5, rejected_orders: 1, initial_capital: 100 });
    expect(m.exposure).toBeCloseTo(2 / 3, 12);
  });

  it('CAGR compounds over the span: doubling in two years is √2 − 1 a year', () => {
    const m = computeMetrics({ ...base, equity: Float64Array.from([150, 200]), openTime: Float64Array.from([0, YEAR_MS]), intervalMs: YEAR_MS });
    expect(m.cagr).toBeCloseTo(Math.SQRT2 - 1, 12);
  });

  it('counts a drawdown that never recovers up to the last candle', () => {
    const m = computeMetrics({ ...base, equity: Float64Array.from([120, 90, 60, 100]), openTime: Float64Array.from([0, 10, 20, 30]), intervalMs: 10 });
    expect(m.max_drawdown).toBeCloseTo(0.5, 12);
    expect(m.max_drawdown_duration_ms).toBe(30);
    expect(Array.from(drawdownCurve(Float64Array.from([120, 90, 60, 100]), 100))).toEqual([0, 0.25, 0.5, 1 - 100 / 120]);
  });

  it('gives nulls, not infinities, where a ratio has no denominator', () => {
    const flat = computeMetrics({ ...base, equity: Float64Array.from([100, 100, 100]), trades: [], candlesInPosition: 0, feesPaid: 0, rejectedOrders: 0 });
    expect(flat).toMatchObject({
      total_return: 0, cagr: 0, sharpe: null, sortino: null, max_drawdown: 0, max_drawdown_duration_ms: 0,
      win_rate: null, profit_factor: null, expectancy: null, trades: 0, exposure: 0,
    });
    const onlyWins = computeMetrics({ ...base, trades: [trade(1, 0.01)] });
    expect(onlyWins.profit_factor).toBeNull();
    expect(onlyWins.win_rate).toBe(1);
  });

  it('reports a wiped-out account as −100 % a year', () => {
    expect(computeMetrics({ ...base, equity: Float64Array.from([50, 0, 0]) }).cagr).toBe(-1);
  });
});
