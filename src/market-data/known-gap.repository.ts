import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

export interface KnownGap {
  symbol: string;
  interval: string;
  from: number;
  to: number;
  missing: number;
  confirmedAt: number;
}

/** Gaps Binance confirmed it has no candles for (table kline_known_gaps). Plain SQL valid on MySQL 8, MariaDB and SQLite. */
@Injectable()
export class KnownGapRepository {
  private readonly mysql: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  /** Records (or widens) a known gap; recording the same one again changes nothing. */
  async record(gap: Omit<KnownGap, 'confirmedAt'>, manager?: EntityManager): Promise<void> {
    const q = this.quote;
    const columns = ['symbol', 'interval', 'from_open_time', 'to_open_time', 'missing', 'confirmed_at'].map(q).join(',');
    const upsert = this.mysql
      ? `ON DUPLICATE KEY UPDATE ${q('to_open_time')}=VALUES(${q('to_open_time')}), ${q('missing')}=VALUES(${q('missing')}), ${q('confirmed_at')}=VALUES(${q('confirmed_at')})`
      : `ON CONFLICT (${q('symbol')},${q('interval')},${q('from_open_time')}) DO UPDATE SET ${q('to_open_time')}=excluded.${q('to_open_time')}, ${q('missing')}=excluded.${q('missing')}, ${q('confirmed_at')}=excluded.${q('confirmed_at')}`;
    await (manager ?? this.dataSource.manager).query(`INSERT INTO ${q('kline_known_gaps')} (${columns}) VALUES (?,?,?,?,?,?) ${upsert}`, [
      gap.symbol,
      gap.interval,
      gap.from,
      gap.to,
      gap.missing,
      Date.now(),
    ]);
  }

  /** Known gaps overlapping [from, to], oldest first. */
  async find(symbol: string, interval: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<KnownGap[]> {
    const q = this.quote;
    const rows = await this.dataSource.query<
      { from_open_time: number | string; to_open_time: number | string; missing: number | string; confirmed_at: number | string }[]
    >(
      `SELECT ${q('from_open_time')} AS from_open_time, ${q('to_open_time')} AS to_open_time, ${q('missing')} AS missing,` +
        ` ${q('confirmed_at')} AS confirmed_at FROM ${q('kline_known_gaps')} WHERE ${q('symbol')} = ? AND ${q('interval')} = ?` +
        ` AND ${q('to_open_time')} >= ? AND ${q('from_open_time')} <= ? ORDER BY ${q('from_open_time')}`,
      [symbol, interval, from, to],
    );
    return rows.map((row) => ({
      symbol,
      interval,
      from: Number(row.from_open_time),
      to: Number(row.to_open_time),
      missing: Number(row.missing),
      confirmedAt: Number(row.confirmed_at),
    }));
  }

  private readonly quote = (identifier: string): string => (this.mysql ? `\`${identifier}\`` : `"${identifier}"`);
}

/** Whether [from, to] lies inside one of the known gaps. */
export function isKnownGap(known: readonly KnownGap[], from: number, to: number): boolean {
  return known.some((gap) => gap.from <= from && gap.to >= to);
}
