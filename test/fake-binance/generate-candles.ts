import { fromIntegerUnits } from './binance-decimal';
import { FakeCandle } from './candle-series';
import { fixedIntervalMs, isKlineInterval, isOnIntervalGrid, nextOpenTime } from './kline-interval';
import { gaussian, hashString, seededRandom } from './seeded-random';

export interface GenerateCandlesOptions {
  symbol: string;
  interval: string;
  /** Open time of the first candle; must sit on the interval grid like Binance's candles do. */
  start: number;
  count: number;
  seed: number;
  /** First open price in quote units. Default 30000 for BTC* symbols, else 100. */
  startPrice?: number;
  /** Standard deviation of daily log returns. Default 0.03, roughly BTC's. */
  dailyVolatility?: number;
}

const DAY_MS = 86_400_000;
/** Prices and quote volumes carry 2 decimals (BTCUSDT's tick size 0.01), base volumes 5 (its lot step 0.00001). */
const PRICE_DECIMALS = 2;
const VOLUME_DECIMALS = 5;
const QUOTE_DECIMALS = 2;
/** Around one million quote units traded per minute on average, like BTCUSDT on a calm day. */
const QUOTE_VOLUME_PER_MINUTE = 1_000_000;
/** Average trade size in quote units, to derive a plausible number of trades. */
const AVERAGE_TRADE_QUOTE_SIZE = 500;

/**
 * Synthetic candles from a seeded geometric random walk. Each candle opens at the previous close, has
 * low <= open, close <= high, volume that grows with the size of the move, trade counts and taker-buy volumes that
 * never exceed the totals, and close_time = next open time - 1, as Binance's do. Same options → same candles.
 */
export function generateCandles(options: GenerateCandlesOptions): FakeCandle[] {
  const { symbol, interval, start, count, seed } = options;
  if (!isKlineInterval(interval)) throw new Error(`unknown Binance interval "${interval}"`);
  if (!isOnIntervalGrid(interval, start)) throw new Error(`start ${start} is not on the ${interval} grid`);
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`count must be a non-negative integer`);

  const random = seededRandom((seed ^ hashString(symbol)) >>> 0);
  const intervalMs = fixedIntervalMs(interval) ?? 30 * DAY_MS;
  const volatility = (options.dailyVolatility ?? 0.03) * Math.sqrt(intervalMs / DAY_MS);
  const quoteVolumePerCandle = QUOTE_VOLUME_PER_MINUTE * (intervalMs / 60_000);
  const priceScale = 10 ** PRICE_DECIMALS;
  const volumeScale = 10 ** VOLUME_DECIMALS;
  const minimumTicks = 1;

  let openTicks = Math.max(
    minimumTicks,
    Math.round((options.startPrice ?? (symbol.startsWith('BTC') ? 30_000 : 100)) * priceScale),
  );
  let openTime = start;
  const candles: FakeCandle[] = new Array<FakeCandle>(count);
  for (let index = 0; index < count; index++) {
    const logReturn = volatility * gaussian(random);
    const closeTicks = Math.max(minimumTicks, Math.round(openTicks * Math.exp(logReturn)));
    const top = Math.max(openTicks, closeTicks);
    const bottom = Math.min(openTicks, closeTicks);
    const highTicks = Math.round(top * (1 + Math.abs(gaussian(random)) * volatility * 0.5));
    const lowTicks = Math.max(minimumTicks, Math.round(bottom * (1 - Math.abs(gaussian(random)) * volatility * 0.5)));
    const typicalTicks = Math.round((highTicks + lowTicks + closeTicks) / 3);

    // Busier candles move more: volume scales with a lognormal factor and with the size of the move.
    const activity = Math.exp(0.5 * gaussian(random)) * (0.5 + Math.abs(logReturn) / volatility);
    const baseVolume = (quoteVolumePerCandle * activity) / (typicalTicks / priceScale);
    const volumeUnits = Math.round(baseVolume * volumeScale);
    const takerBaseUnits = Math.floor(volumeUnits * (0.35 + 0.3 * random()));
    // Quote volume ≈ volume × typical price, to the cent; the taker share of it is the taker share of the volume.
    const quoteCents = Math.round((volumeUnits / volumeScale) * typicalTicks);
    const takerQuoteCents = volumeUnits === 0 ? 0 : Math.floor((quoteCents * takerBaseUnits) / volumeUnits);
    const trades = volumeUnits === 0 ? 0 : Math.max(1, Math.round(quoteCents / 100 / AVERAGE_TRADE_QUOTE_SIZE));

    const nextOpen = nextOpenTime(interval, openTime);
    candles[index] = {
      openTime,
      open: fromIntegerUnits(openTicks, PRICE_DECIMALS),
      high: fromIntegerUnits(highTicks, PRICE_DECIMALS),
      low: fromIntegerUnits(lowTicks, PRICE_DECIMALS),
      close: fromIntegerUnits(closeTicks, PRICE_DECIMALS),
      volume: fromIntegerUnits(volumeUnits, VOLUME_DECIMALS),
      closeTime: nextOpen - 1,
      quoteAssetVolume: fromIntegerUnits(quoteCents, QUOTE_DECIMALS),
      numberOfTrades: trades,
      takerBuyBaseVolume: fromIntegerUnits(takerBaseUnits, VOLUME_DECIMALS),
      takerBuyQuoteVolume: fromIntegerUnits(takerQuoteCents, QUOTE_DECIMALS),
    };
    openTicks = closeTicks;
    openTime = nextOpen;
  }
  return candles;
}
