import { fillMarketOrder, isFill } from './fill-model';
import { defaultSymbolRules, symbolRulesFromFilters } from './symbol-rules';
import type { Fill, OrderIntent, Rejection } from './types';

const BTC = defaultSymbolRules('BTCUSDT');
const COSTS = { feeRate: 0.001, slippageBps: 5 };

const buy = (quoteBudget: number): OrderIntent => ({ symbol: 'BTCUSDT', side: 'BUY', reason: 'signal', decidedAt: 0, quoteBudget, quantityUnits: 0n });
const sell = (quantityUnits: bigint): OrderIntent => ({ symbol: 'BTCUSDT', side: 'SELL', reason: 'signal', decidedAt: 0, quoteBudget: 0, quantityUnits });

function filled(result: Fill | Rejection): Fill {
  if (!isFill(result)) throw new Error(`rejected: ${result.message}`);
  return result;
}

describe('fillMarketOrder', () => {
  it('buys the largest lot-step quantity the budget pays for, with slippage and fee (hand-computed)', () => {
    // price = 100 × 1.0005 = 100.05; per unit with fee 100.05 × 1.001 = 100.15005; 1000 / 100.15005 = 9.985017…
    const fill = filled(fillMarketOrder(buy(1000), 100, 3_600_000, BTC, COSTS));
    expect(fill.price).toBeCloseTo(100.05, 12);
    expect(fill.referencePrice).toBe(100);
    expect(fill.quantity).toBe('9.98501000');
    expect(fill.quantityUnits).toBe(998_501_000n);
    expect(fill.notional).toBeCloseTo(9.98501 * 100.05, 9); // 999.0002505
    expect(fill.fee).toBeCloseTo(0.9990002505, 9);
    expect(fill.notional + fill.fee).toBeLessThanOrEqual(1000);
    // One more step would overspend.
    expect((9.98501 + 0.00001) * 100.15005).toBeGreaterThan(1000);
    expect(fill.time).toBe(3_600_000);
  });

  it('sells the exact quantity at open × (1 − slippage), fee on the proceeds', () => {
    const fill = filled(fillMarketOrder(sell(998_501_000n), 110, 7_200_000, BTC, COSTS));
    expect(fill.price).toBeCloseTo(109.945, 12);
    expect(fill.quantity).toBe('9.98501000');
    expect(fill.notional).toBeCloseTo(9.98501 * 109.945, 9);
    expect(fill.fee).toBeCloseTo(9.98501 * 109.945 * 0.001, 9);
  });

  it('charges nothing extra with zero costs', () => {
    const fill = filled(fillMarketOrder(buy(1000), 100, 0, BTC, { feeRate: 0, slippageBps: 0 }));
    expect(fill.price).toBe(100);
    expect(fill.quantity).toBe('10.00000000');
    expect(fill.fee).toBe(0);
  });

  it('refuses orders under the minimum notional, the minimum quantity, or without one whole step', () => {
    const small = fillMarketOrder(buy(4), 100, 0, BTC, COSTS) as Rejection;
    expect(small).toMatchObject({ code: 'below_min_notional', side: 'BUY' });
    expect(small.message).toMatch(/minimum notional 5/);
    expect(fillMarketOrder(buy(5), 1_000_000, 0, BTC, COSTS)).toMatchObject({ code: 'zero_quantity' });
    const coarse = symbolRulesFromFilters('BTCUSDT', [
      { filterType: 'LOT_SIZE', minQty: '0.00100000', maxQty: '9000.00000000', stepSize: '0.00001000' },
      { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true },
    ]);
    // 0.0005 BTC at 20 000 is worth 10 (> 5) but below minQty 0.001.
    expect(fillMarketOrder(buy(10.05 * 1.0005 * 1.001), 20_000, 0, coarse, COSTS)).toMatchObject({ code: 'below_min_qty' });
    // A position that fell under the minimum notional cannot be sold.
    expect(fillMarketOrder(sell(10_000n), 100, 0, BTC, COSTS)).toMatchObject({ code: 'below_min_notional', side: 'SELL' });
  });

  it('caps market buys at MARKET_LOT_SIZE maxQty and an applied maxNotional', () => {
    const fill = filled(fillMarketOrder(buy(1e9), 100, 0, BTC, COSTS));
    expect(fill.quantity).toBe('97.92836000'); // 97.9283642 floored to the 0.00001 step
    const capped = symbolRulesFromFilters('X', [
      { filterType: 'LOT_SIZE', minQty: '0.01000000', maxQty: '0', stepSize: '0.01000000' },
      { filterType: 'NOTIONAL', minNotional: '1', applyMinToMarket: true, maxNotional: '500', applyMaxToMarket: true },
    ]);
    const limited = filled(fillMarketOrder({ ...buy(1e6), symbol: 'X' }, 100, 0, capped, { feeRate: 0, slippageBps: 0 }));
    expect(limited.quantity).toBe('5.00000000');
  });
});
