import { mayDecide } from './freshness';

const H = 3_600_000;

describe('freshness rule', () => {
  it('lets a candle decide until maxAge after its close, never after', () => {
    const openTime = 10 * H;
    const close = openTime + H;
    expect(mayDecide(openTime, H, close + 40_000, H)).toBe(true);
    expect(mayDecide(openTime, H, close + H, H)).toBe(true);
    expect(mayDecide(openTime, H, close + H + 1, H)).toBe(false);
    // After a 3-hour outage the candles that closed meanwhile are all too old; only the newest one is not.
    const now = 14 * H + 40_000;
    expect([10, 11, 12, 13].map((hour) => mayDecide(hour * H, H, now, H))).toEqual([false, false, false, true]);
  });
});
