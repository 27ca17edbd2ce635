/**
 * Binance writes every price and quantity as a decimal string with exactly eight fractional digits
 * ("46216.93000000"). These helpers do that by string and BigInt work only, so no float ever rounds a value.
 */
export const BINANCE_DECIMALS = 8;

const SCALE = 10n ** BigInt(BINANCE_DECIMALS);
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d{1,8}))?$/;

const CANONICAL = /^(?:0|[1-9]\d*)\.\d{8}$/;
const ZERO_PADDING = ['00000000', '0000000', '000000', '00000', '0000', '000', '00', '0', ''];

/** "46216.93" → "46216.93000000". Throws on anything but a plain non-negative decimal with at most 8 decimals. */
export function toEightDecimals(text: string): string {
  // Already canonical (re-added rows, hand-written candles): nothing to rebuild.
  if (CANONICAL.test(text)) return text;
  if (!PLAIN_DECIMAL.test(text)) {
    throw new Error(`not a plain decimal with at most ${BINANCE_DECIMALS} decimals: "${text}"`);
  }
  const dot = text.indexOf('.');
  let integerPart = dot === -1 ? text : text.slice(0, dot);
  const fraction = dot === -1 ? '' : text.slice(dot + 1);
  if (integerPart.length > 1 && integerPart.startsWith('0')) integerPart = integerPart.replace(/^0+(?=\d)/, '');
  return `${integerPart}.${fraction}${ZERO_PADDING[fraction.length]}`;
}

/** "46216.93000000" → 4621693000000n (units of 1e-8). */
export function toScaledUnits(text: string): bigint {
  const canonical = toEightDecimals(text);
  return BigInt(canonical.replace('.', ''));
}

/** 4621693000000n → "46216.93000000". */
export function fromScaledUnits(units: bigint): string {
  if (units < 0n) throw new Error(`negative decimal ${units}`);
  const integerPart = units / SCALE;
  const fraction = (units % SCALE).toString().padStart(BINANCE_DECIMALS, '0');
  return `${integerPart}.${fraction}`;
}

/** Integer count of `1 / 10^decimals` units → plain decimal text: (3000012, 2) → "30000.12". */
export function fromIntegerUnits(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units) || units < 0) throw new Error(`not a non-negative safe integer: ${units}`);
  const digits = String(units);
  if (decimals === 0) return digits;
  const padded = digits.length > decimals ? digits : digits.padStart(decimals + 1, '0');
  const integerLength = padded.length - decimals;
  return `${padded.slice(0, integerLength)}.${padded.slice(integerLength)}`;
}
