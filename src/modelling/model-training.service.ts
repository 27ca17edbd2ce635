import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { fixedIntervalMs } from '../market-data/binance-interval';
import { ModelCandleLoader } from './model-candle.loader';
import { ModelRegistryService } from './model-registry.service';
import type { ModelEntity, ModelOrigin } from './model.entity';
import { ModellingError, ModellingErrorCode } from './modelling.errors';
import { DEFAULT_FEATURE_SET } from './core';
import { MIN_ROWS_PER_BLOCK, minimumCandles } from './training-run';
import { runTrainingInWorker } from './training-in-worker';
import type { TrainingParams } from './training-params';

/**
 * Runs training jobs in the background, one at a time (tree building already uses every core through worker
 * threads). A job's status goes queued → training → ready | failed, with progress (0..1) and a stage text written to
 * the registry as it goes. Jobs live in this process: on start-up, models left `queued` are queued again and models
 * left `training` (the process stopped mid-way) are marked failed.
 */
@Injectable()
export class ModelTrainingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ModelTrainingService.name);
  private readonly queue: number[] = [];
  private readonly waiters = new Map<number, Array<(model: ModelEntity) => void>>();
  private current: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly candles: ModelCandleLoader,
    private readonly config: ConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const model of await this.registry.listByStatus(['training', 'queued'])) {
      if (model.status === 'training') {
        await this.registry.markFailed(model.id, 'interrupted: the app stopped while this model was training; submit it again');
      } else {
        this.enqueue(model.id);
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.current;
  }

  /**
   * Checks that the range holds enough candles, records the model as `queued` and starts training in the
   * background. Throws ModellingError (INSUFFICIENT_DATA) when the range is too short.
   */
  async submit(params: TrainingParams, origin: ModelOrigin): Promise<ModelEntity> {
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
    this.enqueue(model.id);
    return model;
  }

  /** Resolves with the model once it is ready or failed. */
  whenFinished(id: number): Promise<ModelEntity> {
    return new Promise<ModelEntity>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
      this.registry.get(id).then((model) => {
        if (model.status === 'ready' || model.status === 'failed') this.settle(model);
      }, reject);
    });
  }

  private enqueue(id: number): void {
    this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    if (this.current || this.stopping) return;
    const id = this.queue.shift();
    if (id === undefined) return;
    this.current = this.run(id).finally(() => {
      this.current = null;
      this.pump();
    });
  }

  private async run(id: number): Promise<void> {
    try {
      await this.train(id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Model ${id} failed: ${message}`);
      try {
        await this.registry.markFailed(id, message);
      } catch (saveError) {
        this.logger.error(`Could not record the failure of model ${id}: ${saveError instanceof Error ? saveError.message : String(saveError)}`);
      }
    }
    try {
      this.settle(await this.registry.get(id));
    } catch (error) {
      this.logger.error(`Could not read model ${id} after training: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async train(id: number): Promise<void> {
    const model = await this.registry.get(id);
    const intervalMs = fixedIntervalMs(model.interval as Parameters<typeof fixedIntervalMs>[0]);
    if (intervalMs === null) throw new Error(`interval ${model.interval} has no fixed length`);
    await this.registry.markTraining(id);
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
        progressWrites = progressWrites
          .then(() => this.registry.updateProgress(id, fraction, stage))
          .catch((error: unknown) => this.logger.warn(`Progress of model ${id} not saved: ${error instanceof Error ? error.message : String(error)}`));
      },
    });
    await progressWrites;
    const trainingMs = performance.now() - started;
    await this.registry.markReady(id, result, trainingMs);
    this.logger.log(
      `Model ${id} ready: ${model.symbol} ${model.interval}, ${result.datasetSummary.rows} rows, walk-forward roc_auc ` +
        `${result.metrics.roc_auc?.toFixed(4) ?? 'n/a'}, accuracy ${result.metrics.accuracy.toFixed(4)}, ${(trainingMs / 1000).toFixed(1)} s`,
    );
  }

  private settle(model: ModelEntity): void {
    const list = this.waiters.get(model.id);
    if (!list) return;
    this.waiters.delete(model.id);
    for (const resolve of list) resolve(model);
  }
}
