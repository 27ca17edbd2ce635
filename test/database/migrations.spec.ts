import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { buildDataSourceOptions, type DatabaseSettings } from '../../src/database/data-source-options';
import { runPendingMigrations } from '../../src/database/run-migrations';
import { freshMysqlDatabase } from '../support/test-database';

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ name: string }[]>(
    dataSource.options.type === 'mysql'
      ? 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
  );
  return rows.map((row) => row.name).sort();
}

describe.each<[string, () => Promise<DatabaseSettings>]>([
  ['MariaDB', async () => ({ DATABASE_URL: await freshMysqlDatabase('migrations'), SQLITE_PATH: '' })],
  ['SQLite', () => Promise.resolve({ SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'opa-migrations-')), 'db.sqlite') })],
])('migrations on %s', (_store, settings) => {
  let dataSource: DataSource;
  let sqlitePath = '';

  beforeAll(async () => {
    const resolved = await settings();
    sqlitePath = resolved.DATABASE_URL ? '' : resolved.SQLITE_PATH;
    dataSource = new DataSource(buildDataSourceOptions(resolved));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    if (sqlitePath) rmSync(join(sqlitePath, '..'), { recursive: true, force: true });
  });

  it('applies every migration, reverts each one down to an empty schema, and applies them again', async () => {
    expect(await runPendingMigrations(dataSource)).toBe(ALL_MIGRATIONS.length);
    const migrated = await tableNames(dataSource);
    expect(migrated).toEqual(expect.arrayContaining(['klines', 'migrations']));
    expect(await runPendingMigrations(dataSource)).toBe(0);

    for (let i = 0; i < ALL_MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tableNames(dataSource)).toEqual(['migrations']);

    expect(await runPendingMigrations(dataSource)).toBe(ALL_MIGRATIONS.length);
    expect(await tableNames(dataSource)).toEqual(migrated);
  });
});
