import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { IndexingDrainer } from '../../src/indexing/indexing-drainer.service';
import type { TestApp } from '../support/test-app';
import { waitForModel } from '../modelling/modelling-fixtures';

/** The Elasticsearch the suites use; jest's global setup starts it with scripts/elasticsearch.sh when it is down. */
export const ELASTICSEARCH_TEST_URL = (process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200').replace(/\/+$/, '');
export const ES_SCRIPT = join(__dirname, '..', '..', 'scripts', 'elasticsearch.sh');

const run = promisify(execFile);

/** Runs scripts/elasticsearch.sh <command> for the instance at `url`. */
export async function elasticsearchScript(command: 'start' | 'stop' | 'status', url: string): Promise<string> {
  const { stdout } = await run('bash', [ES_SCRIPT, command], { env: { ...process.env, ELASTICSEARCH_URL: url }, timeout: 300_000 });
  return stdout.trim();
}

/** A prefix no other suite (or earlier run) uses, so each spec has indices of its own. */
export function uniquePrefix(tag: string): string {
  return `opa-t-${tag}-${randomBytes(3).toString('hex')}-`;
}

export function esClient(url = ELASTICSEARCH_TEST_URL): Client {
  return new Client({ node: url, requestTimeout: 30_000 });
}

/** Deletes every index and template a spec created (exact names: wildcards are refused by default). */
export async function dropPrefix(client: Client, prefix: string): Promise<void> {
  const templates = await client.indices.getIndexTemplate({ name: `${prefix}*` }).catch(() => ({ index_templates: [] }));
  const indices = Object.keys(await client.indices.get({ index: `${prefix}*`, allow_no_indices: true, expand_wildcards: 'all' }));
  for (const index of indices) await client.indices.delete({ index });
  for (const template of templates.index_templates) await client.indices.deleteIndexTemplate({ name: template.name });
}

/** Drains until the outbox is empty (the timer drains too; this just waits for it deterministically). */
export async function drainUntilEmpty(t: TestApp, timeoutMs = 60_000): Promise<void> {
  const drainer = t.app.get(IndexingDrainer);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await drainer.drainNow();
    const status = (await request(t.http).get('/api/indexing/status').expect(200)).body as { backlog: number };
    if (status.backlog === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox still holds ${status.backlog} row(s) after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Trains a small model on the stored BTCUSDT 1h candles and waits until it is ready. */
export async function trainSmallModel(t: TestApp, start: number, end: number, apiKey = ''): Promise<number> {
  const created = await request(t.http).post('/api/models').set('x-api-key', apiKey).send({
    symbol: 'BTCUSDT',
    interval: '1h',
    start: String(start),
    end: String(end),
    horizon: 4,
    folds: 3,
    seed: 11,
    hyper_parameters: { n_estimators: 8, max_depth: 6, min_num_samples: 20 },
  });
  if (created.status !== 202) throw new Error(`POST /api/models answered ${created.status}: ${JSON.stringify(created.body)}`);
  const id = (created.body as { id: number }).id;
  const { model } = await waitForModel(t.http, id);
  if (model.status !== 'ready') throw new Error(`model ${id} failed: ${model.error}`);
  return id;
}

/** Every _id in an index (scroll; sorting on _id is not allowed in 8.x). */
export async function allIds(client: Client, index: string): Promise<string[]> {
  await client.indices.refresh({ index });
  const ids: string[] = [];
  let page = await client.search({ index, size: 5_000, scroll: '1m', _source: false, sort: ['_doc'] });
  while (page.hits.hits.length > 0) {
    for (const hit of page.hits.hits) ids.push(hit._id!);
    page = await client.scroll({ scroll_id: page._scroll_id!, scroll: '1m' });
  }
  if (page._scroll_id) await client.clearScroll({ scroll_id: page._scroll_id });
  return ids;
}
