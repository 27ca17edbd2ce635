import type { StrategyState } from './core';

/** StrategyState ↔ JSON text: bigint quantities (position, pending SELL) travel as decimal strings of 1e-8 units. */
export function encodeState(state: StrategyState): string {
  return JSON.stringify(state, (_key, value: unknown) => (typeof value === 'bigint' ? { $units: value.toString() } : value));
}

export function decodeState(text: string): StrategyState {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && '$units' in value) return BigInt((value as { $units: string }).$units);
    return value;
  }) as StrategyState;
}
