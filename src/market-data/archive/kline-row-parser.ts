import { type BinanceInterval, expectedCloseTime, isOnIntervalGrid, nextOpenTime } from '../binance-interval';
import { compareBinanceDecimals, isZeroDecimal, toBinanceDecimal } from '../decimal';
import type { KlineRecord } from '../kline-record';

/** A row that parses but is a real Binance anomaly we do not store as a candle; its interval stays a gap. */
export interface SkippedRow {
  kind: 'skipped';
  reason: string;
}

export interface InvalidRow {
  kind: 'invalid';
  reason: string;
}

export interface HeaderRow {
  kind: 'header';
}

export type ParsedRow = { kind: 'kline'; record: KlineRecord } | SkippedRow | InvalidRow | HeaderRow;

const INTEGER = /^\d{1,19}$/;
// Binance switched spot archives from milliseconds to microseconds in 2025; ms stay below 1e14 until year 5138.
const MICROSECOND_THRESHOLD = 100_000_000_000_000;
const DECIMAL_FIELDS = [
  [1, 'open'],
  [2, 'high'],
  [3, 'low'],
  [4, 'close'],
  [5, 'volume'],
  [7, 'quote_asset_volume'],
  [9, 'taker_buy_base_volume'],
  [10, 'taker_buy_quote_volume'],
] as const;

/**
 * Reads one row of a Binance kline file: open_time, open, high, low, close, volume, close_time,
 * quote_asset_volume, number_of_trades, taker_buy_base_volume, taker_buy_quote_volume[, ignore].
 */
export function parseKlineRow(fields: string[], symbol: string, interval: BinanceInterval, isFirstLine: boolean): ParsedRow {
  // Binance's header starts with a name (open_time); a first row starting with anything else is data to validate.
  if (isFirstLine && fields.length > 0 && /^[A-Za-z_]/.test(fields[0])) return { kind: 'header' };
  if (fields.length !== 11 && fields.length !== 12) {
    return invalid(`expected 11 or 12 columns, found ${fields.length}`);
  }
  const openTime = parseEpoch(fields[0]);
  if (openTime === null) return invalid(`open_time "${fields[0]}" is not epoch milliseconds or microseconds`);
  const closeTime = parseEpoch(fields[6]);
  if (closeTime === null) return invalid(`close_time "${fields[6]}" is not epoch milliseconds or microseconds`);
  if (closeTime <= openTime) return invalid('close_time is not after open_time');

  const decimals: Partial<Record<(typeof DECIMAL_FIELDS)[number][1], string>> = {};
  for (const [index, name] of DECIMAL_FIELDS) {
    const value = toBinanceDecimal(fields[index]);
    if (value === null) return invalid(`${name} "${fields[index]}" is not a non-negative decimal with at most 8 decimals`);
    decimals[name] = value;
  }
  if (!INTEGER.test(fields[8]) || !Number.isSafeInteger(Number(fields[8]))) {
    return invalid(`number_of_trades "${fields[8]}" is not a non-negative integer`);
  }
  const record: KlineRecord = {
    symbol,
    interval,
    openTime,
    closeTime,
    open: decimals.open!,
    high: decimals.high!,
    low: decimals.low!,
    close: decimals.close!,
    volume: decimals.volume!,
    quoteAssetVolume: decimals.quote_asset_volume!,
    numberOfTrades: Number(fields[8]),
    takerBuyBaseVolume: decimals.taker_buy_base_volume!,
    takerBuyQuoteVolume: decimals.taker_buy_quote_volume!,
  };
  const broken = inconsistency(record);
  if (broken) return invalid(broken);
  if (closeTime > nextOpenTime(interval, openTime)) return invalid('close_time is after the next candle opens');

  if (!isOnIntervalGrid(interval, openTime)) {
    return { kind: 'skipped', reason: `open_time ${new Date(openTime).toISOString()} is not on the ${interval} grid` };
  }
  if (closeTime !== expectedCloseTime(interval, openTime)) {
    return {
      kind: 'skipped',
      reason: `candle closed at ${new Date(closeTime).toISOString()} instead of the end of its ${interval} interval (trading halted)`,
    };
  }
  return { kind: 'kline', record };
}

function inconsistency(record: KlineRecord): string | null {
  for (const [name, price] of [['open', record.open], ['high', record.high], ['low', record.low], ['close', record.close]] as const) {
    if (isZeroDecimal(price)) return `${name} price is zero`;
  }
  if (compareBinanceDecimals(record.low, record.high) > 0) return 'low is above high';
  for (const [name, price] of [['open', record.open], ['close', record.close]] as const) {
    if (compareBinanceDecimals(price, record.low) < 0 || compareBinanceDecimals(price, record.high) > 0) {
      return `${name} is outside [low, high]`;
    }
  }
  if (compareBinanceDecimals(record.takerBuyBaseVolume, record.volume) > 0) return 'taker_buy_base_volume exceeds volume';
  if (compareBinanceDecimals(record.takerBuyQuoteVolume, record.quoteAssetVolume) > 0) {
    return 'taker_buy_quote_volume exceeds quote_asset_volume';
  }
  return null;
}

/** Epoch ms from ms or µs digits; µs are cut to ms by dropping digits, never through floating point. */
function parseEpoch(text: string): number | null {
  if (!INTEGER.test(text)) return null;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) return null;
  return value >= MICROSECOND_THRESHOLD ? Number(text.slice(0, -3)) : value;
}

function invalid(reason: string): InvalidRow {
  return { kind: 'invalid', reason };
}
