import { compareBinanceDecimals, DECIMAL_SCALE, isZeroDecimal, toBinanceDecimal } from './decimal';

/** Independent oracle: a canonical decimal as an integer count of 1e-8 units. */
function units(canonical: string): bigint {
  const [integer, fraction] = canonical.split('.');
  return BigInt(integer) * 100_000_000n + BigInt(fraction);
}

describe('toBinanceDecimal', () => {
  it('uses the eight decimals Binance writes', () => {
    expect(DECIMAL_SCALE).toBe(8);
  });

  it.each([
    ['46216.93', '46216.93000000'],
    ['46216.93000000', '46216.93000000'],
    ['1', '1.00000000'],
    ['0', '0.00000000'],
    ['0.00000001', '0.00000001'],
    ['0.1', '0.10000000'],
    ['007.50', '7.50000000'],
    ['000', '0.00000000'],
    ['0000.00000000', '0.00000000'],
  ])('reads %p as %p', (text, canonical) => {
    expect(toBinanceDecimal(text)).toBe(canonical);
  });

  it('never goes through floating point, so large values keep every digit', () => {
    // 2^53 + 1 and twenty-eight integer digits: a double cannot hold either exactly.
    expect(toBinanceDecimal('9007199254740993.00000001')).toBe('9007199254740993.00000001');
    const big = '1234567890123456789012345678';
    expect(toBinanceDecimal(`${big}.99999999`)).toBe(`${big}.99999999`);
  });

  it('accepts at most 28 integer digits, counted without leading zeros', () => {
    const digits28 = '9'.repeat(28);
    expect(toBinanceDecimal(digits28)).toBe(`${digits28}.00000000`);
    expect(toBinanceDecimal(`000${digits28}`)).toBe(`${digits28}.00000000`);
    expect(toBinanceDecimal(`1${digits28}`)).toBeNull();
  });

  it('rejects a ninth significant decimal instead of rounding it away', () => {
    expect(toBinanceDecimal('0.123456789')).toBeNull();
    expect(toBinanceDecimal('0.000000005')).toBeNull();
    expect(toBinanceDecimal('1.000000001')).toBeNull();
  });

  it('drops zeros past the eighth decimal, which do not change the value', () => {
    expect(toBinanceDecimal('0.123456780')).toBe('0.12345678');
    expect(toBinanceDecimal('5.0000000000000')).toBe('5.00000000');
  });

  it.each([
    ['negative', '-1'],
    ['negative zero', '-0.00000000'],
    ['explicit plus sign', '+1'],
    ['no integer digit', '.5'],
    ['exponent notation', '1e-8'],
    ['upper-case exponent', '1.5E+3'],
    ['hex', '0x10'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['empty', ''],
    ['only a point', '.'],
    ['two points', '1.2.3'],
    ['decimal comma', '1,5'],
    ['thousands separator', '1,000.5'],
    ['surrounding spaces', ' 1.5 '],
    ['letters after the number', '1.5abc'],
    ['underscore separator', '1_000'],
  ])('rejects %s (%p)', (_label, text) => {
    expect(toBinanceDecimal(text)).toBeNull();
  });
});

describe('compareBinanceDecimals', () => {
  it('orders by integer length first, so 9 < 10 (a plain string compare would not)', () => {
    expect('9.00000000' < '10.00000000').toBe(false);
    expect(compareBinanceDecimals('9.00000000', '10.00000000')).toBe(-1);
    expect(compareBinanceDecimals('10.00000000', '9.99999999')).toBe(1);
  });

  it('compares the fraction when the integer parts are equal', () => {
    expect(compareBinanceDecimals('1.00000001', '1.00000002')).toBe(-1);
    expect(compareBinanceDecimals('1.10000000', '1.09999999')).toBe(1);
    expect(compareBinanceDecimals('42.42000000', '42.42000000')).toBe(0);
  });

  it('agrees with exact integer arithmetic on every pair of a mixed sample', () => {
    const sample = [
      '0.00000000', '0.00000001', '0.99999999', '1.00000000', '9.99999999', '10.00000000', '99.00000000',
      '100.00000001', '46216.93000000', '46216.92999999', '1234567890123456789012345678.00000000',
      '1234567890123456789012345677.99999999',
    ];
    for (const a of sample) {
      for (const b of sample) {
        const expected = units(a) < units(b) ? -1 : units(a) > units(b) ? 1 : 0;
        expect([a, b, compareBinanceDecimals(a, b)]).toEqual([a, b, expected]);
      }
    }
  });

  it('works on what toBinanceDecimal produces from unpadded input', () => {
    const a = toBinanceDecimal('0099.5')!;
    const b = toBinanceDecimal('100')!;
    expect(compareBinanceDecimals(a, b)).toBe(-1);
    expect(compareBinanceDecimals(b, a)).toBe(1);
  });
});

describe('isZeroDecimal', () => {
  it('is true only for zero', () => {
    expect(isZeroDecimal('0.00000000')).toBe(true);
    expect(isZeroDecimal(toBinanceDecimal('000.0')!)).toBe(true);
    expect(isZeroDecimal('0.00000001')).toBe(false);
    expect(isZeroDecimal('10.00000000')).toBe(false);
    expect(isZeroDecimal('100000000.00000000')).toBe(false);
  });
});
