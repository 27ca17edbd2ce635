/** Binance writes prices and quantities with exactly eight decimals; we store and return them that way. */
export const DECIMAL_SCALE = 8;
const MAX_INTEGER_DIGITS = 28;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d*))?$/;

/**
 * Canonical Binance form of a non-negative decimal string ("46216.93" → "46216.93000000"), or null when the text
 * is not a plain decimal with at most eight fractional digits. Pure string work: no float ever touches the value.
 */
export function toBinanceDecimal(text: string): string | null {
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return null;
  const integerPart = match[1].replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (integerPart.length > MAX_INTEGER_DIGITS) return null;
  if (fraction.length > DECIMAL_SCALE) {
    if (!/^0*$/.test(fraction.slice(DECIMAL_SCALE))) return null;
  }
  return `${integerPart}.${fraction.slice(0, DECIMAL_SCALE).padEnd(DECIMAL_SCALE, '0')}`;
}

/** Compares two canonical decimals (same scale) without floats. */
export function compareBinanceDecimals(a: string, b: string): number {
  const [ai, af] = a.split('.');
  const [bi, bf] = b.split('.');
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  if (af === bf) return 0;
  return af < bf ? -1 : 1;
}

export function isZeroDecimal(a: string): boolean {
  return /^0+\.0+$/.test(a);
}
