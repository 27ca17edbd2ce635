import { createHash } from 'node:crypto';

export type OrderPurpose = 'entry' | 'exit';

/**
 * The client order id of the order decided at the close of one candle: `opa_<open time base36>_<purpose>_<hash>`,
 * where the hash covers mode, symbol, interval, open time and purpose. The same decision always gets the same id, so
 * a retried request, a restart or a second instance can never place a second order for it; the id matches Binance's
 * `^[.A-Z:/a-z0-9_-]{1,36}$` and is at most 32 characters.
 */
export function clientOrderIdFor(decision: { mode: string; symbol: string; interval: string; openTime: number; purpose: OrderPurpose }): string {
  const hash = createHash('sha256')
    .update(`${decision.mode}|${decision.symbol}|${decision.interval}|${decision.openTime}|${decision.purpose}`)
    .digest('hex')
    .slice(0, 12);
  return `opa_${decision.openTime.toString(36)}_${decision.purpose === 'entry' ? 'en' : 'ex'}_${hash}`;
}
