/** Kline intervals Binance spot accepts (case-sensitive), from GET /api/v3/klines' documentation. */
export const KLINE_INTERVALS = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
] as const;

export type KlineInterval = (typeof KLINE_INTERVALS)[number];

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const FIXED_LENGTH_MS: Record<Exclude<KlineInterval, '1M'>, number> = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
};

export function isKlineInterval(value: string): value is KlineInterval {
  return (KLINE_INTERVALS as readonly string[]).includes(value);
}

/** Length in ms, or null for '1M' whose length depends on the month. */
export function fixedIntervalMs(interval: KlineInterval): number | null {
  return interval === '1M' ? null : FIXED_LENGTH_MS[interval];
}

/** Open time of the candle after the one opening at `openTime`. */
export function nextOpenTime(interval: KlineInterval, openTime: number): number {
  const fixed = fixedIntervalMs(interval);
  if (fixed !== null) return openTime + fixed;
  const date = new Date(openTime);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** Binance weeks open on Monday 00:00 UTC; 1970-01-05 was the first Monday after the epoch. */
const FIRST_MONDAY_MS = 4 * DAY;

export function isOnIntervalGrid(interval: KlineInterval, openTime: number): boolean {
  if (interval === '1M') {
    const date = new Date(openTime);
    return openTime === Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
  if (interval === '1w') return (openTime - FIRST_MONDAY_MS) % FIXED_LENGTH_MS['1w'] === 0;
  return openTime % FIXED_LENGTH_MS[interval] === 0;
}
