import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type BinanceInterval, fixedIntervalMs } from '../market-data/binance-interval';
import { ModelCandleLoader } from './model-candle.loader';
import { ModelRegistryService } from './model-registry.service';
import { ModelTrainingService } from './model-training.service';
import type { ModelEntity } from './model.entity';
import { decidePromotion, type WalkForwardScore } from './promotion-rule';

export const DEFAULT_RETRAIN_WINDOW_CANDLES = 8_760;

export interface RetrainOutcome {
  symbol: string;
  interval: string;
  /** The model active when the retrain started. */
  previous_model_id: number;
  /** The retrained model, or null when it could not even be queued. */
  model_id: number | null;
  status: 'ready' | 'failed' | 'not started';
  promoted: boolean;
  reason: string;
}

/**
 * Scheduled retraining (MODEL_RETRAIN_CRON): for every symbol × interval with an active model, trains a new model with
 * the active model's label definition, hyper-parameters, seed and folds on the last MODEL_RETRAIN_WINDOW_CANDLES stored
 * candles (a rolling window), then applies the promotion rule (promotion-rule.ts).
 */
@Injectable()
export class ModelRetrainService {
  private readonly logger = new Logger(ModelRetrainService.name);

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly training: ModelTrainingService,
    private readonly candles: ModelCandleLoader,
    private readonly config: ConfigService,
  ) {}

  async retrainAll(): Promise<RetrainOutcome[]> {
    const outcomes: RetrainOutcome[] = [];
    for (const active of await this.registry.activeModels()) {
      const outcome = await this.retrain(active.symbol, active.interval, active.modelId).catch(
        (error: unknown): RetrainOutcome => ({
          symbol: active.symbol,
          interval: active.interval,
          previous_model_id: active.modelId,
          model_id: null,
          status: 'not started',
          promoted: false,
          reason: error instanceof Error ? error.message : String(error),
        }),
      );
      this.logger.log(`Retrain ${outcome.symbol} ${outcome.interval}: model ${outcome.model_id ?? '-'} ${outcome.status}, ${outcome.reason}`);
      outcomes.push(outcome);
    }
    return outcomes;
  }

  async retrain(symbol: string, interval: string, activeModelId: number): Promise<RetrainOutcome> {
    const current = await this.registry.get(activeModelId);
    const intervalMs = fixedIntervalMs(interval as BinanceInterval);
    const last = await this.candles.lastOpenTime(symbol, interval);
    if (intervalMs === null || last === null) throw new Error(`no stored ${symbol} ${interval} candles to retrain on`);
    const window = this.config.get<number>('MODEL_RETRAIN_WINDOW_CANDLES') ?? DEFAULT_RETRAIN_WINDOW_CANDLES;
    const submitted = await this.training.submit(
      {
        symbol,
        interval: interval as BinanceInterval,
        start: last - (window - 1) * intervalMs,
        end: last,
        labels: current.labelDefinition,
        hyperParameters: current.hyperParameters,
        seed: current.seed,
        folds: current.evaluation.folds,
      },
      'schedule',
    );
    const candidate = await this.training.whenFinished(submitted.id);
    const base = { symbol, interval, previous_model_id: activeModelId, model_id: candidate.id };
    if (candidate.status !== 'ready') {
      const reason = `training failed: ${candidate.error ?? 'unknown error'}`;
      await this.registry.recordPromotion(candidate.id, { promoted: false, reason, compared_with_model_id: activeModelId, decided_at: Date.now() });
      return { ...base, status: 'failed', promoted: false, reason };
    }
    // Compare with whatever is active now (someone may have activated another model while this one trained).
    const activeNowId = await this.registry.activeModelId(symbol, interval);
    const activeNow = activeNowId === null ? null : await this.registry.get(activeNowId);
    const decision = decidePromotion(activeNow ? scoreOf(activeNow) : null, scoreOf(candidate));
    if (decision.promoted) await this.registry.activate(candidate.id, `scheduled retrain: ${decision.reason}`);
    await this.registry.recordPromotion(candidate.id, {
      promoted: decision.promoted,
      reason: decision.reason,
      compared_with_model_id: activeNowId,
      decided_at: Date.now(),
    });
    return { ...base, status: 'ready', promoted: decision.promoted, reason: decision.reason };
  }
}

function scoreOf(model: ModelEntity): WalkForwardScore {
  return { modelId: model.id, rocAuc: model.rocAuc, accuracy: model.accuracy };
}
