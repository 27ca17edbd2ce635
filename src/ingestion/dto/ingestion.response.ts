import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JOB_STATES, type JobState } from '../jobs/ingestion-job.entity';

export class BackfillAcceptedResponse {
  @ApiProperty({ example: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427', description: 'Job id: poll GET /api/ingestion/jobs/{id}' })
  id!: string;
}

export class JobErrorResponse {
  @ApiProperty({ example: 1719835200000, description: 'When, epoch ms' }) at!: number;
  @ApiProperty({
    example: 'rate-limited',
    description: 'rate-limited, banned, server-error, timeout, network, malformed-response, gave-up, skipped-candle or failed',
  })
  kind!: string;
  @ApiProperty({ example: 'GET /api/v3/klines: 429 -1003 Too much request weight used; ... pausing all calls for Retry-After' })
  message!: string;
}

export class IngestionJobResponse {
  @ApiProperty({ example: '1b4e28ba-2fa1-4d2b-883f-0016d3cca427' }) id!: string;
  @ApiProperty({ example: 'backfill' }) kind!: string;
  @ApiProperty({ example: 'BTCUSDT' }) symbol!: string;
  @ApiProperty({ example: '1h' }) interval!: string;
  @ApiProperty({ enum: JOB_STATES, example: 'running' }) state!: JobState;
  @ApiProperty({ example: 1502942400000, description: 'Requested start, epoch ms' }) start!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Requested end, epoch ms; null = up to the last closed candle' })
  end!: number | null;
  @ApiProperty({ example: 42000, description: 'Candles stored in the range so far' }) done!: number;
  @ApiProperty({
    example: 60644,
    description:
      'While running: open-time slots in the range. When completed: candles Binance has for the range as far as known ' +
      '(done plus missing candles not confirmed as exchange gaps), so done = expected means nothing is left to fetch',
  })
  expected!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Next open time to fetch (epoch ms); the job resumes here' })
  cursor!: number | null;
  @ApiProperty({ type: [JobErrorResponse], description: 'Issues met and handled (first 100), and the failure if it failed' })
  errors!: JobErrorResponse[];
  @ApiProperty({ example: 2, description: 'All issues, including those beyond the first 100' }) error_count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why the job failed' }) failure!: string | null;
  @ApiProperty({ example: '2026-11-25T10:00:00.000Z' }) created_at!: string;
  @ApiProperty({ type: String, nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, nullable: true }) finished_at!: string | null;
}

export class WeightBudgetResponse {
  @ApiProperty({ example: 4800, description: 'Weight we allow ourselves per window' }) budget!: number;
  @ApiProperty({ example: 6000 }) limit_per_window!: number;
  @ApiProperty({ example: 120 }) used_in_window!: number;
  @ApiProperty({ example: 1234 }) requests!: number;
  @ApiProperty({ example: 0, description: 'Time callers waited for the budget (ms, summed)' }) budget_wait_ms!: number;
  @ApiProperty({ example: 0, description: 'Time callers waited out 429s and 418 bans (ms, summed)' }) pause_wait_ms!: number;
  @ApiProperty({ example: 0 }) rate_limited!: number;
  @ApiProperty({ example: 0 }) bans!: number;
  @ApiProperty({ type: String, nullable: true, description: 'All calls paused until (429/418)' }) paused_until!: string | null;
}

export class SyncSummaryResponse {
  @ApiProperty() started_at!: string;
  @ApiProperty() duration_ms!: number;
  @ApiProperty() pairs!: number;
  @ApiProperty({ description: 'New candles stored' }) stored!: number;
  @ApiProperty() failed_pairs!: number;
  @ApiPropertyOptional() error?: string;
}

export class BinanceReachabilityResponse {
  @ApiProperty({ description: 'Binance answered the last sync (true until a sync finds otherwise)' }) reachable!: boolean;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Start of the current unreachable period' }) unreachable_since!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the last try failed (network, DNS, timeout, 5xx)' }) reason!: string | null;
  @ApiProperty({ example: 0, description: 'Failed tries in the current unreachable period' }) failed_tries!: number;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'No sync before this time (back-off while unreachable)' }) next_try_at!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'What to do about it, while unreachable' }) hint!: string | null;
}

export class IngestionStatusResponse {
  @ApiProperty({ description: 'This instance holds the ingestion lock (runs the schedule and backfill jobs)' }) leader!: boolean;
  @ApiProperty({ description: 'INGESTION_ENABLED' }) sync_enabled!: boolean;
  @ApiProperty({ example: '5 * * * * *' }) cron!: string;
  @ApiProperty({ example: ['BTCUSDT 1h', 'ETHUSDT 1h'] }) pairs!: string[];
  @ApiProperty({ example: [], description: 'Configured symbols the exchange does not list (skipped)' }) invalid_symbols!: string[];
  @ApiProperty({ description: 'Syncs this instance ran' }) sync_runs!: number;
  @ApiProperty({ description: 'Cron ticks skipped because the previous sync was still running (a sync that overran its slot)' })
  sync_skipped_ticks!: number;
  @ApiProperty({ type: SyncSummaryResponse, nullable: true }) last_sync!: SyncSummaryResponse | null;
  @ApiProperty({ type: WeightBudgetResponse }) weight!: WeightBudgetResponse;
  @ApiProperty({ type: BinanceReachabilityResponse }) binance!: BinanceReachabilityResponse;
}
