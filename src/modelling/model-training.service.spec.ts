import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { generateSyntheticCandles, type ModelCandle } from './core';
import type { ModelCandleLoader } from './model-candle.loader';
import type { NewModel, ModelRegistryService } from './model-registry.service';
import { ModelTrainingService } from './model-training.service';
import type { ModelEntity } from './model.entity';
import { ModellingError, ModellingErrorCode } from './modelling.errors';
import type { TrainingRunResult } from './training-run';
import { resolveTrainingParams, type TrainingParams } from './training-params';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);

/** In-memory registry that logs every state change in order. */
class FakeRegistry {
  readonly models = new Map<number, ModelEntity>();
  readonly events: string[] = [];
  readonly progress: Array<{ id: number; fraction: number; stage: string }> = [];
  private nextId = 1;

  create(model: NewModel): Promise<ModelEntity> {
    const entity = {
      id: this.nextId++,
      symbol: model.symbol,
      interval: model.interval,
      status: 'queued',
      progress: 0,
      dataStart: model.dataStart,
      dataEnd: model.dataEnd,
      labelDefinition: model.labels,
      hyperParameters: model.hyperParameters,
      seed: model.seed,
      evaluation: model.evaluation,
      metrics: null,
      error: null,
    } as unknown as ModelEntity;
    this.models.set(entity.id, entity);
    this.events.push(`${entity.id} queued`);
    return Promise.resolve({ ...entity });
  }

  get(id: number): Promise<ModelEntity> {
    const model = this.models.get(id);
    return model ? Promise.resolve({ ...model }) : Promise.reject(new ModellingError(ModellingErrorCode.ModelNotFound, `model ${id} does not exist`));
  }

  listByStatus(statuses: string[]): Promise<ModelEntity[]> {
    return Promise.resolve([...this.models.values()].filter((model) => statuses.includes(model.status)));
  }

  markTraining(id: number): Promise<void> {
    return this.set(id, { status: 'training' });
  }

  updateProgress(id: number, fraction: number, stage: string): Promise<void> {
    this.progress.push({ id, fraction, stage });
    return this.set(id, { progress: fraction }, false);
  }

  markReady(id: number, result: TrainingRunResult): Promise<void> {
    return this.set(id, { status: 'ready', progress: 1, metrics: result.metrics, rocAuc: result.metrics.roc_auc, accuracy: result.metrics.accuracy });
  }

  markFailed(id: number, error: string): Promise<void> {
    return this.set(id, { status: 'failed', error });
  }

  private set(id: number, fields: Partial<ModelEntity>, log = true): Promise<void> {
    Object.assign(this.models.get(id)!, fields);
    if (log && fields.status) this.events.push(`${id} ${fields.status}`);
    return Promise.resolve();
  }
}

function setUp(candles: ModelCandle[]) {
  const registry = new FakeRegistry();
  const loader = {
    count: (_s: string, _i: string, from: number, to: number) => Promise.resolve(candles.filter((c) => c.openTime >= from && c.openTime <= to).length),
    load: (_s: string, _i: string, from: number, to: number) => Promise.resolve(candles.filter((c) => c.openTime >= from && c.openTime <= to)),
  } as unknown as ModelCandleLoader;
  const config = { get: (key: string) => (key === 'MODEL_TRAINING_THREADS' ? 1 : undefined) } as unknown as ConfigService;
  const service = new ModelTrainingService(registry as unknown as ModelRegistryService, loader, config);
  return { service, registry };
}

function params(overrides: Partial<Parameters<typeof resolveTrainingParams>[0]> = {}): TrainingParams {
  return resolveTrainingParams({
    symbol: 'BTCUSDT',
    interval: '1h',
    start: START,
    end: START + 1_500 * HOUR,
    horizon: 2,
    hyper_parameters: { n_estimators: 5, max_depth: 4 },
    folds: 2,
    ...overrides,
  });
}

describe('ModelTrainingService', () => {
  const candles = generateSyntheticCandles({ count: 1_200, seed: 5, intervalMs: HOUR, startOpenTime: START, volatility: 0.01 });

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['error', 'warn', 'log']);
  });

  it('answers with a queued model at once, then trains it in the background to ready, reporting progress', async () => {
    const { service, registry } = setUp(candles);
    const model = await service.submit(params(), 'api');
    expect(model.status).toBe('queued');
    const finished = await service.whenFinished(model.id);
    expect(finished.status).toBe('ready');
    expect(finished.metrics?.folds).toHaveLength(2);
    expect(registry.events).toEqual(['1 queued', '1 training', '1 ready']);
    const fractions = registry.progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(registry.progress.map((p) => p.stage)).toEqual([
      'building features and labels',
      'walk-forward fold 1 of 2',
      'walk-forward fold 2 of 2',
      'training the final model on all rows',
      'saving',
    ]);
    expect(await service.whenFinished(model.id)).toMatchObject({ id: model.id, status: 'ready' });
  }, 30_000);

  it('refuses a range with too few candles before recording anything', async () => {
    const { service, registry } = setUp(candles);
    const attempt = service.submit(params({ end: START + 300 * HOUR }), 'api');
    await expect(attempt).rejects.toMatchObject({
      code: ModellingErrorCode.InsufficientData,
      message: expect.stringContaining('has 301 stored candles') as string,
    });
    expect(registry.models.size).toBe(0);
  });

  it('marks a model failed with the reason and goes on with the next job, one job at a time', async () => {
    // A gap every 150 candles leaves about 50 complete look-back windows per stretch: far fewer rows than 5 folds need.
    const gappy = generateSyntheticCandles({ count: 1_200, seed: 6, intervalMs: HOUR, startOpenTime: START, gapsBefore: [150, 300, 450, 600, 750, 900, 1050] });
    const { service, registry } = setUp(gappy);
    const first = await service.submit(params({ end: START + 3_000 * HOUR, folds: 5 }), 'api');
    const second = await service.submit(params({ end: START + 3_000 * HOUR, folds: 5, seed: 1 }), 'api');
    const failed = await service.whenFinished(first.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^too little data: 1200 candles gave \d+ labelled rows \(dropped: \d+ without a complete 100-candle look-back, .*\); 5 folds need at least 600 rows$/);
    expect((await service.whenFinished(second.id)).status).toBe('failed');
    expect(registry.events).toEqual(['1 queued', '1 training', '2 queued', '1 failed', '2 training', '2 failed']);
  }, 30_000);

  it('on start-up queues models left queued again and fails those left training', async () => {
    const { service, registry } = setUp(candles);
    const queued = await registry.create({ ...newModel(), origin: 'api' });
    const interrupted = await registry.create({ ...newModel(), origin: 'api' });
    await registry.markTraining(interrupted.id);
    await service.onApplicationBootstrap();
    expect(await service.whenFinished(queued.id)).toMatchObject({ status: 'ready' });
    expect(registry.models.get(interrupted.id)).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') as string });
    await service.beforeApplicationShutdown();
  }, 30_000);
});

function newModel(): Omit<NewModel, 'origin'> {
  const p = params();
  return {
    symbol: p.symbol,
    interval: p.interval,
    dataStart: p.start,
    dataEnd: p.end,
    labels: p.labels,
    hyperParameters: p.hyperParameters,
    seed: p.seed,
    evaluation: { folds: p.folds, purge_candles: p.labels.horizonCandles, training_window: 'expanding' },
  };
}
