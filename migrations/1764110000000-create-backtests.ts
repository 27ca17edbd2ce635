import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backtests of stored models over stored klines: the run and its report (`backtests`; strategy, symbol rules,
 * metrics and baselines as JSON text), the equity curve (`backtest_equity`, natural key (backtest_id, time): one row
 * per candle, written with upserts) and the round trips (`backtest_trades`, natural key (backtest_id, seq)). Times
 * are epoch ms in BIGINT columns like `klines`; money is DOUBLE, trade quantities exact DECIMAL(36,8) (TEXT on SQLite).
 */
export class CreateBacktests1764110000000 implements MigrationInterface {
  name = 'CreateBacktests1764110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(`CREATE TABLE "backtests" (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT,
        "model_id" INTEGER NOT NULL REFERENCES "models" ("id"),
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "stage" TEXT NULL,
        "range_start" INTEGER NOT NULL,
        "range_end" INTEGER NOT NULL,
        "fee_rate" REAL NOT NULL,
        "slippage_bps" REAL NOT NULL,
        "initial_capital" REAL NOT NULL,
        "strategy" TEXT NOT NULL,
        "symbol_rules" TEXT NOT NULL,
        "summary" TEXT NULL,
        "metrics" TEXT NULL,
        "baselines" TEXT NULL,
        "error" TEXT NULL,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "created_at" INTEGER NOT NULL,
        "started_at" INTEGER NULL,
        "finished_at" INTEGER NULL
      )`);
      await queryRunner.query(`CREATE INDEX "ix_backtests_model" ON "backtests" ("model_id", "id")`);
      await queryRunner.query(`CREATE INDEX "ix_backtests_symbol_interval" ON "backtests" ("symbol", "interval", "id")`);
      await queryRunner.query(`CREATE INDEX "ix_backtests_status" ON "backtests" ("status", "id")`);
      await queryRunner.query(`CREATE TABLE "backtest_equity" (
        "backtest_id" INTEGER NOT NULL REFERENCES "backtests" ("id") ON DELETE CASCADE,
        "time" INTEGER NOT NULL,
        "equity" REAL NOT NULL,
        "buy_and_hold_equity" REAL NOT NULL,
        "drawdown" REAL NOT NULL,
        PRIMARY KEY ("backtest_id", "time")
      )`);
      await queryRunner.query(`CREATE TABLE "backtest_trades" (
        "backtest_id" INTEGER NOT NULL REFERENCES "backtests" ("id") ON DELETE CASCADE,
        "seq" INTEGER NOT NULL,
        "symbol" TEXT NOT NULL,
        "side" TEXT NOT NULL,
        "entry_time" INTEGER NOT NULL,
        "exit_time" INTEGER NOT NULL,
        "entry_price" REAL NOT NULL,
        "exit_price" REAL NOT NULL,
        "quantity" TEXT NOT NULL,
        "pnl" REAL NOT NULL,
        "return_pct" REAL NOT NULL,
        "fees" REAL NOT NULL,
        "exit_reason" TEXT NOT NULL,
        "candles_held" INTEGER NOT NULL,
        PRIMARY KEY ("backtest_id", "seq")
      )`);
      return;
    }
    const ascii = 'CHARACTER SET ascii COLLATE ascii_bin';
    await queryRunner.query(`CREATE TABLE \`backtests\` (
      \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      \`model_id\` BIGINT UNSIGNED NOT NULL,
      \`symbol\` VARCHAR(20) ${ascii} NOT NULL,
      \`interval\` VARCHAR(3) ${ascii} NOT NULL,
      \`status\` VARCHAR(16) ${ascii} NOT NULL,
      \`stage\` VARCHAR(255) NULL,
      \`range_start\` BIGINT NOT NULL,
      \`range_end\` BIGINT NOT NULL,
      \`fee_rate\` DOUBLE NOT NULL,
      \`slippage_bps\` DOUBLE NOT NULL,
      \`initial_capital\` DOUBLE NOT NULL,
      \`strategy\` TEXT NOT NULL,
      \`symbol_rules\` TEXT NOT NULL,
      \`summary\` TEXT NULL,
      \`metrics\` MEDIUMTEXT NULL,
      \`baselines\` MEDIUMTEXT NULL,
      \`error\` TEXT NULL,
      \`attempts\` INT NOT NULL DEFAULT 0,
      \`created_at\` BIGINT NOT NULL,
      \`started_at\` BIGINT NULL,
      \`finished_at\` BIGINT NULL,
      PRIMARY KEY (\`id\`),
      KEY \`ix_backtests_model\` (\`model_id\`, \`id\`),
      KEY \`ix_backtests_symbol_interval\` (\`symbol\`, \`interval\`, \`id\`),
      KEY \`ix_backtests_status\` (\`status\`, \`id\`),
      CONSTRAINT \`fk_backtests_model\` FOREIGN KEY (\`model_id\`) REFERENCES \`models\` (\`id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`CREATE TABLE \`backtest_equity\` (
      \`backtest_id\` BIGINT UNSIGNED NOT NULL,
      \`time\` BIGINT NOT NULL,
      \`equity\` DOUBLE NOT NULL,
      \`buy_and_hold_equity\` DOUBLE NOT NULL,
      \`drawdown\` DOUBLE NOT NULL,
      PRIMARY KEY (\`backtest_id\`, \`time\`),
      CONSTRAINT \`fk_backtest_equity_backtest\` FOREIGN KEY (\`backtest_id\`) REFERENCES \`backtests\` (\`id\`) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`CREATE TABLE \`backtest_trades\` (
      \`backtest_id\` BIGINT UNSIGNED NOT NULL,
      \`seq\` INT NOT NULL,
      \`symbol\` VARCHAR(20) ${ascii} NOT NULL,
      \`side\` VARCHAR(8) ${ascii} NOT NULL,
      \`entry_time\` BIGINT NOT NULL,
      \`exit_time\` BIGINT NOT NULL,
      \`entry_price\` DOUBLE NOT NULL,
      \`exit_price\` DOUBLE NOT NULL,
      \`quantity\` DECIMAL(36,8) NOT NULL,
      \`pnl\` DOUBLE NOT NULL,
      \`return_pct\` DOUBLE NOT NULL,
      \`fees\` DOUBLE NOT NULL,
      \`exit_reason\` VARCHAR(16) ${ascii} NOT NULL,
      \`candles_held\` INT NOT NULL,
      PRIMARY KEY (\`backtest_id\`, \`seq\`),
      CONSTRAINT \`fk_backtest_trades_backtest\` FOREIGN KEY (\`backtest_id\`) REFERENCES \`backtests\` (\`id\`) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = queryRunner.connection.options.type === 'better-sqlite3' ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
    for (const table of ['backtest_trades', 'backtest_equity', 'backtests']) await queryRunner.query(`DROP TABLE ${q(table)}`);
  }
}
