import { binanceErrors, SYMBOLS_ARRAY_PATTERN } from './binance-errors';
import { RequestParameters } from './request-parameters';

export interface ListedSymbol {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  filters?: ReadonlyArray<Record<string, unknown>>;
}

/** Filters of BTCUSDT as the live exchangeInfo showed them in 2024–2025 (tick 0.01, lot step 0.00001, notional 5). */
export const BTCUSDT_FILTERS: ReadonlyArray<Record<string, unknown>> = [
  { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
  { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
  { filterType: 'ICEBERG_PARTS', limit: 10 },
  { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '97.92836420', stepSize: '0.00000000' },
  {
    filterType: 'TRAILING_DELTA',
    minTrailingAboveDelta: 10,
    maxTrailingAboveDelta: 2000,
    minTrailingBelowDelta: 10,
    maxTrailingBelowDelta: 2000,
  },
  {
    filterType: 'PERCENT_PRICE_BY_SIDE',
    bidMultiplierUp: '5',
    bidMultiplierDown: '0.2',
    askMultiplierUp: '5',
    askMultiplierDown: '0.2',
    avgPriceMins: 5,
  },
  {
    filterType: 'NOTIONAL',
    minNotional: '5.00000000',
    applyMinToMarket: true,
    maxNotional: '9000000.00000000',
    applyMaxToMarket: false,
    avgPriceMins: 5,
  },
  { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
  { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
];

const KNOWN_QUOTE_ASSETS = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'DAI', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY', 'BRL'];

/** "BTCUSDT" → { baseAsset: "BTC", quoteAsset: "USDT" }, by the longest known quote-asset suffix. */
export function splitSymbol(symbol: string): { baseAsset: string; quoteAsset: string } {
  const quoteAsset = KNOWN_QUOTE_ASSETS.filter((quote) => symbol.endsWith(quote) && symbol.length > quote.length).sort(
    (a, b) => b.length - a.length,
  )[0];
  if (quoteAsset === undefined) {
    throw new Error(`cannot tell the quote asset of ${symbol}; pass baseAsset and quoteAsset for this market`);
  }
  return { baseAsset: symbol.slice(0, symbol.length - quoteAsset.length), quoteAsset };
}

export interface ExchangeInfoContext {
  now: number;
  weightLimitPerMinute: number;
  symbols: ReadonlyArray<ListedSymbol>;
}

/** GET /api/v3/exchangeInfo with its symbol / symbols / permissions / showPermissionSets / symbolStatus options. */
export function handleExchangeInfo(parameters: RequestParameters, context: ExchangeInfoContext): string {
  const symbol = parameters.optional('symbol') === undefined ? undefined : parameters.mandatorySymbol();
  const symbolsText = parameters.optional('symbols');
  const permissions = parameters.optional('permissions');
  const symbolStatus = parameters.optional('symbolStatus');
  const showPermissionSets = parameters.optional('showPermissionSets');
  parameters.assertAllRead();

  const selectors = [symbol, symbolsText, permissions, symbolStatus].filter((value) => value !== undefined);
  if (selectors.length > 1) throw binanceErrors.invalidParameterCombination();
  if (showPermissionSets !== undefined && showPermissionSets !== 'true' && showPermissionSets !== 'false') {
    throw binanceErrors.invalidParameterValue('showPermissionSets');
  }

  let listed: ReadonlyArray<ListedSymbol> = context.symbols;
  if (symbol !== undefined) listed = selectSymbols([symbol], context.symbols);
  if (symbolsText !== undefined) listed = selectSymbols(parseSymbolsArray(symbolsText), context.symbols);
  if (symbolStatus !== undefined) {
    if (!['TRADING', 'HALT', 'BREAK'].includes(symbolStatus)) throw binanceErrors.invalidParameterValue('symbolStatus');
    // Every fake market is TRADING.
    listed = symbolStatus === 'TRADING' ? listed : [];
  }

  return JSON.stringify({
    timezone: 'UTC',
    serverTime: context.now,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: context.weightLimitPerMinute },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: listed.map((entry) => describeSymbol(entry, showPermissionSets !== 'false')),
  });
}

function parseSymbolsArray(text: string): string[] {
  if (!new RegExp(SYMBOLS_ARRAY_PATTERN).test(text)) {
    throw binanceErrors.illegalCharacters('symbols', SYMBOLS_ARRAY_PATTERN);
  }
  return JSON.parse(text) as string[];
}

function selectSymbols(names: readonly string[], all: ReadonlyArray<ListedSymbol>): ListedSymbol[] {
  return names.map((name) => {
    const found = all.find((entry) => entry.symbol === name);
    if (found === undefined) throw binanceErrors.invalidSymbol();
    return found;
  });
}

function describeSymbol(entry: ListedSymbol, showPermissionSets: boolean): Record<string, unknown> {
  return {
    symbol: entry.symbol,
    status: 'TRADING',
    baseAsset: entry.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: entry.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: entry.filters ?? BTCUSDT_FILTERS,
    permissions: [],
    permissionSets: showPermissionSets ? [['SPOT', 'MARGIN']] : [],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}
