import { type BinanceInterval, fixedIntervalMs, nextOpenTime } from '../market-data/binance-interval';

/** Binance's weeks open on Monday 1970-01-05 00:00 UTC plus whole weeks. */
const WEEK_ORIGIN = 4 * 86_400_000;

/** Open time of the candle that contains `time`. */
export function gridFloor(interval: BinanceInterval, time: number): number {
  if (interval === '1M') {
    const date = new Date(time);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
  const step = fixedIntervalMs(interval)!;
  const origin = interval === '1w' ? WEEK_ORIGIN : 0;
  return Math.floor((time - origin) / step) * step + origin;
}

/** First open time at or after `time`. */
export function gridCeil(interval: BinanceInterval, time: number): number {
  const floor = gridFloor(interval, time);
  return floor === time ? time : nextOpenTime(interval, floor);
}

/** Open time `count` candles before `openTime`. */
export function stepBack(interval: BinanceInterval, openTime: number, count: number): number {
  if (interval === '1M') {
    const date = new Date(openTime);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - count, 1);
  }
  return openTime - count * fixedIntervalMs(interval)!;
}

/** Open time of the newest candle that has closed at `serverTime` (its close time is before it). */
export function lastClosedOpenTime(interval: BinanceInterval, serverTime: number): number {
  return stepBack(interval, gridFloor(interval, serverTime), 1);
}

/** How many candle open times lie in [from, to]. */
export function slotCount(interval: BinanceInterval, from: number, to: number): number {
  const first = gridCeil(interval, from);
  if (first > to) return 0;
  const step = fixedIntervalMs(interval);
  if (step !== null) return Math.floor((to - first) / step) + 1;
  let count = 0;
  for (let open = first; open <= to; open = nextOpenTime(interval, open)) count++;
  return count;
}
