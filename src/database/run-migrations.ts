import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

const MIGRATION_LOCK = 'opa_crypto_migrations';
const MIGRATION_LOCK_TIMEOUT_SECONDS = 120;

/**
 * Applies pending migrations. On MySQL a named lock serialises instances that start together, because MySQL DDL
 * commits implicitly and two runners would otherwise race on the same migration.
 */
export async function runPendingMigrations(dataSource: DataSource, logger = new Logger('Migrations')): Promise<number> {
  if (dataSource.options.type !== 'mysql') return apply(dataSource, logger);
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    const [row] = (await queryRunner.query('SELECT GET_LOCK(?, ?) AS acquired', [
      MIGRATION_LOCK,
      MIGRATION_LOCK_TIMEOUT_SECONDS,
    ])) as { acquired: number | string | null }[];
    if (Number(row?.acquired) !== 1) throw new Error(`Timed out waiting for the migration lock ${MIGRATION_LOCK}`);
    try {
      return await apply(dataSource, logger);
    } finally {
      await queryRunner.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
    }
  } finally {
    await queryRunner.release();
  }
}

async function apply(dataSource: DataSource, logger: Logger): Promise<number> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  for (const migration of applied) logger.log(`Applied migration ${migration.name}`);
  return applied.length;
}
