import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type BinanceInterval, fixedIntervalMs } from '../market-data/binance-interval';
import { type BackgroundJobRunner, BackgroundJobs, type JobLease } from '../platform/jobs';
import { DEFAULT_FEATURE_SET, hasCompleteWindow } from '../modelling/core';
import { ModelRegistryService } from '../modelling/model-registry.service';
import type { ModelEntity } from '../modelling/model.entity';
import { ModellingError, ModellingErrorCode } from '../modelling/modelling.errors';
import { MAX_PREDICT_CANDLES, PredictionsService } from '../modelling/predictions.service';
import { defaultSymbolRules, KNOWN_SYMBOL_FILTERS, StrategyConfigError, validateStrategyConfig, DEFAULT_FILL_SETTINGS, DEFAULT_STRATEGY_CONFIG } from '../trading/core';
import { BacktestDataLoader } from './backtest-data.loader';
import { type BacktestMetrics, type StrategySettings, strategyConfigOf, symbolRulesView } from './backtest-documents';
import type { BacktestEntity } from './backtest.entity';
import { BacktestError, BacktestErrorCode } from './backtest.errors';
import { BacktestStore } from './backtest-store';
import { DEFAULT_INITIAL_CAPITAL } from './dto/create-backtest.body.dto';
import { type CandleSeries, type StrategyRun } from './engine/backtest-engine';
import { runBacktestInWorker } from './backtest-in-worker';
import { drawdownCurve } from './engine/performance-metrics';

/** Candles one backtest may span (its equity curve is stored row by row). */
export const MAX_BACKTEST_CANDLES = 500_000;
/** A run whose instance stopped mid-way is taken over by an instance this many times at most (MAX_ATTEMPTS starts). */
export const MAX_ATTEMPTS = 3;

/** The candles of `series` from `first` on (the whole series' length when first is -1: no candle). */
function fromIndex(series: CandleSeries, first: number): CandleSeries {
  const from = first < 0 ? series.openTime.length : first;
  return {
    ...series,
    openTime: series.openTime.subarray(from),
    open: series.open.subarray(from),
    high: series.high.subarray(from),
    low: series.low.subarray(from),
    close: series.close.subarray(from),
  };
}

/**
 * The open times of the first and last candle of the range that has a complete, gap-free look-back window (so the
 * model can predict it) but no stored prediction; null when none is missing.
 */
export function missingPredictions(extended: CandleSeries, series: CandleSeries, signals: Int8Array, lookback: number): { from: number; to: number } | null {
  const offset = extended.openTime.length - series.openTime.length;
  const runStarts = new Int32Array(extended.openTime.length);
  for (let i = 1; i < runStarts.length; i++) {
    runStarts[i] = extended.openTime[i] - extended.openTime[i - 1] === extended.intervalMs ? runStarts[i - 1] : i;
  }
  let from: number | null = null;
  let to: number | null = null;
  for (let i = 0; i < signals.length; i++) {
    if (signals[i] !== 0 || !hasCompleteWindow(runStarts, offset + i, lookback)) continue;
    from ??= series.openTime[i];
    to = series.openTime[i];
  }
  return from === null || to === null ? null : { from, to };
}

export interface BacktestRequest {
  model_id: number;
  start: number;
  end: number;
  fee_rate?: number;
  slippage_bps?: number;
  initial_capital?: number;
  strategy?: Partial<StrategySettings>;
}

const FIELD_OF: Record<string, string> = {
  positionFraction: 'strategy.position_fraction',
  stopLoss: 'strategy.stop_loss',
  takeProfit: 'strategy.take_profit',
  maxHoldingCandles: 'strategy.max_holding_candles',
};

/**
 * Runs backtests in the background, one at a time per instance: queued → running → completed | failed. A run makes sure
 * the model has predictions for the range (the modelling predict-range path, which upserts), loads the stored candles
 * and predictions, simulates the model and three baselines through trading/core, and stores the report, equity curve
 * and trades in one transaction. Backtests are claimed through the database with a lease (platform/jobs): any instance
 * runs any queued backtest, and one whose instance stopped mid-way is run again from scratch by another instance once
 * the lease has expired, up to MAX_ATTEMPTS starts (they are reproducible from stored data). Every write is guarded by
 * the lease, so an instance that lost the backtest writes nothing more.
 */
@Injectable()
export class BacktestRunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BacktestRunnerService.name);
  private readonly runner: BackgroundJobRunner;

  constructor(
    private readonly store: BacktestStore,
    private readonly data: BacktestDataLoader,
    private readonly models: ModelRegistryService,
    private readonly predictions: PredictionsService,
    private readonly jobs: BackgroundJobs,
  ) {
    this.runner = jobs.runner(
      { kind: 'backtest', table: 'backtests', queuedStatus: 'queued', runningStatus: 'running', maxAttempts: MAX_ATTEMPTS },
      { run: (lease) => this.execute(lease), fail: (lease, message) => this.store.markFailed(lease, message) },
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
   * Checks the request (400 naming the field, 404 unknown model, 409 model not ready, 429 when JOBS_MAX_QUEUED backtests
   * are queued or running), records it queued, starts it.
   */
  async submit(request: BacktestRequest): Promise<BacktestEntity> {
    const model = await this.readyModel(request.model_id);
    this.jobs.assertRoom('backtest', await this.runner.countActive());
    const intervalMs = fixedIntervalMs(model.interval as BinanceInterval);
    if (intervalMs === null) throw BacktestError.invalid('model_id', `model ${model.id} has interval ${model.interval}, which has no fixed length`);
    const span = Math.floor((request.end - request.start) / intervalMs) + 1;
    if (span > MAX_BACKTEST_CANDLES) {
      throw BacktestError.invalid('end', `the range spans ${span} ${model.interval} candles; at most ${MAX_BACKTEST_CANDLES} per backtest`, 'maxCandles');
    }
    const stored = await this.data.countCandles(model.symbol, model.interval, request.start, request.end);
    if (stored < 2) {
      const message =
        `too little data: ${model.symbol} ${model.interval} has ${stored} stored candle(s) from ${new Date(request.start).toISOString()} to ` +
        `${new Date(request.end).toISOString()}; a backtest needs at least 2 (a decision and the next open). Import or sync klines for this range.`;
      throw new BacktestError(BacktestErrorCode.InsufficientData, message, [
        { field: 'start', rule: 'enoughCandles', message },
        { field: 'end', rule: 'enoughCandles', message },
      ]);
    }
    const given = request.strategy ?? {};
    const strategy: StrategySettings = {
      position_fraction: given.position_fraction ?? DEFAULT_STRATEGY_CONFIG.positionFraction,
      stop_loss: given.stop_loss ?? DEFAULT_STRATEGY_CONFIG.stopLoss,
      take_profit: given.take_profit ?? DEFAULT_STRATEGY_CONFIG.takeProfit,
      max_holding_candles: given.max_holding_candles ?? DEFAULT_STRATEGY_CONFIG.maxHoldingCandles,
      exit_on_sell: given.exit_on_sell ?? DEFAULT_STRATEGY_CONFIG.exitOnSell,
      momentum_horizon: given.momentum_horizon ?? model.labelDefinition.horizonCandles,
    };
    try {
      validateStrategyConfig(strategyConfigOf(strategy));
    } catch (error) {
      if (error instanceof StrategyConfigError) throw BacktestError.invalid(FIELD_OF[error.field] ?? 'strategy', error.message);
      throw error;
    }
    const backtest = await this.store.create({
      modelId: model.id,
      symbol: model.symbol,
      interval: model.interval,
      rangeStart: request.start,
      rangeEnd: request.end,
      feeRate: request.fee_rate ?? DEFAULT_FILL_SETTINGS.feeRate,
      slippageBps: request.slippage_bps ?? DEFAULT_FILL_SETTINGS.slippageBps,
      initialCapital: request.initial_capital ?? DEFAULT_INITIAL_CAPITAL,
      strategy,
      symbolRules: symbolRulesView(defaultSymbolRules(model.symbol), KNOWN_SYMBOL_FILTERS[model.symbol] ? 'known_filters' : 'generic'),
    });
    this.logger.log(`Queued backtest ${backtest.id}: model ${model.id}, ${model.symbol} ${model.interval}, ${stored} candles`);
    this.runner.kick();
    return backtest;
  }

  private async readyModel(id: number): Promise<ModelEntity> {
    let model: ModelEntity;
    try {
      model = await this.models.get(id);
    } catch (error) {
      if (error instanceof ModellingError && error.code === ModellingErrorCode.ModelNotFound) {
        throw new BacktestError(BacktestErrorCode.ModelNotFound, `model ${id} does not exist`, [{ field: 'model_id', rule: 'exists', message: `model ${id} does not exist` }]);
      }
      throw error;
    }
    if (model.status !== 'ready') {
      throw new BacktestError(BacktestErrorCode.ModelNotReady, `model ${id} is ${model.status}; only a ready model can be backtested`, [
        { field: 'model_id', rule: 'ready', message: `model ${id} is ${model.status}` },
      ]);
    }
    return model;
  }

  private async execute(lease: JobLease): Promise<void> {
    const id = lease.id;
    const backtest = await this.store.get(id);
    await this.store.markRunning(lease);
    const model = await this.readyModel(backtest.modelId);
    const intervalMs = fixedIntervalMs(model.interval as BinanceInterval);
    if (intervalMs === null) throw new Error(`interval ${model.interval} has no fixed length`);
    const { rangeStart: start, rangeEnd: end } = backtest;

    // The range plus the look-back before it, so we know which candles can have a prediction at all.
    const lookback = DEFAULT_FEATURE_SET.lookbackCandles;
    const extended = await this.data.candles(model.symbol, model.interval, intervalMs, start - (lookback - 1) * intervalMs, end);
    const series = fromIndex(extended, extended.openTime.findIndex((time) => time >= start));
    let { signals, found } = await this.data.signals(model.id, series);
    const missing = missingPredictions(extended, series, signals, lookback);
    let written = 0;
    if (missing !== null) {
      await this.store.markStage(lease, 'predicting');
      for (let from = missing.from; from <= missing.to; from += MAX_PREDICT_CANDLES * intervalMs) {
        const result = await this.predictions.predictRange(model.id, from, Math.min(missing.to, from + (MAX_PREDICT_CANDLES - 1) * intervalMs));
        written += result.written;
      }
      ({ signals, found } = await this.data.signals(model.id, series));
    }
    await this.store.markStage(lease, 'simulating');
    const started = performance.now();
    const result = await runBacktestInWorker(series, signals, {
      config: strategyConfigOf(backtest.strategy),
      market: { rules: defaultSymbolRules(model.symbol), fill: { feeRate: backtest.feeRate, slippageBps: backtest.slippageBps } },
      initialCapital: backtest.initialCapital,
      momentumHorizon: backtest.strategy.momentum_horizon,
    });
    const engineMs = performance.now() - started;
    const buyAndHoldReturn = result.baselines.buy_and_hold.metrics.total_return;
    const report = (run: StrategyRun): BacktestMetrics => ({ ...run.metrics, buy_and_hold_return: buyAndHoldReturn });
    const n = series.openTime.length;
    await this.store.markStage(lease, 'saving');
    await this.store.saveResult(lease, {
      equity: {
        time: series.openTime,
        equity: result.model.equity,
        buyAndHold: result.baselines.buy_and_hold.equity,
        drawdown: drawdownCurve(result.model.equity, backtest.initialCapital),
      },
      trades: result.model.trades,
      metrics: report(result.model),
      baselines: {
        buy_and_hold: report(result.baselines.buy_and_hold),
        always_flat: report(result.baselines.always_flat),
        momentum: report(result.baselines.momentum),
      },
      summary: {
        candles: n,
        first_time: n > 0 ? series.openTime[0] : null,
        last_time: n > 0 ? series.openTime[n - 1] : null,
        predictions: found,
        candles_without_prediction: n - found,
        predictions_written: written,
        model_training_range: { start: model.dataStart, end: model.dataEnd },
        overlaps_training: start <= model.dataEnd && end >= model.dataStart,
        engine_ms: Math.round(engineMs * 1000) / 1000,
      },
    });
    const m = result.model.metrics;
    this.logger.log(
      `Backtest ${id} completed: model ${model.id} ${model.symbol} ${model.interval}, ${n} candles, ${m.trades} trades, ` +
        `return ${(m.total_return * 100).toFixed(2)} % (buy-and-hold ${(buyAndHoldReturn * 100).toFixed(2)} %)`,
    );
  }
}
