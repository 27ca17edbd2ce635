import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { fixedIntervalMs } from '../market-data/binance-interval';
import { type BackgroundJobRunner, BackgroundJobs, type JobLease } from '../platform/jobs';
import { ModelCandleLoader } from './model-candle.loader';
import { ModelRegistryService } from './model-registry.service';
import type { ModelEntity, ModelOrigin } from './model.entity';
import { ModellingError, ModellingErrorCode } from './modelling.errors';
import { DEFAULT_FEATURE_SET } from './core';
import { MIN_ROWS_PER_BLOCK, minimumCandles } from './training-run';
import { runTrainingInWorker } from './training-in-worker';
import type { TrainingParams } from './training-params';

/** Candles one training may span unless MODEL_TRAINING_MAX_CANDLES says otherwise (features and labels are held in memory). */
export const DEFAULT_MAX_TRAINING_CANDLES = 200_000;
/** A training interrupted with its instance is taken over this many times at most (it is reproducible from its seed). */
export const MAX_TRAINING_ATTEMPTS = 3;
const SHORTEST_MONTH_MS = 28 * 86_400_000;

/**
 * Runs training jobs in the background, one at a time per instance (tree building already uses every core through
 * worker threads). A job's status goes queued → training → ready | failed, with progress (0..1) and a stage text written
 * to the registry as it goes. Jobs are claimed through the database with a lease (platform/jobs): any instance runs
 * any queued model, and a model whose instance died is trained again from scratch by another one once the lease has
 * expired; every write is guarded by the lease, so an instance that lost the job writes nothing more.
 */
@Injectable()
export class ModelTrainingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ModelTrainingService.name);
  private readonly runner: BackgroundJobRunner;
  /** whenFinished callers per model id, woken when this instance finishes the job. */
  private readonly waiters = new Map<number, Array<() => void>>();

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly candles: ModelCandleLoader,
    private readonly config: ConfigService,
    private readonly jobs: BackgroundJobs,
  ) {
    this.runner = jobs.runner(
      { kind: 'training', table: 'models', queuedStatus: 'queued', runningStatus: 'training', maxAttempts: MAX_TRAINING_ATTEMPTS },
      {
        run: (lease) => this.train(lease).then(() => this.wakeWaiters(lease.id)),
        fail: (lease, message) => this.registry.markFailed(lease, message).finally(() => this.wakeWaiters(lease.id)),
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /**
   * Checks that the range holds enough candles and no more than the cap, and that the training queue has room; records
   * the model as `queued` and starts training in the background. Throws ModellingError (INSUFFICIENT_DATA or
   * INVALID_PARAMETERS) or JobQueueFullError.
   */
  async submit(params: TrainingParams, origin: ModelOrigin): Promise<ModelEntity> {
    this.checkCandleCap(params);
    this.jobs.assertRoom('training', await this.runner.countActive());
    const stored = await this.candles.count(params.symbol, params.interval, params.start, params.end);
    const needed = minimumCandles(params.labels.horizonCandles, params.folds);
    if (stored < needed) {
      const message =
        `too little data: ${params.symbol} ${params.interval} has ${stored} stored candles from ${new Date(params.start).toISOString()} ` +
        `to ${new Date(params.end).toISOString()}; training needs at least ${needed} (${DEFAULT_FEATURE_SET.lookbackCandles} look-back + ` +
        `${params.labels.horizonCandles} horizon + ${params.folds + 1} walk-forward blocks × ${MIN_ROWS_PER_BLOCK} rows). ` +
        'Import or sync klines for this range, or widen start/end.';
      throw new ModellingError(ModellingErrorCode.InsufficientData, message, [
        { field: 'start', rule: 'enoughCandles', message },
        { field: 'end', rule: 'enoughCandles', message },
      ]);
    }
    const model = await this.registry.create({
      symbol: params.symbol,
      interval: params.interval,
      dataStart: params.start,
      dataEnd: params.end,
      labels: params.labels,
      hyperParameters: params.hyperParameters,
      seed: params.seed,
      evaluation: { folds: params.folds, purge_candles: params.labels.horizonCandles, training_window: 'expanding' },
      origin,
    });
    this.logger.log(`Queued model ${model.id}: ${model.symbol} ${model.interval}, ${stored} candles, ${params.hyperParameters.n_estimators} trees (${origin})`);
    this.runner.kick();
    return model;
  }

  /**
   * Resolves with the model once it is ready or failed, whichever instance trains it: at once when this instance
   * finishes it, otherwise at the next look at the registry (every JOBS_POLL_MS).
   */
  async whenFinished(id: number): Promise<ModelEntity> {
    for (;;) {
      const woken = this.nextWake(id);
      const model = await this.registry.get(id);
      if (model.status === 'ready' || model.status === 'failed') return model;
      await woken;
    }
  }

  /** Resolves when this instance finishes job `id` or after JOBS_POLL_MS, whichever comes first. */
  private nextWake(id: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        const waiting = this.waiters.get(id)?.filter((other) => other !== wake) ?? [];
        if (waiting.length > 0) this.waiters.set(id, waiting);
        else this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, this.jobs.settings.pollMs);
      timer.unref();
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), wake]);
    });
  }

  /** The range's length in candles (from its interval) against MODEL_TRAINING_MAX_CANDLES; 400 naming `end` when over. */
  private checkCandleCap(params: TrainingParams): void {
    const cap = this.config.get<number>('MODEL_TRAINING_MAX_CANDLES') ?? DEFAULT_MAX_TRAINING_CANDLES;
    // 1M, the one interval without a fixed length, is counted in 28-day months so the estimate never falls short.
    const intervalMs = fixedIntervalMs(params.interval) ?? SHORTEST_MONTH_MS;
    const span = Math.floor((params.end - params.start) / intervalMs) + 1;
    if (span > cap) {
      throw ModellingError.invalid(
        'end',
        `the range spans ${span} ${params.interval} candles; a training may span at most ${cap} (MODEL_TRAINING_MAX_CANDLES). Narrow start/end.`,
        'maxCandles',
      );
    }
  }

  private async train(lease: JobLease): Promise<void> {
    const id = lease.id;
    const model = await this.registry.get(id);
    const intervalMs = fixedIntervalMs(model.interval as Parameters<typeof fixedIntervalMs>[0]);
    if (intervalMs === null) throw new Error(`interval ${model.interval} has no fixed length`);
    await this.registry.markTraining(lease);
    const started = performance.now();
    const candles = await this.candles.load(model.symbol, model.interval, model.dataStart, model.dataEnd);
    const loadMs = performance.now() - started;

    let progressWrites: Promise<void> = Promise.resolve();
    const result = await runTrainingInWorker({
      candles,
      intervalMs,
      labels: model.labelDefinition,
      hyperParameters: model.hyperParameters,
      seed: model.seed,
      folds: model.evaluation.folds,
      parallelism: this.config.get<number>('MODEL_TRAINING_THREADS'),
      loadMs,
      onProgress: (fraction, stage) => {
        if (lease.lost) return;
        progressWrites = progressWrites
          .then(() => this.registry.updateProgress(lease, fraction, stage))
          .catch((error: unknown) => this.logger.warn(`Progress of model ${id} not saved: ${error instanceof Error ? error.message : String(error)}`));
      },
    });
    await progressWrites;
    const trainingMs = performance.now() - started;
    await this.registry.markReady(lease, result, trainingMs);
    this.logger.log(
      `Model ${id} ready: ${model.symbol} ${model.interval}, ${result.datasetSummary.rows} rows, walk-forward roc_auc ` +
        `${result.metrics.roc_auc?.toFixed(4) ?? 'n/a'}, accuracy ${result.metrics.accuracy.toFixed(4)}, ${(trainingMs / 1000).toFixed(1)} s`,
    );
  }

  private wakeWaiters(id: number): void {
    for (const wake of this.waiters.get(id) ?? []) wake();
  }
}
