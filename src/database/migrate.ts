import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { validateEnvironment, EnvironmentError } from '../config/environment';
import { buildDataSourceOptions } from './data-source-options';
import { runPendingMigrations } from './run-migrations';

/**
 * `npm run migration:run` applies pending migrations; `-- --revert` undoes the newest one.
 * The app also migrates on start unless DATABASE_MIGRATIONS_RUN=false.
 */
async function main(): Promise<void> {
  // Same variables as the app: a .env beside package.json, then the real environment, which wins.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const environment = validateEnvironment(process.env);
  const dataSource = new DataSource(buildDataSourceOptions(environment));
  await dataSource.initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      process.stdout.write('Reverted the newest migration\n');
    } else {
      const applied = await runPendingMigrations(dataSource);
      process.stdout.write(applied === 0 ? 'Schema is up to date\n' : `Applied ${applied} migration(s)\n`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof EnvironmentError ? `${error.message}\n` : `Migration failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
