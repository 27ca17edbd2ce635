import { plainToInstance } from 'class-transformer';
import { IsOptional, validateSync, type ValidationError } from 'class-validator';
import { IsNotBefore, IsTimeParam, parseTimeParam, toIsoUtc } from './time-param';

class RangeDto {
  @IsTimeParam()
  start!: number;

  @IsTimeParam()
  @IsNotBefore('start')
  end!: number;
}

class OptionalRangeDto {
  @IsOptional()
  @IsTimeParam()
  start?: number;

  @IsOptional()
  @IsTimeParam({ message: 'end is not a time' })
  @IsNotBefore('start', { message: 'end must not be before start' })
  end?: number;
}

function check<T extends object>(type: new () => T, plain: Record<string, unknown>): { dto: T; errors: ValidationError[] } {
  const dto = plainToInstance(type, plain);
  return { dto, errors: validateSync(dto) };
}

function constraintsOf(errors: ValidationError[]): Record<string, Record<string, string>> {
  return Object.fromEntries(errors.map((e) => [e.property, e.constraints ?? {}]));
}

describe('parseTimeParam', () => {
  describe('epoch milliseconds', () => {
    it.each([
      ['1704067200000', Date.UTC(2024, 0, 1)],
      ['0', 0],
      [' 1704067200000 ', Date.UTC(2024, 0, 1)],
      ['01704067200000', Date.UTC(2024, 0, 1)],
    ])('reads the string %p', (text, ms) => {
      expect(parseTimeParam(text)).toBe(ms);
    });

    it('reads a number', () => {
      expect(parseTimeParam(Date.UTC(2024, 0, 1))).toBe(Date.UTC(2024, 0, 1));
      expect(parseTimeParam(0)).toBe(0);
    });

    it("takes bare digits as epoch ms, so '2024' is 2.024 s after the epoch, not the year 2024", () => {
      expect(parseTimeParam('2024')).toBe(2024);
      expect(parseTimeParam('20240131')).toBe(20_240_131);
    });

    it.each([
      ['negative string', '-1'],
      ['negative number', -1],
      ['fraction', '1704067200000.5'],
      ['fractional number', 1.5],
      ['exponent', '1.7e12'],
      ['microseconds (16 digits)', '1704067200000000'],
      ['beyond year 9999', '300000000000000'],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['unsafe integer', 2 ** 53],
      ['hex', '0x10'],
    ])('rejects %s', (_label, value) => {
      expect(parseTimeParam(value)).toBeNull();
    });
  });

  describe('ISO-8601', () => {
    it.each([
      ['2024-01-31T10:20:30Z', Date.UTC(2024, 0, 31, 10, 20, 30)],
      ['2024-01-31T10:20:30.5Z', Date.UTC(2024, 0, 31, 10, 20, 30, 500)],
      ['2024-01-31T10:20:30.123Z', Date.UTC(2024, 0, 31, 10, 20, 30, 123)],
      ['2024-01-31T10:20:30.123999999Z', Date.UTC(2024, 0, 31, 10, 20, 30, 123)],
      ['2024-01-31T10:20Z', Date.UTC(2024, 0, 31, 10, 20)],
      ['2024-01-31t10:20:30z', Date.UTC(2024, 0, 31, 10, 20, 30)],
      ['2024-01-31 10:20:30Z', Date.UTC(2024, 0, 31, 10, 20, 30)],
      ['2024-01-31T10:20:30+00:00', Date.UTC(2024, 0, 31, 10, 20, 30)],
      ['2024-01-31T10:20:30+02:00', Date.UTC(2024, 0, 31, 8, 20, 30)],
      ['2024-01-31T10:20:30+0530', Date.UTC(2024, 0, 31, 4, 50, 30)],
      ['2024-01-31T10:20:30-08:00', Date.UTC(2024, 0, 31, 18, 20, 30)],
      ['2024-01-31T10:20:30-0030', Date.UTC(2024, 0, 31, 10, 50, 30)],
      ['1970-01-01T00:00:00Z', 0],
    ])('reads %p', (text, ms) => {
      expect(parseTimeParam(text)).toBe(ms);
    });

    it('takes a date-time or a date without a zone as UTC', () => {
      expect(parseTimeParam('2024-01-31T10:20:30')).toBe(Date.UTC(2024, 0, 31, 10, 20, 30));
      expect(parseTimeParam('2024-01-31T10:20')).toBe(Date.UTC(2024, 0, 31, 10, 20));
      expect(parseTimeParam('2024-01-31')).toBe(Date.UTC(2024, 0, 31));
    });

    it("does not depend on the server's time zone", () => {
      const saved = process.env.TZ;
      try {
        for (const zone of ['America/New_York', 'Asia/Kolkata', 'Pacific/Kiritimati']) {
          process.env.TZ = zone;
          expect([zone, parseTimeParam('2024-07-01T12:00:00')]).toEqual([zone, Date.UTC(2024, 6, 1, 12)]);
          expect([zone, parseTimeParam('2024-07-01')]).toEqual([zone, Date.UTC(2024, 6, 1)]);
        }
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });

    it('accepts a leap day and checks it against the local date of the given offset', () => {
      expect(parseTimeParam('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
      // 23:00 at UTC-5 on the 29th is already 1 March in UTC: still a real date where it was written.
      expect(parseTimeParam('2024-02-29T23:00:00-05:00')).toBe(Date.UTC(2024, 2, 1, 4));
      // 00:30 at UTC+1 on 1 March is 29 February in UTC.
      expect(parseTimeParam('2024-03-01T00:30:00+01:00')).toBe(Date.UTC(2024, 1, 29, 23, 30));
    });

    it.each([
      ['a 29 February outside a leap year', '2023-02-29'],
      ['30 February', '2024-02-30'],
      ['31 April', '2024-04-31T00:00:00Z'],
      ['a nonexistent date with an offset', '2023-02-29T10:00:00+01:00'],
      ['day 32', '2024-01-32'],
      ['month 13', '2024-13-01'],
      ['month 00', '2024-00-10'],
      ['day 00', '2024-01-00'],
      ['hour 25', '2024-01-31T25:00:00Z'],
      ['hour 24 (rolls into the next day)', '2024-01-31T24:00:00Z'],
      ['minute 60', '2024-01-31T10:60:00Z'],
      ['a leap second', '2024-01-31T23:59:60Z'],
      ['an hour without minutes', '2024-01-31T10Z'],
      ['a year and month only', '2024-01'],
      ['single-digit month and day', '2024-1-5'],
      ['basic (compact) format', '20240131T102030Z'],
      ['a day-first date', '31/01/2024'],
      ['an English date', 'Jan 31 2024'],
      ['a named zone', '2024-01-31T10:00:00 UTC'],
      ['a date before 1970', '1969-12-31T23:59:59Z'],
      ['an offset that is out of range', '2024-01-31T10:00:00+25:00'],
      ['trailing junk', '2024-01-31T10:00:00Zjunk'],
      ['junk', 'yesterday'],
      ['an empty string', ''],
      ['blanks', '   '],
    ])('rejects %s (%p)', (_label, text) => {
      expect(parseTimeParam(text)).toBeNull();
    });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', {}],
    ['an array', ['1704067200000']],
    ['a Date', new Date(Date.UTC(2024, 0, 1))],
    ['a bigint', 1704067200000n],
  ])('rejects %s', (_label, value) => {
    expect(parseTimeParam(value)).toBeNull();
  });

  it('round-trips through toIsoUtc', () => {
    expect(toIsoUtc(Date.UTC(2024, 0, 31, 10, 20, 30, 5))).toBe('2024-01-31T10:20:30.005Z');
    expect(parseTimeParam(toIsoUtc(Date.UTC(2024, 0, 31, 10, 20, 30, 5)))).toBe(Date.UTC(2024, 0, 31, 10, 20, 30, 5));
  });
});

describe('IsTimeParam', () => {
  it('turns ISO-8601 and epoch-ms strings into epoch ms', () => {
    const { dto, errors } = check(RangeDto, { start: '2024-01-01T00:00:00Z', end: '1704153600000' });
    expect(errors).toEqual([]);
    expect(dto.start).toBe(Date.UTC(2024, 0, 1));
    expect(dto.end).toBe(Date.UTC(2024, 0, 2));
  });

  it('keeps a number that is already epoch ms', () => {
    const { dto, errors } = check(RangeDto, { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 0, 2) });
    expect(errors).toEqual([]);
    expect(dto.start).toBe(Date.UTC(2024, 0, 1));
  });

  it('rejects what is not a time, with a message naming the field', () => {
    const { dto, errors } = check(RangeDto, { start: 'yesterday', end: '2024-02-30' });
    expect(dto.start).toBe('yesterday');
    const constraints = constraintsOf(errors);
    expect(Object.keys(constraints).sort()).toEqual(['end', 'start']);
    expect(constraints.start.isTimeParam).toBe(
      'start must be an ISO-8601 date/time (e.g. 2024-01-31T00:00:00Z) or epoch milliseconds',
    );
    expect(constraints.end.isTimeParam).toMatch(/^end must be/);
    // Not comparable, so only the format is reported.
    expect(constraints.end.isNotBefore).toBeUndefined();
  });

  it('rejects a fractional number', () => {
    expect(constraintsOf(check(RangeDto, { start: 1.5, end: 2 }).errors).start).toHaveProperty('isTimeParam');
  });

  it('rejects a missing required field but not an optional one', () => {
    expect(constraintsOf(check(RangeDto, { end: '2024-01-01' }).errors).start).toHaveProperty('isTimeParam');
    expect(check(OptionalRangeDto, {}).errors).toEqual([]);
  });

  it('uses a custom message', () => {
    expect(constraintsOf(check(OptionalRangeDto, { end: 'soon' }).errors).end).toEqual({ isTimeParam: 'end is not a time' });
  });

  // JSON bodies bring numbers the transform leaves unchanged when out of range; validation must still refuse them.
  it('rejects JSON numbers that parseTimeParam refuses (negative, after year 9999)', () => {
    expect(parseTimeParam(-1)).toBeNull();
    expect(constraintsOf(check(RangeDto, { start: -1, end: 0 }).errors).start).toHaveProperty('isTimeParam');
    expect(constraintsOf(check(RangeDto, { start: 0, end: 300_000_000_000_000 }).errors).end).toHaveProperty('isTimeParam');
  });

  it('already rejects the same values as strings', () => {
    expect(constraintsOf(check(RangeDto, { start: '-1', end: '0' }).errors).start).toHaveProperty('isTimeParam');
    expect(constraintsOf(check(RangeDto, { start: '0', end: '300000000000000' }).errors).end).toHaveProperty('isTimeParam');
  });
});

describe('IsNotBefore', () => {
  it('accepts an end equal to or after start', () => {
    expect(check(RangeDto, { start: '2024-01-01', end: '2024-01-01T00:00:00Z' }).errors).toEqual([]);
    expect(check(RangeDto, { start: '2024-01-01', end: '2024-01-01T00:00:00.001Z' }).errors).toEqual([]);
  });

  it('rejects an end before start, compared as instants whatever the notation', () => {
    // 2024-01-01T01:00+02:00 is 2023-12-31T23:00Z: before a start of 2024-01-01T00:00Z.
    const { errors } = check(RangeDto, { start: String(Date.UTC(2024, 0, 1)), end: '2024-01-01T01:00:00+02:00' });
    expect(constraintsOf(errors)).toEqual({ end: { isNotBefore: 'end must not be before start' } });
  });

  it('uses a custom message', () => {
    const { errors } = check(OptionalRangeDto, { start: '2024-01-02', end: '2024-01-01' });
    expect(constraintsOf(errors)).toEqual({ end: { isNotBefore: 'end must not be before start' } });
  });

  it('does not fire when the other field is absent', () => {
    expect(check(OptionalRangeDto, { end: '2024-01-01' }).errors).toEqual([]);
  });
});
