import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MODEL_STATUSES, type ModelStatus } from '../model.entity';
import { PROMOTION_RULE } from '../promotion-rule';

const PER_CLASS_EXAMPLE = {
  SELL: { precision: 0.52, recall: 0.48, f1: 0.5, support: 410, predicted: 378 },
  BUY: { precision: 0.53, recall: 0.57, f1: 0.55, support: 432, predicted: 464 },
};

export class ModelCreatedResponse {
  @ApiProperty({ example: 7 }) id!: number;
  @ApiProperty({ enum: MODEL_STATUSES, example: 'queued' }) status!: ModelStatus;
}

export class LabelDefinitionResponse {
  @ApiProperty({ example: 4, description: 'H: label compares close(t + H) with close(t)' }) horizon_candles!: number;
  @ApiProperty({ example: 0.001 }) fee_per_side!: number;
  @ApiProperty({ example: 5 }) slippage_bps_per_side!: number;
  @ApiProperty({ example: 0 }) extra_dead_zone!: number;
  @ApiProperty({ example: false }) hold_class!: boolean;
  @ApiProperty({ example: 0.003, description: 'BUY above +this H-candle return, SELL below −this: 2 × (fee + slippage) + extra' })
  dead_zone_half_width!: number;
}

export class HyperParametersResponse {
  @ApiProperty({ example: 100 }) n_estimators!: number;
  @ApiProperty({ example: 0.6 }) max_features!: number;
  @ApiProperty({ example: 0.5 }) sample_fraction!: number;
  @ApiProperty({ example: 150000 }) max_samples_per_tree!: number;
  @ApiProperty({ example: false }) with_replacement!: boolean;
  @ApiProperty({ example: 10 }) max_depth!: number;
  @ApiProperty({ example: 20 }) min_num_samples!: number;
  @ApiProperty({ example: 0 }) gain_threshold!: number;
}

export class FeatureSetResponse {
  @ApiProperty({ example: 'opa-features-v1' }) version!: string;
  @ApiProperty({ type: [String], example: ['logReturn1', 'logReturn3', 'rsi14'] }) names!: string[];
  @ApiProperty({ example: 100, description: 'Candles each feature row reads (the decision candle and the 99 before it)' }) lookback_candles!: number;
}

export class ModelParamsResponse {
  @ApiProperty({ example: 1663916400000, description: 'Requested training range: first open time, epoch ms' }) start!: number;
  @ApiProperty({ example: 1726981200000 }) end!: number;
  @ApiProperty({ example: '2022-09-23T07:00:00.000Z' }) start_iso!: string;
  @ApiProperty({ example: '2024-09-22T05:00:00.000Z' }) end_iso!: string;
  @ApiProperty({ example: 4 }) horizon!: number;
  @ApiProperty({ type: LabelDefinitionResponse }) thresholds!: LabelDefinitionResponse;
  @ApiProperty({ type: HyperParametersResponse }) hyper_parameters!: HyperParametersResponse;
  @ApiProperty({ example: 42 }) seed!: number;
  @ApiProperty({ example: 5 }) folds!: number;
  @ApiProperty({ example: 4, description: 'Candles purged between each training window and its test fold (= H)' }) purge_candles!: number;
  @ApiProperty({ example: 'expanding' }) training_window!: string;
  @ApiProperty({ type: FeatureSetResponse }) feature_set!: FeatureSetResponse;
}

export class ClassificationMetricsResponse {
  @ApiProperty({ example: 842 }) rows!: number;
  @ApiProperty({ example: 0.53 }) accuracy!: number;
  @ApiProperty({ type: Number, nullable: true, example: 0.54, description: 'ROC-AUC of BUY vs the rest, scored by the BUY probability' })
  roc_auc!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.54, description: 'Mean one-vs-rest ROC-AUC (equals roc_auc with two classes)' })
  roc_auc_macro!: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object' },
    example: PER_CLASS_EXAMPLE,
    description: 'precision / recall / f1 (null when undefined), support (actual rows) and predicted (rows predicted) per class',
  })
  per_class!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number' } }, example: [[196, 214], [186, 246]], description: '[actual][predicted] in `classes` order' })
  confusion_matrix!: number[][];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { SELL: 0.487, BUY: 0.513 } })
  class_balance!: Record<string, number>;
}

export class MajorityBaselineResponse extends ClassificationMetricsResponse {
  @ApiProperty({ example: 'BUY', description: "The training window's majority class ('per fold' when folds differ)" }) predicted_class!: string;
}

export class MomentumBaselineResponse extends ClassificationMetricsResponse {
  @ApiProperty({ example: 0, description: 'Test rows without H candles of history (left out of this baseline)' }) rows_without_history!: number;
}

export class BaselinesResponse {
  @ApiProperty({ type: ClassificationMetricsResponse, description: 'Always BUY' }) always_buy!: ClassificationMetricsResponse;
  @ApiProperty({ type: MajorityBaselineResponse, description: "Always the training window's majority class" })
  training_majority!: MajorityBaselineResponse;
  @ApiProperty({ type: MomentumBaselineResponse, description: 'Sign of the last H-candle return' }) momentum!: MomentumBaselineResponse;
}

export class NoiseResponse {
  @ApiProperty({ type: Number, nullable: true, description: 'Standard error of ROC-AUC without information, widened for overlapping labels' })
  auc_standard_error!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '(roc_auc − 0.5) / auc_standard_error' }) auc_z_score!: number | null;
  @ApiProperty({ description: 'accuracy − training-majority accuracy' }) accuracy_edge_over_majority!: number;
  @ApiProperty() accuracy_standard_error!: number;
  @ApiProperty() accuracy_z_score!: number;
}

export class FoldWindowResponse {
  @ApiProperty({ example: 1400 }) rows!: number;
  @ApiProperty({ example: 1663916400000 }) from_open_time!: number;
  @ApiProperty({ example: 1669000000000 }) to_open_time!: number;
}

export class TrainWindowResponse extends FoldWindowResponse {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) class_balance!: Record<string, number>;
}

export class FoldMetricsResponse extends ClassificationMetricsResponse {
  @ApiProperty({ example: 1 }) fold!: number;
  @ApiProperty({ type: TrainWindowResponse }) train!: TrainWindowResponse;
  @ApiProperty({ type: FoldWindowResponse }) test!: FoldWindowResponse;
  @ApiProperty({ type: BaselinesResponse }) baselines!: BaselinesResponse;
  @ApiProperty({ type: NoiseResponse }) noise!: NoiseResponse;
}

export class WalkForwardSettingsResponse {
  @ApiProperty({ example: 5 }) folds!: number;
  @ApiProperty({ example: 4 }) purge_candles!: number;
  @ApiProperty({ example: 'expanding' }) training_window!: string;
}

export class ModelMetricsResponse extends ClassificationMetricsResponse {
  @ApiProperty({ type: [String], example: ['SELL', 'BUY'], description: 'Class order of confusion matrices' }) classes!: string[];
  @ApiProperty({ type: BaselinesResponse, description: 'The same metrics for the baselines, on the same pooled test rows' })
  baselines!: BaselinesResponse;
  @ApiProperty({ type: NoiseResponse }) noise!: NoiseResponse;
  @ApiProperty({ type: [FoldMetricsResponse] }) folds!: FoldMetricsResponse[];
  @ApiProperty({ type: WalkForwardSettingsResponse }) walk_forward!: WalkForwardSettingsResponse;
}

export class StoredModelResponse {
  @ApiProperty({ example: 'gzip' }) encoding!: string;
  @ApiProperty({ example: 1843221, description: 'Bytes of the uncompressed model JSON' }) bytes!: number;
  @ApiProperty({ example: 'a3f1…', description: 'sha256 of the uncompressed model JSON' }) sha256!: string;
}

export class PromotionResponse {
  @ApiProperty() promoted!: boolean;
  @ApiProperty({ example: 'model 8 not worse than model 7 (roc_auc 0.5400 vs 0.5300, accuracy 0.5300 vs 0.5200)' }) reason!: string;
  @ApiProperty({ type: Number, nullable: true }) compared_with_model_id!: number | null;
  @ApiProperty({ description: 'epoch ms' }) decided_at!: number;
}

export class ModelSummaryResponse {
  @ApiProperty({ example: 7 }) id!: number;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ enum: MODEL_STATUSES, example: 'ready' }) status!: ModelStatus;
  @ApiProperty({ example: 1, minimum: 0, maximum: 1, description: 'Share of the training job done' }) progress!: number;
  @ApiProperty({ type: String, nullable: true, example: 'walk-forward fold 3 of 5' }) stage!: string | null;
  @ApiProperty({ description: 'Whether this model is the active one of its symbol × interval' }) active!: boolean;
  @ApiProperty({ enum: ['api', 'schedule'], description: 'Who asked for it: POST /api/models or the retrain schedule' }) origin!: string;
  @ApiProperty({ type: ModelParamsResponse }) params!: ModelParamsResponse;
  @ApiProperty({ type: Number, nullable: true, example: 0.54, description: 'Overall walk-forward ROC-AUC (BUY vs rest)' }) roc_auc!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.53, description: 'Overall walk-forward accuracy' }) accuracy!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why training failed' }) error!: string | null;
  @ApiProperty({ example: '2026-11-25T10:00:00.000Z' }) created_at!: string;
  @ApiProperty({ type: String, nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, nullable: true }) finished_at!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Wall time of the training job, ms' }) training_ms!: number | null;
  @ApiProperty({ type: StoredModelResponse, nullable: true, description: 'The serialized model in the registry (gzip JSON)' })
  model!: StoredModelResponse | null;
  @ApiPropertyOptional({ type: PromotionResponse, nullable: true, description: `Scheduled retrains only. ${PROMOTION_RULE}` })
  promotion!: PromotionResponse | null;
}

export class ModelResponse extends ModelSummaryResponse {
  @ApiProperty({
    type: ModelMetricsResponse,
    nullable: true,
    description: 'Walk-forward evaluation (null until ready): overall roc_auc, accuracy, per-class precision/recall/F1, the folds and the baselines',
  })
  metrics!: ModelMetricsResponse | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'Candles read, labelled rows, rows dropped (incomplete look-back, no future, dead zone), class counts, look-ahead check',
  })
  dataset!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'Timings and tree statistics per fold and for the final model' })
  training!: Record<string, unknown> | null;
}
