import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import type { MappingProperty } from '@elastic/elasticsearch/lib/api/types';
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
      if (!(await this.createIndex(name))) await this.addMissingFields(name, template.template.mappings.properties);
    }
    this.ready = true;
    this.logger.log(`Index templates and indices ready: ${INDEX_NAMES.map((name) => this.indexOf(name)).join(', ')}`);
  }

  /**
   * An index made by an older version lacks the fields added since (e.g. backtest documents' in_sample) and, being
   * strict, would reject documents carrying them: those fields are added to its mapping. Fields it has are left as
   * they are (adding a field is always allowed; changing one is not).
   */
  private async addMissingFields(name: IndexName, properties: Record<string, MappingProperty>): Promise<void> {
    if (!this.client) return;
    const index = this.indexOf(name);
    const current = await this.client.indices.getMapping({ index });
    const existing = Object.values(current)[0]?.mappings.properties ?? {};
    const missing = Object.fromEntries(Object.entries(properties).filter(([field]) => !(field in existing)));
    if (Object.keys(missing).length === 0) return;
    await this.client.indices.putMapping({ index, properties: missing });
    this.logger.log(`${index}: added ${Object.keys(missing).join(', ')} to the mapping`);
  }

  /** Creates the index from its template unless it exists. true when this call created it. */
  async createIndex(name: IndexName): Promise<boolean> {
    if (!this.client) return false;
    const index = this.indexOf(name);
    if (await this.client.indices.exists({ index })) return false;
    try {
      await this.client.indices.create({ index });
      return true;
    } catch (error) {
      const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw error;
      return false;
    }
  }
}
