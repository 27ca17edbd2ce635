import {
  applyFill,
  createStrategyState,
  decide,
  DEFAULT_STRATEGY_CONFIG,
  emptyStepEvents,
  equityAt,
  liquidate,
  phaseOf,
  type SimulatedMarket,
  type StrategyConfig,
  stepCandle,
  stepStaleCandle,
  validateStrategyConfig,
  StrategyConfigError,
} from './strategy';
import { defaultSymbolRules } from './symbol-rules';
import type { CoreCandle, TradeSignal } from './types';

const H = 3_600_000;
const MARKET: SimulatedMarket = { rules: defaultSymbolRules('BTCUSDT'), fill: { feeRate: 0.001, slippageBps: 5 } };
// Generic rules (step 1e-8, no max): the toy prices here would hit BTCUSDT's 97.9 BTC market-order cap.
const FREE: SimulatedMarket = { rules: defaultSymbolRules('FOOUSDT'), fill: { feeRate: 0, slippageBps: 0 } };

/** Candle i opens at 100 + i and closes at 100.5 + i, so an open price can never be mistaken for a close. */
function candle(i: number, close = 100.5 + i, open = 100 + i): CoreCandle {
  return { openTime: i * H, open, high: Math.max(open, close) + 1, low: Math.min(open, close) - 1, close };
}

function run(candles: CoreCandle[], signals: Array<TradeSignal | null>, config: StrategyConfig = DEFAULT_STRATEGY_CONFIG, market = MARKET) {
  const state = createStrategyState('BTCUSDT', 10_000);
  const events = emptyStepEvents();
  const log = candles.map((c, i) => {
    stepCandle(state, c, signals[i], config, market, events);
    return { ...events, phase: phaseOf(state), equity: equityAt(state, c.close) };
  });
  return { state, log };
}

describe('strategy state machine', () => {
  it('acts on the prediction of candle t at the OPEN of t + 1, never at the close of t', () => {
    const candles = [candle(0), candle(1), candle(2), candle(3)];
    const { log } = run(candles, ['BUY', 'HOLD', 'SELL', 'HOLD']);
    expect(log[0].intent).toMatchObject({ side: 'BUY', decidedAt: 0 });
    expect(log[0].fill).toBeNull();
    expect(log[0].phase).toBe('entry_pending');
    expect(log[1].fill).toMatchObject({ side: 'BUY', time: H, referencePrice: 101, decidedAt: 0 });
    expect(log[1].fill!.referencePrice).not.toBe(candles[0].close);
    expect(log[1].fill!.price).toBeCloseTo(101 * 1.0005, 10);
    expect(log[1].phase).toBe('long');
    expect(log[2].intent).toMatchObject({ side: 'SELL', reason: 'signal', decidedAt: 2 * H });
    expect(log[2].phase).toBe('exit_pending');
    expect(log[3].fill).toMatchObject({ side: 'SELL', time: 3 * H, referencePrice: 103 });
    expect(log[3].trade).toMatchObject({ entryTime: H, exitTime: 3 * H, exitReason: 'signal', candlesHeld: 2 });
    expect(log[3].phase).toBe('flat');
  });

  it('books cash, fees and the round trip exactly (hand-computed, no costs)', () => {
    const candles = [candle(0), candle(1, 101, 100), candle(2, 110, 105), candle(3, 120, 120)];
    const { state, log } = run(candles, ['BUY', 'HOLD', 'SELL', null], DEFAULT_STRATEGY_CONFIG, FREE);
    // 10 000 at 100 → exactly 100 BTC; sold at 120 → 12 000.
    expect(log[1].fill!.quantity).toBe('100.00000000');
    expect(log[1].equity).toBeCloseTo(100 * 101, 9);
    expect(log[3].trade).toMatchObject({ entryPrice: 100, exitPrice: 120, quantity: '100.00000000', fees: 0 });
    expect(log[3].trade!.pnl).toBeCloseTo(2000, 9);
    expect(log[3].trade!.returnPct).toBeCloseTo(0.2, 12);
    expect(state.cash).toBeCloseTo(12_000, 9);
  });

  it('with costs: pnl = exit value − entry value − both fees; cash never goes negative', () => {
    const candles = [candle(0), candle(1), candle(2), candle(3)];
    const { state, log } = run(candles, ['BUY', 'HOLD', 'SELL', 'HOLD']);
    const entry = log[1].fill!;
    const exit = log[3].fill!;
    const trade = log[3].trade!;
    expect(entry.notional + entry.fee).toBeLessThanOrEqual(10_000);
    expect(trade.fees).toBeCloseTo(entry.fee + exit.fee, 12);
    expect(trade.pnl).toBeCloseTo(exit.notional - entry.notional - entry.fee - exit.fee, 9);
    expect(state.cash).toBeCloseTo(10_000 + trade.pnl, 9);
    expect(state.feesPaid).toBeCloseTo(trade.fees, 12);
  });

  it('sizes entries as a fraction of equity', () => {
    const { log } = run([candle(0), candle(1)], ['BUY', 'HOLD'], { ...DEFAULT_STRATEGY_CONFIG, positionFraction: 0.25 });
    const fill = log[1].fill!;
    expect(fill.notional + fill.fee).toBeLessThanOrEqual(2500);
    expect(fill.notional + fill.fee).toBeGreaterThan(2500 - fill.price * 0.00001 * 1.001 - 1e-9);
  });

  it('holds one position per symbol: BUY while long does nothing; HOLD and missing predictions keep the position', () => {
    const { log } = run([candle(0), candle(1), candle(2), candle(3)], ['BUY', 'BUY', null, 'HOLD']);
    expect(log.slice(1).map((l) => l.intent)).toEqual([null, null, null]);
    expect(log.map((l) => l.phase)).toEqual(['entry_pending', 'long', 'long', 'long']);
  });

  it('exits on stop-loss, take-profit and max holding time (checked at the close, filled at the next open), in that priority', () => {
    const fall = [candle(0), candle(1, 101, 100), candle(2, 94.9, 98), candle(3, 94, 93)];
    const sl = run(fall, ['BUY', 'HOLD', 'HOLD', 'HOLD'], { ...DEFAULT_STRATEGY_CONFIG, stopLoss: 0.05 }, FREE);
    expect(sl.log[2].intent).toMatchObject({ side: 'SELL', reason: 'stop_loss' });
    expect(sl.log[3].trade).toMatchObject({ exitReason: 'stop_loss', exitPrice: 93 });

    const rise = [candle(0), candle(1, 101, 100), candle(2, 110.5, 105), candle(3, 111, 111)];
    const tp = run(rise, ['BUY', 'HOLD', 'SELL', 'HOLD'], { ...DEFAULT_STRATEGY_CONFIG, takeProfit: 0.1, stopLoss: 0.05 }, FREE);
    expect(tp.log[2].intent).toMatchObject({ reason: 'take_profit' });

    const flat = [candle(0), candle(1), candle(2), candle(3), candle(4)];
    const mh = run(flat, ['BUY', 'HOLD', 'HOLD', 'HOLD', 'HOLD'], { ...DEFAULT_STRATEGY_CONFIG, maxHoldingCandles: 2 });
    expect(mh.log[2].intent).toMatchObject({ reason: 'max_holding' });
    expect(mh.log[3].trade).toMatchObject({ candlesHeld: 2, entryTime: H, exitTime: 3 * H });

    const noSell = run(flat, ['BUY', 'HOLD', 'SELL', 'SELL', 'SELL'], { ...DEFAULT_STRATEGY_CONFIG, exitOnSell: false });
    expect(noSell.log.map((l) => l.phase)).toEqual(['entry_pending', 'long', 'long', 'long', 'long']);
  });

  it('drops a refused order and stays where it was', () => {
    const state = createStrategyState('BTCUSDT', 4);
    const events = emptyStepEvents();
    stepCandle(state, candle(0), 'BUY', DEFAULT_STRATEGY_CONFIG, MARKET, events);
    stepCandle(state, candle(1), 'HOLD', DEFAULT_STRATEGY_CONFIG, MARKET, events);
    expect(events.rejection).toMatchObject({ code: 'below_min_notional', time: H });
    expect(phaseOf(state)).toBe('flat');
    expect(state.cash).toBe(4);
  });

  it('a stale candle fills the pending order at its open, ages the position and decides nothing (no entry, exit or stop)', () => {
    const config = { ...DEFAULT_STRATEGY_CONFIG, stopLoss: 0.05, maxHoldingCandles: 2 };
    const state = createStrategyState('FOOUSDT', 10_000);
    const events = emptyStepEvents();
    stepCandle(state, candle(0), 'BUY', config, FREE, events);
    stepStaleCandle(state, candle(1), FREE, events);
    expect(events.fill).toMatchObject({ side: 'BUY', time: H, referencePrice: 101 });
    expect(events.intent).toBeNull();
    // A 20 % fall and a holding time past the limit: both would exit on a fresh candle, neither does on stale ones.
    stepStaleCandle(state, candle(2, 80, 81), FREE, events);
    stepStaleCandle(state, candle(3, 79, 80), FREE, events);
    expect([events.fill, events.intent, phaseOf(state), state.position?.candlesHeld]).toEqual([null, null, 'long', 3]);
    // The first fresh candle afterwards decides with everything it knows (here: the stop-loss).
    stepCandle(state, candle(4, 78, 79), 'HOLD', config, FREE, events);
    expect(events.intent).toMatchObject({ side: 'SELL', reason: 'stop_loss', decidedAt: 4 * H });
    expect(() => stepStaleCandle(state, candle(4), FREE, events)).toThrow(/not after/);
  });

  it('refuses to decide the same candle twice or go back in time', () => {
    const state = createStrategyState('BTCUSDT', 1000);
    decide(state, candle(5), 'HOLD', DEFAULT_STRATEGY_CONFIG);
    expect(() => decide(state, candle(5), 'BUY', DEFAULT_STRATEGY_CONFIG)).toThrow(/not after/);
    expect(() => decide(state, candle(4), 'BUY', DEFAULT_STRATEGY_CONFIG)).toThrow(/not after/);
    expect(state.pending).toBeNull();
  });

  it('accepts a real fill from a broker through applyFill', () => {
    const state = createStrategyState('BTCUSDT', 1000);
    const intent = decide(state, candle(0), 'BUY', DEFAULT_STRATEGY_CONFIG)!;
    expect(intent.quoteBudget).toBe(1000);
    applyFill(state, {
      symbol: 'BTCUSDT', side: 'BUY', reason: 'signal', decidedAt: 0, time: H + 150, referencePrice: 101, price: 101.02,
      quantityUnits: 980_000_000n, quantity: '9.80000000', quantityNumber: 9.8, notional: 989.996, fee: 0.989996,
    });
    expect(phaseOf(state)).toBe('long');
    expect(state.cash).toBeCloseTo(1000 - 989.996 - 0.989996, 9);
    expect(state.position).toMatchObject({ quantity: '9.80000000', entryPrice: 101.02, entryTime: H + 150 });
  });

  it('liquidates an open position at the end of data with slippage and fee', () => {
    const { state } = run([candle(0), candle(1)], ['BUY', 'HOLD']);
    const closed = liquidate(state, 110, 2 * H, MARKET)!;
    expect(closed.trade).toMatchObject({ exitReason: 'end_of_data', exitTime: 2 * H });
    expect(closed.fill.price).toBeCloseTo(110 * 0.9995, 10);
    expect(phaseOf(state)).toBe('flat');
    expect(liquidate(state, 110, 3 * H, MARKET)).toBeNull();
  });

  it('validates its settings, naming the field', () => {
    expect(() => validateStrategyConfig(DEFAULT_STRATEGY_CONFIG)).not.toThrow();
    const bad: Array<[Partial<StrategyConfig>, string]> = [
      [{ positionFraction: 0 }, 'positionFraction'],
      [{ positionFraction: 1.5 }, 'positionFraction'],
      [{ stopLoss: 1 }, 'stopLoss'],
      [{ takeProfit: -0.1 }, 'takeProfit'],
      [{ maxHoldingCandles: 1.5 }, 'maxHoldingCandles'],
    ];
    for (const [patch, field] of bad) {
      let error: unknown;
      try {
        validateStrategyConfig({ ...DEFAULT_STRATEGY_CONFIG, ...patch });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(StrategyConfigError);
      expect((error as StrategyConfigError).field).toBe(field);
    }
  });
});

describe('no look-ahead', () => {
  /** A seeded random walk with random signals. */
  function series(n: number, seed: number): { candles: CoreCandle[]; signals: TradeSignal[] } {
    let x = seed;
    const next = () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let price = 20_000;
    const candles: CoreCandle[] = [];
    const signals: TradeSignal[] = [];
    for (let i = 0; i < n; i++) {
      const open = price;
      price *= 1 + (next() - 0.5) * 0.04;
      candles.push({ openTime: i * H, open, high: Math.max(open, price) * 1.01, low: Math.min(open, price) * 0.99, close: price });
      signals.push((['BUY', 'HOLD', 'SELL'] as const)[Math.floor(next() * 3)]);
    }
    return { candles, signals };
  }

  it('changing candles and predictions after t changes no decision or fill at or before t', () => {
    const config = { ...DEFAULT_STRATEGY_CONFIG, stopLoss: 0.02, takeProfit: 0.03, maxHoldingCandles: 7 };
    const base = series(400, 11);
    const full = run(base.candles, base.signals, config).log;
    for (const t of [0, 57, 199, 398]) {
      const other = series(400, 99 + t);
      const candles = [...base.candles.slice(0, t + 1), ...other.candles.slice(t + 1).map((c) => ({ ...c, open: c.open * 3, close: c.close / 3 }))];
      const signals = [...base.signals.slice(0, t + 1), ...other.signals.slice(t + 1)];
      const changed = run(candles, signals, config).log;
      expect(changed.slice(0, t + 1)).toEqual(full.slice(0, t + 1));
      // The future did change something, so the comparison is not vacuous.
      expect(changed.slice(t + 1)).not.toEqual(full.slice(t + 1));
    }
  });

  it('every fill takes the open of the candle right after its decision candle', () => {
    const { candles, signals } = series(2000, 5);
    const { log } = run(candles, signals, { ...DEFAULT_STRATEGY_CONFIG, stopLoss: 0.02 });
    const fills = log.flatMap((l, i) => (l.fill ? [{ fill: l.fill, i }] : []));
    expect(fills.length).toBeGreaterThan(50);
    for (const { fill, i } of fills) {
      expect(fill.decidedAt).toBe(candles[i - 1].openTime);
      expect(fill.time).toBe(candles[i].openTime);
      expect(fill.referencePrice).toBe(candles[i].open);
    }
  });
});
