import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type BinanceInterval, fixedIntervalMs, isBinanceInterval, nextOpenTime } from './binance-interval';
import type { KlineRecord, KlineView } from './kline-record';
import { SYMBOL_PATTERN } from './kline-record';
import { IndexOutbox } from '../indexing/index-outbox';

const CANONICAL_DECIMAL = /^\d{1,28}\.\d{8}$/;
const UPSERT_BATCH_ROWS = 4_000;
const INSERT_COLUMNS = [
  'symbol',
  'interval',
  'open_time',
  'close_time',
  'open_price',
  'high_price',
  'low_price',
  'close_price',
  'volume',
  'quote_asset_volume',
  'number_of_trades',
  'taker_buy_base_volume',
  'taker_buy_quote_volume',
  'kline_open_time_parsed',
  'kline_close_time_parsed',
];
const UPDATED_COLUMNS = INSERT_COLUMNS.slice(3);

export interface StoredRange {
  symbol: string;
  interval: string;
  count: number;
  first_open_time: number;
  last_open_time: number;
}

export interface MissingRange {
  from: number;
  to: number;
  missing: number;
}

interface KlineRow {
  id: number | string;
  symbol: string;
  interval: string;
  open_time: number | string;
  close_time: number | string;
  open_price: string;
  high_price: string;
  low_price: string;
  close_price: string;
  volume: string;
  quote_asset_volume: string;
  number_of_trades: number | string;
  taker_buy_base_volume: string;
  taker_buy_quote_volume: string;
}

/** Bulk reads and writes of klines, in SQL that runs on MySQL 8, MariaDB and SQLite alike. */
@Injectable()
export class KlineRepository {
  private readonly mysql: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly outbox?: IndexOutbox,
  ) {
    this.mysql = dataSource.options.type === 'mysql';
  }

  /**
   * Inserts new klines and overwrites stored ones with the same (symbol, interval, open_time) in multi-row
   * statements, so writing the same klines twice changes nothing. Runs inside `manager`'s transaction when given.
   */
  async upsert(records: readonly KlineRecord[], manager?: EntityManager): Promise<number> {
    if (records.length === 0) return 0;
    const run = async (em: EntityManager) => {
      // One statement in flight at a time, but the next one is built while the server runs the current one:
      // building the SQL is about a third of the work, so overlapping it is the cheapest speed-up left.
      let inFlight: Promise<unknown> = Promise.resolve();
      for (let start = 0; start < records.length; start += UPSERT_BATCH_ROWS) {
        const batch = records.slice(start, start + UPSERT_BATCH_ROWS);
        const sql = this.upsertSql(batch);
        await inFlight;
        inFlight = em.query(sql);
        // One compact outbox reference per symbol × interval of the batch, in the same transaction.
        if (this.outbox?.enabled) {
          await inFlight;
          await this.outbox.enqueue(em, 'klines', klineRanges(batch));
        }
      }
      await inFlight;
    };
    if (manager) await run(manager);
    else await this.dataSource.transaction(run);
    return records.length;
  }

  private upsertSql(batch: readonly KlineRecord[]): string {
    const q = this.quote;
    const values = batch.map((record) => `(${assertSafeRow(record).join(',')})`).join(',');
    const head = `INSERT INTO ${q('klines')} (${INSERT_COLUMNS.map(q).join(',')}) VALUES ${values}`;
    if (this.mysql) {
      return `${head} ON DUPLICATE KEY UPDATE ${UPDATED_COLUMNS.map((c) => `${q(c)}=VALUES(${q(c)})`).join(',')}`;
    }
    return `${head} ON CONFLICT (${['symbol', 'interval', 'open_time'].map(q).join(',')}) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`;
  }

  async count(symbol: string, interval: string, from?: number, to?: number, manager?: EntityManager): Promise<number> {
    const q = this.quote;
    const [row] = await (manager ?? this.dataSource.manager).query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM ${q('klines')} WHERE ${q('symbol')} = ? AND ${q('interval')} = ?` +
        ` AND ${q('open_time')} >= ? AND ${q('open_time')} <= ?`,
      [symbol, interval, from ?? 0, to ?? Number.MAX_SAFE_INTEGER],
    );
    return Number(row.n);
  }

  /** Up to `limit` klines with open_time in [from, to], oldest first. */
  async find(symbol: string, interval: string, from: number, to: number, limit: number): Promise<KlineView[]> {
    const q = this.quote;
    const rows = await this.dataSource.query<KlineRow[]>(
      `SELECT ${q('id')}, ${q('symbol')}, ${q('interval')}, ${q('open_time')}, ${q('close_time')}, ${q('open_price')},` +
        ` ${q('high_price')}, ${q('low_price')}, ${q('close_price')}, ${q('volume')}, ${q('quote_asset_volume')},` +
        ` ${q('number_of_trades')}, ${q('taker_buy_base_volume')}, ${q('taker_buy_quote_volume')}` +
        ` FROM ${q('klines')} WHERE ${q('symbol')} = ? AND ${q('interval')} = ? AND ${q('open_time')} >= ?` +
        ` AND ${q('open_time')} <= ? ORDER BY ${q('open_time')} LIMIT ${Math.trunc(limit)}`,
      [symbol, interval, from, to],
    );
    return rows.map(toView);
  }

  async ranges(): Promise<StoredRange[]> {
    const q = this.quote;
    const rows = await this.dataSource.query<{ symbol: string; interval: string; n: number | string; first_open: number | string; last_open: number | string }[]>(
      `SELECT ${q('symbol')}, ${q('interval')}, COUNT(*) AS n, MIN(${q('open_time')}) AS first_open,` +
        ` MAX(${q('open_time')}) AS last_open FROM ${q('klines')} GROUP BY ${q('symbol')}, ${q('interval')}` +
        ` ORDER BY ${q('symbol')}, ${q('interval')}`,
    );
    return rows.map((row) => ({
      symbol: row.symbol,
      interval: row.interval,
      count: Number(row.n),
      first_open_time: Number(row.first_open),
      last_open_time: Number(row.last_open),
    }));
  }

  async range(symbol: string, interval: string): Promise<StoredRange | null> {
    const q = this.quote;
    const [row] = await this.dataSource.query<{ n: number | string; first_open: number | string | null; last_open: number | string | null }[]>(
      `SELECT COUNT(*) AS n, MIN(${q('open_time')}) AS first_open, MAX(${q('open_time')}) AS last_open` +
        ` FROM ${q('klines')} WHERE ${q('symbol')} = ? AND ${q('interval')} = ?`,
      [symbol, interval],
    );
    if (Number(row.n) === 0 || row.first_open === null || row.last_open === null) return null;
    return {
      symbol,
      interval,
      count: Number(row.n),
      first_open_time: Number(row.first_open),
      last_open_time: Number(row.last_open),
    };
  }

  /**
   * Open time of the newest stored kline of a pair, or null. Reads one end of the (symbol, interval, open_time) key,
   * so it costs the same for ten klines as for ten million (range() counts them, which scans the pair).
   */
  async lastOpenTime(symbol: string, interval: string): Promise<number | null> {
    const q = this.quote;
    const [row] = await this.dataSource.query<{ last_open: number | string | null }[]>(
      `SELECT MAX(${q('open_time')}) AS last_open FROM ${q('klines')} WHERE ${q('symbol')} = ? AND ${q('interval')} = ?`,
      [symbol, interval],
    );
    return row?.last_open === null || row?.last_open === undefined ? null : Number(row.last_open);
  }

  /**
   * Every run of missing candles between the first and last stored one. Fixed-length intervals are found in SQL with
   * LEAD() (MySQL 8, MariaDB 10.2+ and SQLite 3.25+ all have window functions); months vary in length, so '1M' is
   * walked in code (a few hundred rows at most).
   */
  async missingRanges(symbol: string, interval: BinanceInterval, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<MissingRange[]> {
    const q = this.quote;
    const step = fixedIntervalMs(interval);
    const where = `${q('symbol')} = ? AND ${q('interval')} = ? AND ${q('open_time')} >= ? AND ${q('open_time')} <= ?`;
    if (step !== null) {
      const rows = await this.dataSource.query<{ open_time: number | string; next_open: number | string }[]>(
        `SELECT open_time, next_open FROM (SELECT ${q('open_time')} AS open_time, LEAD(${q('open_time')})` +
          ` OVER (ORDER BY ${q('open_time')}) AS next_open FROM ${q('klines')} WHERE ${where}) AS steps` +
          ` WHERE next_open - open_time > ? ORDER BY open_time`,
        [symbol, interval, from, to, step],
      );
      return rows.map((row) => {
        const first = Number(row.open_time) + step;
        const next = Number(row.next_open);
        return { from: first, to: next - step, missing: Math.round((next - first) / step) };
      });
    }
    const rows = await this.dataSource.query<{ open_time: number | string }[]>(
      `SELECT ${q('open_time')} AS open_time FROM ${q('klines')} WHERE ${where} ORDER BY ${q('open_time')}`,
      [symbol, interval, from, to],
    );
    const gaps: MissingRange[] = [];
    for (let i = 1; i < rows.length; i++) {
      let expected = nextOpenTime(interval, Number(rows[i - 1].open_time));
      const actual = Number(rows[i].open_time);
      if (expected >= actual) continue;
      const gap: MissingRange = { from: expected, to: expected, missing: 0 };
      while (expected < actual) {
        gap.to = expected;
        gap.missing++;
        expected = nextOpenTime(interval, expected);
      }
      gaps.push(gap);
    }
    return gaps;
  }

  private readonly quote = (identifier: string): string =>
    this.mysql ? `\`${identifier}\`` : `"${identifier}"`;
}

function assertSafeRow(record: KlineRecord): string[] {
  // Values are inlined into the statement (a multi-row INSERT outgrows placeholder limits), so each one is checked
  // against its canonical form here, not trusted from the caller.
  const decimals = [
    record.open,
    record.high,
    record.low,
    record.close,
    record.volume,
    record.quoteAssetVolume,
    record.takerBuyBaseVolume,
    record.takerBuyQuoteVolume,
  ];
  if (
    !SYMBOL_PATTERN.test(record.symbol) ||
    !isBinanceInterval(record.interval) ||
    !Number.isSafeInteger(record.openTime) ||
    !Number.isSafeInteger(record.closeTime) ||
    !Number.isSafeInteger(record.numberOfTrades) ||
    record.numberOfTrades < 0 ||
    !decimals.every((value) => CANONICAL_DECIMAL.test(value))
  ) {
    throw new Error(`Refusing to write a kline that is not in canonical form: ${record.symbol} ${record.interval} ${record.openTime}`);
  }
  return [
    `'${record.symbol}'`,
    `'${record.interval}'`,
    String(record.openTime),
    String(record.closeTime),
    `'${record.open}'`,
    `'${record.high}'`,
    `'${record.low}'`,
    `'${record.close}'`,
    `'${record.volume}'`,
    `'${record.quoteAssetVolume}'`,
    String(record.numberOfTrades),
    `'${record.takerBuyBaseVolume}'`,
    `'${record.takerBuyQuoteVolume}'`,
    `'${sqlDateTime(record.openTime)}'`,
    `'${sqlDateTime(record.closeTime)}'`,
  ];
}

/** The open-time range of each symbol × interval in a batch (the indexing outbox reference of klines). */
function klineRanges(batch: readonly KlineRecord[]): { symbol: string; interval: string; from: number; to: number }[] {
  const ranges = new Map<string, { symbol: string; interval: string; from: number; to: number }>();
  for (const record of batch) {
    const key = `${record.symbol} ${record.interval}`;
    const range = ranges.get(key);
    if (!range) ranges.set(key, { symbol: record.symbol, interval: record.interval, from: record.openTime, to: record.openTime });
    else {
      range.from = Math.min(range.from, record.openTime);
      range.to = Math.max(range.to, record.openTime);
    }
  }
  return [...ranges.values()];
}

function sqlDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

function toView(row: KlineRow): KlineView {
  const openTime = Number(row.open_time);
  const closeTime = Number(row.close_time);
  return {
    id: Number(row.id),
    symbol: row.symbol,
    interval: row.interval,
    open_time: openTime,
    close_time: closeTime,
    open_price: row.open_price,
    high_price: row.high_price,
    low_price: row.low_price,
    close_price: row.close_price,
    volume: row.volume,
    quote_asset_volume: row.quote_asset_volume,
    number_of_trades: Number(row.number_of_trades),
    taker_buy_base_volume: row.taker_buy_base_volume,
    taker_buy_quote_volume: row.taker_buy_quote_volume,
    kline_open_time_parsed: new Date(openTime).toISOString(),
    kline_close_time_parsed: new Date(closeTime).toISOString(),
  };
}
