import { Injectable, Logger } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { isTransientDatabaseError } from '../platform/database/transient-errors';
import { IngestionLeaderService } from './ingestion-leader.service';

/** Attempts after the first, and the backoff between them: about 40 s in all, more than a database restart takes. */
const RETRY_ATTEMPTS = 12;
const RETRY_INITIAL_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 5_000;

/** The database came back but this instance does not hold the ingestion lock (yet): work waits rather than runs twice. */
export class IngestionLockPending extends Error {
  constructor() {
    super('the ingestion lock is not held (the database connection that held it was lost)');
    this.name = 'IngestionLockPending';
  }
}

/**
 * Retries a unit of ingestion work whose database calls failed because the database went away (stopped, restarted,
 * connection killed), with exponential backoff and jitter (cockatiel). The unit must be safe to run again from the top
 * (upserts; a job resumes from the cursor committed with its last page). Before each retry the instance confirms it
 * still holds, or takes back, the ingestion lock, which dies with the database connection that held it: without it
 * the unit waits, so two instances never run the same work at once. Other errors are not retried.
 */
@Injectable()
export class DatabaseRetry {
  private readonly logger = new Logger(DatabaseRetry.name);
  private readonly policy: RetryPolicy = retry(
    handleWhen((error) => error instanceof IngestionLockPending || isTransientDatabaseError(error)),
    { maxAttempts: RETRY_ATTEMPTS, backoff: new ExponentialBackoff({ initialDelay: RETRY_INITIAL_DELAY_MS, maxDelay: RETRY_MAX_DELAY_MS }) },
  );

  constructor(private readonly leader: IngestionLeaderService) {}

  /**
   * Runs `work` (attempt 0, 1, ...), again after each transient database error; `onRetry` hears each such error before
   * the wait. Rejects with the last error once the attempts are spent, or at once for any other error or an abort.
   */
  execute<T>(what: string, work: (attempt: number) => Promise<T>, options: { signal?: AbortSignal; onRetry?: (error: unknown) => void } = {}): Promise<T> {
    return this.policy.execute(async ({ attempt }) => {
      if (attempt > 0 && !(await this.leader.ensureLeadership())) throw new IngestionLockPending();
      try {
        return await work(attempt);
      } catch (error) {
        if (isTransientDatabaseError(error) && !options.signal?.aborted) {
          this.logger.warn(`${what}: database unavailable (${describe(error)}); retrying with backoff`);
          options.onRetry?.(error);
        }
        throw error;
      }
    }, options.signal);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
