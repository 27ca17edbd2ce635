import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';

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

/** Two transactions wanted each other's locks: InnoDB rolled one back (deadlock) or it waited too long; SQLite was busy. */
const LOCK_CONFLICT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY']);
const LOCK_CONFLICT_ERRNOS = new Set([1205, 1213]);

export function isLockConflict(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const details = current as Error & { code?: unknown; errno?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof details.code === 'string' && LOCK_CONFLICT_CODES.has(details.code)) return true;
    if (typeof details.errno === 'number' && LOCK_CONFLICT_ERRNOS.has(details.errno)) return true;
    current = details.driverError ?? details.cause;
  }
  return false;
}

const lockConflictRetry = retry(handleWhen(isLockConflict), {
  maxAttempts: 6,
  backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 2_000 }),
});

/**
 * Runs a whole transaction again when the database rolled it back because of a lock conflict with another
 * transaction (a deadlock is normal InnoDB behaviour when two instances upsert overlapping keys, e.g. two backtests of
 * one model writing its predictions): MySQL's documented answer is "try restarting transaction". `transaction` must
 * be the complete unit (it is rolled back before a retry), safe to run again from the top. Other errors pass through.
 */
export function retryOnLockConflict<T>(transaction: () => Promise<T>): Promise<T> {
  return lockConflictRetry.execute(() => transaction());
}
