import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { DatabaseLogger } from './database-logger';
import { DATABASE_ENTITIES } from './entities';

export interface DatabaseSettings {
  DATABASE_URL?: string;
  SQLITE_PATH: string;
}

/**
 * MySQL when DATABASE_URL is set, otherwise the embedded SQLite file, so `npm start` needs nothing installed.
 * Both run the same migrations; `synchronize` stays off everywhere.
 */
export function buildDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = {
    entities: DATABASE_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: ['error', 'warn'] as ('error' | 'warn')[],
    logger: new DatabaseLogger(),
  };
  if (settings.DATABASE_URL) {
    return {
      ...common,
      type: 'mysql',
      url: settings.DATABASE_URL,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      // Decimals stay strings so prices are never rounded through a float.
      supportBigNumbers: true,
      bigNumberStrings: false,
      extra: { connectionLimit: 10, decimalNumbers: false },
    };
  }
  const file = settings.SQLITE_PATH === ':memory:' ? ':memory:' : resolve(settings.SQLITE_PATH);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
    },
  };
}

export function isMysql(options: DataSourceOptions): boolean {
  return options.type === 'mysql' || options.type === 'mariadb';
}
