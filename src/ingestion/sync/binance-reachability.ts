/**
 * Whether Binance answers, as the scheduled sync sees it, and when to try again while it does not. Offline (no
 * network, DNS blocked, a firewall) the sync must not retry every minute and log every try: the first failure opens
 * an "unreachable" period (one line in the log), tries back off from `baseBackoffMs` doubling to `maxBackoffMs`, and
 * the first success closes the period (one line). Pure: the caller passes the clock.
 */
export interface ReachabilitySnapshot {
  reachable: boolean;
  /** Start of the current unreachable period (epoch ms), or null while reachable. */
  unreachableSince: number | null;
  /** Why the last try failed, e.g. "getaddrinfo ENOTFOUND api.binance.com". */
  reason: string | null;
  /** Failed tries in the current period. */
  failedTries: number;
  /** No sync before this time (epoch ms); null while reachable. */
  nextTryAt: number | null;
}

export type ReachabilityChange = 'became-unreachable' | 'still-unreachable' | 'became-reachable' | 'still-reachable';

export class BinanceReachability {
  private state: ReachabilitySnapshot = { reachable: true, unreachableSince: null, reason: null, failedTries: 0, nextTryAt: null };

  constructor(
    private readonly baseBackoffMs: number,
    private readonly maxBackoffMs: number,
  ) {}

  snapshot(): ReachabilitySnapshot {
    return { ...this.state };
  }

  /** False while backing off: the scheduler skips the tick quietly. */
  mayTry(now: number): boolean {
    return this.state.nextTryAt === null || now >= this.state.nextTryAt;
  }

  failed(now: number, reason: string): ReachabilityChange {
    const change: ReachabilityChange = this.state.reachable ? 'became-unreachable' : 'still-unreachable';
    const failedTries = this.state.failedTries + 1;
    const backoff = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.min(30, failedTries - 1));
    this.state = { reachable: false, unreachableSince: this.state.unreachableSince ?? now, reason, failedTries, nextTryAt: now + backoff };
    return change;
  }

  succeeded(): ReachabilityChange {
    const change: ReachabilityChange = this.state.reachable ? 'still-reachable' : 'became-reachable';
    this.state = { reachable: true, unreachableSince: null, reason: null, failedTries: 0, nextTryAt: null };
    return change;
  }
}

/** What a user without network access (or with Binance blocked) can do: said by the log, the status and the dashboard. */
export const UNREACHABLE_HINT =
  'Working offline? Set INGESTION_ENABLED=false to stop the scheduled sync, and load history from Binance archives with npm run import:klines (or POST /api/klines/import).';
