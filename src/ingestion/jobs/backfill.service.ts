import { Inject, Injectable, Logger } from '@nestjs/common';
import { KlineRepository } from '../../market-data/kline.repository';
import { gridCeil, lastClosedOpenTime, slotCount } from '../candle-grid';
import { isTransientDatabaseError } from '../../platform/database/transient-errors';
import { DatabaseRetry, IngestionLockPending } from '../database-retry';
import { isAbort } from '../ingestion-lifecycle';
import { KlineIngestor } from '../kline-ingestor';
import { isKnownGap, KnownGapRepository } from '../../market-data/known-gap.repository';
import { MARKET_DATA_SOURCE, type MarketDataSource, type SourceIssue } from '../source/market-data-source';
import { SymbolCatalog } from '../symbol-catalog';
import { addJobError, type IngestionJob, IngestionJobRepository } from './ingestion-job.repository';

/** Progress goes to the log at most this often. */
const PROGRESS_LOG_MS = 5_000;

/**
 * Runs one backfill job: pages forward from the job's cursor (each page and the new cursor commit together, so a
 * restarted app resumes from the last stored candle), then repairs the range's gaps, recording those Binance has no
 * candles for as known gaps. Only candles closed at the exchange's time when the run starts are stored.
 */
@Injectable()
export class BackfillService {
  private readonly logger = new Logger(BackfillService.name);

  constructor(
    @Inject(MARKET_DATA_SOURCE) private readonly source: MarketDataSource,
    private readonly jobs: IngestionJobRepository,
    private readonly klines: KlineRepository,
    private readonly knownGaps: KnownGapRepository,
    private readonly ingestor: KlineIngestor,
    private readonly catalog: SymbolCatalog,
    private readonly retry: DatabaseRetry,
  ) {}

  /**
   * Runs the job to completed or failed; if `signal` aborts (shutdown), leaves it running for the next start. When the
   * database goes away mid-run the job resumes from its last committed cursor once it is back (DatabaseRetry); if it
   * stays away, the job is left running and the runner picks it up again on a later poll. It is never failed for that.
   */
  async run(job: IngestionJob, signal: AbortSignal): Promise<void> {
    const label = `Backfill ${job.id} ${job.symbol} ${job.interval}`;
    const resuming = job.state === 'running';
    try {
      await this.retry.execute(
        label,
        async (attempt) => {
          if (attempt > 0 && !(await this.reloadProgress(job))) return;
          await this.runOnce(job, label, resuming || attempt > 0, signal);
        },
        {
          signal,
          onRetry: (error) => addJobError(job, { kind: 'database', message: `database unavailable (${describe(error)}); resuming from the last stored page` }),
        },
      );
    } catch (error) {
      if (isAbort(error, signal)) {
        this.logger.warn(`${label}: interrupted by shutdown at ${job.cursorTime === null ? 'start' : new Date(job.cursorTime).toISOString()}; resumes on the next start`);
        await this.jobs.save(job).catch(() => undefined);
        return;
      }
      if (error instanceof IngestionLockPending || isTransientDatabaseError(error)) {
        // Still running in the table: whoever holds the lock once the database is back resumes it from its cursor.
        job.state = 'running';
        this.logger.warn(`${label}: database still unavailable after retrying (${describe(error)}); the job resumes when it is back`);
        return;
      }
      const message = describe(error);
      job.state = 'failed';
      job.failure = message;
      job.finishedAt = Date.now();
      addJobError(job, { kind: 'failed', message });
      this.logger.error(`${label}: failed: ${message}`);
      await this.jobs.save(job).catch((saveError: unknown) => {
        job.state = 'running';
        this.logger.warn(`${label}: could not record the failure (${describe(saveError)}); the job runs again later`);
      });
    }
  }

  /**
   * After a lost database connection: the committed cursor and count are the truth (a page whose transaction did not
   * commit is asked for again). False when the job is no longer ours to run (finished, or gone).
   */
  private async reloadProgress(job: IngestionJob): Promise<boolean> {
    const stored = await this.jobs.findById(job.id);
    if (!stored || (stored.state !== 'running' && stored.state !== 'queued')) {
      if (stored) job.state = stored.state;
      return false;
    }
    job.cursorTime = stored.cursorTime;
    job.done = stored.done;
    return true;
  }

  private async runOnce(job: IngestionJob, label: string, resuming: boolean, signal: AbortSignal): Promise<void> {
    const pair = { symbol: job.symbol, interval: job.interval };
    const onIssue = (issue: SourceIssue): void => addJobError(job, { kind: issue.kind, message: issue.message });
    const context = { signal, onIssue };
    job.state = 'running';
    job.startedAt ??= Date.now();
    await this.jobs.save(job);
    if (!(await this.catalog.isListed(job.symbol, context))) {
      throw new JobFailure(`symbol ${job.symbol} is not listed on ${this.source.name} (exchangeInfo)`);
    }
    const serverTime = await this.source.serverTime(context);
    const lastClosed = lastClosedOpenTime(job.interval, serverTime);
    const start = gridCeil(job.interval, job.startTime);
    const end = Math.min(job.endTime ?? lastClosed, lastClosed);
    job.expected = slotCount(job.interval, start, end);
    job.done = await this.klines.count(job.symbol, job.interval, start, end);
    const cursor = job.cursorTime ?? start;
    this.logger.log(
      `${label}: ${resuming ? `resuming from ${new Date(cursor).toISOString()}` : 'starting'}, ` +
        `${new Date(start).toISOString()} .. ${new Date(end).toISOString()} (${job.expected} candle slots, ${job.done} stored)`,
    );
    let lastLog = Date.now();
    let pages = 0;
    await this.ingestor.ingestRange(pair, cursor, end, {
      ...context,
      closedBefore: serverTime,
      onSkipped: (skipped) =>
        addJobError(job, { kind: 'skipped-candle', message: `${skipped.openTime === null ? '?' : new Date(skipped.openTime).toISOString()}: ${skipped.reason}` }),
      onPage: async (page, manager) => {
        pages++;
        job.cursorTime = page.nextCursor;
        job.done = Math.min(job.expected, job.done + page.stored);
        await this.jobs.save(job, manager);
        if (Date.now() - lastLog >= PROGRESS_LOG_MS) {
          lastLog = Date.now();
          this.logger.log(`${label}: ${job.done}/${job.expected} candles, ${pages} pages, at ${new Date(page.nextCursor).toISOString()}`);
        }
      },
    });
    const repair = await this.ingestor.repairGaps(pair, start, end, { ...context, closedBefore: serverTime });
    await this.finish(job, start, end);
    this.logger.log(
      `${label}: completed, ${job.done} candles stored in range (${pages} pages; ${repair.gapsFound} gaps checked, ` +
        `${repair.filled} candles filled, ${repair.knownGaps} known gaps recorded; ${job.errorCount} issues)`,
    );
  }

  /**
   * Exact counts at the end: done = candles stored in the range; expected = done plus the missing candles Binance has
   * not confirmed it lacks (0 when every gap is a known gap), so done = expected means nothing is left to fetch.
   */
  private async finish(job: IngestionJob, start: number, end: number): Promise<void> {
    job.done = await this.klines.count(job.symbol, job.interval, start, end);
    const known = await this.knownGaps.find(job.symbol, job.interval, start, end);
    const unconfirmed = (await this.klines.missingRanges(job.symbol, job.interval, start, end))
      .filter((gap) => !isKnownGap(known, gap.from, gap.to))
      .reduce((sum, gap) => sum + gap.missing, 0);
    job.expected = job.done + unconfirmed;
    job.state = 'completed';
    job.finishedAt = Date.now();
    await this.jobs.save(job);
  }
}

/** A job that cannot succeed (e.g. the symbol is not listed): failed at once, not retried. */
export class JobFailure extends Error {}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
