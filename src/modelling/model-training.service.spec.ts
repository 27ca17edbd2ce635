import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { DataSource } from 'typeorm';
import { BackgroundJobs, type JobLease, type JobTable } from '../platform/jobs';
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

  markTraining(lease: JobLease): Promise<void> {
    return this.set(lease, { status: 'training' });
  }

  updateProgress(lease: JobLease, fraction: number, stage: string): Promise<void> {
    this.progress.push({ id: lease.id, fraction, stage });
    return this.set(lease, { progress: fraction }, false);
  }

  markReady(lease: JobLease, result: TrainingRunResult): Promise<void> {
    return this.set(lease, { status: 'ready', progress: 1, metrics: result.metrics, rocAuc: result.metrics.roc_auc, accuracy: result.metrics.accuracy });
  }

  markFailed(lease: JobLease, error: string): Promise<void> {
    return this.set(lease, { status: 'failed', error });
  }

  /** Like the real registry: a write by an instance that no longer owns the job changes nothing and throws. */
  private async set(lease: JobLease, fields: Partial<ModelEntity>, log = true): Promise<void> {
    await Promise.resolve();
    const model = this.models.get(lease.id)!;
    lease.confirm(model.owner === lease.owner ? 1 : 0);
    Object.assign(model, fields);
    if (log && fields.status) this.events.push(`${lease.id} ${fields.status}`);
  }
}

/** The lease columns of the fake registry's models, with the semantics of SqlJobTable (which the e2e specs run). */
class FakeJobTable implements JobTable {
  constructor(private readonly registry: FakeRegistry) {}

  claimable(limit: number): Promise<number[]> {
    const free = [...this.registry.models.values()].filter(
      (model) => model.status === 'queued' || (model.status === 'training' && (model.leaseUntil ?? 0) < Date.now()),
    );
    return Promise.resolve(free.map((model) => model.id).slice(0, limit));
  }

  async claim(id: number, owner: string, leaseMs: number): Promise<number | null> {
    if (!(await this.claimable(Infinity)).includes(id)) return null;
    const model = this.registry.models.get(id)!;
    Object.assign(model, { status: 'training', owner, leaseUntil: Date.now() + leaseMs, attempts: (model.attempts ?? 0) + 1 });
    return model.attempts;
  }

  renew(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const model = this.registry.models.get(id)!;
    if (model.owner !== owner || model.status !== 'training') return Promise.resolve(false);
    model.leaseUntil = Date.now() + leaseMs;
    return Promise.resolve(true);
  }

  countActive(): Promise<number> {
    return Promise.resolve([...this.registry.models.values()].filter((model) => model.status === 'queued' || model.status === 'training').length);
  }
}

class FakeJobs extends BackgroundJobs {
  constructor(
    private readonly registry: FakeRegistry,
    config: ConfigService,
  ) {
    super(undefined as unknown as DataSource, config);
  }

  protected override table(): JobTable {
    return new FakeJobTable(this.registry);
  }
}

function setUp(candles: ModelCandle[]) {
  const registry = new FakeRegistry();
  const loader = {
    count: (_s: string, _i: string, from: number, to: number) => Promise.resolve(candles.filter((c) => c.openTime >= from && c.openTime <= to).length),
    load: (_s: string, _i: string, from: number, to: number) => Promise.resolve(candles.filter((c) => c.openTime >= from && c.openTime <= to)),
  } as unknown as ModelCandleLoader;
  const config = { get: (key: string) => (key === 'MODEL_TRAINING_THREADS' ? 1 : undefined) } as unknown as ConfigService;
  const service = new ModelTrainingService(registry as unknown as ModelRegistryService, loader, config, new FakeJobs(registry, config));
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
    // One job at a time: the second starts only after the first failed (submissions interleave with the first claim).
    expect(registry.events.filter((event) => !event.endsWith('queued'))).toEqual(['1 training', '1 failed', '2 training', '2 failed']);
  }, 30_000);

  it('on start-up runs models left queued and takes over those whose lease expired, never one a live instance holds', async () => {
    const { service, registry } = setUp(candles);
    const queued = await registry.create({ ...newModel(), origin: 'api' });
    const interrupted = await registry.create({ ...newModel(), origin: 'api' });
    Object.assign(registry.models.get(interrupted.id)!, { status: 'training', owner: 'dead-instance', leaseUntil: Date.now() - 1, attempts: 1 });
    const live = await registry.create({ ...newModel(), origin: 'api' });
    Object.assign(registry.models.get(live.id)!, { status: 'training', owner: 'live-instance', leaseUntil: Date.now() + 3_600_000, attempts: 1 });
    service.onApplicationBootstrap();
    expect(await service.whenFinished(queued.id)).toMatchObject({ status: 'ready', error: null });
    expect(await service.whenFinished(interrupted.id)).toMatchObject({ status: 'ready', error: null, attempts: 2 });
    expect(registry.models.get(live.id)).toMatchObject({ status: 'training', owner: 'live-instance', attempts: 1 });
    await service.beforeApplicationShutdown();
  }, 60_000);
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
