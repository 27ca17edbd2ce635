import type { Client } from '@elastic/elasticsearch';

export interface BulkItem {
  index: string;
  id: string;
  body: Record<string, unknown>;
}

export interface BulkFailure {
  index: string;
  id: string;
  status: number;
  error: string;
}

export interface BulkResult {
  indexed: number;
  failures: BulkFailure[];
}

export interface BulkOptions {
  /** Bytes per _bulk request. */
  flushBytes?: number;
  concurrency?: number;
  /** Retries of items answered 429 (the helper waits `wait` ms between them). */
  retries?: number;
  wait?: number;
}

/**
 * Indexes documents with the client's bulk helper (`index` operations with explicit ids, so repeating one overwrites
 * it). Per-item failures are returned, never dropped; a failure of the request itself (Elasticsearch down, timeout)
 * rejects, and the caller keeps everything for later.
 */
export async function bulkIndex(client: Client, items: readonly BulkItem[], options: BulkOptions = {}): Promise<BulkResult> {
  if (items.length === 0) return { indexed: 0, failures: [] };
  const failures: BulkFailure[] = [];
  const stats = await client.helpers.bulk<BulkItem>({
    datasource: items as BulkItem[],
    onDocument: (item) => [{ index: { _index: item.index, _id: item.id } }, item.body],
    onDrop: (dropped) => {
      const error = dropped.error ? `${dropped.error.type}: ${dropped.error.reason ?? ''}` : `status ${dropped.status}`;
      // `document` is the body that was sent; the action line carries the index and id.
      const action = (dropped.operation as { index?: { _index?: string; _id?: string } }).index ?? {};
      failures.push({ index: action._index ?? '', id: action._id ?? '', status: dropped.status, error });
    },
    flushBytes: options.flushBytes ?? 5_000_000,
    concurrency: options.concurrency ?? 2,
    retries: options.retries ?? 3,
    wait: options.wait ?? 1_000,
    refreshOnCompletion: false,
  });
  return { indexed: stats.successful, failures };
}
