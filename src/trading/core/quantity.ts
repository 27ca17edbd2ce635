/**
 * Exact quantities for exchange rules. Binance writes quantities with eight decimals, so a quantity is held as a
 * bigint count of 1e-8 units ("0.00123000" → 123000n): step rounding and min/max checks never touch a float.
 * Money (equity, cash, P&L) stays in plain numbers; only the quantity that would be sent to the exchange is exact.
 */
export const QUANTITY_SCALE = 8;
const UNITS_PER_ONE = 100_000_000n;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d*))?$/;

/** "0.00001000" → 1000n. Throws on anything but a plain non-negative decimal with at most eight decimals. */
export function parseUnits(text: string): bigint {
  const match = PLAIN_DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`not a plain non-negative decimal: ${JSON.stringify(text)}`);
  const fraction = match[2] ?? '';
  if (fraction.length > QUANTITY_SCALE && !/^0*$/.test(fraction.slice(QUANTITY_SCALE))) {
    throw new RangeError(`${text} has more than ${QUANTITY_SCALE} decimals`);
  }
  return BigInt(match[1]) * UNITS_PER_ONE + BigInt(fraction.slice(0, QUANTITY_SCALE).padEnd(QUANTITY_SCALE, '0'));
}

/** 123000n → "0.00123000" (Binance's eight-decimal form). */
export function formatUnits(units: bigint): string {
  if (units < 0n) throw new RangeError(`negative quantity ${units}`);
  const whole = units / UNITS_PER_ONE;
  const fraction = units % UNITS_PER_ONE;
  return `${whole}.${fraction.toString().padStart(QUANTITY_SCALE, '0')}`;
}

/** The quantity as a number, for money arithmetic (exact for every quantity below 2^53 units, i.e. 90 million). */
export function unitsToNumber(units: bigint): number {
  return Number(units) / 1e8;
}

/**
 * The largest multiple of `stepUnits` (when > 0) not above the float `quantity`. The float is first truncated to
 * whole 1e-8 units; a relative nudge of 1e-12 keeps values like 0.29 (0.28999999999999998 as a double) from losing
 * a whole unit. Callers that must not overspend re-check the cost of the result (see fill-model.ts).
 */
export function floorToStep(quantity: number, stepUnits: bigint): bigint {
  if (!(quantity > 0) || !Number.isFinite(quantity)) return 0n;
  const units = BigInt(Math.floor(quantity * 1e8 * (1 + 1e-12)));
  if (stepUnits <= 0n) return units;
  return (units / stepUnits) * stepUnits;
}
