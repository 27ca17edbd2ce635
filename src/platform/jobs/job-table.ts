import type { DataSource } from 'typeorm';

/** Where a kind of job lives: a table with `id`, a status column and the lease columns `owner`, `lease_until`, `attempts`. */
export interface JobTableSpec {
  table: string;
  /** Status of a job waiting for an instance. */
  queuedStatus: string;
  /** Status of a job an instance has claimed. */
  runningStatus: string;
}

/** The database side of the job lease; SqlJobTable on MySQL/MariaDB/SQLite, an in-memory one in unit specs. */
export interface JobTable {
  /** Ids any instance may take now, oldest first: queued, or running under a lease that expired (or never had one). */
  claimable(limit: number): Promise<number[]>;
  /** Takes the job for `owner` if it is still claimable; the job's attempt count after this claim, or null when it is not ours. */
  claim(id: number, owner: string, leaseMs: number): Promise<number | null>;
  /** Extends the lease; false when `owner` no longer holds the job. */
  renew(id: number, owner: string, leaseMs: number): Promise<boolean>;
  /** Jobs queued or running. */
  countActive(): Promise<number>;
}

/**
 * The lease in plain SQL valid on MySQL 8, MariaDB 10.6+ and SQLite. Claiming is one conditional UPDATE, so of two
 * instances racing for a job exactly one changes the row; lease times use the database's clock, so instances on
 * machines whose clocks disagree still agree on when a lease expired.
 */
export class SqlJobTable implements JobTable {
  private readonly mysql: boolean;
  private readonly now: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly spec: JobTableSpec,
  ) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
    this.now = this.mysql ? 'CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED)' : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
  }

  async claimable(limit: number): Promise<number[]> {
    const rows = await this.dataSource.query<{ id: number | string }[]>(
      `SELECT ${this.q('id')} FROM ${this.q(this.spec.table)} WHERE ${this.claimableWhere()} ORDER BY ${this.q('id')} LIMIT ${Math.trunc(limit)}`,
      [this.spec.queuedStatus, this.spec.runningStatus],
    );
    return rows.map((row) => Number(row.id));
  }

  async claim(id: number, owner: string, leaseMs: number): Promise<number | null> {
    const { q, spec } = this;
    const changed = await this.affected(
      `UPDATE ${q(spec.table)} SET ${q('status')} = ?, ${q('owner')} = ?, ${q('lease_until')} = ${this.now} + ?, ${q('attempts')} = ${q('attempts')} + 1 ` +
        `WHERE ${q('id')} = ? AND (${this.claimableWhere()})`,
      [spec.runningStatus, owner, leaseMs, id, spec.queuedStatus, spec.runningStatus],
    );
    if (changed === 0) return null;
    const [row] = await this.dataSource.query<{ attempts: number | string }[]>(
      `SELECT ${q('attempts')} FROM ${q(spec.table)} WHERE ${q('id')} = ? AND ${q('owner')} = ?`,
      [id, owner],
    );
    return row ? Number(row.attempts) : null;
  }

  async renew(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const { q, spec } = this;
    const changed = await this.affected(
      `UPDATE ${q(spec.table)} SET ${q('lease_until')} = ${this.now} + ? WHERE ${q('id')} = ? AND ${q('owner')} = ? AND ${q('status')} = ?`,
      [leaseMs, id, owner, spec.runningStatus],
    );
    return changed > 0;
  }

  async countActive(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM ${this.q(this.spec.table)} WHERE ${this.q('status')} IN (?, ?)`,
      [this.spec.queuedStatus, this.spec.runningStatus],
    );
    return Number(row.n);
  }

  /** Parameters: queued status, running status. */
  private claimableWhere(): string {
    const { q } = this;
    return `${q('status')} = ? OR (${q('status')} = ? AND (${q('lease_until')} IS NULL OR ${q('lease_until')} < ${this.now}))`;
  }

  private async affected(sql: string, parameters: unknown[]): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, parameters, true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  private readonly q = (identifier: string): string => (this.mysql ? `\`${identifier}\`` : `"${identifier}"`);
}
