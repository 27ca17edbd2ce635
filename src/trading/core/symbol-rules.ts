import { parseUnits } from './quantity';

/**
 * The exchange rules an order must pass, from Binance's exchangeInfo filters:
 * LOT_SIZE (stepSize, minQty, maxQty), MARKET_LOT_SIZE (maxQty for market orders, when non-zero) and
 * NOTIONAL (minNotional when applyMinToMarket, maxNotional when applyMaxToMarket) or the older MIN_NOTIONAL
 * (minNotional when applyToMarket). Quantities are exact 1e-8 units (see quantity.ts).
 */
export interface SymbolRules {
  symbol: string;
  /** LOT_SIZE stepSize in 1e-8 units; 0n = no step. */
  stepUnits: bigint;
  minQtyUnits: bigint;
  /** The tighter of LOT_SIZE maxQty and a non-zero MARKET_LOT_SIZE maxQty; 0n = no limit. */
  maxQtyUnits: bigint;
  /** Smallest order value in the quote asset (price × quantity); 0 = none. */
  minNotional: number;
  /** Largest order value for market orders; Infinity = none. */
  maxNotional: number;
}

type Filter = Readonly<Record<string, unknown>>;

const text = (value: unknown, fallback: string): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : fallback);

/** Rules of one exchangeInfo `symbols[]` entry (`{symbol, filters: [...]}`). Missing filters mean "no limit". */
export function symbolRulesFromFilters(symbol: string, filters: readonly Filter[]): SymbolRules {
  const byType = new Map(filters.map((filter) => [String(filter.filterType), filter]));
  const lot = byType.get('LOT_SIZE');
  const marketLot = byType.get('MARKET_LOT_SIZE');
  const notional = byType.get('NOTIONAL');
  const minNotionalFilter = byType.get('MIN_NOTIONAL');
  let maxQtyUnits = lot ? parseUnits(text(lot.maxQty, '0')) : 0n;
  const marketMax = marketLot ? parseUnits(text(marketLot.maxQty, '0')) : 0n;
  if (marketMax > 0n && (maxQtyUnits === 0n || marketMax < maxQtyUnits)) maxQtyUnits = marketMax;
  let minNotional = 0;
  let maxNotional = Number.POSITIVE_INFINITY;
  if (notional) {
    if (notional.applyMinToMarket !== false) minNotional = Number(text(notional.minNotional, '0'));
    if (notional.applyMaxToMarket === true) maxNotional = Number(text(notional.maxNotional, 'Infinity'));
  } else if (minNotionalFilter && minNotionalFilter.applyToMarket !== false) {
    minNotional = Number(text(minNotionalFilter.minNotional, '0'));
  }
  return {
    symbol,
    stepUnits: lot ? parseUnits(text(lot.stepSize, '0')) : 0n,
    minQtyUnits: lot ? parseUnits(text(lot.minQty, '0')) : 0n,
    maxQtyUnits,
    minNotional,
    maxNotional,
  };
}

/**
 * Filters as the live exchangeInfo showed them in 2024–2025 (the same values test/fake-binance serves for BTCUSDT),
 * used by backtests, which never call the exchange. Other symbols get GENERIC_FILTERS unless the caller passes rules.
 */
export const KNOWN_SYMBOL_FILTERS: Readonly<Record<string, readonly Filter[]>> = {
  BTCUSDT: [
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '97.92836420', stepSize: '0.00000000' },
    { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false },
  ],
  ETHUSDT: [
    { filterType: 'LOT_SIZE', minQty: '0.00010000', maxQty: '9000.00000000', stepSize: '0.00010000' },
    { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '3008.45532190', stepSize: '0.00000000' },
    { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false },
  ],
};

/** Smallest step Binance quotes and its usual 5-unit minimum order value: for symbols without known filters. */
export const GENERIC_FILTERS: readonly Filter[] = [
  { filterType: 'LOT_SIZE', minQty: '0.00000001', maxQty: '0.00000000', stepSize: '0.00000001' },
  { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, applyMaxToMarket: false },
];

/** Rules for backtests: known filters for the symbol, else the generic ones. */
export function defaultSymbolRules(symbol: string): SymbolRules {
  return symbolRulesFromFilters(symbol, KNOWN_SYMBOL_FILTERS[symbol] ?? GENERIC_FILTERS);
}
