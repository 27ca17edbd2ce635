import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { describeEsError } from '../indexing/elasticsearch.client';
import { IndexingService } from '../indexing/indexing.service';

/**
 * `elasticsearch`: cluster health, or `enabled: false` when ELASTICSEARCH_URL is unset. Unreachable is `degraded`, not
 * `down`: the app keeps serving and the outbox keeps every result until Elasticsearch is back.
 * `indexing`: the outbox backlog and parked rows (`degraded` while any row is parked).
 */
@Injectable()
export class IndexingHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly service: IndexingService,
  ) {}

  async elasticsearch(): Promise<HealthIndicatorResult<'elasticsearch'>> {
    const check = this.health.check('elasticsearch');
    if (!this.service.enabled) return check.up({ enabled: false });
    try {
      const cluster = await this.service.clusterHealth();
      return cluster === 'red' ? check.degraded({ enabled: true, cluster }) : check.up({ enabled: true, cluster });
    } catch (error) {
      return check.degraded({ enabled: true, message: describeEsError(error) });
    }
  }

  async outbox(): Promise<HealthIndicatorResult<'indexing'>> {
    const check = this.health.check('indexing');
    let status: Awaited<ReturnType<IndexingService['status']>>;
    try {
      status = await this.service.status();
    } catch {
      // The outbox lives in the database: with the database down this is a report entry, not a 500 of /health.
      return check.down({ message: 'the indexing outbox cannot be read (see the database entry)' });
    }
    const data = { enabled: status.enabled, backlog: status.backlog, parked: status.parked, last_drain_at: status.last_drain_at, paused: status.paused };
    return status.parked > 0 ? check.degraded(data) : check.up(data);
  }
}
