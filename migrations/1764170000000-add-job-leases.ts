import type { MigrationInterface, QueryRunner } from 'typeorm';

const LEASED_TABLES = ['models', 'backtests'] as const;

/**
 * Training and backtest jobs are claimed through the database (src/platform/jobs): `owner` names the app instance
 * running the job and `lease_until` (epoch ms, database clock) how long its claim holds without a heartbeat, so any
 * instance may take a queued job or one whose lease expired, and never a live instance's. `models` gains the
 * `attempts` count `backtests` already has, so a job that keeps killing its instance is failed after a few tries.
 */
export class AddJobLeases1764170000000 implements MigrationInterface {
  name = 'AddJobLeases1764170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const q = (name: string) => (sqlite ? `"${name}"` : `\`${name}\``);
    for (const table of LEASED_TABLES) {
      await queryRunner.query(`ALTER TABLE ${q(table)} ADD COLUMN ${q('owner')} ${sqlite ? 'TEXT' : 'VARCHAR(100)'} NULL`);
      await queryRunner.query(`ALTER TABLE ${q(table)} ADD COLUMN ${q('lease_until')} ${sqlite ? 'INTEGER' : 'BIGINT'} NULL`);
    }
    await queryRunner.query(`ALTER TABLE ${q('models')} ADD COLUMN ${q('attempts')} ${sqlite ? 'INTEGER' : 'INT'} NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const q = (name: string) => (sqlite ? `"${name}"` : `\`${name}\``);
    await queryRunner.query(`ALTER TABLE ${q('models')} DROP COLUMN ${q('attempts')}`);
    for (const table of LEASED_TABLES) {
      await queryRunner.query(`ALTER TABLE ${q(table)} DROP COLUMN ${q('lease_until')}`);
      await queryRunner.query(`ALTER TABLE ${q(table)} DROP COLUMN ${q('owner')}`);
    }
  }
}
