import { Injectable, Logger } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { IngestionLeaderService } from './ingestion-leader.service';

/** Error codes of mysql2, MySQL/MariaDB and SQLite that mean "the database went away or was busy", not "bad statement". */
const TRANSIENT_CODES = new Set([
  // the socket: server stopped, restarting, unreachable
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // the server: shutting down (1053), connection killed (MariaDB 1927), too many connections (1040),
  // gone away / lost during query (client 2006 / 2013), deadlock (1213), lock wait timeout (1205)
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
]);
const TRANSIENT_ERRNOS = new Set([1040, 1053, 1205, 1213, 1927, 2006, 2013]);

/** Attempts after the first, and the backoff between them: about 40 s in all, more than a database restart takes. */
const RETRY_ATTEMPTS = 12;
const RETRY_INITIAL_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 5_000;

/**
 * True when `error` (a mysql2 error, or TypeORM's QueryFailedError wrapping one, or anything with such a cause) says
 * the connection or the server is gone or busy: the same statement can succeed once the database is back.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const details = current as Error & { code?: unknown; errno?: unknown; fatal?: unknown; driverError?: unknown; cause?: unknown };
    // mysql2 marks every error that leaves its connection unusable as fatal ("connection is in closed state" too).
    if (details.fatal === true) return true;
    if (typeof details.code === 'string' && TRANSIENT_CODES.has(details.code)) return true;
    if (typeof details.errno === 'number' && TRANSIENT_ERRNOS.has(details.errno)) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isTransientDatabaseError(inner))) return true;
    current = details.driverError ?? details.cause;
  }
  return false;
}

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
