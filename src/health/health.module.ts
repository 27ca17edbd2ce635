import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { IndexingModule } from '../indexing/indexing.module';
import { IngestionModule } from '../ingestion/ingestion.module';
import { HealthController } from './health.controller';
import { IndexingHealthIndicators } from './indexing.health';
import { IngestionHealthIndicator } from './ingestion.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), IndexingModule, IngestionModule],
  controllers: [HealthController],
  providers: [IndexingHealthIndicators, IngestionHealthIndicator],
})
export class HealthModule {}
