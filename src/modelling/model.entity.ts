import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { LabelConfig } from './core';
import { bigintAsNumber, jsonText } from './entity-columns';
import type { EvaluationSettings, HyperParameters, ModelMetrics, PromotionRecord, TrainingStatsRecord, DatasetSummaryRecord } from './model-documents';

export const MODEL_STATUSES = ['queued', 'training', 'ready', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export const MODEL_ORIGINS = ['api', 'schedule'] as const;
export type ModelOrigin = (typeof MODEL_ORIGINS)[number];

/** One trained (or training) random-forest model and everything needed to reproduce and audit it. */
@Entity({ name: 'models' })
@Index('ix_models_symbol_interval', ['symbol', 'interval', 'id'])
export class ModelEntity {
  @PrimaryColumn({ type: 'bigint', name: 'id', generated: 'increment', transformer: bigintAsNumber })
  id!: number;

  @Column({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @Column({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'varchar', length: 16, name: 'status' })
  status!: ModelStatus;

  /** 0..1 */
  @Column({ type: 'double', name: 'progress', default: 0 })
  progress!: number;

  @Column({ type: 'varchar', length: 255, name: 'stage', nullable: true })
  stage!: string | null;

  @Column({ type: 'varchar', length: 16, name: 'origin' })
  origin!: ModelOrigin;

  /** Requested training range, open times (epoch ms) inclusive. */
  @Column({ type: 'bigint', name: 'data_start', transformer: bigintAsNumber })
  dataStart!: number;

  @Column({ type: 'bigint', name: 'data_end', transformer: bigintAsNumber })
  dataEnd!: number;

  @Column({ type: 'varchar', length: 64, name: 'feature_set_version' })
  featureSetVersion!: string;

  @Column({ type: 'text', name: 'feature_names', transformer: jsonText })
  featureNames!: string[];

  @Column({ type: 'text', name: 'label_definition', transformer: jsonText })
  labelDefinition!: LabelConfig;

  @Column({ type: 'text', name: 'hyper_parameters', transformer: jsonText })
  hyperParameters!: HyperParameters;

  @Column({ type: 'text', name: 'evaluation', transformer: jsonText })
  evaluation!: EvaluationSettings;

  @Column({ type: 'bigint', name: 'seed', transformer: bigintAsNumber })
  seed!: number;

  @Column({ type: 'text', name: 'dataset_summary', nullable: true, transformer: jsonText })
  datasetSummary!: DatasetSummaryRecord | null;

  /** Walk-forward metrics per fold and overall, with baselines (deterministic: no timings). */
  @Column({ type: 'text', name: 'metrics', nullable: true, transformer: jsonText })
  metrics!: ModelMetrics | null;

  /** Overall walk-forward ROC-AUC (BUY vs rest) and accuracy, copied out of `metrics` for listing and promotion. */
  @Column({ type: 'double', name: 'roc_auc', nullable: true })
  rocAuc!: number | null;

  @Column({ type: 'double', name: 'accuracy', nullable: true })
  accuracy!: number | null;

  /** Timings, tree counts, worker heap per fold and for the final model. */
  @Column({ type: 'text', name: 'training_stats', nullable: true, transformer: jsonText })
  trainingStats!: TrainingStatsRecord | null;

  @Column({ type: 'bigint', name: 'training_ms', nullable: true, transformer: bigintAsNumber })
  trainingMs!: number | null;

  /** gzip of the SignalModel JSON (ml-random-forest model inside). Not selected by default: it can be megabytes. */
  @Column({ type: 'blob', name: 'model_data', nullable: true, select: false })
  modelData!: Buffer | null;

  @Column({ type: 'varchar', length: 16, name: 'model_encoding', nullable: true })
  modelEncoding!: string | null;

  /** Size of the uncompressed JSON. */
  @Column({ type: 'bigint', name: 'model_bytes', nullable: true, transformer: bigintAsNumber })
  modelBytes!: number | null;

  /** sha256 of the uncompressed JSON. */
  @Column({ type: 'varchar', length: 64, name: 'model_sha256', nullable: true })
  modelSha256!: string | null;

  @Column({ type: 'text', name: 'error', nullable: true })
  error!: string | null;

  /** For scheduled retraining: the promotion decision against the model active at the time. */
  @Column({ type: 'text', name: 'promotion', nullable: true, transformer: jsonText })
  promotion!: PromotionRecord | null;

  /** The app instance running the job and until when its claim holds (platform/jobs); null before the first claim. */
  @Column({ type: 'varchar', length: 100, name: 'owner', nullable: true })
  owner!: string | null;

  @Column({ type: 'bigint', name: 'lease_until', nullable: true, transformer: bigintAsNumber })
  leaseUntil!: number | null;

  /** Times an instance claimed the job (more than 1 when a run was interrupted). */
  @Column({ type: 'int', name: 'attempts', default: 0 })
  attempts!: number;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'bigint', name: 'started_at', nullable: true, transformer: bigintAsNumber })
  startedAt!: number | null;

  @Column({ type: 'bigint', name: 'finished_at', nullable: true, transformer: bigintAsNumber })
  finishedAt!: number | null;
}
