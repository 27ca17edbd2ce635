import { DEFAULT_STRATEGY_CONFIG, defaultSymbolRules, type SimulatedMarket } from '../../trading/core';
import { buyAndHoldSignals, type CandleSeries, momentumSignals, runBacktest, runStrategy, SIGNAL_CODES } from './backtest-engine';

const H = 3_600_000;
const MARKET: SimulatedMarket = { rules: defaultSymbolRules('BTCUSDT'), fill: { feeRate: 0.001, slippageBps: 5 } };

function randomSeries(n: number, seed: number): CandleSeries {
  let x = seed;
  const next = () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const s: CandleSeries = {
    symbol: 'BTCUSDT', intervalMs: H, openTime: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n),
  };
  let price = 30_000;
  for (let i = 0; i < n; i++) {
    s.openTime[i] = 1_700_000_000_000 - (1_700_000_000_000 % H) + i * H;
    s.open[i] = price;
    price *= 1 + (next() - 0.5) * 0.02;
    s.close[i] = price;
    s.high[i] = Math.max(s.open[i], price) * 1.002;
    s.low[i] = Math.min(s.open[i], price) * 0.998;
  }
  return s;
}

function randomSignals(n: number, seed: number): Int8Array {
  let x = seed;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 + (((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) >> 8) % 3);
  return out;
}

describe('backtest engine', () => {
  const series = randomSeries(3000, 3);
  const options = { config: DEFAULT_STRATEGY_CONFIG, market: MARKET, initialCapital: 10_000, momentumHorizon: 4, keepFills: true };

  it("is internally consistent: equity end = initial × (1 + total_return) = cash after the round trips", () => {
    const run = runStrategy(series, randomSignals(3000, 9), options);
    const m = run.metrics;
    expect(m.trades).toBe(run.trades.length);
    expect(m.trades).toBeGreaterThan(100);
    expect(run.equity[2999]).toBeCloseTo(10_000 * (1 + m.total_return), 6);
    const pnl = run.trades.reduce((sum, t) => sum + t.pnl, 0);
    expect(10_000 + pnl).toBeCloseTo(run.equity[2999], 6);
    expect(m.fees_paid).toBeCloseTo(run.trades.reduce((sum, t) => sum + t.fees, 0), 6);
    expect(m.fees_paid).toBeGreaterThan(0);
    expect(m.exposure).toBeGreaterThan(0);
    expect(m.exposure).toBeLessThan(1);
    // Every fill takes the open of the candle after its decision.
    for (const fill of run.fills.filter((f) => f.reason !== 'end_of_data')) {
      const i = (fill.time - series.openTime[0]) / H;
      expect(fill.decidedAt).toBe(series.openTime[i - 1]);
      expect(fill.referencePrice).toBe(series.open[i]);
    }
  });

  it('buy-and-hold: one trade from the second open to the last close, worth the price ratio minus costs', () => {
    const run = runStrategy(series, buyAndHoldSignals(3000), options);
    expect(run.trades).toHaveLength(1);
    expect(run.trades[0]).toMatchObject({ entryTime: series.openTime[1], exitReason: 'end_of_data' });
    const ratio = (series.close[2999] * 0.9995 * 0.999) / (series.open[1] * 1.0005 * 1.001);
    // Lot-step rounding leaves at most one step (0.00001 BTC ≈ 0.3 USDT) of cash unspent.
    expect(Math.abs(run.metrics.final_equity - 10_000 * ratio)).toBeLessThan(1);
    expect(run.metrics.exposure).toBeCloseTo(2999 / 3000, 12);
  });

  it('always flat: never trades, returns 0', () => {
    const { baselines } = runBacktest(series, randomSignals(3000, 9), options);
    expect(baselines.always_flat.metrics).toMatchObject({ total_return: 0, trades: 0, fees_paid: 0, exposure: 0, max_drawdown: 0, sharpe: null });
  });

  it('momentum: the sign of the last H-candle return, none before H candles', () => {
    const close = Float64Array.from([10, 11, 12, 11, 11, 13]);
    expect(Array.from(momentumSignals(close, 2))).toEqual([0, 0, SIGNAL_CODES.BUY, SIGNAL_CODES.HOLD, SIGNAL_CODES.SELL, SIGNAL_CODES.BUY]);
  });

  it('fees and slippage cost money: the same signals without costs end higher', () => {
    const signals = randomSignals(3000, 9);
    const costly = runStrategy(series, signals, options);
    const free = runStrategy(series, signals, { ...options, market: { ...MARKET, fill: { feeRate: 0, slippageBps: 0 } } });
    expect(free.metrics.fees_paid).toBe(0);
    expect(free.metrics.final_equity).toBeGreaterThan(costly.metrics.final_equity);
  });

  it('no look-ahead: candles and predictions after t change nothing at or before t', () => {
    const signals = randomSignals(3000, 9);
    const full = runStrategy(series, signals, options);
    const t = 1234;
    const other = randomSeries(3000, 77);
    const changed: CandleSeries = { ...series };
    for (const key of ['open', 'high', 'low', 'close'] as const) {
      changed[key] = Float64Array.from(series[key]);
      changed[key].set(other[key].subarray(t + 1), t + 1);
    }
    const changedSignals = Int8Array.from(signals);
    changedSignals.set(randomSignals(3000, 1234).subarray(t + 1), t + 1);
    const run = runStrategy(changed, changedSignals, options);
    expect(Array.from(run.equity.subarray(0, t + 1))).toEqual(Array.from(full.equity.subarray(0, t + 1)));
    const upTo = (fills: typeof full.fills) => fills.filter((f) => f.decidedAt <= series.openTime[t] && f.time <= series.openTime[t]);
    expect(upTo(run.fills)).toEqual(upTo(full.fills));
    expect(run.equity[2999]).not.toBe(full.equity[2999]);
  });
});
