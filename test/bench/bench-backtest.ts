/**
 * Backtest engine benchmark: candles per second on one core.
 *
 *   npm run bench:backtest            (BENCH_CANDLES=1000000, BENCH_NAIVE_CANDLES=200000, BENCH_REPEATS=3)
 *
 * Data: a seeded synthetic random walk of hourly candles and synthetic predictions that change every ~30 candles
 * (BUY/SELL/HOLD), so the strategy trades tens of thousands of times. Everything runs in this one process (one core).
 *
 * ours      runStrategy() (src/backtest/engine) through trading/core's stepCandle: column arrays, one reused candle
 *           object, no allocation per candle, equity in a Float64Array, metrics in one pass.
 * full      runBacktest(): the model and the three baselines (buy-and-hold, flat, momentum) over the same candles.
 * naive     the same strategy and fill model (trading/core's decide / fillMarketOrder / applyFill) written the
 *           straightforward way: candles parsed from the stored decimal strings into a new object each, the state
 *           copied immutably per candle, equity marked to market in exact decimal arithmetic (bigint 1e-8 units) per
 *           candle, one object per equity point, metrics with map/reduce over those objects.
 *
 * The naive and our run must agree on the number of trades and the final equity (to 1e-6 relative), else exit 1.
 */
import { availableParallelism, loadavg } from 'node:os';
import {
  applyFill,
  createStrategyState,
  decide,
  DEFAULT_STRATEGY_CONFIG,
  defaultSymbolRules,
  fillMarketOrder,
  isFill,
  liquidate,
  type SimulatedMarket,
  type StrategyState,
  type TradeSignal,
} from '../../src/trading/core';
import { type CandleSeries, runBacktest, runStrategy, SIGNAL_CODES } from '../../src/backtest/engine/backtest-engine';
import { YEAR_MS } from '../../src/backtest/engine/performance-metrics';

const HOUR = 3_600_000;
const CANDLES = Number(process.env.BENCH_CANDLES ?? 1_000_000);
const NAIVE_CANDLES = Number(process.env.BENCH_NAIVE_CANDLES ?? 200_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const MARKET: SimulatedMarket = { rules: defaultSymbolRules('BTCUSDT'), fill: { feeRate: 0.001, slippageBps: 5 } };
const OPTIONS = { config: { ...DEFAULT_STRATEGY_CONFIG, stopLoss: 0.03, takeProfit: 0.06 }, market: MARKET, initialCapital: 10_000 };

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

function syntheticSeries(n: number): { series: CandleSeries; signals: Int8Array } {
  const random = seeded(42);
  const series: CandleSeries = {
    symbol: 'BTCUSDT', intervalMs: HOUR, openTime: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n),
  };
  const signals = new Int8Array(n);
  let price = 30_000;
  let signal: number = SIGNAL_CODES.HOLD;
  for (let i = 0; i < n; i++) {
    series.openTime[i] = 1_500_000_000_000 - (1_500_000_000_000 % HOUR) + i * HOUR;
    const open = price;
    price = Math.min(200_000, Math.max(2_000, price * (1 + (random() - 0.5) * 0.012)));
    series.open[i] = open;
    series.close[i] = price;
    series.high[i] = Math.max(open, price) * (1 + random() * 0.003);
    series.low[i] = Math.min(open, price) * (1 - random() * 0.003);
    if (random() < 1 / 30) signal = 1 + Math.floor(random() * 3);
    signals[i] = signal;
  }
  return { series, signals };
}

const toDecimal = (x: number): string => x.toFixed(8);
const SIGNAL_NAMES: Array<TradeSignal | null> = [null, 'SELL', 'HOLD', 'BUY'];

/** Exact decimal helpers for the naive run: values in bigint 1e-8 units. */
const UNITS = 100_000_000n;
const toUnits = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole) * UNITS + BigInt(fraction.padEnd(8, '0').slice(0, 8));
};

interface NaiveCandle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  closeUnits: bigint;
}

function naiveRun(rows: Array<{ openTime: number; open: string; high: string; low: string; close: string; signal: number }>): { trades: number; finalEquity: number; totalReturn: number; sharpe: number } {
  let state: StrategyState = createStrategyState('BTCUSDT', OPTIONS.initialCapital);
  const points: Array<{ time: number; equity: number; inPosition: boolean }> = [];
  let trades = 0;
  for (const row of rows) {
    const candle: NaiveCandle = {
      openTime: row.openTime, open: Number(row.open), high: Number(row.high), low: Number(row.low), close: Number(row.close), closeUnits: toUnits(row.close),
    };
    const next: StrategyState = { ...state, position: state.position && { ...state.position }, pending: state.pending && { ...state.pending } };
    if (next.pending !== null) {
      const result = fillMarketOrder(next.pending, candle.open, candle.openTime, MARKET.rules, MARKET.fill);
      if (isFill(result)) {
        if (applyFill(next, result) !== null) trades++;
      } else {
        next.pending = null;
      }
    }
    decide(next, candle, SIGNAL_NAMES[row.signal], OPTIONS.config);
    // Mark to market in exact decimals: cash (rounded to 1e-8) + quantity × close.
    const cashUnits = BigInt(Math.round(next.cash * 1e8));
    const equityUnits = next.position === null ? cashUnits : cashUnits + (next.position.quantityUnits * candle.closeUnits) / UNITS;
    points.push({ time: candle.openTime, equity: Number(equityUnits) / 1e8, inPosition: next.position !== null });
    state = next;
  }
  const last = rows[rows.length - 1];
  if (liquidate(state, Number(last.close), last.openTime + HOUR, MARKET) !== null) {
    trades++;
    points[points.length - 1] = { ...points[points.length - 1], equity: state.cash };
  }
  const returns = points.map((p, i) => p.equity / (i === 0 ? OPTIONS.initialCapital : points[i - 1].equity) - 1);
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const sd = Math.sqrt(returns.map((r) => (r - mean) ** 2).reduce((a, b) => a + b, 0) / (returns.length - 1));
  const finalEquity = points[points.length - 1].equity;
  return { trades, finalEquity, totalReturn: finalEquity / OPTIONS.initialCapital - 1, sharpe: (mean / sd) * Math.sqrt(YEAR_MS / HOUR) };
}

function slice(series: CandleSeries, n: number): CandleSeries {
  return {
    ...series,
    openTime: series.openTime.subarray(0, n), open: series.open.subarray(0, n), high: series.high.subarray(0, n),
    low: series.low.subarray(0, n), close: series.close.subarray(0, n),
  };
}

function main(): void {
  const { series, signals } = syntheticSeries(CANDLES);
  // Warm-up (JIT) on a tenth of the data.
  runStrategy(slice(series, Math.min(CANDLES, 100_000)), signals.subarray(0, Math.min(CANDLES, 100_000)), OPTIONS);

  const oursMs: number[] = [];
  const oursCpuMs: number[] = [];
  let ours = runStrategy(series, signals, OPTIONS);
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    ours = runStrategy(series, signals, OPTIONS);
    oursCpuMs.push(cpuMs(process.cpuUsage(cpu)));
    oursMs.push(performance.now() - started);
  }
  const best = Math.min(...oursMs);
  const bestCpu = Math.min(...oursCpuMs);
  const started = performance.now();
  const full = runBacktest(series, signals, { ...OPTIONS, momentumHorizon: 4 });
  const fullMs = performance.now() - started;

  const n = Math.min(NAIVE_CANDLES, CANDLES);
  const rows = Array.from({ length: n }, (_v, i) => ({
    openTime: series.openTime[i], open: toDecimal(series.open[i]), high: toDecimal(series.high[i]), low: toDecimal(series.low[i]),
    close: toDecimal(series.close[i]), signal: signals[i],
  }));
  // Same inputs for the check: ours on the decimal-rounded prices the naive run parses.
  const rounded: CandleSeries = {
    ...slice(series, n),
    open: Float64Array.from(rows, (r) => Number(r.open)), high: Float64Array.from(rows, (r) => Number(r.high)),
    low: Float64Array.from(rows, (r) => Number(r.low)), close: Float64Array.from(rows, (r) => Number(r.close)),
  };
  const oursSmall = runStrategy(rounded, signals.subarray(0, n), OPTIONS);
  const naiveStarted = performance.now();
  const naiveCpu = process.cpuUsage();
  const naive = naiveRun(rows);
  const naiveCpuMs = cpuMs(process.cpuUsage(naiveCpu));
  const naiveMs = performance.now() - naiveStarted;
  const oursSmallStarted = performance.now();
  const oursSmallCpu = process.cpuUsage();
  runStrategy(rounded, signals.subarray(0, n), OPTIONS);
  const oursSmallCpuMs = cpuMs(process.cpuUsage(oursSmallCpu));
  const oursSmallMs = performance.now() - oursSmallStarted;

  const rate = (candles: number, ms: number) => Math.round(candles / (ms / 1000));
  const relativeGap = Math.abs(naive.finalEquity - oursSmall.metrics.final_equity) / oursSmall.metrics.final_equity;
  const agree = naive.trades === oursSmall.metrics.trades && relativeGap < 1e-6;
  write(`backtest engine, ${CANDLES.toLocaleString('en')} synthetic 1h candles, one core (node ${process.version}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  write(`  ours  runStrategy: best of ${REPEATS} ${best.toFixed(1)} ms wall (${oursMs.map((ms) => ms.toFixed(0)).join(', ')}), ${bestCpu.toFixed(1)} ms CPU → ${rate(CANDLES, best).toLocaleString('en')} candles/s wall, ${rate(CANDLES, bestCpu).toLocaleString('en')} per CPU-second; ${ours.metrics.trades} trades`);
  write(`  full  runBacktest (model + buy-and-hold + flat + momentum): ${fullMs.toFixed(1)} ms wall → ${rate(CANDLES, fullMs).toLocaleString('en')} candles/s of range`);
  write(`  naive objects + immutable state + decimal equity, ${n.toLocaleString('en')} candles: ${naiveMs.toFixed(1)} ms wall, ${naiveCpuMs.toFixed(1)} ms CPU → ${rate(n, naiveMs).toLocaleString('en')} candles/s wall, ${rate(n, naiveCpuMs).toLocaleString('en')} per CPU-second`);
  write(`  ours on the same ${n.toLocaleString('en')} candles: ${oursSmallMs.toFixed(1)} ms wall, ${oursSmallCpuMs.toFixed(1)} ms CPU → ${rate(n, oursSmallMs).toLocaleString('en')} candles/s wall`);
  write(`  ratio ours/naive: ${(rate(CANDLES, best) / rate(n, naiveMs)).toFixed(1)}× wall, ${(rate(CANDLES, bestCpu) / rate(n, naiveCpuMs)).toFixed(1)}× CPU`);
  write(`  check: trades ${oursSmall.metrics.trades} vs naive ${naive.trades}, final equity ${oursSmall.metrics.final_equity.toFixed(4)} vs ${naive.finalEquity.toFixed(4)} → ${agree ? 'agree' : 'DIFFER'}`);
  write(`  target ≥ 1,000,000 candles/s: ${rate(CANDLES, best) >= 1_000_000 ? 'met' : 'NOT met'} on wall time, ${rate(CANDLES, bestCpu) >= 1_000_000 ? 'met' : 'NOT met'} per CPU-second`);
  write(
    JSON.stringify({
      bench: 'backtest', candles: CANDLES, load_average: loadavg()[0], ours_ms: best, ours_cpu_ms: bestCpu, ours_candles_per_s: rate(CANDLES, best), ours_candles_per_cpu_s: rate(CANDLES, bestCpu), full_ms: fullMs, full_candles_per_s: rate(CANDLES, fullMs),
      naive_candles: n, naive_ms: naiveMs, naive_cpu_ms: naiveCpuMs, naive_candles_per_s: rate(n, naiveMs), ratio: rate(CANDLES, best) / rate(n, naiveMs),
      ratio_cpu: rate(CANDLES, bestCpu) / rate(n, naiveCpuMs), trades: ours.metrics.trades,
      baseline_trades: { buy_and_hold: full.baselines.buy_and_hold.metrics.trades, momentum: full.baselines.momentum.metrics.trades }, agree,
    }),
  );
  if (!agree) process.exitCode = 1;
}

main();
