import { readFile } from 'node:fs/promises';
import { fromScaledUnits, toEightDecimals, toScaledUnits } from './binance-decimal';
import { KlineInterval } from './kline-interval';

/**
 * One candle as the shared CSVs hold it. Decimal fields stay strings so values pass through untouched;
 * they may carry fewer than 8 decimals ("46216.93"), the server pads them.
 */
export interface FakeCandle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closeTime: number;
  quoteAssetVolume: string;
  numberOfTrades: number;
  takerBuyBaseVolume: string;
  takerBuyQuoteVolume: string;
}

/** A kline exactly as Binance sends it: 12 elements, the last one the unused "0". */
export type BinanceKlineRow = [
  number, string, string, string, string, string, number, string, number, string, string, string,
];

export const CSV_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_volume,taker_buy_quote_volume';

/** Index of the first element >= target in an ascending array (its length when there is none). */
export function lowerBound(sorted: readonly number[], target: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The candles of one symbol and interval, sorted by open time. Each candle is kept as the JSON text of its Binance
 * row, all rows back to back in one buffer with a comma after each: a page of klines is then a zero-copy slice, and
 * a few hundred thousand candles cost ~200 bytes each instead of hundreds of small heap strings.
 */
export class CandleSeries {
  private openTimes: number[] = [];
  private closeTimes: number[] = [];
  /** rowStarts[i] is where row i begins; rowStarts[size] is the end of the last row's comma. */
  private rowStarts: number[] = [0];
  private bytes = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly symbol: string,
    readonly interval: KlineInterval,
  ) {}

  get size(): number {
    return this.openTimes.length;
  }

  /** Adds candles; a candle whose open time is already stored replaces the stored one. */
  add(candles: readonly FakeCandle[]): void {
    const lastStored = this.size > 0 ? this.openTimes[this.size - 1] : -Infinity;
    if (isStrictlyAscending(candles) && (candles.length === 0 || candles[0].openTime > lastStored)) {
      // The common case (loading a file, a new candle closing) appends without re-sorting.
      this.appendCandles(candles);
      return;
    }
    const byOpenTime = new Map<number, { closeTime: number; row: string }>();
    for (let index = 0; index < this.size; index++) {
      byOpenTime.set(this.openTimes[index], { closeTime: this.closeTimes[index], row: this.renderedRowAt(index) });
    }
    for (const candle of candles) {
      byOpenTime.set(candle.openTime, { closeTime: candle.closeTime, row: renderKlineRow(candle) });
    }
    this.openTimes = [];
    this.closeTimes = [];
    this.rowStarts = [0];
    for (const [openTime, { closeTime, row }] of [...byOpenTime.entries()].sort((a, b) => a[0] - b[0])) {
      this.appendRow(openTime, closeTime, row);
    }
  }

  /** Index of the first candle with open time >= `time`. */
  firstIndexAtOrAfter(time: number): number {
    return lowerBound(this.openTimes, time);
  }

  /** Index of the last candle with open time <= `time`, or -1. */
  lastIndexAtOrBefore(time: number): number {
    return lowerBound(this.openTimes, time + 1) - 1;
  }

  closeTimeAt(index: number): number {
    return this.closeTimes[index];
  }

  /** Rows first..last (inclusive) as JSON array elements separated by commas, without brackets. */
  renderedRows(first: number, last: number): Buffer {
    return this.bytes.subarray(this.rowStarts[first], this.rowStarts[last + 1] - 1);
  }

  renderedRowAt(index: number): string {
    return this.renderedRows(index, index).toString('latin1');
  }

  rowAt(index: number): BinanceKlineRow {
    return JSON.parse(this.renderedRowAt(index)) as BinanceKlineRow;
  }

  private appendCandles(candles: readonly FakeCandle[]): void {
    this.reserve(candles.length * ESTIMATED_ROW_BYTES);
    for (const candle of candles) this.appendRow(candle.openTime, candle.closeTime, renderKlineRow(candle));
  }

  private appendRow(openTime: number, closeTime: number, row: string): void {
    this.reserve(row.length + 1);
    const start = this.rowStarts[this.rowStarts.length - 1];
    // Rows are plain ASCII, so latin1 writes one byte per character.
    const written = this.bytes.write(row, start, 'latin1');
    this.bytes[start + written] = 0x2c; // ','
    this.openTimes.push(openTime);
    this.closeTimes.push(closeTime);
    this.rowStarts.push(start + written + 1);
  }

  /** Makes room for `extraBytes` more, at least doubling so appends stay amortised O(1). */
  private reserve(extraBytes: number): void {
    const used = this.rowStarts[this.rowStarts.length - 1];
    if (used + extraBytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(used + extraBytes, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, used);
    this.bytes = grown;
  }
}

/** A BTCUSDT row takes ~150–190 bytes; reserving by estimate spares most regrowth while loading. */
const ESTIMATED_ROW_BYTES = 192;

function isStrictlyAscending(candles: readonly FakeCandle[]): boolean {
  for (let index = 1; index < candles.length; index++) {
    if (candles[index].openTime <= candles[index - 1].openTime) return false;
  }
  return true;
}

export function renderKlineRow(candle: FakeCandle): string {
  assertValidCandle(candle);
  return (
    `[${candle.openTime},"${toEightDecimals(candle.open)}","${toEightDecimals(candle.high)}",` +
    `"${toEightDecimals(candle.low)}","${toEightDecimals(candle.close)}","${toEightDecimals(candle.volume)}",` +
    `${candle.closeTime},"${toEightDecimals(candle.quoteAssetVolume)}",${candle.numberOfTrades},` +
    `"${toEightDecimals(candle.takerBuyBaseVolume)}","${toEightDecimals(candle.takerBuyQuoteVolume)}","0"]`
  );
}

function assertValidCandle(candle: FakeCandle): void {
  if (!Number.isSafeInteger(candle.openTime) || candle.openTime < 0) {
    throw new Error(`candle open time must be a non-negative integer ms timestamp, got ${candle.openTime}`);
  }
  if (!Number.isSafeInteger(candle.closeTime) || candle.closeTime <= candle.openTime) {
    throw new Error(`candle ${candle.openTime}: close time ${candle.closeTime} must be an integer after open time`);
  }
  if (!Number.isSafeInteger(candle.numberOfTrades) || candle.numberOfTrades < 0) {
    throw new Error(`candle ${candle.openTime}: number of trades must be a non-negative integer`);
  }
}

/**
 * The candle that is still open at `now`, derived from the stored full candle by the fraction of its interval
 * that has elapsed: open is kept, close moves from open towards the final close, high/low widen towards the final
 * extremes, volumes and trade counts grow linearly. Values stay on the decimal grid the stored candle uses (a
 * price with 2 decimals stays a multiple of 0.01), OHLC and taker <= total invariants hold at every instant, and
 * the same `now` always gives the same candle.
 */
export function partialKlineRow(full: BinanceKlineRow, now: number): BinanceKlineRow {
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote] = full;
  const elapsed = BigInt(Math.max(1, now - openTime + 1));
  const length = BigInt(closeTime - openTime + 1);
  const scale = (value: bigint): bigint => (value * elapsed) / length;

  const priceStep = gridStep(open, high, low, close);
  const [openUnits, highUnits, lowUnits, closeUnits] = [open, high, low, close].map(toScaledUnits);
  const partialClose = floorToStep(openUnits + ((closeUnits - openUnits) * elapsed) / length, openUnits, priceStep);
  const partialTop = maxOf(openUnits, partialClose);
  const partialBottom = minOf(openUnits, partialClose);
  const partialHigh = partialTop + floorToStep(scale(highUnits - maxOf(openUnits, closeUnits)), 0n, priceStep);
  const partialLow = partialBottom - floorToStep(scale(minOf(openUnits, closeUnits) - lowUnits), 0n, priceStep);

  const baseStep = gridStep(volume, takerBase);
  const quoteStep = gridStep(quoteVolume, takerQuote);
  const partialVolume = floorToStep(scale(toScaledUnits(volume)), 0n, baseStep);
  const partialTrades = Number(scale(BigInt(trades)));

  return [
    openTime,
    open,
    fromScaledUnits(partialHigh),
    fromScaledUnits(partialLow),
    fromScaledUnits(partialClose),
    fromScaledUnits(partialVolume),
    closeTime,
    fromScaledUnits(floorToStep(scale(toScaledUnits(quoteVolume)), 0n, quoteStep)),
    // A candle that has traded has at least one trade.
    partialVolume > 0n && trades > 0 ? Math.max(1, partialTrades) : partialTrades,
    fromScaledUnits(floorToStep(scale(toScaledUnits(takerBase)), 0n, baseStep)),
    fromScaledUnits(floorToStep(scale(toScaledUnits(takerQuote)), 0n, quoteStep)),
    '0',
  ];
}

/** The finest decimal step (in 1e-8 units) the given eight-decimal values use: 1n for 8 decimals, 10^6n for 2. */
function gridStep(...values: string[]): bigint {
  const decimalsUsed = Math.max(...values.map((value) => value.split('.')[1].replace(/0+$/, '').length));
  return 10n ** BigInt(8 - decimalsUsed);
}

/** Largest value <= `value` that differs from `anchor` by a multiple of `step`. */
function floorToStep(value: bigint, anchor: bigint, step: bigint): bigint {
  const offset = value - anchor;
  const remainder = ((offset % step) + step) % step;
  return value - remainder;
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minOf(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Reads a CSV in the shared format (see /work/shared/data/binance/SOURCES.md). */
export async function readCandlesCsv(csvPath: string): Promise<FakeCandle[]> {
  const text = await readFile(csvPath, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines[0] !== CSV_HEADER) throw new Error(`${csvPath}: unexpected header "${lines[0]}"`);
  const candles: FakeCandle[] = [];
  for (let lineIndex = 1; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex];
    if (line === '') continue;
    const fields = line.split(',');
    if (fields.length !== 11) throw new Error(`${csvPath}:${lineIndex + 1}: expected 11 fields, got ${fields.length}`);
    candles.push({
      openTime: parseInteger(fields[0], csvPath, lineIndex),
      open: fields[1],
      high: fields[2],
      low: fields[3],
      close: fields[4],
      volume: fields[5],
      closeTime: parseInteger(fields[6], csvPath, lineIndex),
      quoteAssetVolume: fields[7],
      numberOfTrades: parseInteger(fields[8], csvPath, lineIndex),
      takerBuyBaseVolume: fields[9],
      takerBuyQuoteVolume: fields[10],
    });
  }
  return candles;
}

function parseInteger(text: string, csvPath: string, lineIndex: number): number {
  if (!/^\d+$/.test(text)) throw new Error(`${csvPath}:${lineIndex + 1}: "${text}" is not an integer`);
  return Number(text);
}
