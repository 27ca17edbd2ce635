import { Injectable, Logger } from '@nestjs/common';
import { IngestionLeaderService } from '../ingestion-leader.service';
import { IngestionLifecycle } from '../ingestion-lifecycle';
import { BackfillService } from './backfill.service';
import { IngestionJobRepository } from './ingestion-job.repository';

/**
 * Runs backfill jobs one after another on the instance that holds the ingestion lock: jobs a stopped instance left
 * running first (they resume from their cursor), then queued ones. kick() is cheap and safe to call any time.
 */
@Injectable()
export class IngestionJobRunner {
  private readonly logger = new Logger(IngestionJobRunner.name);
  private loop: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly jobs: IngestionJobRepository,
    private readonly backfill: BackfillService,
    private readonly leader: IngestionLeaderService,
    private readonly lifecycle: IngestionLifecycle,
  ) {}

  kick(): void {
    if (this.lifecycle.stopping) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = this.drain()
      .catch((error: unknown) => {
        // A failed database call, say: logged, and the next poll tries again.
        this.logger.error(`Backfill job runner stopped: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        this.loop = null;
        if (this.again && !this.lifecycle.stopping) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when the runner is idle (used at shutdown and by tests). */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private async drain(): Promise<void> {
    this.again = false;
    while (!this.lifecycle.stopping && (await this.leader.ensureLeadership())) {
      const job = await this.jobs.nextRunnable();
      if (!job) return;
      await this.backfill.run(job, this.lifecycle.signal);
      if (job.state === 'running') return; // interrupted: left for the next start
    }
  }
}
