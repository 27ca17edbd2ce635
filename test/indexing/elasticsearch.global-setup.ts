import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Jest global setup of the integration project: makes sure the Elasticsearch the specs use is up, so plain
 * `npm test` works on a fresh machine. When ELASTICSEARCH_URL (default http://127.0.0.1:9200) does not answer
 * `_cluster/health`, scripts/elasticsearch.sh starts one (fetched once from Maven Central). OPA_SKIP_ELASTICSEARCH=1
 * skips this (the indexing specs then fail).
 */
export default async function startElasticsearch(): Promise<void> {
  if (process.env.OPA_SKIP_ELASTICSEARCH === '1') return;
  const url = (process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200').replace(/\/+$/, '');
  try {
    const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(3_000) });
    if (response.ok) return;
  } catch {
    // not running: start it below
  }
  process.stderr.write(`\nElasticsearch is not answering at ${url}: starting it with scripts/elasticsearch.sh\n`);
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'elasticsearch.sh'), 'start'], {
    env: { ...process.env, ELASTICSEARCH_URL: url },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 600_000,
  });
}
