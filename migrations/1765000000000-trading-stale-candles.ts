import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The freshness rule of trading (TRADING_MAX_SIGNAL_AGE): candles that were already too old when the trading step
 * reached them are recorded for equity but decide nothing. Each account counts them and keeps the newest such run
 * (first and last open time), so GET /api/trading/status can say what was skipped after an outage.
 */
export class TradingStaleCandles1765000000000 implements MigrationInterface {
  name = 'TradingStaleCandles1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const q = (name: string) => (sqlite ? `"${name}"` : `\`${name}\``);
    const big = sqlite ? 'INTEGER' : 'BIGINT';
    await queryRunner.query(`ALTER TABLE ${q('trading_accounts')} ADD ${q('stale_candles')} ${big} NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE ${q('trading_accounts')} ADD ${q('last_stale_from')} ${big} NULL`);
    await queryRunner.query(`ALTER TABLE ${q('trading_accounts')} ADD ${q('last_stale_to')} ${big} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = queryRunner.connection.options.type === 'better-sqlite3' ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
    for (const column of ['last_stale_to', 'last_stale_from', 'stale_candles']) {
      await queryRunner.query(`ALTER TABLE ${q('trading_accounts')} DROP COLUMN ${q(column)}`);
    }
  }
}
