import { BinanceReachability } from './binance-reachability';

describe('BinanceReachability', () => {
  it('opens one unreachable period, backs off doubling to the cap, and closes it on the first success', () => {
    const reachability = new BinanceReachability(60_000, 300_000);
    expect(reachability.mayTry(0)).toBe(true);
    expect(reachability.failed(1_000, 'getaddrinfo ENOTFOUND api.binance.com')).toBe('became-unreachable');
    expect(reachability.snapshot()).toEqual({ reachable: false, unreachableSince: 1_000, reason: 'getaddrinfo ENOTFOUND api.binance.com', failedTries: 1, nextTryAt: 61_000 });
    expect(reachability.mayTry(60_999)).toBe(false);
    expect(reachability.mayTry(61_000)).toBe(true);
    const waits = [2, 3, 4, 5].map((tries) => {
      const at = tries * 1_000_000;
      expect(reachability.failed(at, 'timeout')).toBe('still-unreachable');
      return (reachability.snapshot().nextTryAt ?? 0) - at;
    });
    expect(waits).toEqual([120_000, 240_000, 300_000, 300_000]);
    expect(reachability.snapshot().unreachableSince).toBe(1_000);
    expect(reachability.succeeded()).toBe('became-reachable');
    expect(reachability.snapshot()).toEqual({ reachable: true, unreachableSince: null, reason: null, failedTries: 0, nextTryAt: null });
    expect(reachability.succeeded()).toBe('still-reachable');
  });
});
