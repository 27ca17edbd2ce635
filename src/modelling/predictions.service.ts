import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import { type BinanceInterval, fixedIntervalMs } from '../market-data/binance-interval';
import { DEFAULT_FEATURE_SET, type TradeSignal } from './core';
import { predictCandlesInWorker } from './prediction-in-worker';
import { ModelCandleLoader } from './model-candle.loader';
import { ModelRegistryService } from './model-registry.service';
import { ModellingError } from './modelling.errors';
import { PredictionEntity } from './prediction.entity';
import { IndexOutbox } from '../indexing/index-outbox';
import { retryOnLockConflict } from '../platform/database/transient-errors';

/** Candles one POST /api/models/:id/predict may cover. */
export const MAX_PREDICT_CANDLES = 200_000;
/** Candles predictLatest catches up at most when it has fallen behind (e.g. after downtime). */
export const MAX_CATCH_UP_CANDLES = 500;
const UPSERT_BATCH_ROWS = 500;
const COLUMNS = ['model_id', 'open_time', 'symbol', 'interval', 'trade_signal', 'prob_sell', 'prob_hold', 'prob_buy', 'feature_hash', 'created_at'];
/** created_at keeps the first write; everything else is rewritten (it is the same for the same model and candles). */
const UPDATED_COLUMNS = ['symbol', 'interval', 'trade_signal', 'prob_sell', 'prob_hold', 'prob_buy', 'feature_hash'];

export interface PredictionView {
  model_id: number;
  symbol: string;
  interval: string;
  open_time: number;
  open_time_iso: string;
  signal: TradeSignal;
  probabilities: Partial<Record<TradeSignal, number>>;
  feature_hash: string;
  created_at: number;
}

export interface PredictRangeResult {
  model_id: number;
  symbol: string;
  interval: string;
  start: number;
  end: number;
  /** Stored candles with open_time in [start, end]. */
  candles: number;
  /** Predictions written (inserted or rewritten). */
  written: number;
  /** Candles without a complete, gap-free look-back window before them: no prediction. */
  skipped_incomplete_window: number;
  skipped_non_finite: number;
  first_open_time: number | null;
  last_open_time: number | null;
}

export interface LatestPredictionResult {
  /** The active model of the pair, or null when there is none. */
  model_id: number | null;
  written: number;
  /** The prediction for the newest closed candle, when there is one. */
  latest: PredictionView | null;
}

export interface PredictionQuery {
  symbol: string;
  interval: string;
  start?: number;
  end?: number;
  model_id?: number;
  limit: number;
  cursor?: string;
}

/** Predictions of stored models on stored candles, written to `predictions` with upserts (one per model × candle). */
@Injectable()
export class PredictionsService {
  private readonly logger = new Logger(PredictionsService.name);
  private readonly mysql: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(PredictionEntity) private readonly predictions: Repository<PredictionEntity>,
    private readonly registry: ModelRegistryService,
    private readonly candles: ModelCandleLoader,
    private readonly outbox: IndexOutbox,
  ) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  /** Predicts every stored candle of the model's symbol × interval with open_time in [start, end]. */
  async predictRange(modelId: number, start: number, end: number): Promise<PredictRangeResult> {
    const model = await this.registry.get(modelId);
    const stored = await this.registry.readyStoredModel(modelId);
    const intervalMs = fixedIntervalMs(model.interval as BinanceInterval);
    if (intervalMs === null) throw new Error(`model ${modelId} has interval ${model.interval}, which has no fixed length`);
    const span = Math.floor((end - start) / intervalMs) + 1;
    if (span > MAX_PREDICT_CANDLES) {
      throw ModellingError.invalid('end', `the range spans ${span} ${model.interval} candles; at most ${MAX_PREDICT_CANDLES} per request`);
    }
    const lookback = DEFAULT_FEATURE_SET.lookbackCandles;
    const candles = await this.candles.load(model.symbol, model.interval, Math.max(0, start - (lookback - 1) * intervalMs), end);
    const predicted = await predictCandlesInWorker(stored, candles, intervalMs, start);
    const { openTimes } = predicted;
    const result: PredictRangeResult = {
      model_id: modelId,
      symbol: model.symbol,
      interval: model.interval,
      start,
      end,
      candles: predicted.candles,
      written: 0,
      skipped_incomplete_window: predicted.skippedIncompleteWindow,
      skipped_non_finite: predicted.skippedNonFinite,
      first_open_time: null,
      last_open_time: null,
    };
    const createdAt = Date.now();
    const entities = openTimes.map((openTime, i) => ({
      modelId,
      openTime,
      symbol: model.symbol,
      interval: model.interval,
      signal: predicted.signals[i],
      probSell: predicted.probSell[i],
      probHold: predicted.probHold[i],
      probBuy: predicted.probBuy[i],
      featureHash: predicted.featureHashes[i],
      createdAt,
    }));
    // Two backtests of one model on two instances upsert overlapping predictions: InnoDB may pick this transaction as
    // a deadlock victim, which is retried whole.
    await retryOnLockConflict(() =>
      this.dataSource.transaction(async (manager) => {
        await this.upsert(entities, manager);
        // Queued for Elasticsearch in the same transaction: one reference for the whole range.
        if (entities.length > 0) {
          await this.outbox.enqueue(manager, 'predictions', [{ model_id: modelId, from: entities[0].openTime, to: entities[entities.length - 1].openTime }]);
        }
      }),
    );
    result.written = entities.length;
    result.first_open_time = openTimes[0] ?? null;
    result.last_open_time = openTimes[openTimes.length - 1] ?? null;
    return result;
  }

  /**
   * What the ingestion calls after storing newly closed candles (and the prediction schedule runs every minute):
   * the active model of the pair predicts every closed candle after its last prediction (at most
   * MAX_CATCH_UP_CANDLES back; only the newest closed candle on its first run). A candle counts as closed once
   * open_time + interval <= now. Safe to repeat: nothing new means nothing written.
   */
  async predictLatest(symbol: string, interval: string, now = Date.now()): Promise<LatestPredictionResult> {
    const modelId = await this.registry.activeModelId(symbol, interval);
    if (modelId === null) return { model_id: null, written: 0, latest: null };
    const intervalMs = fixedIntervalMs(interval as BinanceInterval);
    const last = await this.candles.lastOpenTime(symbol, interval);
    if (intervalMs === null || last === null) return { model_id: modelId, written: 0, latest: null };
    const lastClosed = last + intervalMs <= now ? last : last - intervalMs;
    const lastPredicted = await this.lastPredictedOpenTime(modelId);
    const from = lastPredicted === null ? lastClosed : Math.max(lastPredicted + intervalMs, lastClosed - (MAX_CATCH_UP_CANDLES - 1) * intervalMs);
    let written = 0;
    if (from <= lastClosed) {
      const result = await this.predictRange(modelId, from, lastClosed);
      written = result.written;
      if (written > 0) this.logger.log(`Model ${modelId} predicted ${written} ${symbol} ${interval} candle(s) up to ${new Date(lastClosed).toISOString()}`);
    }
    const latest = await this.predictions.findOneBy({ modelId, openTime: lastClosed });
    return { model_id: modelId, written, latest: latest ? toView(latest) : null };
  }

  async list(query: PredictionQuery): Promise<{ data: PredictionView[]; next: string | null }> {
    const builder = this.predictions
      .createQueryBuilder('p')
      .where('p.symbol = :symbol AND p.interval = :interval', { symbol: query.symbol, interval: query.interval })
      .andWhere('p.openTime >= :start AND p.openTime <= :end', { start: query.start ?? 0, end: query.end ?? Number.MAX_SAFE_INTEGER });
    if (query.model_id !== undefined) builder.andWhere('p.modelId = :modelId', { modelId: query.model_id });
    if (query.cursor !== undefined) {
      const [time, model] = query.cursor.split('-').map(Number);
      builder.andWhere('(p.openTime > :time OR (p.openTime = :time AND p.modelId >= :model))', { time, model });
    }
    const rows = await builder
      .orderBy('p.openTime', 'ASC')
      .addOrderBy('p.modelId', 'ASC')
      .take(query.limit + 1)
      .getMany();
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    return { data: page.map(toView), next: hasMore ? `${rows[query.limit].openTime}-${rows[query.limit].modelId}` : null };
  }

  private async lastPredictedOpenTime(modelId: number): Promise<number | null> {
    const row = await this.predictions
      .createQueryBuilder('p')
      .select('MAX(p.openTime)', 'last')
      .where('p.modelId = :modelId', { modelId })
      .getRawOne<{ last: number | string | null }>();
    return row?.last === null || row?.last === undefined ? null : Number(row.last);
  }

  private async upsert(entities: readonly PredictionEntity[], manager: EntityManager): Promise<void> {
    const q = (name: string) => (this.mysql ? `\`${name}\`` : `"${name}"`);
    for (let offset = 0; offset < entities.length; offset += UPSERT_BATCH_ROWS) {
      const batch = entities.slice(offset, offset + UPSERT_BATCH_ROWS);
      const placeholders = batch.map(() => `(${COLUMNS.map(() => '?').join(',')})`).join(',');
      const values = batch.flatMap((p) => [p.modelId, p.openTime, p.symbol, p.interval, p.signal, p.probSell, p.probHold, p.probBuy, p.featureHash, p.createdAt]);
      const head = `INSERT INTO ${q('predictions')} (${COLUMNS.map(q).join(',')}) VALUES ${placeholders}`;
      const tail = this.mysql
        ? ` ON DUPLICATE KEY UPDATE ${UPDATED_COLUMNS.map((c) => `${q(c)}=VALUES(${q(c)})`).join(',')}`
        : ` ON CONFLICT (${q('model_id')},${q('open_time')}) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`;
      await manager.query(head + tail, values);
    }
  }
}

export function toView(entity: PredictionEntity): PredictionView {
  const probabilities: Partial<Record<TradeSignal, number>> = { SELL: entity.probSell };
  if (entity.probHold !== null) probabilities.HOLD = entity.probHold;
  probabilities.BUY = entity.probBuy;
  return {
    model_id: entity.modelId,
    symbol: entity.symbol,
    interval: entity.interval,
    open_time: entity.openTime,
    open_time_iso: new Date(entity.openTime).toISOString(),
    signal: entity.signal,
    probabilities,
    feature_hash: entity.featureHash,
    created_at: entity.createdAt,
  };
}
