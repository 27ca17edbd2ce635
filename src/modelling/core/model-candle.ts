/** One closed candle as the modelling code sees it. Times are epoch milliseconds (UTC). */
export interface ModelCandle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteAssetVolume: number;
  trades: number;
  takerBuyBaseVolume: number;
  takerBuyQuoteVolume: number;
}

/** Throws unless open times strictly increase by whole multiples of intervalMs and prices are usable. */
export function validateCandles(candles: readonly ModelCandle[], intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new RangeError(`intervalMs must be a positive integer, got ${intervalMs}`);
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i];
    if (!Number.isFinite(candle.openTime)) throw new RangeError(`candle ${i}: openTime is not finite`);
    if (i > 0) {
      const step = candle.openTime - candles[i - 1].openTime;
      if (step <= 0 || step % intervalMs !== 0) {
        throw new RangeError(`candle ${i}: openTime ${candle.openTime} does not follow ${candles[i - 1].openTime} by a positive multiple of ${intervalMs} ms`);
      }
    }
    for (const key of ['open', 'high', 'low', 'close'] as const) {
      if (!(candle[key] > 0) || !Number.isFinite(candle[key])) throw new RangeError(`candle ${i}: ${key} must be a positive finite number, got ${candle[key]}`);
    }
    for (const key of ['volume', 'quoteAssetVolume', 'trades', 'takerBuyBaseVolume', 'takerBuyQuoteVolume'] as const) {
      if (!(candle[key] >= 0) || !Number.isFinite(candle[key])) throw new RangeError(`candle ${i}: ${key} must be a non-negative finite number, got ${candle[key]}`);
    }
  }
}

/**
 * runStart[i] = index of the first candle of the gap-free run containing candle i (consecutive open
 * times exactly intervalMs apart). Candles j..i are gap-free iff runStart[i] <= j.
 */
export function contiguousRunStarts(candles: readonly ModelCandle[], intervalMs: number): Int32Array {
  const runStart = new Int32Array(candles.length);
  for (let i = 1; i < candles.length; i++) {
    runStart[i] = candles[i].openTime - candles[i - 1].openTime === intervalMs ? runStart[i - 1] : i;
  }
  return runStart;
}

/** A hole in a candle series: the open times of the candles on both sides and how many candles are missing between. */
export interface CandleGap {
  after: number;
  before: number;
  missing: number;
}

/** Every hole between consecutive candles (sorted by open time), oldest first. */
export function candleGaps(candles: readonly ModelCandle[], intervalMs: number): CandleGap[] {
  const gaps: CandleGap[] = [];
  for (let i = 1; i < candles.length; i++) {
    const step = candles[i].openTime - candles[i - 1].openTime;
    if (step > intervalMs) gaps.push({ after: candles[i - 1].openTime, before: candles[i].openTime, missing: Math.round(step / intervalMs) - 1 });
  }
  return gaps;
}

/** Gap-free runs as [firstIndex, lastIndex] pairs. */
export function contiguousRuns(candles: readonly ModelCandle[], intervalMs: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  const runStart = contiguousRunStarts(candles, intervalMs);
  for (let i = 0; i < candles.length; i++) {
    if (i === candles.length - 1 || runStart[i + 1] !== runStart[i]) runs.push([runStart[i], i]);
  }
  return runs;
}

const CANDLE_FIELDS = [
  'openTime',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quoteAssetVolume',
  'trades',
  'takerBuyBaseVolume',
  'takerBuyQuoteVolume',
] as const satisfies ReadonlyArray<keyof ModelCandle>;

/** Candles as one Float64Array per field: crosses to a worker thread by transfer, without cloning an object per candle. */
export type ModelCandleColumns = Record<(typeof CANDLE_FIELDS)[number], Float64Array>;

export function toCandleColumns(candles: readonly ModelCandle[]): ModelCandleColumns {
  const n = candles.length;
  const columns = Object.fromEntries(CANDLE_FIELDS.map((field) => [field, new Float64Array(n)])) as ModelCandleColumns;
  // One loop per field with a fixed property name: a dynamic `candle[field]` in an inner loop is several times slower,
  // and this runs on the event loop for up to hundreds of thousands of candles.
  const { openTime, open, high, low, close, volume, quoteAssetVolume, trades, takerBuyBaseVolume, takerBuyQuoteVolume } = columns;
  for (let i = 0; i < n; i++) {
    const candle = candles[i];
    openTime[i] = candle.openTime;
    open[i] = candle.open;
    high[i] = candle.high;
    low[i] = candle.low;
    close[i] = candle.close;
    volume[i] = candle.volume;
    quoteAssetVolume[i] = candle.quoteAssetVolume;
    trades[i] = candle.trades;
    takerBuyBaseVolume[i] = candle.takerBuyBaseVolume;
    takerBuyQuoteVolume[i] = candle.takerBuyQuoteVolume;
  }
  return columns;
}

/** The inverse of toCandleColumns: the same numbers (a Float64Array holds every double exactly). */
export function fromCandleColumns(columns: ModelCandleColumns): ModelCandle[] {
  const candles = new Array<ModelCandle>(columns.openTime.length);
  for (let i = 0; i < candles.length; i++) {
    const candle = {} as ModelCandle;
    for (const field of CANDLE_FIELDS) candle[field] = columns[field][i];
    candles[i] = candle;
  }
  return candles;
}

/** The buffers of the columns, for a worker message's transfer list. */
export function candleColumnBuffers(columns: ModelCandleColumns): ArrayBuffer[] {
  return CANDLE_FIELDS.map((field) => columns[field].buffer as ArrayBuffer);
}
