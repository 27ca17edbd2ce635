import { createConnection } from 'mysql2/promise';

/** Server the integration tests use; CI and the README point it at the local MariaDB. */
export const MYSQL_TEST_SERVER = process.env.MYSQL_TEST_SERVER ?? 'mysql://root@127.0.0.1:3306';

/**
 * Drops and recreates `opa_crypto_test_<suffix>` so every suite starts from an empty schema of its own,
 * and returns its DATABASE_URL.
 */
export async function freshMysqlDatabase(suffix: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(suffix)) throw new Error(`Database suffix ${suffix} must be lower-case letters, digits, _`);
  const name = `opa_crypto_test_${suffix}`;
  const connection = await createConnection(MYSQL_TEST_SERVER);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
  return `${MYSQL_TEST_SERVER}/${name}`;
}
