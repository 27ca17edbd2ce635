import { Client, errors } from '@elastic/elasticsearch';
import type { IndexingSettings } from './indexing.settings';

export const ELASTICSEARCH_CLIENT = Symbol('ELASTICSEARCH_CLIENT');

/** The client when ELASTICSEARCH_URL is set, else null. Readiness is `_cluster/health` (the test build has no GET /). */
export function createElasticsearchClient(settings: IndexingSettings): Client | null {
  if (!settings.url) return null;
  return new Client({ node: settings.url, requestTimeout: settings.requestTimeoutMs, maxRetries: 1 });
}

/** Short text of an Elasticsearch failure, without URLs' credentials. */
export function describeEsError(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const body = error.meta.body as { error?: { type?: string; reason?: string } } | undefined;
    return `${error.meta.statusCode ?? '?'} ${body?.error?.type ?? ''} ${body?.error?.reason ?? error.message}`.trim();
  }
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) {
    return `Elasticsearch unreachable: ${error.name}`;
  }
  return error instanceof Error ? error.message : String(error);
}
