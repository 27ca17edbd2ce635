import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { ELASTICSEARCH_CLIENT } from './elasticsearch.client';
import { type IndexName, INDEX_NAMES } from './index-source';
import { indexTemplateOf, INDEX_SOURCES } from './index-sources';
import { INDEXING_SETTINGS, type IndexingSettings } from './indexing.settings';

/** Puts the composable index templates and creates the (empty) indices. Idempotent; safe from any instance. */
@Injectable()
export class IndexTemplatesService {
  private readonly logger = new Logger(IndexTemplatesService.name);
  private ready = false;

  constructor(
    @Inject(ELASTICSEARCH_CLIENT) private readonly client: Client | null,
    @Inject(INDEXING_SETTINGS) private readonly settings: IndexingSettings,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  indexOf(name: IndexName): string {
    return `${this.settings.prefix}${name}`;
  }

  /** Once per process (again after a failure): every template, then every index that does not exist yet. */
  async ensure(): Promise<void> {
    if (this.ready || !this.client) return;
    for (const name of INDEX_NAMES) {
      const template = indexTemplateOf(INDEX_SOURCES[name], this.settings.prefix);
      await this.client.indices.putIndexTemplate({
        name: template.name,
        index_patterns: template.index_patterns,
        priority: template.priority,
        template: template.template,
        _meta: template._meta,
      });
      await this.createIndex(name);
    }
    this.ready = true;
    this.logger.log(`Index templates and indices ready: ${INDEX_NAMES.map((name) => this.indexOf(name)).join(', ')}`);
  }

  /** Creates the index from its template unless it exists. */
  async createIndex(name: IndexName): Promise<void> {
    if (!this.client) return;
    const index = this.indexOf(name);
    if (await this.client.indices.exists({ index })) return;
    try {
      await this.client.indices.create({ index });
    } catch (error) {
      const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw error;
    }
  }
}
