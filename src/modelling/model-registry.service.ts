import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { ActiveModelEntity } from './active-model.entity';
import { DEFAULT_FEATURE_SET, type LabelConfig, type SignalModel, SignalPredictor } from './core';
import { decodeModel, encodeModel } from './model-codec';
import type { EvaluationSettings, HyperParameters, PromotionRecord } from './model-documents';
import { ModelEntity, type ModelOrigin, type ModelStatus } from './model.entity';
import { ModellingError, ModellingErrorCode } from './modelling.errors';
import type { TrainingRunResult } from './training-run';
import type { EncodedTrainingResult } from './training.worker';
import type { StoredModel } from './prediction.worker';
import { IndexOutbox } from '../indexing/index-outbox';
import type { JobLease } from '../platform/jobs';
import { retryOnLockConflict } from '../platform/database/transient-errors';

export interface NewModel {
  symbol: string;
  interval: string;
  dataStart: number;
  dataEnd: number;
  labels: LabelConfig;
  hyperParameters: HyperParameters;
  seed: number;
  evaluation: EvaluationSettings;
  origin: ModelOrigin;
}

export interface ModelListFilter {
  symbol?: string;
  interval?: string;
  status?: ModelStatus;
}

const PREDICTOR_CACHE_SIZE = 8;

/** The model registry: rows of `models`, the active model per symbol × interval, and loading stored models. */
@Injectable()
export class ModelRegistryService {
  private readonly predictors = new Map<number, SignalPredictor>();
  private readonly storedModels = new Map<number, StoredModel>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(ModelEntity) private readonly models: Repository<ModelEntity>,
    @InjectRepository(ActiveModelEntity) private readonly active: Repository<ActiveModelEntity>,
    private readonly outbox: IndexOutbox,
  ) {}

  async create(model: NewModel): Promise<ModelEntity> {
    const entity = this.models.create({
      symbol: model.symbol,
      interval: model.interval,
      status: 'queued',
      progress: 0,
      stage: 'queued',
      origin: model.origin,
      dataStart: model.dataStart,
      dataEnd: model.dataEnd,
      featureSetVersion: DEFAULT_FEATURE_SET.version,
      featureNames: [...DEFAULT_FEATURE_SET.names],
      labelDefinition: { ...model.labels, extraDeadZone: model.labels.extraDeadZone ?? 0 },
      hyperParameters: model.hyperParameters,
      evaluation: model.evaluation,
      seed: model.seed,
      datasetSummary: null,
      metrics: null,
      rocAuc: null,
      accuracy: null,
      trainingStats: null,
      trainingMs: null,
      modelData: null,
      modelEncoding: null,
      modelBytes: null,
      modelSha256: null,
      error: null,
      promotion: null,
      owner: null,
      leaseUntil: null,
      attempts: 0,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
    });
    return this.models.save(entity);
  }

  async get(id: number): Promise<ModelEntity> {
    const model = await this.models.findOneBy({ id });
    if (!model) throw new ModellingError(ModellingErrorCode.ModelNotFound, `model ${id} does not exist`);
    return model;
  }

  list(filter: ModelListFilter = {}): Promise<ModelEntity[]> {
    const where = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as ModelListFilter;
    return this.models.find({ where, order: { id: 'DESC' } });
  }

  /** The writes of a training job (platform/jobs): each is guarded by the lease and throws JobLeaseLost once the job is not ours. */
  async markTraining(lease: JobLease): Promise<void> {
    const result = await this.models.update(
      { id: lease.id, owner: lease.owner },
      { status: 'training', progress: 0, stage: 'loading candles', error: null, startedAt: Date.now() },
    );
    lease.confirm(result.affected);
  }

  async updateProgress(lease: JobLease, progress: number, stage: string): Promise<void> {
    const result = await this.models.update({ id: lease.id, owner: lease.owner }, { progress: Math.min(1, Math.max(0, progress)), stage });
    lease.confirm(result.affected);
  }

  async markReady(lease: JobLease, result: TrainingRunResult | EncodedTrainingResult, trainingMs: number): Promise<void> {
    const encoded = 'encodedModel' in result ? result.encodedModel : encodeModel(result.model);
    await retryOnLockConflict(() =>
      this.dataSource.transaction(async (manager) => {
        const updated = await manager.getRepository(ModelEntity).update(
          { id: lease.id, owner: lease.owner },
          {
            status: 'ready',
            progress: 1,
            stage: 'ready',
            error: null,
            datasetSummary: result.datasetSummary,
            metrics: result.metrics,
            rocAuc: result.metrics.roc_auc,
            accuracy: result.metrics.accuracy,
            trainingStats: result.stats,
            trainingMs: Math.round(trainingMs),
            modelData: encoded.data,
            modelEncoding: encoded.encoding,
            modelBytes: encoded.bytes,
            modelSha256: encoded.sha256,
            leaseUntil: null,
            finishedAt: Date.now(),
          },
        );
        // Nothing is written (the outbox row neither) when another instance took the job over.
        lease.confirm(updated.affected);
        // Overall, per-fold and baseline metrics go to Elasticsearch with the model (same transaction).
        await this.outbox.enqueue(manager, 'model-metrics', [{ model_id: lease.id }]);
      }),
    );
  }

  async markFailed(lease: JobLease, error: string): Promise<void> {
    const result = await this.models.update(
      { id: lease.id, owner: lease.owner },
      { status: 'failed', stage: 'failed', error: error.slice(0, 60_000), leaseUntil: null, finishedAt: Date.now() },
    );
    lease.confirm(result.affected);
  }

  async recordPromotion(id: number, promotion: PromotionRecord): Promise<void> {
    await this.models.update({ id }, { promotion });
  }

  /**
   * Makes a ready model the active one of its symbol × interval (replacing any other): one row per pair in
   * `active_models`, written with an upsert inside a transaction.
   */
  async activate(id: number, reason: string): Promise<ModelEntity> {
    const model = await this.get(id);
    if (model.status !== 'ready') {
      throw new ModellingError(ModellingErrorCode.ModelNotReady, `model ${id} is ${model.status}; only a ready model can be activated`);
    }
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ActiveModelEntity);
      await repository.upsert(
        { symbol: model.symbol, interval: model.interval, modelId: model.id, activatedAt: Date.now(), reason: reason.slice(0, 255) },
        ['symbol', 'interval'],
      );
    });
    return model;
  }

  async activeModelId(symbol: string, interval: string): Promise<number | null> {
    return (await this.active.findOneBy({ symbol, interval }))?.modelId ?? null;
  }

  activeModels(): Promise<ActiveModelEntity[]> {
    return this.active.find({ order: { symbol: 'ASC', interval: 'ASC' } });
  }

  /** Ids of the models that are active somewhere. */
  async activeIds(): Promise<Set<number>> {
    return new Set((await this.active.find()).map((row) => row.modelId));
  }

  /** The compressed model as stored (for audits and tests). */
  async storedModel(id: number): Promise<{ data: Buffer; encoding: string } | null> {
    const row = await this.models
      .createQueryBuilder('model')
      .addSelect('model.modelData')
      .where('model.id = :id', { id })
      .getOne();
    if (!row?.modelData || !row.modelEncoding) return null;
    return { data: Buffer.from(row.modelData), encoding: row.modelEncoding };
  }

  async signalModel(id: number): Promise<SignalModel> {
    return (await this.predictor(id)).model;
  }

  /**
   * The stored form of a ready model whose feature set this build computes, for a prediction thread (models never
   * change once ready, so a small cache is safe). Throws ModellingError otherwise.
   */
  async readyStoredModel(id: number): Promise<StoredModel> {
    const cached = this.storedModels.get(id);
    if (cached) return cached;
    const model = await this.get(id);
    if (model.status !== 'ready') throw new ModellingError(ModellingErrorCode.ModelNotReady, `model ${id} is ${model.status}, not ready`);
    this.assertFeatureSet(id, model.featureSetVersion);
    const stored = await this.storedModel(id);
    if (!stored || model.modelSha256 === null) throw new ModellingError(ModellingErrorCode.UnsupportedModel, `model ${id} has no stored model data`);
    const ready: StoredModel = { sha256: model.modelSha256, data: stored.data, encoding: stored.encoding };
    if (this.storedModels.size >= PREDICTOR_CACHE_SIZE) this.storedModels.delete(this.storedModels.keys().next().value as number);
    this.storedModels.set(id, ready);
    return ready;
  }

  /** A predictor for a ready model (models never change once ready, so a small cache is safe). */
  async predictor(id: number): Promise<SignalPredictor> {
    const cached = this.predictors.get(id);
    if (cached) return cached;
    const stored = await this.readyStoredModel(id);
    const signalModel = decodeModel(Buffer.from(stored.data), stored.encoding);
    this.assertFeatureSet(id, signalModel.featureSetVersion);
    const predictor = new SignalPredictor(signalModel);
    if (this.predictors.size >= PREDICTOR_CACHE_SIZE) this.predictors.delete(this.predictors.keys().next().value as number);
    this.predictors.set(id, predictor);
    return predictor;
  }

  private assertFeatureSet(id: number, featureSetVersion: string): void {
    if (featureSetVersion !== DEFAULT_FEATURE_SET.version) {
      throw new ModellingError(
        ModellingErrorCode.UnsupportedModel,
        `model ${id} uses feature set ${featureSetVersion}; this build computes ${DEFAULT_FEATURE_SET.version}`,
      );
    }
  }
}
