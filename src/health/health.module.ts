import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { IndexingModule } from '../indexing/indexing.module';
import { HealthController } from './health.controller';
import { IndexingHealthIndicators } from './indexing.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), IndexingModule],
  controllers: [HealthController],
  providers: [IndexingHealthIndicators],
})
export class HealthModule {}
