import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The indexing outbox (`index_outbox`): what still has to reach Elasticsearch. Each row names an index source
 * (`source`, e.g. `predictions`) and a small reference to rows stored in MySQL (`ref`, JSON such as
 * `{"model_id":3,"from":…,"to":…}`); the drainer reads the rows it refers to and bulk-indexes them. A row is written in
 * the same transaction as the data it refers to, and deleted once every document it stands for is indexed.
 * `attempts`/`next_attempt_at` drive the retry backoff; `parked` = 1 after INDEXING_MAX_ATTEMPTS failed attempts
 * (kept, reported, retried by POST /api/indexing/reindex or by hand, never dropped). Times are epoch ms.
 */
export class CreateIndexing1764150000000 implements MigrationInterface {
  name = 'CreateIndexing1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(`CREATE TABLE "index_outbox" (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT,
        "source" TEXT NOT NULL,
        "ref" TEXT NOT NULL,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" INTEGER NOT NULL DEFAULT 0,
        "parked" INTEGER NOT NULL DEFAULT 0,
        "last_error" TEXT NULL,
        "created_at" INTEGER NOT NULL
      )`);
      await queryRunner.query(`CREATE INDEX "ix_index_outbox_due" ON "index_outbox" ("parked", "next_attempt_at", "id")`);
      return;
    }
    const ascii = 'CHARACTER SET ascii COLLATE ascii_bin';
    await queryRunner.query(`CREATE TABLE \`index_outbox\` (
      \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      \`source\` VARCHAR(32) ${ascii} NOT NULL,
      \`ref\` VARCHAR(1000) ${ascii} NOT NULL,
      \`attempts\` INT UNSIGNED NOT NULL DEFAULT 0,
      \`next_attempt_at\` BIGINT NOT NULL DEFAULT 0,
      \`parked\` TINYINT NOT NULL DEFAULT 0,
      \`last_error\` VARCHAR(1000) NULL,
      \`created_at\` BIGINT NOT NULL,
      PRIMARY KEY (\`id\`),
      KEY \`ix_index_outbox_due\` (\`parked\`, \`next_attempt_at\`, \`id\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = queryRunner.connection.options.type === 'better-sqlite3' ? '"index_outbox"' : '`index_outbox`';
    await queryRunner.query(`DROP TABLE ${q}`);
  }
}
