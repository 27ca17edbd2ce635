import { fillMarketOrder, isFill } from './fill-model';
import type { SymbolRules } from './symbol-rules';
import type { ClosedTrade, CoreCandle, Fill, FillSettings, OrderIntent, OrderReason, Rejection, TradeSignal } from './types';

/** How predictions become orders (long-only spot, one position per symbol). */
export interface StrategyConfig {
  /** Share of equity (cash + position value at the decision candle's close) an entry may spend, fees included: (0, 1]. */
  positionFraction: number;
  /** Exit when close ≤ entry price × (1 − stopLoss), checked at each close; null = off. A fraction, e.g. 0.05. */
  stopLoss: number | null;
  /** Exit when close ≥ entry price × (1 + takeProfit), checked at each close; null = off. */
  takeProfit: number | null;
  /** Exit after this many closed candles in the position (the entry candle counts); null = off. */
  maxHoldingCandles: number | null;
  /** Exit on a SELL prediction (true by default; false leaves exits to the stops and the holding limit). */
  exitOnSell: boolean;
}

export const DEFAULT_STRATEGY_CONFIG: Readonly<StrategyConfig> = {
  positionFraction: 1,
  stopLoss: null,
  takeProfit: null,
  maxHoldingCandles: null,
  exitOnSell: true,
};

/** Which StrategyConfig field breaks which rule; the API turns it into a 400 naming the field. */
export class StrategyConfigError extends RangeError {
  constructor(
    readonly field: keyof StrategyConfig,
    message: string,
  ) {
    super(message);
    this.name = 'StrategyConfigError';
  }
}

export function validateStrategyConfig(config: StrategyConfig): void {
  if (!(config.positionFraction > 0 && config.positionFraction <= 1)) {
    throw new StrategyConfigError('positionFraction', `positionFraction must be in (0, 1], got ${config.positionFraction}`);
  }
  for (const field of ['stopLoss', 'takeProfit'] as const) {
    const value = config[field];
    if (value !== null && !(value > 0 && value < 1000 && (field === 'takeProfit' || value < 1))) {
      throw new StrategyConfigError(field, `${field} must be null or a fraction in (0, ${field === 'stopLoss' ? 1 : 1000}), got ${value}`);
    }
  }
  if (config.maxHoldingCandles !== null && !(Number.isInteger(config.maxHoldingCandles) && config.maxHoldingCandles >= 1)) {
    throw new StrategyConfigError('maxHoldingCandles', `maxHoldingCandles must be null or an integer >= 1, got ${config.maxHoldingCandles}`);
  }
}

/** The open long position of a symbol. */
export interface Position {
  quantityUnits: bigint;
  quantity: string;
  quantityNumber: number;
  entryTime: number;
  /** Fill price after slippage. */
  entryPrice: number;
  entryFee: number;
  /** Candles closed while held (the fill candle counts), counted by decide(). */
  candlesHeld: number;
}

/**
 * flat ──BUY decided──► entry_pending ──fill──► long ──exit decided──► exit_pending ──fill──► flat
 *   ▲                        │ rejected                                      │ rejected
 *   └────────────────────────┘                                  back to long ┘
 */
export type StrategyPhase = 'flat' | 'entry_pending' | 'long' | 'exit_pending';

/** Everything the strategy knows about one symbol. Plain data: JSON-serialisable except the bigint quantities. */
export interface StrategyState {
  symbol: string;
  /** Quote asset available to this symbol's strategy. */
  cash: number;
  position: Position | null;
  /** The order decided at the last close, waiting for the next open (or for the broker's fill). */
  pending: OrderIntent | null;
  /** Open time of the last candle decide() saw; candles must come in strictly increasing order. */
  lastDecisionTime: number | null;
  feesPaid: number;
}

export function createStrategyState(symbol: string, cash: number): StrategyState {
  if (!(cash >= 0) || !Number.isFinite(cash)) throw new RangeError(`cash must be a non-negative finite number, got ${cash}`);
  return { symbol, cash, position: null, pending: null, lastDecisionTime: null, feesPaid: 0 };
}

export function phaseOf(state: StrategyState): StrategyPhase {
  if (state.position === null) return state.pending === null ? 'flat' : 'entry_pending';
  return state.pending === null ? 'long' : 'exit_pending';
}

/** Cash plus the position valued at `price` (no exit costs). */
export function equityAt(state: StrategyState, price: number): number {
  return state.position === null ? state.cash : state.cash + state.position.quantityNumber * price;
}

/**
 * Called once per newly closed candle t with the prediction made at t's close (null: none, e.g. the look-back
 * window crosses a gap). Returns the order to fill at the next candle's open, or null; the order is also kept in
 * `state.pending`. While an order is pending nothing new is decided. Exit checks, in priority order: stop-loss,
 * take-profit, max holding time, SELL prediction. Entries only from flat on a BUY prediction.
 * `sizingEquity` (default: this state's cash, which is its equity when flat) is what positionFraction applies to;
 * a broker sharing one account between symbols passes the account's equity. The budget never exceeds `state.cash`.
 * Throws when candle t is not after the previous one (replaying a candle must never trade twice).
 */
export function decide(
  state: StrategyState,
  candle: CoreCandle,
  signal: TradeSignal | null,
  config: StrategyConfig,
  sizingEquity: number = state.cash,
): OrderIntent | null {
  passCandle(state, candle);
  const position = state.position;
  if (state.pending !== null) return null;
  if (position === null) {
    if (signal !== 'BUY') return null;
    const budget = Math.min(state.cash, config.positionFraction * sizingEquity);
    if (!(budget > 0)) return null;
    return (state.pending = { symbol: state.symbol, side: 'BUY', reason: 'signal', decidedAt: candle.openTime, quoteBudget: budget, quantityUnits: 0n });
  }
  let reason: OrderReason | null = null;
  const change = candle.close / position.entryPrice - 1;
  if (config.stopLoss !== null && change <= -config.stopLoss) reason = 'stop_loss';
  else if (config.takeProfit !== null && change >= config.takeProfit) reason = 'take_profit';
  else if (config.maxHoldingCandles !== null && position.candlesHeld >= config.maxHoldingCandles) reason = 'max_holding';
  else if (config.exitOnSell && signal === 'SELL') reason = 'signal';
  if (reason === null) return null;
  return (state.pending = exitIntent(state, position, reason, candle.openTime));
}

function exitIntent(state: StrategyState, position: Position, reason: OrderReason, decidedAt: number): OrderIntent {
  return { symbol: state.symbol, side: 'SELL', reason, decidedAt, quoteBudget: 0, quantityUnits: position.quantityUnits };
}

/**
 * Books a fill of the pending order (from the fill model, or the broker's real fill) and clears `pending`. A BUY
 * opens the position; a SELL of the whole position closes it and returns the round trip.
 */
export function applyFill(state: StrategyState, fill: Fill): ClosedTrade | null {
  state.pending = null;
  state.feesPaid += fill.fee;
  if (fill.side === 'BUY') {
    if (state.position !== null) throw new RangeError(`${state.symbol}: a BUY fill while a position is open (one position per symbol)`);
    state.cash -= fill.notional + fill.fee;
    state.position = {
      quantityUnits: fill.quantityUnits,
      quantity: fill.quantity,
      quantityNumber: fill.quantityNumber,
      entryTime: fill.time,
      entryPrice: fill.price,
      entryFee: fill.fee,
      candlesHeld: 0,
    };
    return null;
  }
  const position = state.position;
  if (position === null || fill.quantityUnits !== position.quantityUnits) {
    throw new RangeError(`${state.symbol}: a SELL fill of ${fill.quantity} does not match the open position ${position?.quantity ?? 'none'}`);
  }
  state.cash += fill.notional - fill.fee;
  state.position = null;
  const entryValue = position.quantityNumber * position.entryPrice;
  const fees = position.entryFee + fill.fee;
  const pnl = fill.notional - entryValue - fees;
  return {
    symbol: state.symbol,
    side: 'LONG',
    entryTime: position.entryTime,
    exitTime: fill.time,
    entryPrice: position.entryPrice,
    exitPrice: fill.price,
    quantity: position.quantity,
    quantityNumber: position.quantityNumber,
    pnl,
    returnPct: pnl / (entryValue + position.entryFee),
    fees,
    exitReason: fill.reason,
    candlesHeld: position.candlesHeld,
  };
}

/** The exchange refused the pending order: drop it (a position stays open; the next decide() may try again). */
export function rejectPending(state: StrategyState): void {
  state.pending = null;
}

/** What one stepCandle() call did; reused between calls (the fields are overwritten each time). */
export interface StepEvents {
  fill: Fill | null;
  rejection: Rejection | null;
  trade: ClosedTrade | null;
  intent: OrderIntent | null;
}

export function emptyStepEvents(): StepEvents {
  return { fill: null, rejection: null, trade: null, intent: null };
}

/** Rules and costs of the simulated market (paper trading and backtests). */
export interface SimulatedMarket {
  rules: SymbolRules;
  fill: FillSettings;
}

/**
 * One closed candle through the simulated market, in time order: (1) the order decided at the previous close
 * fills at THIS candle's open (slippage, fee, lot rules); (2) decide() at this candle's close with its prediction.
 * Backtests loop over history with it; paper trading calls it once per newly closed candle.
 */
export function stepCandle(
  state: StrategyState,
  candle: CoreCandle,
  signal: TradeSignal | null,
  config: StrategyConfig,
  market: SimulatedMarket,
  events: StepEvents,
): StepEvents {
  fillPendingAtOpen(state, candle, market, events);
  events.intent = decide(state, candle, signal, config);
  return events;
}

/**
 * A closed candle that may no longer decide anything (live and paper trading: it is older than the freshness rule
 * allows, e.g. it closed during an outage). The order decided at the previous close still fills at its open in the
 * simulated market, the position ages by one candle, and nothing is decided: no entry, no exit, no stop.
 */
export function stepStaleCandle(state: StrategyState, candle: CoreCandle, market: SimulatedMarket, events: StepEvents): StepEvents {
  fillPendingAtOpen(state, candle, market, events);
  passCandle(state, candle);
  return events;
}

/**
 * Records that candle t closed without letting it decide (see stepStaleCandle): the same ordering rule and position
 * ageing as decide(), so a later fresh candle continues the sequence.
 */
export function passCandle(state: StrategyState, candle: CoreCandle): void {
  if (state.lastDecisionTime !== null && candle.openTime <= state.lastDecisionTime) {
    throw new RangeError(`${state.symbol}: candle ${candle.openTime} is not after the last decided candle ${state.lastDecisionTime}`);
  }
  state.lastDecisionTime = candle.openTime;
  if (state.position !== null) state.position.candlesHeld++;
}

/** Step (1) of stepCandle: the pending order fills at this candle's open, or is rejected by the rules. */
function fillPendingAtOpen(state: StrategyState, candle: CoreCandle, market: SimulatedMarket, events: StepEvents): void {
  events.fill = null;
  events.rejection = null;
  events.trade = null;
  events.intent = null;
  const pending = state.pending;
  if (pending === null) return;
  const result = fillMarketOrder(pending, candle.open, candle.openTime, market.rules, market.fill);
  if (isFill(result)) {
    events.fill = result;
    events.trade = applyFill(state, result);
  } else {
    events.rejection = result;
    rejectPending(state);
  }
}

/**
 * End of a backtest: a still-pending order is dropped (it has no next open), and an open position is sold at
 * `price` (the last close) with slippage and fee, as `end_of_data`, so the final equity carries the exit costs.
 * Returns the closing trade, or null (flat, or the sale is refused by the rules: the position stays marked to market).
 */
export function liquidate(state: StrategyState, price: number, time: number, market: SimulatedMarket): { fill: Fill; trade: ClosedTrade } | null {
  state.pending = null;
  const position = state.position;
  if (position === null) return null;
  const result = fillMarketOrder(exitIntent(state, position, 'end_of_data', time), price, time, market.rules, market.fill);
  if (!isFill(result)) return null;
  const trade = applyFill(state, result);
  return trade === null ? null : { fill: result, trade };
}
