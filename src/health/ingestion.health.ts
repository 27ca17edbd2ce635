import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { IngestionSyncService } from '../ingestion/sync/ingestion-sync.service';

/**
 * `ingestion`: whether Binance answers the scheduled sync. Unreachable is `degraded`, not `down`: the app keeps serving
 * what is stored, imports still work, and the sync resumes by itself when Binance answers again.
 */
@Injectable()
export class IngestionHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly sync: IngestionSyncService,
  ) {}

  binance(): HealthIndicatorResult<'ingestion'> {
    const check = this.health.check('ingestion');
    const binance = this.sync.binance;
    if (binance.reachable) return check.up({ binance: 'reachable' });
    return check.degraded({
      binance: 'unreachable',
      since: binance.unreachableSince === null ? null : new Date(binance.unreachableSince).toISOString(),
      reason: binance.reason,
    });
  }
}
