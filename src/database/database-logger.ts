import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** Longest SQL text a log line carries: a failed 1000-row upsert would otherwise print ~300 KB per line. */
const MAX_LOGGED_SQL = 300;

function shortSql(query: string): string {
  const oneLine = query.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_LOGGED_SQL ? oneLine : `${oneLine.slice(0, MAX_LOGGED_SQL)}… (${oneLine.length} chars)`;
}

/**
 * TypeORM's errors and warnings through Nest's logger, with SQL shortened and parameters left out (bulk statements
 * are huge, and parameters may hold values that have no business in a log).
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    // Queries are not logged (logging is errors and warnings only).
  }

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.error(`Query failed: ${message} — ${shortSql(query)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`Slow query (${time} ms): ${shortSql(query)}`);
  }

  logSchemaBuild(): void {
    // synchronize is never on.
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
