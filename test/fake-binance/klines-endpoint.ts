import { binanceErrors } from './binance-errors';
import { CandleSeries, partialKlineRow } from './candle-series';
import { fixedIntervalMs, isKlineInterval, KlineInterval } from './kline-interval';
import { RequestParameters } from './request-parameters';

export const KLINES_DEFAULT_LIMIT = 500;
export const KLINES_MAX_LIMIT = 1000;

export interface KlinesContext {
  now: number;
  symbolExists(symbol: string): boolean;
  findSeries(symbol: string, interval: KlineInterval): CandleSeries | undefined;
}

/**
 * GET /api/v3/klines. Returns the JSON body; throws BinanceApiError for a 400.
 *
 * Range rules (Binance spot): with startTime, klines opening at or after it, oldest first; with only endTime, the
 * latest `limit` klines opening at or before it; with neither, the most recent `limit`. Klines that open after `now`
 * do not exist yet; the one open at `now` is returned partially filled. A limit above 1000 is served as 1000.
 */
export function handleKlines(parameters: RequestParameters, context: KlinesContext): string | Buffer {
  const symbol = parameters.mandatorySymbol();
  const interval = parameters.mandatory('interval');
  if (!isKlineInterval(interval)) throw binanceErrors.invalidInterval();
  const startTime = parameters.optionalUnsignedInteger('startTime');
  const endTime = parameters.optionalUnsignedInteger('endTime');
  const requestedLimit = parameters.optionalUnsignedInteger('limit');
  if (requestedLimit === 0) throw binanceErrors.invalidParameterValue('limit');
  const limit = Math.min(requestedLimit ?? KLINES_DEFAULT_LIMIT, KLINES_MAX_LIMIT);
  const timeZoneOffsetMs = parseTimeZone(parameters.optional('timeZone'));
  parameters.assertAllRead();
  if (!context.symbolExists(symbol)) throw binanceErrors.invalidSymbol();
  assertTimeZoneKeepsGrid(timeZoneOffsetMs, interval);

  const series = context.findSeries(symbol, interval);
  if (series === undefined || series.size === 0) return '[]';

  const { now } = context;
  const lastExisting = series.lastIndexAtOrBefore(now);
  let first: number;
  let last: number;
  if (startTime !== undefined) {
    first = series.firstIndexAtOrAfter(startTime);
    const lastInRange = endTime === undefined ? lastExisting : Math.min(lastExisting, series.lastIndexAtOrBefore(endTime));
    last = Math.min(first + limit - 1, lastInRange);
  } else {
    last = endTime === undefined ? lastExisting : Math.min(lastExisting, series.lastIndexAtOrBefore(endTime));
    first = Math.max(0, last - limit + 1);
  }
  if (last < first) return '[]';

  // Only the last kline can still be open: it opened at or before now and closes after it.
  const lastIsOpen = now <= series.closeTimeAt(last);
  const closedLast = lastIsOpen ? last - 1 : last;
  const parts: Buffer[] = [OPEN_BRACKET];
  if (closedLast >= first) parts.push(series.renderedRows(first, closedLast));
  if (lastIsOpen) {
    if (closedLast >= first) parts.push(COMMA);
    parts.push(Buffer.from(JSON.stringify(partialKlineRow(series.rowAt(last), now))));
  }
  parts.push(CLOSE_BRACKET);
  return Buffer.concat(parts);
}

const OPEN_BRACKET = Buffer.from('[');
const CLOSE_BRACKET = Buffer.from(']');
const COMMA = Buffer.from(',');

const TIME_ZONE_FORMAT = /^([+-]?)(\d{1,2})(?::(\d{2}))?$/;
const HOUR_MS = 3_600_000;

/** timeZone: "-1:00", "05:45", "8", ...; accepted range [-12:00, +14:00]. Returns the UTC offset in ms. */
function parseTimeZone(value: string | undefined): number {
  if (value === undefined) return 0;
  const match = TIME_ZONE_FORMAT.exec(value);
  if (!match) throw binanceErrors.invalidParameterValue('timeZone');
  const hours = Number(match[2]);
  const minutes = match[3] === undefined ? 0 : Number(match[3]);
  if (minutes >= 60) throw binanceErrors.invalidParameterValue('timeZone');
  const offsetMs = (match[1] === '-' ? -1 : 1) * (hours * HOUR_MS + minutes * 60_000);
  if (offsetMs < -12 * HOUR_MS || offsetMs > 14 * HOUR_MS) throw binanceErrors.invalidParameterValue('timeZone');
  return offsetMs;
}

/**
 * A time zone only changes the candles when it moves the interval boundaries (e.g. 1d in +08:00). The stored
 * candles are UTC-aligned, so such requests are refused rather than answered with wrong data.
 */
function assertTimeZoneKeepsGrid(offsetMs: number, interval: KlineInterval): void {
  if (offsetMs === 0) return;
  const intervalMs = fixedIntervalMs(interval);
  if (intervalMs === null || offsetMs % intervalMs !== 0) {
    throw binanceErrors.notSimulated(`timeZone offsets that move ${interval} candle boundaries are not simulated`);
  }
}
