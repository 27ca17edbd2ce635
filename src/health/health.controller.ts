import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HealthReportFilter } from './health-report.filter';
import { IndexingHealthIndicators } from './indexing.health';
import { IngestionHealthIndicator } from './ingestion.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indexing: IndexingHealthIndicators,
    private readonly ingestion: IngestionHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @UseFilters(HealthReportFilter)
  @ApiOperation({
    summary: 'Status of the database, Elasticsearch, the indexing outbox and Binance (ingestion)',
    description:
      'The database down answers 503. Elasticsearch unreachable or parked outbox rows are `degraded` (200): results wait in the outbox. ' +
      'Binance not answering the scheduled sync is `degraded` (200) too: stored data is served and the sync resumes by itself.',
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3000 }),
      () => this.indexing.elasticsearch(),
      () => this.indexing.outbox(),
      () => this.ingestion.binance(),
    ]);
  }
}
