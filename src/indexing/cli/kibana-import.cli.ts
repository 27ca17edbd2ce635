import { existsSync, readFileSync } from 'node:fs';
import { EnvironmentError, validateEnvironment } from '../../config/environment';
import { importSavedObjects, KibanaImportError, prepareExport } from '../kibana/kibana-import';
import { KIBANA_EXPORT_FILE } from '../kibana/saved-objects';

/**
 * `npm run kibana:import [-- file.ndjson]`: validates the export (kibana-export/opa-crypto.ndjson by default), points
 * its data views at ELASTICSEARCH_INDEX_PREFIX and imports it into KIBANA_URL, overwriting earlier imports.
 * KIBANA_IMPORT_WAIT_SECONDS (default 0) keeps retrying while Kibana starts. Exit code 1 on any failure.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const environment = validateEnvironment(process.env);
  const file = process.argv[2] ?? KIBANA_EXPORT_FILE;
  const ndjson = prepareExport(readFileSync(file, 'utf8'), environment.ELASTICSEARCH_INDEX_PREFIX);
  const wait = Number(process.env.KIBANA_IMPORT_WAIT_SECONDS ?? 0);
  const result = await importSavedObjects({
    kibanaUrl: environment.KIBANA_URL,
    ndjson,
    apiKey: environment.KIBANA_API_KEY,
    waitMs: Number.isFinite(wait) && wait > 0 ? wait * 1000 : 0,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (!result.success) {
    process.stderr.write(`Kibana import failed (${result.successCount} imported):\n  ${result.errors.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`Imported ${result.successCount} saved objects from ${file} into ${environment.KIBANA_URL} (dashboard "OPA Crypto")\n`);
}

main().catch((error: unknown) => {
  const known = error instanceof EnvironmentError || error instanceof KibanaImportError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${known ? message : `Kibana import failed: ${message}`}\n`);
  process.exit(1);
});
