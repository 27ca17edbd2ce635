import { type Fill, formatUnits, type OrderIntent, parseUnits, type SymbolRules, unitsToNumber } from '../core';
import type { ExchangeOrder } from './spot-exchange.client';

const QUOTE_ASSETS = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'DAI', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY', 'BRL'];

/** "BTCUSDT" → { base: "BTC", quote: "USDT" } by the longest known quote suffix. */
export function assetsOf(symbol: string): { base: string; quote: string } {
  const quote = QUOTE_ASSETS.filter((candidate) => symbol.endsWith(candidate) && symbol.length > candidate.length).sort((a, b) => b.length - a.length)[0];
  if (quote === undefined) throw new Error(`cannot tell the quote asset of ${symbol}`);
  return { base: symbol.slice(0, symbol.length - quote.length), quote };
}

/**
 * A FILLED exchange order as the strategy core's Fill, so applyFill books it like a simulated one. Money is kept
 * exact to what the account paid or received:
 * - price = average fill price (cummulativeQuoteQty / executedQty); fee = the commission valued in the quote asset
 *   (a base-asset commission at the fill price; any other asset, e.g. BNB, is not valued: 0);
 * - BUY: Binance takes a base-asset commission from the bought quantity, so the position is executedQty minus that
 *   commission, rounded down to the lot step (the dust stays on the account, unused); notional = position × price and
 *   fee = quote spent − notional, so cash goes down by exactly the quote spent;
 * - SELL: the executed quantity (the whole position); cash goes up by the quote received minus the commission.
 */
export function fillFromExchange(order: ExchangeOrder, intent: OrderIntent, rules: SymbolRules): Fill {
  const { base, quote } = assetsOf(order.symbol);
  const executedUnits = parseUnits(order.executedQty);
  const quoteSpent = Number(order.cummulativeQuoteQty);
  const price = quoteSpent / unitsToNumber(executedUnits);
  let baseCommissionUnits = 0n;
  let quoteFee = 0;
  for (const fill of order.fills) {
    if (fill.commissionAsset === base) {
      baseCommissionUnits += parseUnits(fill.commission);
      quoteFee += Number(fill.commission) * Number(fill.price);
    } else if (fill.commissionAsset === quote) {
      quoteFee += Number(fill.commission);
    }
  }
  let units = executedUnits;
  let notional = quoteSpent;
  let fee = quoteFee;
  if (order.side === 'BUY') {
    const net = executedUnits - baseCommissionUnits;
    units = rules.stepUnits > 0n ? (net / rules.stepUnits) * rules.stepUnits : net;
    notional = unitsToNumber(units) * price;
    fee = quoteSpent - notional;
  }
  return {
    symbol: order.symbol,
    side: order.side,
    reason: intent.reason,
    decidedAt: intent.decidedAt,
    time: order.time,
    referencePrice: price,
    price,
    quantityUnits: units,
    quantity: formatUnits(units),
    quantityNumber: unitsToNumber(units),
    notional,
    fee,
  };
}
