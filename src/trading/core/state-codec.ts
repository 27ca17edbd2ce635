import { formatUnits, parseUnits } from './quantity';
import type { Position, StrategyState } from './strategy';
import type { OrderIntent } from './types';

/** StrategyState with quantities as Binance decimal strings: safe for JSON.stringify and a TEXT column. */
export interface StrategyStateJson {
  symbol: string;
  cash: number;
  position: (Omit<Position, 'quantityUnits'> & { quantityUnits: string }) | null;
  pending: (Omit<OrderIntent, 'quantityUnits'> & { quantityUnits: string }) | null;
  lastDecisionTime: number | null;
  feesPaid: number;
}

export function strategyStateToJson(state: StrategyState): StrategyStateJson {
  return {
    symbol: state.symbol,
    cash: state.cash,
    position: state.position && { ...state.position, quantityUnits: formatUnits(state.position.quantityUnits) },
    pending: state.pending && { ...state.pending, quantityUnits: formatUnits(state.pending.quantityUnits) },
    lastDecisionTime: state.lastDecisionTime,
    feesPaid: state.feesPaid,
  };
}

export function strategyStateFromJson(json: StrategyStateJson): StrategyState {
  return {
    symbol: json.symbol,
    cash: json.cash,
    position: json.position && { ...json.position, quantityUnits: parseUnits(json.position.quantityUnits) },
    pending: json.pending && { ...json.pending, quantityUnits: parseUnits(json.pending.quantityUnits) },
    lastDecisionTime: json.lastDecisionTime,
    feesPaid: json.feesPaid,
  };
}
