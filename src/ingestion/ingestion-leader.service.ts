import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';

const LOCK_PREFIX = 'opa_crypto_ingestion:';
const MYSQL_LOCK_NAME_MAX = 64;

/**
 * Decides which app instance ingests. On MySQL/MariaDB the leader holds the named lock GET_LOCK(...) on a connection
 * of its own; the lock dies with that connection, so when the leader's process dies another instance gets the lock on
 * its next try. The lock name includes the database name (MySQL lock names are server-wide). On SQLite there is one
 * process per file, so the instance is always the leader.
 */
@Injectable()
export class IngestionLeaderService {
  private readonly logger = new Logger(IngestionLeaderService.name);
  private readonly mysql: boolean;
  private runner: QueryRunner | null = null;
  private lockName: string | null = null;
  private leader: boolean;
  private pending: Promise<boolean> | null = null;
  private closed = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
    this.leader = !this.mysql;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Checks the lock is still ours, or tries (without waiting) to take it. Never throws. */
  ensureLeadership(): Promise<boolean> {
    if (!this.mysql || this.closed) return Promise.resolve(this.leader && !this.closed);
    this.pending ??= this.check().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Gives the lock back (app shutdown). */
  async resign(): Promise<void> {
    this.closed = true;
    await this.pending?.catch(() => undefined);
    const runner = this.runner;
    this.runner = null;
    this.leader = false;
    if (!runner) return;
    try {
      await runner.query('SELECT RELEASE_LOCK(?)', [this.lockName]);
    } catch {
      // the connection is gone, and the lock with it
    }
    await runner.release().catch(() => undefined);
  }

  private async check(): Promise<boolean> {
    try {
      if (this.runner && this.leader) {
        const [row] = (await this.runner.query('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [this.lockName])) as { mine: number | string | null }[];
        if (Number(row?.mine) === 1) return true;
        this.logger.warn('Lost the ingestion lock; another instance may take over');
        await this.drop();
      }
      return await this.tryAcquire();
    } catch (error) {
      if (this.leader) this.logger.warn(`Ingestion lock connection failed (${describe(error)}); stepping down`);
      await this.drop();
      return false;
    }
  }

  private async tryAcquire(): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      if (this.lockName === null) {
        const [row] = (await runner.query('SELECT DATABASE() AS db')) as { db: string | null }[];
        this.lockName = `${LOCK_PREFIX}${row?.db ?? ''}`.slice(0, MYSQL_LOCK_NAME_MAX);
      }
      const [row] = (await runner.query('SELECT GET_LOCK(?, 0) AS acquired', [this.lockName])) as { acquired: number | string | null }[];
      if (Number(row?.acquired) === 1 && !this.closed) {
        this.runner = runner;
        this.leader = true;
        this.logger.log(`This instance holds the ingestion lock (${this.lockName}) and runs the schedule and backfill jobs`);
        return true;
      }
      if (Number(row?.acquired) === 1) await runner.query('SELECT RELEASE_LOCK(?)', [this.lockName]);
      await runner.release();
      return false;
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
  }

  private async drop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    this.leader = false;
    if (runner) await runner.release().catch(() => undefined);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
