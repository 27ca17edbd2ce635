import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createElasticsearchClient, ELASTICSEARCH_CLIENT } from './elasticsearch.client';
import { IndexTemplatesService } from './index-templates.service';
import { IndexingController } from './indexing.controller';
import { IndexingDrainer } from './indexing-drainer.service';
import { IndexingService } from './indexing.service';
import { INDEXING_SETTINGS, readIndexingSettings } from './indexing.settings';
import type { Client } from '@elastic/elasticsearch';

/**
 * Results into Elasticsearch: index templates at start-up, the outbox drainer (single instance via GET_LOCK), the
 * status and reindex endpoints. The outbox writer itself is IndexOutboxModule (global, used by the writers).
 */
@Module({
  controllers: [IndexingController],
  providers: [
    { provide: INDEXING_SETTINGS, inject: [ConfigService], useFactory: readIndexingSettings },
    { provide: ELASTICSEARCH_CLIENT, inject: [INDEXING_SETTINGS], useFactory: createElasticsearchClient },
    {
      provide: 'ELASTICSEARCH_CLIENT_CLOSER',
      inject: [ELASTICSEARCH_CLIENT],
      useFactory: (client: Client | null) => ({ onApplicationShutdown: () => client?.close() }),
    },
    IndexTemplatesService,
    IndexingDrainer,
    IndexingService,
  ],
  exports: [IndexingService, IndexingDrainer, INDEXING_SETTINGS, ELASTICSEARCH_CLIENT],
})
export class IndexingModule {}
