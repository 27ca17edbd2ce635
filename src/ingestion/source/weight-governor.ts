import { setTimeout as sleep } from 'node:timers/promises';

export interface WeightGovernorOptions {
  /** Request weight the exchange allows per window (Binance spot: 6000 per minute). */
  limitPerWindow: number;
  /** Share of the limit we allow ourselves, leaving room for clock skew and other clients on the same IP. */
  budgetPercent: number;
  /** Binance counts weight in fixed windows aligned on the epoch (one minute). */
  windowMs: number;
  /** Most requests in flight at once. */
  maxConcurrency: number;
  now?: () => number;
}

/** A reservation handed out by acquire() and given back with settle(). */
export interface WeightTicket {
  readonly weight: number;
  readonly window: number;
}

export interface WeightGovernorStats {
  budget: number;
  limitPerWindow: number;
  usedInWindow: number;
  inFlight: number;
  requests: number;
  weightSent: number;
  /** Time callers spent waiting because the window's budget was spent (summed over callers). */
  budgetWaitMs: number;
  /** Time callers spent waiting out a 429's Retry-After or a 418 ban (summed over callers). */
  pauseWaitMs: number;
  rateLimited: number;
  bans: number;
  pausedUntil: number | null;
}

/** After a 429 the budget is halved for this many windows. */
const SLOW_DOWN_WINDOWS = 5;

/**
 * Keeps our request weight under Binance's per-minute budget. Every request first reserves its weight; when the
 * window's budget is spent the caller waits for the next window (or for a request in flight to report back), so
 * concurrency is bounded by the budget rather than by a fixed sleep. The server's X-MBX-USED-WEIGHT-1M header is
 * the truth whenever it is higher than our own count (other clients on the same IP use the same budget). A 429 or
 * 418 pauses every caller until its Retry-After has passed; after a 429 the budget is halved for a few windows.
 */
export class WeightGovernor {
  private readonly now: () => number;
  private limit: number;
  private windowIndex: number;
  private used = 0;
  private reserved = 0;
  private inFlight = 0;
  private pausedUntil = 0;
  private slowUntil = 0;
  private wakeUps: (() => void)[] = [];
  private counters = { requests: 0, weightSent: 0, budgetWaitMs: 0, pauseWaitMs: 0, rateLimited: 0, bans: 0 };

  constructor(private readonly options: WeightGovernorOptions) {
    this.now = options.now ?? Date.now;
    this.limit = options.limitPerWindow;
    this.windowIndex = Math.floor(this.now() / options.windowMs);
  }

  /** The exchange announced its limit (exchangeInfo REQUEST_WEIGHT); never raise ours above the configured one. */
  useExchangeLimit(limitPerWindow: number): void {
    if (Number.isSafeInteger(limitPerWindow) && limitPerWindow > 0) this.limit = Math.min(this.options.limitPerWindow, limitPerWindow);
  }

  /** Waits until `weight` fits in the budget, no pause is in force and a concurrency slot is free. */
  async acquire(weight: number, signal?: AbortSignal): Promise<WeightTicket> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      if (this.pausedUntil > now) {
        const waitMs = this.pausedUntil - now;
        await sleep(waitMs, undefined, { signal });
        this.counters.pauseWaitMs += waitMs;
        continue;
      }
      this.roll(now);
      const overBudget = this.used + this.reserved + weight > this.budget(now) && this.used + this.reserved > 0;
      if (!overBudget && this.inFlight < this.options.maxConcurrency) {
        this.reserved += weight;
        this.inFlight++;
        this.counters.requests++;
        this.counters.weightSent += weight;
        return { weight, window: this.windowIndex };
      }
      const nextWindowMs = (this.windowIndex + 1) * this.options.windowMs + this.boundaryMarginMs() - now;
      const started = this.now();
      // A request in flight settling frees a slot (and may show the server reset its count); otherwise the next window.
      await this.waitForChange(this.inFlight > 0 ? nextWindowMs : Math.max(1, nextWindowMs), signal);
      if (overBudget) this.counters.budgetWaitMs += this.now() - started;
    }
  }

  /** The request is answered (or failed); `usedWeight` is the X-MBX-USED-WEIGHT-1M it came back with, if any. */
  settle(ticket: WeightTicket, usedWeight?: number): void {
    this.reserved = Math.max(0, this.reserved - ticket.weight);
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.roll(this.now());
    if (ticket.window === this.windowIndex) this.used = Math.max(this.used + ticket.weight, usedWeight ?? 0);
    else this.used += ticket.weight; // sent in the last window, counted in this one or that: assume this one
    this.wake();
  }

  /** A 429: nobody calls until Retry-After has passed, then at half the budget for a while. */
  rateLimited(retryAfterMs: number): number {
    const now = this.now();
    this.counters.rateLimited++;
    this.slowUntil = now + SLOW_DOWN_WINDOWS * this.options.windowMs;
    return this.pauseFor(now, retryAfterMs);
  }

  /** A 418 IP ban: nobody calls until it ends. */
  banned(retryAfterMs: number): number {
    this.counters.bans++;
    return this.pauseFor(this.now(), retryAfterMs);
  }

  stats(): WeightGovernorStats {
    const now = this.now();
    this.roll(now);
    return {
      budget: this.budget(now),
      limitPerWindow: this.limit,
      usedInWindow: this.used,
      inFlight: this.inFlight,
      ...this.counters,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : null,
    };
  }

  resetCounters(): void {
    this.counters = { requests: 0, weightSent: 0, budgetWaitMs: 0, pauseWaitMs: 0, rateLimited: 0, bans: 0 };
  }

  private pauseFor(now: number, waitMs: number): number {
    const until = now + Math.max(0, waitMs) + this.boundaryMarginMs();
    this.pausedUntil = Math.max(this.pausedUntil, until);
    return this.pausedUntil - now;
  }

  private budget(now: number): number {
    const full = Math.max(1, Math.floor((this.limit * this.options.budgetPercent) / 100));
    return now < this.slowUntil ? Math.max(1, Math.floor(full / 2)) : full;
  }

  /** Small wait past a window boundary or a Retry-After, for clock skew between us and the exchange. */
  private boundaryMarginMs(): number {
    return Math.min(500, Math.ceil(this.options.windowMs / 50));
  }

  private roll(now: number): void {
    const index = Math.floor(now / this.options.windowMs);
    if (index !== this.windowIndex) {
      this.windowIndex = index;
      this.used = 0;
    }
  }

  private wake(): void {
    const wakeUps = this.wakeUps;
    this.wakeUps = [];
    for (const wakeUp of wakeUps) wakeUp();
  }

  private async waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        this.wakeUps = this.wakeUps.filter((wakeUp) => wakeUp !== done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const timer = setTimeout(done, Math.max(1, timeoutMs));
      this.wakeUps.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
