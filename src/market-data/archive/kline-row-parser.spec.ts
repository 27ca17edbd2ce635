import type { BinanceInterval } from '../binance-interval';
import type { KlineRecord } from '../kline-record';
import { type ParsedRow, parseKlineRow } from './kline-row-parser';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const COLUMNS = [
  'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_asset_volume', 'number_of_trades',
  'taker_buy_base_volume', 'taker_buy_quote_volume', 'ignore',
] as const;
type Column = (typeof COLUMNS)[number];

// A BTCUSDT 1h row as Binance writes it (ms times, eight decimals).
const BASE: Record<Column, string> = {
  open_time: '1704067200000',
  open: '42283.58000000',
  high: '42554.57000000',
  low: '42261.02000000',
  close: '42475.23000000',
  volume: '1271.68108000',
  close_time: '1704070799999',
  quote_asset_volume: '53957248.97378900',
  number_of_trades: '47134',
  taker_buy_base_volume: '682.57581000',
  taker_buy_quote_volume: '28957416.81465300',
  ignore: '0',
};

function fields(overrides: Partial<Record<Column, string>> = {}, columns: 11 | 12 = 12): string[] {
  return COLUMNS.slice(0, columns).map((c) => overrides[c] ?? BASE[c]);
}

function parse(row: string[], interval: BinanceInterval = '1h', isFirstLine = false): ParsedRow {
  return parseKlineRow(row, 'BTCUSDT', interval, isFirstLine);
}

function record(parsed: ParsedRow): KlineRecord {
  if (parsed.kind !== 'kline') throw new Error(`expected a kline, got ${JSON.stringify(parsed)}`);
  return parsed.record;
}

function reason(parsed: ParsedRow, kind: 'invalid' | 'skipped'): string {
  if (parsed.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(parsed)}`);
  return parsed.reason;
}

const EXPECTED_RECORD: KlineRecord = {
  symbol: 'BTCUSDT',
  interval: '1h',
  openTime: Date.UTC(2024, 0, 1),
  closeTime: Date.UTC(2024, 0, 1, 1) - 1,
  open: '42283.58000000',
  high: '42554.57000000',
  low: '42261.02000000',
  close: '42475.23000000',
  volume: '1271.68108000',
  quoteAssetVolume: '53957248.97378900',
  numberOfTrades: 47134,
  takerBuyBaseVolume: '682.57581000',
  takerBuyQuoteVolume: '28957416.81465300',
};

describe('parseKlineRow', () => {
  describe('valid rows', () => {
    it('reads the 12 columns of a Binance kline file', () => {
      expect(parse(fields())).toEqual({ kind: 'kline', record: EXPECTED_RECORD });
    });

    it('reads the 11 columns without the ignore field', () => {
      expect(parse(fields({}, 11))).toEqual({ kind: 'kline', record: EXPECTED_RECORD });
    });

    it('accepts the first line when it is data', () => {
      expect(parse(fields(), '1h', true)).toEqual({ kind: 'kline', record: EXPECTED_RECORD });
    });

    it('puts decimals into the canonical eight-decimal form', () => {
      const r = record(parse(fields({ open: '42283.58', high: '42554.570', low: '042261.02', close: '42475.23', volume: '1271.68108' })));
      expect([r.open, r.high, r.low, r.close, r.volume]).toEqual([
        '42283.58000000', '42554.57000000', '42261.02000000', '42475.23000000', '1271.68108000',
      ]);
    });

    it('compares prices as numbers, not as text (low 9.5 is below high 10.1)', () => {
      const r = record(parse(fields({ open: '9.9', high: '10.1', low: '9.5', close: '10' })));
      expect([r.low, r.high]).toEqual(['9.50000000', '10.10000000']);
    });

    it('stores a candle without trades (zero volume, unchanged price)', () => {
      const r = record(
        parse(fields({
          open: '1.5', high: '1.5', low: '1.5', close: '1.5', volume: '0', quote_asset_volume: '0', number_of_trades: '0',
          taker_buy_base_volume: '0', taker_buy_quote_volume: '0',
        })),
      );
      expect([r.volume, r.numberOfTrades, r.takerBuyBaseVolume]).toEqual(['0.00000000', 0, '0.00000000']);
    });

    it('accepts taker volumes equal to the totals', () => {
      const parsed = parse(fields({ taker_buy_base_volume: BASE.volume, taker_buy_quote_volume: BASE.quote_asset_volume }));
      expect(parsed.kind).toBe('kline');
    });

    it('reads microsecond times (spot files since 2025) as milliseconds by dropping digits, never rounding', () => {
      const r = record(parse(fields({ open_time: '1735689600000000', close_time: '1735693199999999' })));
      expect(r.openTime).toBe(Date.UTC(2025, 0, 1));
      // Rounding 1735693199999.999 would give the next candle's open time.
      expect(r.closeTime).toBe(Date.UTC(2025, 0, 1, 1) - 1);
    });

    it('reads microsecond 1m rows', () => {
      const r = record(parse(fields({ open_time: '1735689600000000', close_time: '1735689659999999' }), '1m'));
      expect([r.openTime, r.closeTime]).toEqual([Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 0, 1) - 1]);
    });

    it('still reads 2025 times written in milliseconds', () => {
      const r = record(parse(fields({ open_time: String(Date.UTC(2025, 0, 1)), close_time: String(Date.UTC(2025, 0, 1, 1) - 1) })));
      expect(r.openTime).toBe(Date.UTC(2025, 0, 1));
    });

    it('reads a calendar-month candle (1M)', () => {
      const r = record(parse(fields({ open_time: String(Date.UTC(2024, 1, 1)), close_time: String(Date.UTC(2024, 2, 1) - 1) }), '1M'));
      expect([r.interval, r.openTime, r.closeTime]).toEqual(['1M', Date.UTC(2024, 1, 1), Date.UTC(2024, 1, 29, 23, 59, 59, 999)]);
    });

    it('reads a weekly candle opening on Monday', () => {
      const r = record(parse(fields({ open_time: String(Date.UTC(2024, 0, 1)), close_time: String(Date.UTC(2024, 0, 8) - 1) }), '1w'));
      expect(r.openTime).toBe(Date.UTC(2024, 0, 1));
    });
  });

  describe('header', () => {
    const header = [...COLUMNS];
    const binanceHeader = [
      'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_volume', 'count', 'taker_buy_volume',
      'taker_buy_quote_volume', 'ignore',
    ];

    it('is recognised on the first line', () => {
      expect(parse(header, '1h', true)).toEqual({ kind: 'header' });
      expect(parse(binanceHeader, '1h', true)).toEqual({ kind: 'header' });
      expect(parse(header.slice(0, 11), '1h', true)).toEqual({ kind: 'header' });
    });

    it('is an invalid row anywhere else', () => {
      expect(reason(parse(header, '1h', false), 'invalid')).toContain('open_time "open_time"');
    });
  });

  describe('invalid rows', () => {
    it.each([
      [10, fields().slice(0, 10)],
      [13, [...fields(), 'extra']],
      [1, ['1704067200000']],
    ])('rejects %d columns', (count, row) => {
      expect(reason(parse(row), 'invalid')).toBe(`expected 11 or 12 columns, found ${count}`);
    });

    it.each([
      ['text', 'abc'],
      ['empty', ''],
      ['negative', '-1704067200000'],
      ['fractional', '1704067200000.0'],
      ['exponent', '1.7040672e12'],
      ['ISO date', '2024-01-01T00:00:00Z'],
      ['beyond a safe integer', '17040672000000000'],
      ['20 digits', '17040672000000000000'],
    ])('rejects an open_time that is %s', (_label, value) => {
      expect(reason(parse(fields({ open_time: value })), 'invalid')).toContain(`open_time "${value}"`);
    });

    it('rejects a close_time that is not a number', () => {
      expect(reason(parse(fields({ close_time: 'later' })), 'invalid')).toContain('close_time "later"');
    });

    it.each([
      ['equal to open_time', BASE.open_time],
      ['before open_time', String(Number(BASE.open_time) - 1)],
    ])('rejects a close_time %s', (_label, value) => {
      expect(reason(parse(fields({ close_time: value })), 'invalid')).toBe('close_time is not after open_time');
    });

    it.each([
      ['open', 'abc'],
      ['high', '42554,57'],
      ['low', ''],
      ['close', '4.2e4'],
      ['volume', '-1.5'],
      ['quote_asset_volume', '-0.00000001'],
      ['taker_buy_base_volume', '1e-8'],
      ['taker_buy_quote_volume', 'NaN'],
      ['open', '42283.580000001'],
    ] as const)('rejects %s %p', (column, value) => {
      expect(reason(parse(fields({ [column]: value })), 'invalid')).toBe(
        `${column} "${value}" is not a non-negative decimal with at most 8 decimals`,
      );
    });

    it.each(['12.5', '-3', 'abc', '', '1e3', '99999999999999999'])('rejects number_of_trades %p', (value) => {
      expect(reason(parse(fields({ number_of_trades: value })), 'invalid')).toBe(
        `number_of_trades "${value}" is not a non-negative integer`,
      );
    });

    it.each(['open', 'high', 'low', 'close'] as const)('rejects a zero %s price', (column) => {
      expect(reason(parse(fields({ [column]: '0' })), 'invalid')).toBe(`${column} price is zero`);
      expect(reason(parse(fields({ [column]: '0.00000000' })), 'invalid')).toBe(`${column} price is zero`);
    });

    it('rejects low above high', () => {
      expect(reason(parse(fields({ open: '10', high: '10', low: '10.00000001', close: '10' })), 'invalid')).toBe('low is above high');
    });

    it.each([
      ['open', { open: '42554.57000001' }],
      ['open', { open: '42261.01999999' }],
      ['close', { close: '42554.58' }],
      ['close', { close: '42261.01' }],
    ] as const)('rejects %s outside [low, high]: %p', (column, overrides) => {
      expect(reason(parse(fields(overrides)), 'invalid')).toBe(`${column} is outside [low, high]`);
    });

    it('rejects taker buy volumes above the totals', () => {
      expect(reason(parse(fields({ taker_buy_base_volume: '1271.68108001' })), 'invalid')).toBe('taker_buy_base_volume exceeds volume');
      expect(reason(parse(fields({ taker_buy_quote_volume: '53957248.97379' })), 'invalid')).toBe(
        'taker_buy_quote_volume exceeds quote_asset_volume',
      );
    });

    it('reports an inconsistent row as invalid even when it is also off the grid', () => {
      const row = fields({ open_time: '1704067200001', close_time: '1704070800000', low: '50000' });
      expect(parse(row).kind).toBe('invalid');
    });
  });

  describe('skipped Binance anomalies', () => {
    // Both from BTCUSDT-1h-2018-01/02, reported in binance/binance-public-data#77.
    it('skips a candle cut short (trading halted)', () => {
      const row = fields({ open_time: '1515034800000', close_time: '1515034814838' });
      expect(new Date(1515034800000).getUTCMinutes()).toBe(0); // the premise: on the hour
      expect(reason(parse(row), 'skipped')).toBe(
        `candle closed at ${new Date(1515034814838).toISOString()} instead of the end of its 1h interval (trading halted)`,
      );
    });

    it('skips a candle whose open_time is off the interval grid', () => {
      const row = fields({ open_time: '1518168494789', close_time: String(1518168494789 + HOUR - 1) });
      expect(reason(parse(row), 'skipped')).toBe(`open_time ${new Date(1518168494789).toISOString()} is not on the 1h grid`);
    });

    it('skips a week that does not open on Monday', () => {
      const thursday = Date.UTC(2024, 0, 4);
      const row = fields({ open_time: String(thursday), close_time: String(thursday + 7 * DAY - 1) });
      expect(parse(row, '1w').kind).toBe('skipped');
    });

    it('skips a month cut short, measured by the calendar (January has 31 days)', () => {
      const open = Date.UTC(2024, 0, 1);
      const row = fields({ open_time: String(open), close_time: String(open + 30 * DAY - 1) });
      expect(reason(parse(row, '1M'), 'skipped')).toMatch(/instead of the end of its 1M interval/);
    });

    it('skips a microsecond row cut short', () => {
      const row = fields({ open_time: '1735689600000000', close_time: '1735689614838000' });
      expect(parse(row).kind).toBe('skipped');
    });

    // A candle longer than its interval contradicts the file's interval: invalid, not a skipped Binance anomaly.
    it('rejects, rather than skips, a candle that closes after the end of its interval', () => {
      const row = fields({ close_time: String(Date.UTC(2024, 0, 1, 2) - 1) }); // a 2h candle in a 1h file
      expect(parse(row).kind).toBe('invalid');
    });
  });
});
