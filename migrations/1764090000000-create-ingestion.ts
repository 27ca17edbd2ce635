import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ingestion state: backfill jobs (`ingestion_jobs`, so a restarted app resumes a job from its cursor) and the gaps
 * Binance itself has (`kline_known_gaps`: ranges a request answered with no candle, so they are shown in coverage
 * and not asked for again). Times are epoch ms in BIGINT columns like `klines`; symbol and interval compare
 * case-sensitively ('1m' ≠ '1M'). SQLite gets the same tables with its own types.
 */
export class CreateIngestion1764090000000 implements MigrationInterface {
  name = 'CreateIngestion1764090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(`CREATE TABLE "ingestion_jobs" (
        "id" TEXT PRIMARY KEY NOT NULL,
        "kind" TEXT NOT NULL,
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "start_time" INTEGER NOT NULL,
        "end_time" INTEGER NULL,
        "state" TEXT NOT NULL,
        "cursor_time" INTEGER NULL,
        "done" INTEGER NOT NULL DEFAULT 0,
        "expected" INTEGER NOT NULL DEFAULT 0,
        "errors" TEXT NOT NULL,
        "error_count" INTEGER NOT NULL DEFAULT 0,
        "failure" TEXT NULL,
        "created_at" INTEGER NOT NULL,
        "updated_at" INTEGER NOT NULL,
        "started_at" INTEGER NULL,
        "finished_at" INTEGER NULL
      )`);
      await queryRunner.query(`CREATE INDEX "ix_ingestion_jobs_state_created" ON "ingestion_jobs" ("state", "created_at")`);
      await queryRunner.query(`CREATE TABLE "kline_known_gaps" (
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "from_open_time" INTEGER NOT NULL,
        "to_open_time" INTEGER NOT NULL,
        "missing" INTEGER NOT NULL,
        "confirmed_at" INTEGER NOT NULL,
        PRIMARY KEY ("symbol", "interval", "from_open_time")
      )`);
      return;
    }
    await queryRunner.query(`CREATE TABLE \`ingestion_jobs\` (
      \`id\` CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`kind\` VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`symbol\` VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`interval\` VARCHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`start_time\` BIGINT NOT NULL,
      \`end_time\` BIGINT NULL,
      \`state\` VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`cursor_time\` BIGINT NULL,
      \`done\` BIGINT NOT NULL DEFAULT 0,
      \`expected\` BIGINT NOT NULL DEFAULT 0,
      \`errors\` MEDIUMTEXT NOT NULL,
      \`error_count\` INT UNSIGNED NOT NULL DEFAULT 0,
      \`failure\` VARCHAR(1000) NULL,
      \`created_at\` BIGINT NOT NULL,
      \`updated_at\` BIGINT NOT NULL,
      \`started_at\` BIGINT NULL,
      \`finished_at\` BIGINT NULL,
      PRIMARY KEY (\`id\`),
      KEY \`ix_ingestion_jobs_state_created\` (\`state\`, \`created_at\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`CREATE TABLE \`kline_known_gaps\` (
      \`symbol\` VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`interval\` VARCHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      \`from_open_time\` BIGINT NOT NULL,
      \`to_open_time\` BIGINT NOT NULL,
      \`missing\` INT UNSIGNED NOT NULL,
      \`confirmed_at\` BIGINT NOT NULL,
      PRIMARY KEY (\`symbol\`, \`interval\`, \`from_open_time\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = queryRunner.connection.options.type === 'better-sqlite3' ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
    await queryRunner.query(`DROP TABLE ${q('kline_known_gaps')}`);
    await queryRunner.query(`DROP TABLE ${q('ingestion_jobs')}`);
  }
}
