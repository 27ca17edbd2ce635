import { floorToStep, formatUnits, unitsToNumber } from './quantity';
import type { SymbolRules } from './symbol-rules';
import type { Fill, FillSettings, OrderIntent, Rejection, RejectionCode } from './types';

/**
 * Fills a market order at `referencePrice` (the open of the candle after the decision; see README) with slippage
 * and fee, under the symbol's LOT_SIZE / MARKET_LOT_SIZE / NOTIONAL rules.
 *
 * BUY: the largest step multiple q with q × price × (1 + fee) ≤ quoteBudget, capped at maxQty and maxNotional.
 * SELL: the intent's exact quantity. Either is refused below minQty or minNotional.
 */
export function fillMarketOrder(
  intent: OrderIntent,
  referencePrice: number,
  time: number,
  rules: SymbolRules,
  settings: FillSettings,
): Fill | Rejection {
  if (!(referencePrice > 0) || !Number.isFinite(referencePrice)) throw new RangeError(`reference price must be positive, got ${referencePrice}`);
  const slip = settings.slippageBps / 10_000;
  const buy = intent.side === 'BUY';
  const price = buy ? referencePrice * (1 + slip) : referencePrice * (1 - slip);
  let units: bigint;
  if (buy) {
    const perUnitCost = price * (1 + settings.feeRate);
    units = floorToStep(intent.quoteBudget / perUnitCost, rules.stepUnits);
    if (rules.maxQtyUnits > 0n && units > rules.maxQtyUnits) units = floorToStep(unitsToNumber(rules.maxQtyUnits), rules.stepUnits);
    if (Number.isFinite(rules.maxNotional) && unitsToNumber(units) * price > rules.maxNotional) {
      units = floorToStep(rules.maxNotional / price, rules.stepUnits);
    }
    const step = rules.stepUnits > 0n ? rules.stepUnits : 1n;
    // floorToStep's nudge may land one step over budget on an exact boundary: never spend more than the budget.
    while (units > 0n && unitsToNumber(units) * perUnitCost > intent.quoteBudget) units -= step;
  } else {
    units = intent.quantityUnits;
  }
  const quantityNumber = unitsToNumber(units);
  const notional = quantityNumber * price;
  const refuse = (code: RejectionCode, message: string): Rejection => ({
    symbol: intent.symbol,
    side: intent.side,
    reason: intent.reason,
    decidedAt: intent.decidedAt,
    time,
    code,
    message,
  });
  if (units <= 0n) return refuse('zero_quantity', `${intent.side} ${intent.symbol}: the budget buys no whole lot step at ${price}`);
  if (units < rules.minQtyUnits) {
    return refuse('below_min_qty', `${intent.side} ${intent.symbol}: quantity ${formatUnits(units)} is below LOT_SIZE minQty ${formatUnits(rules.minQtyUnits)}`);
  }
  if (notional < rules.minNotional) {
    return refuse('below_min_notional', `${intent.side} ${intent.symbol}: order value ${notional.toFixed(8)} is below the minimum notional ${rules.minNotional}`);
  }
  return {
    symbol: intent.symbol,
    side: intent.side,
    reason: intent.reason,
    decidedAt: intent.decidedAt,
    time,
    referencePrice,
    price,
    quantityUnits: units,
    quantity: formatUnits(units),
    quantityNumber,
    notional,
    fee: notional * settings.feeRate,
  };
}

export function isFill(result: Fill | Rejection): result is Fill {
  return (result as Fill).price !== undefined;
}
