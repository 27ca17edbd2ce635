import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { withNamedLock } from '../modelling/named-lock';
import { TradingEngine } from './trading-engine.service';
import { TRADING_SETTINGS, type TradingSettings } from './trading.settings';

export const TRADING_JOB = 'trading.step';

/**
 * Thin cron handler (TRADING_CRON, default 40 s past every minute: after MODEL_PREDICT_CRON has written the
 * predictions of newly closed candles). One instance runs it (MySQL GET_LOCK); a run still going when the next is
 * due is skipped; failures are logged, never thrown. Also says once at start which mode runs and why.
 */
@Injectable()
export class TradingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TradingScheduler.name);
  private running: Promise<void> | null = null;
  private job: CronJob | null = null;

  constructor(
    @Inject(TRADING_SETTINGS) private readonly settings: TradingSettings,
    private readonly schedulerRegistry: SchedulerRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly engine: TradingEngine,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.liveEnabled) {
      this.logger.warn(`LIVE trading: real orders on ${this.settings.binance?.baseUrl ?? '?'} for ${this.settings.symbols.join(', ')}`);
    } else if (this.settings.paperBecause !== null) {
      this.logger.warn(`Paper trading (live is off: ${this.settings.paperBecause})`);
    } else {
      this.logger.log('Paper trading (TRADING_MODE=paper)');
    }
    if (this.settings.cron === 'off') return;
    this.job = CronJob.from({ cronTime: this.settings.cron, onTick: () => this.tick(), start: false, timeZone: 'UTC' });
    this.schedulerRegistry.addCronJob(TRADING_JOB, this.job);
    this.job.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.job !== null) void this.job.stop();
    await this.running;
  }

  private tick(): void {
    if (this.running !== null) {
      this.logger.warn(`${TRADING_JOB} is still running; skipping this run`);
      return;
    }
    this.running = withNamedLock(this.dataSource, `opa_crypto_${TRADING_JOB}`, async () => {
      await this.engine.runOnce();
    })
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error(`${TRADING_JOB} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`))
      .finally(() => {
        this.running = null;
      });
  }
}
