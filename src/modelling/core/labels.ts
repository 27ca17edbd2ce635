import { contiguousRunStarts, ModelCandle } from './model-candle';

export type TradeSignal = 'SELL' | 'HOLD' | 'BUY';

export interface LabelConfig {
  /** H: the label of candle t compares close(t + H) with close(t). */
  horizonCandles: number;
  /** Exchange fee per side as a fraction (Binance spot: 0.001). */
  feePerSide: number;
  /** Expected slippage per side in basis points. */
  slippageBpsPerSide: number;
  /** Extra dead-zone width on top of round-trip costs, as a fraction (default 0). */
  extraDeadZone?: number;
  /** true: returns inside the dead zone are labelled HOLD; false: those rows are dropped from training. */
  holdClass: boolean;
}

export const DEFAULT_LABEL_CONFIG: Readonly<LabelConfig> = {
  horizonCandles: 4,
  feePerSide: 0.001,
  slippageBpsPerSide: 5,
  holdClass: false,
};

/** Class order = label index: SELL 0, (HOLD 1,) BUY last. */
export function signalClasses(config: Pick<LabelConfig, 'holdClass'>): TradeSignal[] {
  return config.holdClass ? ['SELL', 'HOLD', 'BUY'] : ['SELL', 'BUY'];
}

export function validateLabelConfig(config: LabelConfig): void {
  if (!Number.isInteger(config.horizonCandles) || config.horizonCandles < 1) throw new RangeError(`horizonCandles must be a positive integer, got ${config.horizonCandles}`);
  if (!(config.feePerSide >= 0 && config.feePerSide < 0.1)) throw new RangeError(`feePerSide must be a fraction in [0, 0.1), got ${config.feePerSide}`);
  if (!(config.slippageBpsPerSide >= 0 && config.slippageBpsPerSide < 1000)) throw new RangeError(`slippageBpsPerSide must be in [0, 1000), got ${config.slippageBpsPerSide}`);
  if (!((config.extraDeadZone ?? 0) >= 0)) throw new RangeError(`extraDeadZone must be >= 0`);
}

/**
 * Half-width of the dead zone around a zero return: a round trip (buy + sell) pays the fee and the
 * slippage twice, so a move must exceed that to be worth a BUY (or, mirrored, a SELL).
 */
export function deadZoneHalfWidth(config: LabelConfig): number {
  return 2 * (config.feePerSide + config.slippageBpsPerSide / 10_000) + (config.extraDeadZone ?? 0);
}

export interface CandleLabel {
  /** Simple return close(t + H) / close(t) - 1. */
  futureReturn: number;
  /** Class index into signalClasses(config), or null when the row is dropped (dead zone without HOLD). */
  label: number | null;
}

/**
 * Label of every candle, or null where t + H is past the data or the label window crosses a gap.
 * Only this function looks at candles after t; its output never feeds the features.
 */
export function labelCandles(candles: readonly ModelCandle[], intervalMs: number, config: LabelConfig): Array<CandleLabel | null> {
  validateLabelConfig(config);
  const horizon = config.horizonCandles;
  const deadZone = deadZoneHalfWidth(config);
  const runStarts = contiguousRunStarts(candles, intervalMs);
  const classes = signalClasses(config);
  const buy = classes.indexOf('BUY');
  const sell = classes.indexOf('SELL');
  const hold = classes.indexOf('HOLD');
  return candles.map((candle, t) => {
    const end = t + horizon;
    if (end >= candles.length || runStarts[end] > t) return null;
    const futureReturn = candles[end].close / candle.close - 1;
    let label: number | null;
    if (futureReturn > deadZone) label = buy;
    else if (futureReturn < -deadZone) label = sell;
    else label = config.holdClass ? hold : null;
    return { futureReturn, label };
  });
}
