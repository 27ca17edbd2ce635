/**
 * Predictions of one model on a run of candles: features of every candle from `start` on that has a complete,
 * gap-free look-back window, then the forest's vote. Framework-free; runs in a worker thread (prediction.worker.ts).
 */
import { contiguousRunStarts, DEFAULT_FEATURE_SET, hasCompleteWindow, type ModelCandle, type SignalPredictor, type TradeSignal, validateCandles } from './core';

/** One entry per predicted candle, in candle order (columns, so the result crosses threads cheaply). */
export interface PredictedCandles {
  openTimes: number[];
  signals: TradeSignal[];
  probSell: number[];
  /** null when the model has no HOLD class. */
  probHold: Array<number | null>;
  probBuy: number[];
  featureHashes: string[];
}

export interface PredictionRunResult extends PredictedCandles {
  /** Candles with openTime >= start. */
  candles: number;
  /** Candles without a complete, gap-free look-back window before them: no prediction. */
  skippedIncompleteWindow: number;
  skippedNonFinite: number;
}

/** `candles` holds the look-back before `start` as well; only candles from `start` on are predicted. */
export function predictCandles(predictor: SignalPredictor, candles: readonly ModelCandle[], intervalMs: number, start: number): PredictionRunResult {
  if (intervalMs !== predictor.model.intervalMs) throw new Error(`the model was trained on another interval (${predictor.model.intervalMs} ms, not ${intervalMs} ms)`);
  validateCandles(candles, intervalMs);
  const lookback = DEFAULT_FEATURE_SET.lookbackCandles;
  const runStarts = contiguousRunStarts(candles, intervalMs);
  const rows: number[][] = [];
  const openTimes: number[] = [];
  let counted = 0;
  let skippedIncompleteWindow = 0;
  let skippedNonFinite = 0;
  candles.forEach((candle, index) => {
    if (candle.openTime < start) return;
    counted++;
    if (!hasCompleteWindow(runStarts, index, lookback)) {
      skippedIncompleteWindow++;
      return;
    }
    const row = DEFAULT_FEATURE_SET.compute(candles, index, intervalMs);
    if (!row.every(Number.isFinite)) {
      skippedNonFinite++;
      return;
    }
    rows.push(row);
    openTimes.push(candle.openTime);
  });
  const predicted = predictor.predict(rows);
  return {
    candles: counted,
    skippedIncompleteWindow,
    skippedNonFinite,
    openTimes,
    signals: predicted.map((p) => p.signal),
    probSell: predicted.map((p) => p.probabilities.SELL),
    probHold: predicted.map((p) => p.probabilities.HOLD ?? null),
    probBuy: predicted.map((p) => p.probabilities.BUY),
    featureHashes: predicted.map((p) => p.featureHash),
  };
}
