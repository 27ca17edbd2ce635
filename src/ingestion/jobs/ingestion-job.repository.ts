import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { BinanceInterval } from '../../market-data/binance-interval';
import type { JobState } from './ingestion-job.entity';

/** At most this many errors are kept per job (the count goes on). */
export const MAX_KEPT_JOB_ERRORS = 100;

export interface JobError {
  at: number;
  kind: string;
  message: string;
}

export interface IngestionJob {
  id: string;
  kind: 'backfill';
  symbol: string;
  interval: BinanceInterval;
  startTime: number;
  endTime: number | null;
  state: JobState;
  /** Next open time to ask for; null before the first page. */
  cursorTime: number | null;
  done: number;
  expected: number;
  errors: JobError[];
  errorCount: number;
  failure: string | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface JobRow {
  id: string;
  kind: string;
  symbol: string;
  interval: string;
  start_time: number | string;
  end_time: number | string | null;
  state: string;
  cursor_time: number | string | null;
  done: number | string;
  expected: number | string;
  errors: string;
  error_count: number | string;
  failure: string | null;
  created_at: number | string;
  updated_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
}

const COLUMNS = [
  'id', 'kind', 'symbol', 'interval', 'start_time', 'end_time', 'state', 'cursor_time', 'done', 'expected', 'errors',
  'error_count', 'failure', 'created_at', 'updated_at', 'started_at', 'finished_at',
];

/** Backfill jobs (table ingestion_jobs) in plain SQL valid on MySQL 8, MariaDB and SQLite. */
@Injectable()
export class IngestionJobRepository {
  private readonly mysql: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  async create(input: { symbol: string; interval: BinanceInterval; startTime: number; endTime: number | null; expected: number }): Promise<IngestionJob> {
    const now = Date.now();
    const job: IngestionJob = {
      id: randomUUID(),
      kind: 'backfill',
      symbol: input.symbol,
      interval: input.interval,
      startTime: input.startTime,
      endTime: input.endTime,
      state: 'queued',
      cursorTime: null,
      done: 0,
      expected: input.expected,
      errors: [],
      errorCount: 0,
      failure: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
    };
    const q = this.quote;
    await this.dataSource.query(
      `INSERT INTO ${q('ingestion_jobs')} (${COLUMNS.map(q).join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`,
      [
        job.id, job.kind, job.symbol, job.interval, job.startTime, job.endTime, job.state, job.cursorTime, job.done,
        job.expected, '[]', 0, null, job.createdAt, job.updatedAt, null, null,
      ],
    );
    return job;
  }

  async findById(id: string): Promise<IngestionJob | null> {
    const q = this.quote;
    const [row] = await this.dataSource.query<JobRow[]>(`SELECT * FROM ${q('ingestion_jobs')} WHERE ${q('id')} = ?`, [id]);
    return row ? toJob(row) : null;
  }

  /** Jobs left running by an instance that stopped come first (oldest first), then queued ones. */
  async nextRunnable(): Promise<IngestionJob | null> {
    const q = this.quote;
    const rows = await this.dataSource.query<JobRow[]>(
      `SELECT * FROM ${q('ingestion_jobs')} WHERE ${q('state')} IN ('running', 'queued')` +
        ` ORDER BY CASE WHEN ${q('state')} = 'running' THEN 0 ELSE 1 END, ${q('created_at')}, ${q('id')} LIMIT 1`,
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Jobs queued or running (the JOBS_MAX_QUEUED cap counts them). */
  async countActive(): Promise<number> {
    const q = this.quote;
    const [row] = await this.dataSource.query<{ n: number | string }[]>(`SELECT COUNT(*) AS n FROM ${q('ingestion_jobs')} WHERE ${q('state')} IN ('queued', 'running')`);
    return Number(row.n);
  }

  async list(limit: number): Promise<IngestionJob[]> {
    const q = this.quote;
    const rows = await this.dataSource.query<JobRow[]>(
      `SELECT * FROM ${q('ingestion_jobs')} ORDER BY ${q('created_at')} DESC, ${q('id')} LIMIT ${Math.trunc(limit)}`,
    );
    return rows.map(toJob);
  }

  /** Writes the mutable fields of `job`; inside `manager`'s transaction when given (a page and its cursor commit together). */
  async save(job: IngestionJob, manager?: EntityManager): Promise<void> {
    job.updatedAt = Date.now();
    const q = this.quote;
    const fields: [string, unknown][] = [
      ['state', job.state],
      ['cursor_time', job.cursorTime],
      ['done', job.done],
      ['expected', job.expected],
      ['errors', JSON.stringify(job.errors)],
      ['error_count', job.errorCount],
      ['failure', job.failure === null ? null : job.failure.slice(0, 1000)],
      ['updated_at', job.updatedAt],
      ['started_at', job.startedAt],
      ['finished_at', job.finishedAt],
    ];
    await (manager ?? this.dataSource.manager).query(
      `UPDATE ${q('ingestion_jobs')} SET ${fields.map(([column]) => `${q(column)} = ?`).join(', ')} WHERE ${q('id')} = ?`,
      [...fields.map(([, value]) => value), job.id],
    );
  }

  private readonly quote = (identifier: string): string => (this.mysql ? `\`${identifier}\`` : `"${identifier}"`);
}

export function addJobError(job: IngestionJob, error: Omit<JobError, 'at'>): void {
  job.errorCount++;
  if (job.errors.length < MAX_KEPT_JOB_ERRORS) job.errors.push({ at: Date.now(), ...error });
}

function toJob(row: JobRow): IngestionJob {
  const nullable = (value: number | string | null): number | null => (value === null ? null : Number(value));
  let errors: JobError[];
  try {
    errors = JSON.parse(row.errors) as JobError[];
  } catch {
    errors = [];
  }
  return {
    id: row.id,
    kind: 'backfill',
    symbol: row.symbol,
    interval: row.interval as BinanceInterval,
    startTime: Number(row.start_time),
    endTime: nullable(row.end_time),
    state: row.state as JobState,
    cursorTime: nullable(row.cursor_time),
    done: Number(row.done),
    expected: Number(row.expected),
    errors,
    errorCount: Number(row.error_count),
    failure: row.failure,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: nullable(row.started_at),
    finishedAt: nullable(row.finished_at),
  };
}
