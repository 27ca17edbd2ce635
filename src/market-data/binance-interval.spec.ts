import {
  BINANCE_INTERVALS,
  type BinanceInterval,
  expectedCloseTime,
  fixedIntervalMs,
  isBinanceInterval,
  isOnIntervalGrid,
  nextOpenTime,
} from './binance-interval';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// The fixed lengths, written out by hand from Binance's interval names.
const LENGTHS: [Exclude<BinanceInterval, '1M'>, number][] = [
  ['1s', SECOND],
  ['1m', MINUTE],
  ['3m', 3 * MINUTE],
  ['5m', 5 * MINUTE],
  ['15m', 15 * MINUTE],
  ['30m', 30 * MINUTE],
  ['1h', HOUR],
  ['2h', 2 * HOUR],
  ['4h', 4 * HOUR],
  ['6h', 6 * HOUR],
  ['8h', 8 * HOUR],
  ['12h', 12 * HOUR],
  ['1d', DAY],
  ['3d', 3 * DAY],
  ['1w', WEEK],
];

describe('Binance intervals', () => {
  it("lists exactly the spot API's kline intervals", () => {
    expect([...BINANCE_INTERVALS].sort()).toEqual(
      ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'].sort(),
    );
  });

  it.each(BINANCE_INTERVALS.map((i) => [i]))('recognises %p', (interval) => {
    expect(isBinanceInterval(interval)).toBe(true);
  });

  it.each(['1mo', '1H', '1D', '1W', '2d', '10m', '1y', '', ' 1h', '1h ', 'h1', 'constructor', 'toString'])(
    'does not recognise %p',
    (value) => {
      expect(isBinanceInterval(value)).toBe(false);
    },
  );

  it("tells '1m' (minute) from '1M' (month)", () => {
    expect(fixedIntervalMs('1m')).toBe(MINUTE);
    expect(fixedIntervalMs('1M')).toBeNull();
  });
});

describe('fixedIntervalMs', () => {
  it.each(LENGTHS)('%s lasts %d ms', (interval, ms) => {
    expect(fixedIntervalMs(interval)).toBe(ms);
  });

  it('covers every interval but the month', () => {
    expect(LENGTHS.map(([i]) => i).sort()).toEqual(BINANCE_INTERVALS.filter((i) => i !== '1M').sort());
  });
});

describe('nextOpenTime', () => {
  const base = Date.UTC(2024, 0, 1); // Monday 2024-01-01 00:00 UTC

  it.each(LENGTHS)('adds the length of %s', (interval, ms) => {
    expect(nextOpenTime(interval, base)).toBe(base + ms);
  });

  it.each([
    ['January → February', Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1)],
    ['a leap February (29 days)', Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)],
    ['a common February (28 days)', Date.UTC(2023, 1, 1), Date.UTC(2023, 2, 1)],
    ['a 30-day month', Date.UTC(2024, 3, 1), Date.UTC(2024, 4, 1)],
    ['December → January of the next year', Date.UTC(2023, 11, 1), Date.UTC(2024, 0, 1)],
  ])('moves 1M to the first of the next month: %s', (_label, open, next) => {
    expect(nextOpenTime('1M', open)).toBe(next);
  });

  it('gives 1M the calendar length of the month, not a fixed 30 days', () => {
    expect(nextOpenTime('1M', Date.UTC(2024, 1, 1)) - Date.UTC(2024, 1, 1)).toBe(29 * DAY);
    expect(nextOpenTime('1M', Date.UTC(2023, 1, 1)) - Date.UTC(2023, 1, 1)).toBe(28 * DAY);
    expect(nextOpenTime('1M', Date.UTC(2024, 0, 1)) - Date.UTC(2024, 0, 1)).toBe(31 * DAY);
  });
});

describe('expectedCloseTime', () => {
  it('is the last millisecond before the next candle (Binance: open 1499040000000, close 1499644799999 for 1w)', () => {
    // The example kline in Binance's API documentation.
    expect(expectedCloseTime('1w', 1499040000000)).toBe(1499644799999);
  });

  it.each(LENGTHS)('for %s is open + length - 1', (interval, ms) => {
    const open = Date.UTC(2024, 0, 1);
    expect(expectedCloseTime(interval, open)).toBe(open + ms - 1);
  });

  it('for 1M is the last millisecond of the calendar month', () => {
    expect(expectedCloseTime('1M', Date.UTC(2024, 1, 1))).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(expectedCloseTime('1M', Date.UTC(2023, 1, 1))).toBe(Date.UTC(2023, 1, 28, 23, 59, 59, 999));
    expect(expectedCloseTime('1M', Date.UTC(2024, 11, 1))).toBe(Date.UTC(2024, 11, 31, 23, 59, 59, 999));
  });
});

describe('isOnIntervalGrid', () => {
  it.each([
    ['1s', Date.UTC(2024, 4, 5, 6, 7, 8), true],
    ['1s', Date.UTC(2024, 4, 5, 6, 7, 8, 1), false],
    ['1m', Date.UTC(2024, 4, 5, 6, 7), true],
    ['1m', Date.UTC(2024, 4, 5, 6, 7, 30), false],
    ['3m', Date.UTC(2024, 4, 5, 6, 9), true],
    ['3m', Date.UTC(2024, 4, 5, 6, 10), false],
    ['5m', Date.UTC(2024, 4, 5, 6, 55), true],
    ['5m', Date.UTC(2024, 4, 5, 6, 56), false],
    ['15m', Date.UTC(2024, 4, 5, 6, 45), true],
    ['15m', Date.UTC(2024, 4, 5, 6, 50), false],
    ['30m', Date.UTC(2024, 4, 5, 6, 30), true],
    ['30m', Date.UTC(2024, 4, 5, 6, 15), false],
    ['1h', Date.UTC(2024, 4, 5, 6), true],
    ['1h', Date.UTC(2024, 4, 5, 6, 1), false],
    ['2h', Date.UTC(2024, 4, 5, 6), true],
    ['2h', Date.UTC(2024, 4, 5, 7), false],
    ['4h', Date.UTC(2024, 4, 5, 20), true],
    ['4h', Date.UTC(2024, 4, 5, 6), false],
    ['6h', Date.UTC(2024, 4, 5, 18), true],
    ['6h', Date.UTC(2024, 4, 5, 8), false],
    ['8h', Date.UTC(2024, 4, 5, 16), true],
    ['8h', Date.UTC(2024, 4, 5, 12), false],
    ['12h', Date.UTC(2024, 4, 5, 12), true],
    ['12h', Date.UTC(2024, 4, 5, 6), false],
    ['1d', Date.UTC(2024, 4, 5), true],
    ['1d', Date.UTC(2024, 4, 5, 1), false],
  ] as const)('%s at %d → %p', (interval, openTime, expected) => {
    expect(isOnIntervalGrid(interval, openTime)).toBe(expected);
  });

  it('aligns 3d to the UTC epoch grid, as the module documents', () => {
    expect(isOnIntervalGrid('3d', 0)).toBe(true);
    expect(isOnIntervalGrid('3d', Date.UTC(1970, 0, 4))).toBe(true);
    expect(isOnIntervalGrid('3d', Date.UTC(1970, 0, 2))).toBe(false);
    // 2024-01-01 is day 19723 since the epoch, so 2023-12-31 is day 19722 = 3 * 6574 and 2024-01-03 is 3 * 6575.
    expect(isOnIntervalGrid('3d', Date.UTC(2023, 11, 31))).toBe(true);
    expect(isOnIntervalGrid('3d', Date.UTC(2024, 0, 1))).toBe(false);
    expect(isOnIntervalGrid('3d', Date.UTC(2024, 0, 3))).toBe(true);
  });

  it('starts weeks on Monday, not on the epoch (a Thursday)', () => {
    expect(new Date(Date.UTC(2024, 0, 1)).getUTCDay()).toBe(1); // the premise: a Monday
    expect(isOnIntervalGrid('1w', Date.UTC(2024, 0, 1))).toBe(true);
    expect(isOnIntervalGrid('1w', Date.UTC(2024, 0, 8))).toBe(true);
    expect(isOnIntervalGrid('1w', Date.UTC(1970, 0, 5))).toBe(true);
    expect(isOnIntervalGrid('1w', 0)).toBe(false);
    for (let day = 2; day <= 7; day++) expect([day, isOnIntervalGrid('1w', Date.UTC(2024, 0, day))]).toEqual([day, false]);
    expect(isOnIntervalGrid('1w', Date.UTC(2024, 0, 1, 0, 0, 0, 1))).toBe(false);
    expect(isOnIntervalGrid('1w', 1499040000000)).toBe(true); // Binance's documented example, a Monday
  });

  it('keeps Monday alignment for weeks before 1970-01-05', () => {
    expect(isOnIntervalGrid('1w', Date.UTC(1969, 11, 29))).toBe(true);
    expect(isOnIntervalGrid('1w', Date.UTC(1969, 11, 30))).toBe(false);
  });

  it('starts months on the 1st at 00:00 UTC', () => {
    for (let month = 0; month < 12; month++) {
      expect([month, isOnIntervalGrid('1M', Date.UTC(2024, month, 1))]).toEqual([month, true]);
    }
    expect(isOnIntervalGrid('1M', Date.UTC(2024, 0, 2))).toBe(false);
    expect(isOnIntervalGrid('1M', Date.UTC(2024, 0, 1, 0, 0, 0, 1))).toBe(false);
    expect(isOnIntervalGrid('1M', Date.UTC(2024, 0, 31))).toBe(false);
    // 30 days after 2024-02-01 is 2024-03-02: a fixed 30-day grid would be wrong.
    expect(isOnIntervalGrid('1M', Date.UTC(2024, 1, 1) + 30 * DAY)).toBe(false);
  });

  it('puts every next open time of a fixed interval back on the grid', () => {
    for (const [interval] of LENGTHS) {
      // 2024-01-01 is a Monday but not on the 3d grid (see above); 2023-12-31 is.
      let open = interval === '3d' ? Date.UTC(2023, 11, 31) : Date.UTC(2024, 0, 1);
      expect([interval, isOnIntervalGrid(interval, open)]).toEqual([interval, true]);
      for (let i = 0; i < 5; i++) {
        open = nextOpenTime(interval, open);
        expect([interval, isOnIntervalGrid(interval, open)]).toEqual([interval, true]);
      }
    }
  });
});
