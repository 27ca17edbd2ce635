import { ModelCandle } from './model-candle';
import { createRandom } from './random';

export interface SyntheticCandleOptions {
  count: number;
  seed: number;
  intervalMs: number;
  startOpenTime: number;
  startPrice?: number;
  /** Standard deviation of each candle's log return. Default 0.006. */
  volatility?: number;
  /** Expected log return of the candle opening at this time (default 0: a pure random walk). */
  drift?: (openTime: number) => number;
  /** Candle indexes before which `gapCandles` intervals are skipped (to simulate exchange outages). */
  gapsBefore?: readonly number[];
  gapCandles?: number;
}

/**
 * Seeded synthetic candles: a geometric random walk (Gaussian log returns via Box-Muller) with
 * plausible high/low/volume/taker fields. Without `drift` nothing in the past predicts the future.
 */
export function generateSyntheticCandles(options: SyntheticCandleOptions): ModelCandle[] {
  const random = createRandom(options.seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const volatility = options.volatility ?? 0.006;
  const gaps = new Set(options.gapsBefore ?? []);
  const candles: ModelCandle[] = [];
  let openTime = options.startOpenTime;
  let price = options.startPrice ?? 30_000;
  for (let i = 0; i < options.count; i++) {
    if (gaps.has(i)) openTime += (options.gapCandles ?? 2) * options.intervalMs;
    const open = price;
    const close = open * Math.exp((options.drift?.(openTime) ?? 0) + volatility * gaussian());
    const high = Math.max(open, close) * (1 + Math.abs(gaussian()) * volatility * 0.5);
    const low = Math.min(open, close) * (1 - Math.abs(gaussian()) * volatility * 0.5);
    const volume = 500 * Math.exp(0.4 * gaussian());
    const takerShare = Math.min(0.95, Math.max(0.05, 0.5 + 0.08 * gaussian()));
    const trades = Math.round(volume * 40 * Math.exp(0.2 * gaussian()));
    candles.push({
      openTime,
      open,
      high,
      low,
      close,
      volume,
      quoteAssetVolume: volume * (open + close) / 2,
      trades,
      takerBuyBaseVolume: volume * takerShare,
      takerBuyQuoteVolume: volume * takerShare * (open + close) / 2,
    });
    price = close;
    openTime += options.intervalMs;
  }
  return candles;
}
