import { floorToStep, formatUnits, parseUnits, unitsToNumber } from './quantity';
import { BTCUSDT_FILTERS } from '../../../test/fake-binance/exchange-info';
import { defaultSymbolRules, symbolRulesFromFilters } from './symbol-rules';

describe('exact quantities', () => {
  it('reads and writes Binance eight-decimal quantities without floats', () => {
    expect(parseUnits('0.00001000')).toBe(1000n);
    expect(parseUnits('97.92836420')).toBe(9_792_836_420n);
    expect(parseUnits('5')).toBe(500_000_000n);
    expect(parseUnits('0.1')).toBe(10_000_000n);
    expect(parseUnits('1.123456780000')).toBe(112_345_678n);
    expect(formatUnits(1000n)).toBe('0.00001000');
    expect(formatUnits(9_792_836_420n)).toBe('97.92836420');
    expect(formatUnits(0n)).toBe('0.00000000');
    expect(unitsToNumber(998_501_000n)).toBe(9.98501);
  });

  it('refuses what is not a plain decimal with at most eight decimals', () => {
    for (const bad of ['-1', '1e-5', 'abc', '', '0.000000001', '1.2.3']) expect(() => parseUnits(bad)).toThrow(RangeError);
  });

  it('floors to the lot step, never up', () => {
    expect(floorToStep(9.985017470, 1000n)).toBe(998_501_000n);
    expect(floorToStep(0.000019999, 1000n)).toBe(1000n);
    expect(floorToStep(0.0000099, 1000n)).toBe(0n);
    expect(floorToStep(0, 1000n)).toBe(0n);
    expect(floorToStep(-1, 1000n)).toBe(0n);
    expect(floorToStep(Number.NaN, 1000n)).toBe(0n);
    expect(floorToStep(1.23456789, 0n)).toBe(123_456_789n);
  });

  it('does not lose a step to binary floating point (0.29 is 0.28999999999999998 as a double)', () => {
    expect(0.29 * 1e8).toBeLessThan(29_000_000);
    expect(floorToStep(0.29, 1000n)).toBe(29_000_000n);
    expect(floorToStep(0.3 - 0.01, 1000n)).toBe(29_000_000n);
  });
});

describe('symbol rules from exchangeInfo filters', () => {
  it("reads BTCUSDT's live filters (as the fake Binance serves them)", () => {
    const rules = symbolRulesFromFilters('BTCUSDT', BTCUSDT_FILTERS);
    expect(rules).toEqual({
      symbol: 'BTCUSDT',
      stepUnits: 1000n,
      minQtyUnits: 1000n,
      // MARKET_LOT_SIZE maxQty 97.9283642 is tighter than LOT_SIZE maxQty 9000 for market orders.
      maxQtyUnits: 9_792_836_420n,
      minNotional: 5,
      // applyMaxToMarket: false → no maximum for market orders.
      maxNotional: Number.POSITIVE_INFINITY,
    });
    expect(defaultSymbolRules('BTCUSDT')).toEqual(rules);
  });

  it('reads the older MIN_NOTIONAL filter and honours applyToMarket / applyMaxToMarket', () => {
    const legacy = symbolRulesFromFilters('XUSDT', [
      { filterType: 'LOT_SIZE', minQty: '0.01000000', maxQty: '100.00000000', stepSize: '0.01000000' },
      { filterType: 'MIN_NOTIONAL', minNotional: '10.00000000', applyToMarket: true },
    ]);
    expect(legacy).toMatchObject({ stepUnits: 1_000_000n, minQtyUnits: 1_000_000n, maxQtyUnits: 10_000_000_000n, minNotional: 10 });
    expect(symbolRulesFromFilters('X', [{ filterType: 'MIN_NOTIONAL', minNotional: '10', applyToMarket: false }]).minNotional).toBe(0);
    expect(
      symbolRulesFromFilters('X', [{ filterType: 'NOTIONAL', minNotional: '1', applyMinToMarket: true, maxNotional: '1000', applyMaxToMarket: true }]),
    ).toMatchObject({ minNotional: 1, maxNotional: 1000, stepUnits: 0n, maxQtyUnits: 0n });
  });

  it('gives unknown symbols the smallest step and a 5-unit minimum order value', () => {
    expect(defaultSymbolRules('FOOUSDT')).toMatchObject({ stepUnits: 1n, minQtyUnits: 1n, maxQtyUnits: 0n, minNotional: 5 });
  });
});
