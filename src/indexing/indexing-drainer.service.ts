import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { withNamedLock } from '../modelling/named-lock';
import { bulkIndex, type BulkItem } from './bulk-writer';
import { describeEsError, ELASTICSEARCH_CLIENT } from './elasticsearch.client';
import { IndexOutbox, type OutboxRow } from './index-outbox';
import { isIndexName } from './index-source';
import { INDEX_SOURCES } from './index-sources';
import { IndexTemplatesService } from './index-templates.service';
import { backoffMs, INDEXING_SETTINGS, type IndexingSettings } from './indexing.settings';

export interface DrainResult {
  /** Outbox rows handled (indexed and removed, rescheduled or parked). */
  rows: number;
  indexed: number;
  failedItems: number;
  parked: number;
  /** More rows are due right away. */
  more: boolean;
}

const LOCK_PREFIX = 'opa_crypto_indexing:';
/** Documents one batch loads and sends at most (a few MB of _bulk bodies). */
const MAX_BATCH_DOCUMENTS = 20_000;
const MYSQL_LOCK_NAME_MAX = 64;

/**
 * Drains `index_outbox` into Elasticsearch every INDEXING_DRAIN_INTERVAL_MS. On MySQL each run holds the named lock
 * `opa_crypto_indexing:<database>` (GET_LOCK), so with several instances one drains at a time. A run reads the due
 * rows, loads the documents they refer to from MySQL, bulk-indexes them and deletes the rows that fully succeeded.
 * - Elasticsearch unreachable (the request fails): nothing changes in the outbox; the drainer waits with exponential
 *   backoff (INDEXING_RETRY_BASE_DELAY_MS … INDEXING_RETRY_MAX_DELAY_MS) and tries again, for as long as it takes.
 * - A document rejected (per-item error): its row is retried with backoff; after INDEXING_MAX_ATTEMPTS it is parked
 *   (kept, counted in /health and /api/indexing/status, logged). 429 and 5xx item errors are retried without parking.
 */
@Injectable()
export class IndexingDrainer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IndexingDrainer.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private lockName: string | null = null;
  private pausedUntil = 0;
  private consecutiveFailures = 0;
  lastDrainAt: number | null = null;
  lastError: string | null = null;

  constructor(
    @Inject(ELASTICSEARCH_CLIENT) private readonly client: Client | null,
    @Inject(INDEXING_SETTINGS) private readonly settings: IndexingSettings,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: IndexOutbox,
    private readonly templates: IndexTemplatesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.client) {
      this.logger.log('Indexing is off (ELASTICSEARCH_URL is not set): results stay in the database only, nothing is queued for Elasticsearch');
      return;
    }
    this.logger.log(`Indexing into ${this.settings.url} with index prefix "${this.settings.prefix}"`);
    try {
      await this.templates.ensure();
    } catch (error) {
      this.noteFailure(`index templates not created yet: ${describeEsError(error)}`);
    }
    this.timer = setInterval(() => this.tick(), this.settings.drainIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  get paused(): boolean {
    return Date.now() < this.pausedUntil;
  }

  /** One run now (tests, and the timer); resolves when it is done. Never throws. */
  drainNow(): Promise<void> {
    if (!this.client || this.stopping) return Promise.resolve();
    this.running ??= this.runLocked().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private tick(): void {
    if (this.running || this.paused) return;
    void this.drainNow();
  }

  private async runLocked(): Promise<void> {
    try {
      const name = await this.lock();
      await withNamedLock(this.dataSource, name, async () => {
        await this.templates.ensure();
        // Keep going while there is a full batch, so a backlog empties without waiting for the timer.
        for (;;) {
          const result = await this.drainBatch();
          if (!result.more || this.stopping) break;
        }
      });
      this.lastDrainAt = Date.now();
      if (this.consecutiveFailures > 0) this.logger.log('Elasticsearch reachable again; draining the outbox');
      this.consecutiveFailures = 0;
      this.pausedUntil = 0;
    } catch (error) {
      this.noteFailure(describeEsError(error));
    }
  }

  private noteFailure(message: string): void {
    this.consecutiveFailures++;
    const delay = backoffMs(this.consecutiveFailures, this.settings);
    this.pausedUntil = Date.now() + delay;
    this.lastError = message;
    // Log the first failure and then every 10th, so an outage of hours does not flood the log.
    if (this.consecutiveFailures === 1 || this.consecutiveFailures % 10 === 0) {
      this.logger.warn(`Indexing paused (${this.consecutiveFailures} failed run(s)): ${message}; next try in ${delay} ms; the outbox keeps everything`);
    }
  }

  private async lock(): Promise<string> {
    if (this.lockName) return this.lockName;
    let database = '';
    if (this.dataSource.options.type === 'mysql' || this.dataSource.options.type === 'mariadb') {
      const [row] = await this.dataSource.query<{ db: string | null }[]>('SELECT DATABASE() AS db');
      database = row?.db ?? '';
    }
    this.lockName = `${LOCK_PREFIX}${database}`.slice(0, MYSQL_LOCK_NAME_MAX);
    return this.lockName;
  }

  /** One batch of due outbox rows. Throws (and changes nothing) when Elasticsearch cannot be reached. */
  async drainBatch(): Promise<DrainResult> {
    const client = this.client;
    const result: DrainResult = { rows: 0, indexed: 0, failedItems: 0, parked: 0, more: false };
    if (!client) return result;
    const rows = await this.outbox.due(this.settings.batchRows, Date.now());
    if (rows.length === 0) return result;

    // Load what each row refers to, oldest first, until the batch holds MAX_BATCH_DOCUMENTS (a kline reference alone
    // stands for up to 2000 documents); the rest stay due for the next batch.
    const docsOf = new Map<number, BulkItem[]>();
    const unreadable: { row: OutboxRow; error: string }[] = [];
    let documents = 0;
    let taken = 0;
    for (const row of rows) {
      if (documents >= MAX_BATCH_DOCUMENTS) break;
      taken++;
      const reader = isIndexName(row.source) ? INDEX_SOURCES[row.source].reader : undefined;
      if (!isIndexName(row.source) || !reader) {
        unreadable.push({ row, error: `no reader for index source "${row.source}"` });
        continue;
      }
      const index = this.templates.indexOf(row.source);
      const [loaded] = await reader.load(this.dataSource, [row.ref]);
      docsOf.set(row.id, loaded.map((doc) => ({ index, id: doc.id, body: doc.body })));
      documents += loaded.length;
    }
    result.rows = taken;
    result.more = taken < rows.length || rows.length === this.settings.batchRows;

    // The same document may be referred to by several rows: index it once.
    const unique = new Map<string, BulkItem>();
    for (const docs of docsOf.values()) for (const doc of docs) unique.set(`${doc.index}\u0000${doc.id}`, doc);
    const bulk = await bulkIndex(client, [...unique.values()], { flushBytes: 2_000_000, concurrency: 2 });
    result.indexed = bulk.indexed;
    result.failedItems = bulk.failures.length;
    const failed = new Map(bulk.failures.map((failure) => [`${failure.index}\u0000${failure.id}`, failure]));

    const done: number[] = [];
    const now = Date.now();
    for (const [rowId, docs] of docsOf) {
      const failures = docs.map((doc) => failed.get(`${doc.index}\u0000${doc.id}`)).filter((f) => f !== undefined);
      if (failures.length === 0) {
        done.push(rowId);
        continue;
      }
      const row = rows.find((r) => r.id === rowId)!;
      const transient = failures.every((f) => f.status === 429 || f.status >= 500);
      const attempts = row.attempts + 1;
      const park = !transient && attempts >= this.settings.maxAttempts;
      const message = `${failures.length} of ${docs.length} document(s) rejected, e.g. ${failures[0].id}: ${failures[0].error}`;
      await this.outbox.failed(rowId, attempts, now + backoffMs(attempts, this.settings), park, message);
      if (park) {
        result.parked++;
        this.logger.error(`Parked outbox row ${rowId} (${row.source} ${row.ref}) after ${attempts} attempts: ${message}`);
      } else {
        this.logger.warn(`Outbox row ${rowId} (${row.source}) will be retried (attempt ${attempts}): ${message}`);
      }
      this.lastError = message;
    }
    for (const { row, error } of unreadable) {
      const attempts = row.attempts + 1;
      const park = attempts >= this.settings.maxAttempts;
      await this.outbox.failed(row.id, attempts, now + backoffMs(attempts, this.settings), park, error);
      if (park) result.parked++;
      this.lastError = error;
    }
    await this.outbox.remove(done);
    return result;
  }
}
