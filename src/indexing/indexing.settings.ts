import type { ConfigService } from '@nestjs/config';

export const INDEXING_SETTINGS = Symbol('INDEXING_SETTINGS');

/** The validated environment variables the indexing module reads (see src/config/environment.ts). */
export interface IndexingSettings {
  /** null: indexing is off. */
  url: string | null;
  prefix: string;
  requestTimeoutMs: number;
  drainIntervalMs: number;
  batchRows: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

export function readIndexingSettings(config: ConfigService): IndexingSettings {
  return {
    url: config.get<string>('ELASTICSEARCH_URL') ?? null,
    prefix: config.getOrThrow<string>('ELASTICSEARCH_INDEX_PREFIX'),
    requestTimeoutMs: config.getOrThrow<number>('ELASTICSEARCH_REQUEST_TIMEOUT_MS'),
    drainIntervalMs: config.getOrThrow<number>('INDEXING_DRAIN_INTERVAL_MS'),
    batchRows: config.getOrThrow<number>('INDEXING_BATCH_ROWS'),
    maxAttempts: config.getOrThrow<number>('INDEXING_MAX_ATTEMPTS'),
    retryBaseDelayMs: config.getOrThrow<number>('INDEXING_RETRY_BASE_DELAY_MS'),
    retryMaxDelayMs: config.getOrThrow<number>('INDEXING_RETRY_MAX_DELAY_MS'),
  };
}

/** Exponential backoff without jitter (one drainer per database, so there is no herd to spread). */
export function backoffMs(attempt: number, settings: Pick<IndexingSettings, 'retryBaseDelayMs' | 'retryMaxDelayMs'>): number {
  return Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}
