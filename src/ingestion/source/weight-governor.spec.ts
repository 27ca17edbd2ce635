import { WeightGovernor } from './weight-governor';

describe('WeightGovernor', () => {
  const options = { limitPerWindow: 100, budgetPercent: 50, windowMs: 60_000, maxConcurrency: 4 };

  it('hands out weight up to the budget, then makes callers wait for the next window', async () => {
    const windowMs = 1_000;
    // Start early in a window so the budget is spent before it ends.
    while (Date.now() % windowMs > 300) await new Promise((resolve) => setTimeout(resolve, 5));
    const governor = new WeightGovernor({ ...options, windowMs });
    const window = Math.floor(Date.now() / windowMs);
    for (let i = 0; i < 25; i++) governor.settle(await governor.acquire(2));
    expect(governor.stats()).toMatchObject({ budget: 50, usedInWindow: 50 });
    governor.settle(await governor.acquire(2));
    expect(Math.floor(Date.now() / windowMs)).toBeGreaterThan(window);
    expect(governor.stats()).toMatchObject({ usedInWindow: 2 });
    expect(governor.stats().budgetWaitMs).toBeGreaterThan(0);
  });

  it('trusts a higher X-MBX-USED-WEIGHT-1M than its own count', async () => {
    const governor = new WeightGovernor({ ...options, now: () => 1_000 });
    governor.settle(await governor.acquire(2), 48);
    expect(governor.stats().usedInWindow).toBe(48);
  });

  it('after a 429 pauses for Retry-After and halves the budget; a 418 pauses for the ban', () => {
    const now = 1_000;
    const governor = new WeightGovernor({ ...options, now: () => now });
    const wait = governor.rateLimited(3_000);
    expect(wait).toBeGreaterThanOrEqual(3_000);
    expect(governor.stats()).toMatchObject({ budget: 25, rateLimited: 1, pausedUntil: now + wait });
    expect(governor.banned(10_000)).toBeGreaterThanOrEqual(10_000);
    expect(governor.stats().bans).toBe(1);
  });

  it('never raises the limit above the configured one when the exchange announces a bigger one', () => {
    const governor = new WeightGovernor({ ...options, now: () => 0 });
    governor.useExchangeLimit(6000);
    expect(governor.stats().limitPerWindow).toBe(100);
    governor.useExchangeLimit(60);
    expect(governor.stats().limitPerWindow).toBe(60);
  });
});
