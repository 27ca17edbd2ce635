import { Controller, Get, Post } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { CronJob } from 'cron';
import { RETRAIN_JOB } from '../modelling/modelling.scheduler';
import { DashboardModule } from './dashboard.module';
import { DashboardSourcesService } from './dashboard-sources.service';

// Stand-ins shaped like the controllers other branches add (contracts.md), written in two different Nest styles.
@Controller('trading')
class TradingLikeController {
  @Get('status') status() {
    return {};
  }
  @Get('equity') equity() {
    return {};
  }
}

@Controller()
class BacktestsLikeController {
  @Get('backtests') list() {
    return {};
  }
  @Get('backtests/:backtestId/equity') equity() {
    return {};
  }
}

@Controller('indexing')
class IndexingWithoutStatusController {
  @Post('reindex') reindex() {
    return {};
  }
}

async function sourcesWith(controllers: (new () => object)[], environment: Record<string, string> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, ignoreEnvVars: true, load: [() => environment] }), ScheduleModule.forRoot(), DashboardModule],
    controllers,
  }).compile();
  return { service: moduleRef.get(DashboardSourcesService), registry: moduleRef.get(SchedulerRegistry), close: () => moduleRef.close() };
}

describe('DashboardSourcesService', () => {
  it('finds optional endpoints by method and path, whatever the parameter names and controller prefixes', async () => {
    const { service, close } = await sourcesWith([TradingLikeController, BacktestsLikeController, IndexingWithoutStatusController]);
    // indexing has only POST reindex, not GET status.
    expect(service.describe().sources).toEqual({ trading: true, backtests: true, indexing: false });
    await close();
  });

  it('reports nothing optional when those controllers are absent, and no retrain without MODEL_RETRAIN_CRON', async () => {
    const { service, close } = await sourcesWith([]);
    expect(service.describe()).toEqual({ sources: { trading: false, backtests: false, indexing: false }, retrain: null });
    await close();
  });

  it('gives the next run of the scheduled retrain job', async () => {
    const { service, registry, close } = await sourcesWith([], { MODEL_RETRAIN_CRON: '0 3 * * 0' });
    expect(service.describe().retrain).toEqual({ cron: '0 3 * * 0', next_at: null, next_at_iso: null });
    const job = CronJob.from({ cronTime: '0 3 * * 0', onTick: () => undefined, start: true, timeZone: 'UTC' });
    registry.addCronJob(RETRAIN_JOB, job);
    const next = job.nextDate().toMillis();
    expect(new Date(next).getUTCDay()).toBe(0);
    expect(service.describe().retrain).toEqual({ cron: '0 3 * * 0', next_at: next, next_at_iso: new Date(next).toISOString() });
    void job.stop();
    await close();
  });
});
