/** Kline intervals Binance's spot API accepts, in its own spelling. */
export const BINANCE_INTERVALS = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
] as const;

export type BinanceInterval = (typeof BINANCE_INTERVALS)[number];

const MINUTE = 60_000;
const FIXED_LENGTH_MS: Record<Exclude<BinanceInterval, '1M'>, number> = {
  '1s': 1_000,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '6h': 360 * MINUTE,
  '8h': 480 * MINUTE,
  '12h': 720 * MINUTE,
  '1d': 1440 * MINUTE,
  '3d': 3 * 1440 * MINUTE,
  '1w': 7 * 1440 * MINUTE,
};

export function isBinanceInterval(value: string): value is BinanceInterval {
  return (BINANCE_INTERVALS as readonly string[]).includes(value);
}

/** Length in ms of a fixed-length interval; null for '1M', whose length depends on the month. */
export function fixedIntervalMs(interval: BinanceInterval): number | null {
  return interval === '1M' ? null : FIXED_LENGTH_MS[interval];
}

/** Open time of the candle that follows the one opening at `openTime`. */
export function nextOpenTime(interval: BinanceInterval, openTime: number): number {
  const fixed = fixedIntervalMs(interval);
  if (fixed !== null) return openTime + fixed;
  const date = new Date(openTime);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** Binance aligns candles to the UTC epoch grid (weeks start on Monday, months on the 1st). */
export function isOnIntervalGrid(interval: BinanceInterval, openTime: number): boolean {
  if (interval === '1M') {
    const date = new Date(openTime);
    return date.getTime() === Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
  if (interval === '1w') return (openTime - MONDAY_1970_01_05) % FIXED_LENGTH_MS['1w'] === 0;
  return openTime % FIXED_LENGTH_MS[interval] === 0;
}

const MONDAY_1970_01_05 = 4 * 1440 * MINUTE;

/** Close time Binance gives a complete candle: the last millisecond before the next one opens. */
export function expectedCloseTime(interval: BinanceInterval, openTime: number): number {
  return nextOpenTime(interval, openTime) - 1;
}
