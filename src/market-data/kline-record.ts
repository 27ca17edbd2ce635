import type { BinanceInterval } from './binance-interval';

/** A validated kline in canonical form: decimals as Binance's eight-decimal strings, times as epoch ms. */
export interface KlineRecord {
  symbol: string;
  interval: BinanceInterval;
  openTime: number;
  closeTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteAssetVolume: string;
  numberOfTrades: number;
  takerBuyBaseVolume: string;
  takerBuyQuoteVolume: string;
}

/** A kline as the API returns it: the seed's snake_case field names. */
export interface KlineView {
  id: number;
  symbol: string;
  interval: string;
  open_time: number;
  close_time: number;
  open_price: string;
  high_price: string;
  low_price: string;
  close_price: string;
  volume: string;
  quote_asset_volume: string;
  number_of_trades: number;
  taker_buy_base_volume: string;
  taker_buy_quote_volume: string;
  kline_open_time_parsed: string;
  kline_close_time_parsed: string;
}

export const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}$/;
