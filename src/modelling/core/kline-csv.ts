import { ModelCandle } from './model-candle';

const EXPECTED_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_volume,taker_buy_quote_volume';

/**
 * Parses Binance kline CSV text with the header above (times in ms) into candles, optionally keeping
 * only open times in [fromOpenTime, toOpenTime]. Used by the bench and offline evaluations.
 */
export function parseKlineCsv(text: string, range: { fromOpenTime?: number; toOpenTime?: number } = {}): ModelCandle[] {
  const lines = text.split(/\r?\n/);
  if (lines[0].trim() !== EXPECTED_HEADER) throw new RangeError(`unexpected kline CSV header: ${lines[0]}`);
  const from = range.fromOpenTime ?? -Infinity;
  const to = range.toOpenTime ?? Infinity;
  const candles: ModelCandle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const fields = line.split(',').map(Number);
    if (fields.length !== 11 || fields.some((value) => !Number.isFinite(value))) throw new RangeError(`bad kline CSV line ${i + 1}: ${line}`);
    const openTime = fields[0];
    if (openTime < from || openTime > to) continue;
    candles.push({
      openTime,
      open: fields[1],
      high: fields[2],
      low: fields[3],
      close: fields[4],
      volume: fields[5],
      quoteAssetVolume: fields[7],
      trades: fields[8],
      takerBuyBaseVolume: fields[9],
      takerBuyQuoteVolume: fields[10],
    });
  }
  return candles;
}
