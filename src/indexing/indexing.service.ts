import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bulkIndex } from './bulk-writer';
import type { IndexingStatusResponse, ReindexResponse } from './dto/indexing.response';
import { describeEsError, ELASTICSEARCH_CLIENT } from './elasticsearch.client';
import { IndexOutbox } from './index-outbox';
import { type IndexName, INDEX_NAMES } from './index-source';
import { INDEX_SOURCES } from './index-sources';
import { IndexTemplatesService } from './index-templates.service';
import { IndexingDrainer } from './indexing-drainer.service';
import { IndexingError, IndexingErrorCode } from './indexing.errors';

const REINDEX_PAGE_ROWS = 5_000;

/** Status of the indexing pipeline and rebuilding an index from MySQL. */
@Injectable()
export class IndexingService {
  private readonly logger = new Logger(IndexingService.name);

  constructor(
    @Inject(ELASTICSEARCH_CLIENT) private readonly client: Client | null,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: IndexOutbox,
    private readonly templates: IndexTemplatesService,
    private readonly drainer: IndexingDrainer,
  ) {}

  get enabled(): boolean {
    return this.client !== null;
  }

  async status(): Promise<IndexingStatusResponse> {
    const counts = await this.outbox.counts();
    return {
      enabled: this.enabled,
      backlog: counts.backlog,
      parked: counts.parked,
      last_drain_at: this.drainer.lastDrainAt,
      last_error: this.drainer.lastError,
      paused: this.drainer.paused,
      indices: INDEX_NAMES.map((name) => ({
        name,
        index: this.templates.indexOf(name),
        time_field: INDEX_SOURCES[name].timeField,
        fed: INDEX_SOURCES[name].reader !== undefined,
      })),
      parked_rows: counts.parked > 0 ? await this.outbox.parkedRows(20) : [],
    };
  }

  /** Cluster health for GET /health (throws when unreachable). */
  async clusterHealth(): Promise<string> {
    if (!this.client) return 'disabled';
    const health = await this.client.cluster.health({ timeout: '2s' }, { requestTimeout: 3_000, maxRetries: 0 });
    return health.status;
  }

  /**
   * Deletes the index, creates it again from its template and fills it with every document read from MySQL. The
   * drainer may index into it meanwhile: it writes the same documents under the same ids, so nothing is duplicated.
   */
  async reindex(name: IndexName): Promise<ReindexResponse> {
    const client = this.client;
    if (!client) throw new IndexingError(IndexingErrorCode.Disabled, 'indexing is off: set ELASTICSEARCH_URL to use Elasticsearch');
    const reader = INDEX_SOURCES[name].reader;
    if (!reader) {
      throw new IndexingError(IndexingErrorCode.NoReader, `index ${name} is not fed from the database yet (template only)`, [
        { field: 'index', rule: 'fedFromDatabase', message: `index ${name} has no database reader yet` },
      ]);
    }
    const started = Date.now();
    const index = this.templates.indexOf(name);
    let documents = 0;
    let failed = 0;
    const errors: string[] = [];
    try {
      await this.templates.ensure();
      await client.indices.delete({ index }, { ignore: [404] });
      await this.templates.createIndex(name);
      for await (const page of reader.scan(this.dataSource, REINDEX_PAGE_ROWS)) {
        const result = await bulkIndex(client, page.map((doc) => ({ index, id: doc.id, body: doc.body })));
        documents += result.indexed;
        failed += result.failures.length;
        for (const failure of result.failures) if (errors.length < 10) errors.push(`${failure.id}: ${failure.error}`);
      }
      await client.indices.refresh({ index });
    } catch (error) {
      throw new IndexingError(IndexingErrorCode.Unavailable, `reindex of ${name} failed: ${describeEsError(error)}`);
    }
    const parkedCleared = failed === 0 ? await this.outbox.clearParked(name) : 0;
    const took = Date.now() - started;
    this.logger.log(`Rebuilt ${index} from the database: ${documents} document(s), ${failed} rejected, ${took} ms`);
    return { index: name, physical_index: index, documents, failed, errors, parked_cleared: parkedCleared, took_ms: took };
  }
}
