import { Body, Controller, Get, HttpCode, HttpStatus, Inject, NotFoundException, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../common/api-key.guard';
import { toIsoUtc } from '../common/time-param';
import { ApiJobQueueFull, BackgroundJobs, JobQueueFullFilter } from '../platform/jobs';
import { ParseUuidPipe } from '../common/validation';
import { BackfillBodyDto } from './dto/backfill.body.dto';
import { BackfillAcceptedResponse, IngestionJobResponse, IngestionStatusResponse } from './dto/ingestion.response';
import { IngestionLeaderService } from './ingestion-leader.service';
import { INGESTION_SETTINGS, type IngestionSettings } from './ingestion.settings';
import { IngestionJobRunner } from './jobs/ingestion-job-runner';
import { type IngestionJob, IngestionJobRepository } from './jobs/ingestion-job.repository';
import { WeightGovernor } from './source/weight-governor';
import { SymbolCatalog } from './symbol-catalog';
import { UNREACHABLE_HINT } from './sync/binance-reachability';
import { IngestionScheduler } from './sync/ingestion-scheduler';
import { IngestionSyncService } from './sync/ingestion-sync.service';

@ApiTags('ingestion')
@Controller('ingestion')
@UseFilters(JobQueueFullFilter)
export class IngestionController {
  constructor(
    private readonly jobs: IngestionJobRepository,
    private readonly runner: IngestionJobRunner,
    private readonly leader: IngestionLeaderService,
    private readonly sync: IngestionSyncService,
    private readonly catalog: SymbolCatalog,
    private readonly governor: WeightGovernor,
    private readonly scheduler: IngestionScheduler,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    private readonly backgroundJobs: BackgroundJobs,
  ) {}

  @Post('backfill')
  @UseGuards(ApiKeyGuard)
  @ApiSecurity('api-key')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start a backfill of one symbol and interval over a time range',
    description:
      'Queues a job and answers at once. The instance holding the ingestion lock pages through Binance (1000 candles a ' +
      'call, within the weight budget), upserts each page, then re-requests every gap; gaps Binance answers empty for ' +
      'become known gaps (see /api/klines/coverage). A restarted app resumes the job from its last stored candle. ' +
      'Only candles closed when the job starts are stored.',
  })
  @ApiAcceptedResponse({ type: BackfillAcceptedResponse })
  @ApiBadRequestResponse({ description: 'A field breaks its rule; the message names it' })
  @ApiUnauthorizedResponse({ description: 'API_KEY is set and x-api-key is missing or wrong' })
  @ApiJobQueueFull()
  async backfill(@Body() body: BackfillBodyDto): Promise<BackfillAcceptedResponse> {
    this.backgroundJobs.assertRoom('backfill', await this.jobs.countActive());
    const job = await this.jobs.create({
      symbol: body.symbol,
      interval: body.interval,
      startTime: body.start,
      endTime: body.end ?? null,
      expected: 0,
    });
    this.runner.kick();
    return { id: job.id };
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'State and progress of a backfill job' })
  @ApiOkResponse({ type: IngestionJobResponse })
  @ApiNotFoundResponse({ description: 'No job with this id' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  async job(@Param('id', ParseUuidPipe) id: string): Promise<IngestionJobResponse> {
    const job = await this.jobs.findById(id);
    if (!job) throw new NotFoundException(`no ingestion job ${id}`);
    return toJobResponse(job);
  }

  @Get('jobs')
  @ApiOperation({ summary: 'The 50 most recent backfill jobs, newest first' })
  @ApiOkResponse({ type: [IngestionJobResponse] })
  async jobList(): Promise<IngestionJobResponse[]> {
    return (await this.jobs.list(50)).map(toJobResponse);
  }

  @Get('status')
  @ApiOperation({ summary: 'Whether this instance ingests, the configured pairs, the last sync and the weight budget' })
  @ApiOkResponse({ type: IngestionStatusResponse })
  status(): IngestionStatusResponse {
    const weight = this.governor.stats();
    const last = this.sync.lastRun;
    const binance = this.sync.binance;
    return {
      leader: this.leader.isLeader(),
      sync_enabled: this.settings.enabled,
      cron: this.settings.cron,
      pairs: this.settings.pairs.map((pair) => `${pair.symbol} ${pair.interval}`),
      invalid_symbols: this.catalog.invalidSymbols(this.settings.pairs),
      sync_runs: this.sync.runCount,
      sync_skipped_ticks: this.scheduler.skippedTicks,
      last_sync: last && {
        started_at: toIsoUtc(last.startedAt),
        duration_ms: last.durationMs,
        pairs: last.pairs,
        stored: last.stored,
        failed_pairs: last.failedPairs,
        ...(last.error ? { error: last.error } : {}),
      },
      weight: {
        budget: weight.budget,
        limit_per_window: weight.limitPerWindow,
        used_in_window: weight.usedInWindow,
        requests: weight.requests,
        budget_wait_ms: weight.budgetWaitMs,
        pause_wait_ms: weight.pauseWaitMs,
        rate_limited: weight.rateLimited,
        bans: weight.bans,
        paused_until: weight.pausedUntil === null ? null : toIsoUtc(weight.pausedUntil),
      },
      binance: {
        reachable: binance.reachable,
        unreachable_since: binance.unreachableSince === null ? null : toIsoUtc(binance.unreachableSince),
        reason: binance.reason,
        failed_tries: binance.failedTries,
        next_try_at: binance.nextTryAt === null ? null : toIsoUtc(binance.nextTryAt),
        hint: binance.reachable ? null : UNREACHABLE_HINT,
      },
    };
  }
}

function toJobResponse(job: IngestionJob): IngestionJobResponse {
  return {
    id: job.id,
    kind: job.kind,
    symbol: job.symbol,
    interval: job.interval,
    state: job.state,
    start: job.startTime,
    end: job.endTime,
    done: job.done,
    expected: job.expected,
    cursor: job.cursorTime,
    errors: job.errors,
    error_count: job.errorCount,
    failure: job.failure,
    created_at: toIsoUtc(job.createdAt),
    started_at: job.startedAt === null ? null : toIsoUtc(job.startedAt),
    finished_at: job.finishedAt === null ? null : toIsoUtc(job.finishedAt),
  };
}
