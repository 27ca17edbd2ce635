import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { IngestionLeaderService } from '../ingestion-leader.service';
import { IngestionLifecycle } from '../ingestion-lifecycle';
import { INGESTION_SETTINGS, type IngestionSettings } from '../ingestion.settings';
import { IngestionJobRunner } from '../jobs/ingestion-job-runner';
import { MarketDataSourceError } from '../source/market-data-source';
import { SymbolCatalog } from '../symbol-catalog';
import { IngestionSyncService } from './ingestion-sync.service';

export const SYNC_CRON_NAME = 'ingestion-sync';

/**
 * Wires ingestion to time. Every INGESTION_POLL_MS: check or take the ingestion lock and, as leader, run pending
 * backfill jobs. On INGESTION_CRON (when INGESTION_ENABLED): the leader runs the sync. Handlers are thin and catch
 * everything, so a failed run is logged and never becomes an unhandled rejection.
 */
@Injectable()
export class IngestionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IngestionScheduler.name);
  private pollTimer: NodeJS.Timeout | null = null;
  private skipped = 0;
  private skippedInARow = 0;

  constructor(
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    private readonly registry: SchedulerRegistry,
    private readonly leader: IngestionLeaderService,
    private readonly jobRunner: IngestionJobRunner,
    private readonly sync: IngestionSyncService,
    private readonly catalog: SymbolCatalog,
    private readonly lifecycle: IngestionLifecycle,
  ) {}

  onApplicationBootstrap(): void {
    this.pollTimer = setInterval(() => this.onPoll(), this.settings.pollMs);
    this.onPoll();
    if (!this.settings.enabled) {
      this.logger.log('Scheduled sync is off (INGESTION_ENABLED=false); backfill jobs still run');
      return;
    }
    const job = CronJob.from({ cronTime: this.settings.cron, onTick: () => this.onCronTick(), start: false });
    this.registry.addCronJob(SYNC_CRON_NAME, job);
    job.start();
    const pairs = this.settings.pairs.map((pair) => `${pair.symbol} ${pair.interval}`).join(', ');
    this.logger.log(`Scheduled sync on "${this.settings.cron}" for ${pairs}`);
    // Report unlisted symbols at start-up rather than at the first tick.
    // One quiet try: when Binance does not answer, the first sync tick says so (once) and backs off.
    this.catalog.validPairs(this.settings.pairs, { signal: this.lifecycle.signal, probe: true }).catch((error: unknown) => {
      if (this.lifecycle.stopping) return;
      const unreachable = error instanceof MarketDataSourceError && error.retryable;
      this.logger[unreachable ? 'debug' : 'warn'](`Could not check SYMBOLS against exchangeInfo yet: ${describe(error)}`);
    });
  }

  /** Cron ticks skipped because the previous sync had not finished. */
  get skippedTicks(): number {
    return this.skipped;
  }

  async onModuleDestroy(): Promise<void> {
    this.lifecycle.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.registry.doesExist('cron', SYNC_CRON_NAME)) {
      await this.registry.getCronJob(SYNC_CRON_NAME).stop();
      this.registry.deleteCronJob(SYNC_CRON_NAME);
    }
    await this.jobRunner.idle();
    await this.sync.idle();
    await this.leader.resign();
  }

  private onPoll(): void {
    this.leader
      .ensureLeadership()
      .then((leader) => {
        if (leader) this.jobRunner.kick();
      })
      .catch((error: unknown) => this.logger.warn(`Ingestion poll failed: ${describe(error)}`));
  }

  private onCronTick(): void {
    if (this.lifecycle.stopping) return;
    if (!this.sync.mayRun()) return; // backing off while Binance is unreachable (said once when it began)
    if (this.sync.isRunning) {
      this.skipped++;
      // Said once per overrun, not at every tick it lasts.
      this.logger[this.skippedInARow++ === 0 ? 'warn' : 'debug']('Previous sync still running; this tick is skipped');
      return;
    }
    this.skippedInARow = 0;
    this.leader
      .ensureLeadership()
      .then(async (leader) => {
        if (leader) await this.sync.syncAll();
      })
      .catch((error: unknown) => this.logger.error(`Scheduled sync failed: ${describe(error)}`));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
