import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { ModelRegistryService } from './model-registry.service';
import { ModelRetrainService } from './model-retrain.service';
import { withNamedLock } from './named-lock';
import { PredictionsService } from './predictions.service';

export const RETRAIN_JOB = 'modelling.retrain';
export const PREDICT_JOB = 'modelling.predict-latest';
export const DEFAULT_PREDICT_CRON = '20 * * * * *';

/**
 * Thin cron handlers; the work lives in ModelRetrainService and PredictionsService.
 * - MODEL_RETRAIN_CRON (unset = off): scheduled retraining with the promotion rule.
 * - MODEL_PREDICT_CRON (default every minute at :20 s, 'off' disables): for every symbol × interval with an active
 *   model, predictLatest writes the predictions of newly closed candles. Costs two small queries when nothing is new.
 * On MySQL each run takes a named lock first, so with several instances only one does the work. A run that is still
 * going when the next is due is skipped; failures are logged, never thrown.
 */
@Injectable()
export class ModellingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ModellingScheduler.name);
  private readonly running = new Map<string, Promise<void>>();
  private readonly jobs: CronJob[] = [];

  constructor(
    private readonly config: ConfigService,
    private readonly schedulerRegistry: SchedulerRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ModelRegistryService,
    private readonly retrainer: ModelRetrainService,
    private readonly predictions: PredictionsService,
  ) {}

  onApplicationBootstrap(): void {
    const retrainCron = this.config.get<string>('MODEL_RETRAIN_CRON');
    if (retrainCron) this.schedule(RETRAIN_JOB, retrainCron, () => this.retrain());
    const predictCron = this.config.get<string>('MODEL_PREDICT_CRON') ?? DEFAULT_PREDICT_CRON;
    if (predictCron !== 'off') this.schedule(PREDICT_JOB, predictCron, () => this.predictLatest());
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const job of this.jobs) void job.stop();
    await Promise.all(this.running.values());
  }

  /** One scheduled retrain of every active pair (also callable directly). */
  async retrain(): Promise<void> {
    await this.retrainer.retrainAll();
  }

  /** predictLatest for every pair with an active model (also callable directly). */
  async predictLatest(): Promise<void> {
    for (const active of await this.registry.activeModels()) {
      try {
        await this.predictions.predictLatest(active.symbol, active.interval);
      } catch (error) {
        this.logger.warn(`predictLatest ${active.symbol} ${active.interval} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private schedule(name: string, expression: string, work: () => Promise<void>): void {
    const job = CronJob.from({ cronTime: expression, onTick: () => this.runGuarded(name, work), start: false, timeZone: 'UTC' });
    this.schedulerRegistry.addCronJob(name, job);
    this.jobs.push(job);
    job.start();
    this.logger.log(`Scheduled ${name} at "${expression}" (UTC)`);
  }

  private runGuarded(name: string, work: () => Promise<void>): void {
    if (this.running.has(name)) {
      this.logger.warn(`${name} is still running; skipping this run`);
      return;
    }
    const run = withNamedLock(this.dataSource, `opa_crypto_${name}`, work)
      .then((ran) => {
        if (!ran) this.logger.debug(`${name}: another instance holds the lock`);
      })
      .catch((error: unknown) => this.logger.error(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`))
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
  }
}
