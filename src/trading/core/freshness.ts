/**
 * The freshness rule of live and paper trading: a closed candle may decide an order only while the time since its
 * close is at most `maxAgeMs`. An older candle (trading was stopped, the app or the database was down, the candles
 * arrived late) is history: acting on it would send today's order on yesterday's information.
 */
export function mayDecide(candleOpenTime: number, intervalMs: number, now: number, maxAgeMs: number): boolean {
  return now - (candleOpenTime + intervalMs) <= maxAgeMs;
}
