import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { BackgroundJobRunner, type JobHandler } from './background-job-runner';
import { JobQueueFullError } from './job-queue-full.error';
import { type JobTable, type JobTableSpec, SqlJobTable } from './job-table';

export interface JobSettings {
  leaseMs: number;
  pollMs: number;
  /** Jobs of one kind that may be queued or running at once; a submission beyond it is refused with 429. */
  maxActivePerKind: number;
}

export const JOB_SETTING_DEFAULTS: JobSettings = { leaseMs: 120_000, pollMs: 5_000, maxActivePerKind: 10 };

/** Seconds a refused submission is told to wait (Retry-After): a slot frees when a job finishes. */
export const JOB_RETRY_AFTER_SECONDS = 30;

export function jobSettings(config: ConfigService): JobSettings {
  return {
    leaseMs: config.get<number>('JOBS_LEASE_MS') ?? JOB_SETTING_DEFAULTS.leaseMs,
    pollMs: config.get<number>('JOBS_POLL_MS') ?? JOB_SETTING_DEFAULTS.pollMs,
    maxActivePerKind: config.get<number>('JOBS_MAX_QUEUED') ?? JOB_SETTING_DEFAULTS.maxActivePerKind,
  };
}

export interface JobKind extends JobTableSpec {
  /** Name in logs and in the 429 message, e.g. "training". */
  kind: string;
  maxAttempts: number;
}

/**
 * The app instance's identity and settings for background jobs, and the factory of their runners. One per app
 * instance (JobsModule), so every kind of job of an instance carries the same owner.
 */
@Injectable()
export class BackgroundJobs {
  /** Unique per app instance, even for two instances in one process. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly settings: JobSettings;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService,
  ) {
    this.settings = jobSettings(config);
  }

  runner(kind: JobKind, handler: JobHandler, logger: Logger = new Logger(`${kind.kind} jobs`)): BackgroundJobRunner {
    return new BackgroundJobRunner(kind.kind, this.table(kind), handler, { owner: this.instanceId, leaseMs: this.settings.leaseMs, pollMs: this.settings.pollMs, maxAttempts: kind.maxAttempts }, logger);
  }

  /** Throws JobQueueFullError (429) when `active` jobs of `kind` already fill the cap. Checked at submission. */
  assertRoom(kind: string, active: number): void {
    if (active >= this.settings.maxActivePerKind) {
      throw new JobQueueFullError(
        `too many ${kind} jobs: ${active} are queued or running and JOBS_MAX_QUEUED allows ${this.settings.maxActivePerKind} per kind; ` +
          `try again when one has finished`,
        JOB_RETRY_AFTER_SECONDS,
      );
    }
  }

  protected table(spec: JobTableSpec): JobTable {
    return new SqlJobTable(this.dataSource, spec);
  }
}
