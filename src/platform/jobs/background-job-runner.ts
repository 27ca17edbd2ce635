import type { Logger } from '@nestjs/common';
import { JobLease, JobLeaseLost } from './job-lease';
import type { JobTable } from './job-table';

/** What a feature does with a job it was given. Both calls make only writes guarded by the lease's owner. */
export interface JobHandler {
  run(lease: JobLease): Promise<void>;
  fail(lease: JobLease, message: string): Promise<void>;
}

export interface JobRunnerSettings {
  /** This app instance, written into `owner`. */
  owner: string;
  leaseMs: number;
  pollMs: number;
  /** A job claimed for the (maxAttempts + 1)th time is failed instead of run: it keeps interrupting its instances. */
  maxAttempts: number;
}

/** How many claimable ids one look at the table reads (the first that is still free is taken). */
const CLAIM_BATCH = 5;

/**
 * Runs one kind of job on this instance, one at a time, claimed through the database: any instance may take any
 * queued job, a running job is renewed by a heartbeat every third of the lease, and a job whose lease expired (its
 * instance died or hung) is taken by whichever instance looks next. There is no start-up recovery apart from that: a
 * live instance's jobs are never touched. The table is looked at after kick() and every pollMs.
 */
export class BackgroundJobRunner {
  private loop: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly kind: string,
    private readonly table: JobTable,
    private readonly handler: JobHandler,
    private readonly settings: JobRunnerSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Looks for work now (after a submission). Cheap and safe to call any time. */
  kick(): void {
    if (this.stopped) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.loop = this.drain()
      .catch((error: unknown) => this.logger.error(`Could not look for ${this.kind} jobs: ${describe(error)}; trying again in ${this.settings.pollMs} ms`))
      .finally(() => {
        this.loop = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
          return;
        }
        this.timer = setTimeout(() => this.kick(), this.settings.pollMs);
        this.timer.unref();
      });
  }

  /** Stops looking for work and waits for the job in hand (app shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.loop;
  }

  countActive(): Promise<number> {
    return this.table.countActive();
  }

  private async drain(): Promise<void> {
    this.again = false;
    while (!this.stopped) {
      const lease = await this.claimNext();
      if (!lease) return;
      await this.execute(lease);
    }
  }

  private async claimNext(): Promise<JobLease | null> {
    for (const id of await this.table.claimable(CLAIM_BATCH)) {
      const attempt = await this.table.claim(id, this.settings.owner, this.settings.leaseMs);
      if (attempt !== null) return new JobLease(id, this.settings.owner, attempt);
    }
    return null;
  }

  private async execute(lease: JobLease): Promise<void> {
    const heartbeat = setInterval(() => void this.renew(lease), Math.max(1, Math.floor(this.settings.leaseMs / 3)));
    try {
      if (lease.attempt > 1) this.logger.warn(`Taking over ${this.kind} job ${lease.id} (attempt ${lease.attempt}): its previous run stopped without finishing`);
      if (lease.attempt > this.settings.maxAttempts) {
        await this.handler.fail(lease, `interrupted ${lease.attempt - 1} times (its instance stopped or lost the lease); submit it again`);
      } else {
        await this.handler.run(lease);
      }
    } catch (error) {
      if (error instanceof JobLeaseLost || lease.lost) {
        this.logger.warn(`${this.kind} job ${lease.id}: ${new JobLeaseLost(lease.id).message}; this instance dropped its result`);
      } else {
        const message = describe(error);
        this.logger.warn(`${this.kind} job ${lease.id} failed: ${message}`);
        await this.handler.fail(lease, message).catch((saveError: unknown) => {
          this.logger.error(`Could not record the failure of ${this.kind} job ${lease.id}: ${describe(saveError)}`);
        });
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async renew(lease: JobLease): Promise<void> {
    if (lease.lost) return;
    try {
      if (!(await this.table.renew(lease.id, lease.owner, this.settings.leaseMs))) lease.markLost();
    } catch (error) {
      // The database is away: the lease runs out unless a later heartbeat gets through, and the guarded writes decide.
      this.logger.warn(`Could not renew the lease of ${this.kind} job ${lease.id}: ${describe(error)}`);
    }
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
