import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type IndexName, quoter } from './index-source';

export interface OutboxRow {
  id: number;
  source: string;
  ref: string;
  attempts: number;
}

export interface OutboxCounts {
  backlog: number;
  parked: number;
}

const INSERT_BATCH_ROWS = 500;

/**
 * The outbox table `index_outbox`: references to MySQL rows that still have to reach Elasticsearch. Writers call
 * `enqueue` with the EntityManager of the transaction that writes the rows, so both commit or neither does. With
 * ELASTICSEARCH_URL unset nothing is enqueued (after turning indexing on, POST /api/indexing/reindex fills an index).
 */
@Injectable()
export class IndexOutbox {
  private readonly logger = new Logger(IndexOutbox.name);
  readonly enabled: boolean;
  private readonly q: (name: string) => string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService,
  ) {
    this.enabled = Boolean(config.get<string>('ELASTICSEARCH_URL'));
    this.q = quoter(dataSource);
  }

  /** Queues references for `source` (no-op when indexing is off). Runs inside `manager`'s transaction when given. */
  async enqueue(manager: EntityManager | undefined, source: IndexName, refs: readonly object[]): Promise<void> {
    if (!this.enabled || refs.length === 0) return;
    const q = this.q;
    const em = manager ?? this.dataSource.manager;
    const now = Date.now();
    for (let start = 0; start < refs.length; start += INSERT_BATCH_ROWS) {
      const batch = refs.slice(start, start + INSERT_BATCH_ROWS);
      await em.query(
        `INSERT INTO ${q('index_outbox')} (${q('source')}, ${q('ref')}, ${q('attempts')}, ${q('next_attempt_at')}, ${q('parked')}, ${q('created_at')})` +
          ` VALUES ${batch.map(() => '(?, ?, 0, 0, 0, ?)').join(', ')}`,
        batch.flatMap((ref) => [source, JSON.stringify(ref), now]),
      );
    }
    this.logger.verbose(`Queued ${refs.length} ${source} reference(s) for Elasticsearch`);
  }

  /** The oldest rows due at `now`, not parked. */
  async due(limit: number, now: number): Promise<OutboxRow[]> {
    const q = this.q;
    const rows = await this.dataSource.query<{ id: number | string; source: string; ref: string; attempts: number | string }[]>(
      `SELECT ${q('id')}, ${q('source')}, ${q('ref')}, ${q('attempts')} FROM ${q('index_outbox')}` +
        ` WHERE ${q('parked')} = 0 AND ${q('next_attempt_at')} <= ? ORDER BY ${q('id')} LIMIT ${Math.trunc(limit)}`,
      [now],
    );
    return rows.map((row) => ({ id: Number(row.id), source: row.source, ref: row.ref, attempts: Number(row.attempts) }));
  }

  async remove(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const q = this.q;
    await this.dataSource.query(`DELETE FROM ${q('index_outbox')} WHERE ${q('id')} IN (${ids.map(() => '?').join(',')})`, [...ids]);
  }

  /** Records a failed attempt: due again at `nextAttemptAt`, or parked. */
  async failed(id: number, attempts: number, nextAttemptAt: number, park: boolean, error: string): Promise<void> {
    const q = this.q;
    await this.dataSource.query(
      `UPDATE ${q('index_outbox')} SET ${q('attempts')} = ?, ${q('next_attempt_at')} = ?, ${q('parked')} = ?, ${q('last_error')} = ? WHERE ${q('id')} = ?`,
      [attempts, nextAttemptAt, park ? 1 : 0, error.slice(0, 1000), id],
    );
  }

  async counts(): Promise<OutboxCounts> {
    const q = this.q;
    const rows = await this.dataSource.query<{ parked: number | string; n: number | string }[]>(
      `SELECT ${q('parked')} AS parked, COUNT(*) AS n FROM ${q('index_outbox')} GROUP BY ${q('parked')}`,
    );
    const count = (parked: number) => Number(rows.find((row) => Number(row.parked) === parked)?.n ?? 0);
    return { backlog: count(0), parked: count(1) };
  }

  /** The most recent parked rows, for the status endpoint. */
  async parkedRows(limit: number): Promise<{ id: number; source: string; ref: string; attempts: number; last_error: string | null }[]> {
    const q = this.q;
    const rows = await this.dataSource.query<{ id: number | string; source: string; ref: string; attempts: number | string; last_error: string | null }[]>(
      `SELECT ${q('id')}, ${q('source')}, ${q('ref')}, ${q('attempts')}, ${q('last_error')} FROM ${q('index_outbox')}` +
        ` WHERE ${q('parked')} = 1 ORDER BY ${q('id')} DESC LIMIT ${Math.trunc(limit)}`,
    );
    return rows.map((row) => ({ id: Number(row.id), source: row.source, ref: row.ref, attempts: Number(row.attempts), last_error: row.last_error }));
  }

  /** Drops the parked rows of one source (after a reindex rebuilt it from MySQL without failures). */
  async clearParked(source: IndexName): Promise<number> {
    const q = this.q;
    const [{ n }] = await this.dataSource.query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM ${q('index_outbox')} WHERE ${q('parked')} = 1 AND ${q('source')} = ?`,
      [source],
    );
    await this.dataSource.query(`DELETE FROM ${q('index_outbox')} WHERE ${q('parked')} = 1 AND ${q('source')} = ?`, [source]);
    return Number(n);
  }
}

/** Global so the modules that write results (market data, modelling) can enqueue without importing IndexingModule. */
@Global()
@Module({ providers: [IndexOutbox], exports: [IndexOutbox] })
export class IndexOutboxModule {}
