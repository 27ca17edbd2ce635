import { createConnection } from 'mysql2/promise';

/** Server the integration tests use; CI and the README point it at the local MariaDB. */
export const MYSQL_TEST_SERVER = process.env.MYSQL_TEST_SERVER ?? 'mysql://root@127.0.0.1:3306';

/** Lets two checkouts run their suites on one server at once without dropping each other's databases. */
const TEST_DATABASE_PREFIX = process.env.OPA_TEST_DB_PREFIX ?? 'opa_crypto_test';

/**
 * Drops and recreates `opa_crypto_test_<suffix>` (prefix from OPA_TEST_DB_PREFIX) so every suite starts from an empty schema of its own,
 * and returns its DATABASE_URL.
 */
export async function freshMysqlDatabase(suffix: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(suffix)) throw new Error(`Database suffix ${suffix} must be lower-case letters, digits, _`);
  return recreateMysqlDatabase(MYSQL_TEST_SERVER, `${TEST_DATABASE_PREFIX}_${suffix}`);
}

/** Drops and recreates database `name` on `server` (a URL without a database); returns the database's URL. */
export async function recreateMysqlDatabase(server: string, name: string): Promise<string> {
  const connection = await createConnection(server);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
  return `${server}/${name}`;
}

export async function dropMysqlDatabase(server: string, name: string): Promise<void> {
  const connection = await createConnection(server);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
