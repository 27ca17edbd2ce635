import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The model registry (`models`), which model is active per symbol × interval (`active_models`, natural key
 * (symbol, interval), so there can only be one), and the audit trail of predictions (`predictions`, natural key
 * (model_id, open_time), written with upserts). Times are epoch ms in BIGINT columns like `klines`. JSON documents
 * (label definition, hyper-parameters, metrics…) are text; the serialized model is gzip-compressed JSON in a
 * LONGBLOB (BLOB on SQLite). Symbol and interval compare case-sensitively ('1m' ≠ '1M') as in `klines`.
 */
export class CreateModels1764070000000 implements MigrationInterface {
  name = 'CreateModels1764070000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(`CREATE TABLE "models" (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT,
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "progress" REAL NOT NULL DEFAULT 0,
        "stage" TEXT NULL,
        "origin" TEXT NOT NULL,
        "data_start" INTEGER NOT NULL,
        "data_end" INTEGER NOT NULL,
        "feature_set_version" TEXT NOT NULL,
        "feature_names" TEXT NOT NULL,
        "label_definition" TEXT NOT NULL,
        "hyper_parameters" TEXT NOT NULL,
        "evaluation" TEXT NOT NULL,
        "seed" INTEGER NOT NULL,
        "dataset_summary" TEXT NULL,
        "metrics" TEXT NULL,
        "roc_auc" REAL NULL,
        "accuracy" REAL NULL,
        "training_stats" TEXT NULL,
        "training_ms" INTEGER NULL,
        "model_data" BLOB NULL,
        "model_encoding" TEXT NULL,
        "model_bytes" INTEGER NULL,
        "model_sha256" TEXT NULL,
        "error" TEXT NULL,
        "promotion" TEXT NULL,
        "created_at" INTEGER NOT NULL,
        "started_at" INTEGER NULL,
        "finished_at" INTEGER NULL
      )`);
      await queryRunner.query(`CREATE INDEX "ix_models_symbol_interval" ON "models" ("symbol", "interval", "id")`);
      await queryRunner.query(`CREATE TABLE "active_models" (
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "model_id" INTEGER NOT NULL REFERENCES "models" ("id"),
        "activated_at" INTEGER NOT NULL,
        "reason" TEXT NOT NULL,
        PRIMARY KEY ("symbol", "interval")
      )`);
      await queryRunner.query(`CREATE TABLE "predictions" (
        "model_id" INTEGER NOT NULL REFERENCES "models" ("id") ON DELETE CASCADE,
        "open_time" INTEGER NOT NULL,
        "symbol" TEXT NOT NULL,
        "interval" TEXT NOT NULL,
        "trade_signal" TEXT NOT NULL,
        "prob_sell" REAL NOT NULL,
        "prob_hold" REAL NULL,
        "prob_buy" REAL NOT NULL,
        "feature_hash" TEXT NOT NULL,
        "created_at" INTEGER NOT NULL,
        PRIMARY KEY ("model_id", "open_time")
      )`);
      await queryRunner.query(`CREATE INDEX "ix_predictions_symbol_interval_open_time" ON "predictions" ("symbol", "interval", "open_time")`);
      return;
    }
    const ascii = 'CHARACTER SET ascii COLLATE ascii_bin';
    await queryRunner.query(`CREATE TABLE \`models\` (
      \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      \`symbol\` VARCHAR(20) ${ascii} NOT NULL,
      \`interval\` VARCHAR(3) ${ascii} NOT NULL,
      \`status\` VARCHAR(16) ${ascii} NOT NULL,
      \`progress\` DOUBLE NOT NULL DEFAULT 0,
      \`stage\` VARCHAR(255) NULL,
      \`origin\` VARCHAR(16) ${ascii} NOT NULL,
      \`data_start\` BIGINT NOT NULL,
      \`data_end\` BIGINT NOT NULL,
      \`feature_set_version\` VARCHAR(64) NOT NULL,
      \`feature_names\` TEXT NOT NULL,
      \`label_definition\` TEXT NOT NULL,
      \`hyper_parameters\` TEXT NOT NULL,
      \`evaluation\` TEXT NOT NULL,
      \`seed\` BIGINT NOT NULL,
      \`dataset_summary\` MEDIUMTEXT NULL,
      \`metrics\` LONGTEXT NULL,
      \`roc_auc\` DOUBLE NULL,
      \`accuracy\` DOUBLE NULL,
      \`training_stats\` MEDIUMTEXT NULL,
      \`training_ms\` BIGINT NULL,
      \`model_data\` LONGBLOB NULL,
      \`model_encoding\` VARCHAR(16) ${ascii} NULL,
      \`model_bytes\` BIGINT NULL,
      \`model_sha256\` CHAR(64) ${ascii} NULL,
      \`error\` TEXT NULL,
      \`promotion\` TEXT NULL,
      \`created_at\` BIGINT NOT NULL,
      \`started_at\` BIGINT NULL,
      \`finished_at\` BIGINT NULL,
      PRIMARY KEY (\`id\`),
      KEY \`ix_models_symbol_interval\` (\`symbol\`, \`interval\`, \`id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`CREATE TABLE \`active_models\` (
      \`symbol\` VARCHAR(20) ${ascii} NOT NULL,
      \`interval\` VARCHAR(3) ${ascii} NOT NULL,
      \`model_id\` BIGINT UNSIGNED NOT NULL,
      \`activated_at\` BIGINT NOT NULL,
      \`reason\` VARCHAR(255) NOT NULL,
      PRIMARY KEY (\`symbol\`, \`interval\`),
      CONSTRAINT \`fk_active_models_model\` FOREIGN KEY (\`model_id\`) REFERENCES \`models\` (\`id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await queryRunner.query(`CREATE TABLE \`predictions\` (
      \`model_id\` BIGINT UNSIGNED NOT NULL,
      \`open_time\` BIGINT NOT NULL,
      \`symbol\` VARCHAR(20) ${ascii} NOT NULL,
      \`interval\` VARCHAR(3) ${ascii} NOT NULL,
      \`trade_signal\` VARCHAR(4) ${ascii} NOT NULL,
      \`prob_sell\` DOUBLE NOT NULL,
      \`prob_hold\` DOUBLE NULL,
      \`prob_buy\` DOUBLE NOT NULL,
      \`feature_hash\` CHAR(64) ${ascii} NOT NULL,
      \`created_at\` BIGINT NOT NULL,
      PRIMARY KEY (\`model_id\`, \`open_time\`),
      KEY \`ix_predictions_symbol_interval_open_time\` (\`symbol\`, \`interval\`, \`open_time\`),
      CONSTRAINT \`fk_predictions_model\` FOREIGN KEY (\`model_id\`) REFERENCES \`models\` (\`id\`) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = queryRunner.connection.options.type === 'better-sqlite3' ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
    for (const table of ['predictions', 'active_models', 'models']) await queryRunner.query(`DROP TABLE ${q(table)}`);
  }
}
