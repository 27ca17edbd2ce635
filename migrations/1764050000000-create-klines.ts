import type { MigrationInterface, QueryRunner } from 'typeorm';

const DECIMAL_COLUMNS = [
  'open_price',
  'high_price',
  'low_price',
  'close_price',
  'volume',
  'quote_asset_volume',
  'taker_buy_base_volume',
  'taker_buy_quote_volume',
];

/**
 * The klines table. The natural key (symbol, interval, open_time) is the clustered primary key on MySQL, so range
 * reads are sequential; `id` stays as the seed's surrogate. Symbol and interval compare case-sensitively because
 * Binance's '1m' (minute) and '1M' (month) differ only in case. SQLite has no DECIMAL, so decimals are TEXT there.
 */
export class CreateKlines1764050000000 implements MigrationInterface {
  name = 'CreateKlines1764050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(`CREATE TABLE "klines" (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT,
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "open_time" INTEGER NOT NULL,
        "close_time" INTEGER NOT NULL,
        ${DECIMAL_COLUMNS.map((column) => `"${column}" TEXT NOT NULL`).join(',\n        ')},
        "number_of_trades" INTEGER NOT NULL,
        "kline_open_time_parsed" TEXT NOT NULL,
        "kline_close_time_parsed" TEXT NOT NULL
      )`);
      await queryRunner.query(
        `CREATE UNIQUE INDEX "uq_klines_symbol_interval_open_time" ON "klines" ("symbol", "interval", "open_time")`,
      );
      return;
    }
    await queryRunner.query(`CREATE TABLE \`klines\` (
      \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      \`symbol\` VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`interval\` VARCHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`open_time\` BIGINT NOT NULL,
      \`close_time\` BIGINT NOT NULL,
      ${DECIMAL_COLUMNS.map((column) => `\`${column}\` DECIMAL(36,8) NOT NULL`).join(',\n      ')},
      \`number_of_trades\` INT UNSIGNED NOT NULL,
      \`kline_open_time_parsed\` DATETIME(3) NOT NULL,
      \`kline_close_time_parsed\` DATETIME(3) NOT NULL,
      PRIMARY KEY (\`symbol\`, \`interval\`, \`open_time\`),
      UNIQUE KEY \`uq_klines_id\` (\`id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(queryRunner.connection.options.type === 'better-sqlite3' ? 'DROP TABLE "klines"' : 'DROP TABLE `klines`');
  }
}
