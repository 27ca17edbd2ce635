import type { DataSource } from 'typeorm';

/**
 * Runs `work` only if this instance gets the MySQL named lock (GET_LOCK with no wait), so scheduled jobs run once
 * even with several app instances on one database. SQLite is single-instance: `work` just runs. Returns false when
 * another instance holds the lock.
 */
export async function withNamedLock(dataSource: DataSource, name: string, work: () => Promise<void>): Promise<boolean> {
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') {
    await work();
    return true;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query('SELECT GET_LOCK(?, 0) AS acquired', [name])) as { acquired: number | string | null }[];
    if (Number(row?.acquired) !== 1) return false;
    try {
      await work();
      return true;
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [name]);
    }
  } finally {
    await runner.release();
  }
}
