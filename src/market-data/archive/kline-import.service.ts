import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { basename } from 'node:path';
import { DataSource } from 'typeorm';
import { type BinanceInterval, isBinanceInterval } from '../binance-interval';
import type { KlineRecord } from '../kline-record';
import { SYMBOL_PATTERN } from '../kline-record';
import { KlineRepository } from '../kline.repository';
import { type ArchiveLimits, IMPORT_LIMITS, ImportLimitExceeded } from './import-limits';
import { type ArchiveSource, readArchiveLines } from './kline-archive-reader';
import { parseKlineRow } from './kline-row-parser';

const WRITE_BATCH_ROWS = 5_000;
const REPORTED_PROBLEMS = 50;
// data.binance.vision names files SYMBOL-INTERVAL-YYYY-MM[-DD].(csv|zip) and spells the month interval "1mo".
/** Binance's archive names, with or without the date part: BTCUSDT-1h-2024-01.zip, BTCUSDT-1m-2024-01-31.csv, BTCUSDT-1m.csv. */
const ARCHIVE_NAME = /^([A-Z0-9]{2,20})-(\w{2,3})(?:-\d{4}-\d{2}(?:-\d{2})?)?\.(?:csv|zip)$/i;

export interface RowProblem {
  line: number;
  entry?: string;
  reason: string;
}

export interface FileImportResult {
  file: string;
  symbol: string | null;
  interval: string | null;
  status: 'imported' | 'rejected';
  /** Candles read from the file and written (inserted or already stored). */
  klines: number;
  /** Candles that were not stored before this import. */
  inserted: number;
  first_open_time: number | null;
  last_open_time: number | null;
  /** Rows that are real Binance anomalies (off-grid or cut-short candles): not stored, their interval stays a gap. */
  skipped: RowProblem[];
  skipped_count: number;
  /** Why the file was rejected; a rejected file changes nothing in the database. */
  errors: RowProblem[];
  error_count: number;
}

export interface ImportOptions {
  symbol?: string;
  interval?: string;
}

/** Why an import stopped before its last file: a file passed a limit, or the caller aborted (client gone). */
export type ImportStop = { reason: 'limit'; exceeded: ImportLimitExceeded } | { reason: 'aborted' };

export interface ImportBatch {
  /** The files read, in order; files after a stop are not read and not listed. */
  files: FileImportResult[];
  stop: ImportStop | null;
}

class RejectedFile extends Error {}

/** Imports Binance kline archive files, each one all-or-nothing inside its own transaction. */
@Injectable()
export class KlineImportService {
  private readonly logger = new Logger(KlineImportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly klines: KlineRepository,
    @Inject(IMPORT_LIMITS) private readonly limits: ArchiveLimits,
  ) {}

  /**
   * Imports the files in order, each all-or-nothing. A file that passes a limit, or an abort, stops the batch: that
   * file is rolled back and the later files are not read (files finished before stay imported).
   */
  async importFiles(sources: readonly ArchiveSource[], options: ImportOptions = {}, signal?: AbortSignal): Promise<ImportBatch> {
    const files: FileImportResult[] = [];
    for (const source of sources) {
      if (signal?.aborted) return { files, stop: { reason: 'aborted' } };
      const { result, stop } = await this.importOne(source, options, signal);
      files.push(result);
      if (stop) return { files, stop };
    }
    return { files, stop: null };
  }

  async importFile(source: ArchiveSource, options: ImportOptions = {}): Promise<FileImportResult> {
    return (await this.importOne(source, options)).result;
  }

  private async importOne(
    source: ArchiveSource,
    options: ImportOptions,
    signal?: AbortSignal,
  ): Promise<{ result: FileImportResult; stop: ImportStop | null }> {
    const name = basename(source.name);
    const result: FileImportResult = {
      file: name,
      symbol: null,
      interval: null,
      status: 'rejected',
      klines: 0,
      inserted: 0,
      first_open_time: null,
      last_open_time: null,
      skipped: [],
      skipped_count: 0,
      errors: [],
      error_count: 0,
    };
    const target = resolveTarget(name, options);
    if ('error' in target) {
      result.errors.push({ line: 0, reason: target.error });
      result.error_count = 1;
      return { result, stop: null };
    }
    result.symbol = target.symbol;
    result.interval = target.interval;

    try {
      await this.dataSource.transaction(async (manager) => {
        const before = await this.klines.count(target.symbol, target.interval, undefined, undefined, manager);
        await this.readAndWrite(source, target.symbol, target.interval, result, signal, async (batch) => {
          await this.klines.upsert(batch, manager);
        });
        signal?.throwIfAborted(); // read to the end, but the caller is gone: roll back rather than commit
        if (result.error_count > 0) throw new RejectedFile();
        result.inserted = (await this.klines.count(target.symbol, target.interval, undefined, undefined, manager)) - before;
      });
      result.status = 'imported';
      this.logger.log(
        `Imported ${name}: ${target.symbol} ${target.interval}, ${result.klines} klines (${result.inserted} new), ` +
          `${result.skipped_count} anomalies skipped`,
      );
    } catch (error) {
      result.inserted = 0;
      if (signal?.aborted) {
        this.logger.warn(`Aborted ${name}: rolled back after ${result.klines} klines read`);
        result.errors.push({ line: 0, reason: 'the import was aborted; nothing of this file was stored' });
        result.error_count++;
        return { result, stop: { reason: 'aborted' } };
      }
      if (!(error instanceof RejectedFile)) {
        result.errors.push({ line: 0, reason: error instanceof Error ? error.message : String(error) });
        result.error_count++;
      }
      this.logger.warn(`Rejected ${name}: ${result.error_count} error(s), first: ${describe(result.errors[0])}`);
      if (error instanceof ImportLimitExceeded) return { result, stop: { reason: 'limit', exceeded: error } };
    }
    return { result, stop: null };
  }

  private async readAndWrite(
    source: ArchiveSource,
    symbol: string,
    interval: BinanceInterval,
    result: FileImportResult,
    signal: AbortSignal | undefined,
    write: (batch: KlineRecord[]) => Promise<void>,
  ): Promise<void> {
    const seenOpenTimes = new Map<number, number>();
    let batch: KlineRecord[] = [];
    const firstLineOfEntry = new Set<string>();
    for await (const { entry, line, fields } of readArchiveLines(source, { limits: this.limits, signal })) {
      const isFirstLine = !firstLineOfEntry.has(entry);
      firstLineOfEntry.add(entry);
      const parsed = parseKlineRow(fields, symbol, interval, isFirstLine);
      const where = entry === basename(source.name) ? { line } : { entry, line };
      if (parsed.kind === 'header') continue;
      if (parsed.kind === 'invalid') {
        noteProblem(result.errors, { ...where, reason: parsed.reason });
        result.error_count++;
        continue;
      }
      if (parsed.kind === 'skipped') {
        noteProblem(result.skipped, { ...where, reason: parsed.reason });
        result.skipped_count++;
        continue;
      }
      const { record } = parsed;
      const earlierLine = seenOpenTimes.get(record.openTime);
      if (earlierLine !== undefined) {
        noteProblem(result.errors, { ...where, reason: `duplicate open_time ${record.openTime} (also on line ${earlierLine})` });
        result.error_count++;
        continue;
      }
      seenOpenTimes.set(record.openTime, line);
      result.klines++;
      result.first_open_time = Math.min(result.first_open_time ?? record.openTime, record.openTime);
      result.last_open_time = Math.max(result.last_open_time ?? record.openTime, record.openTime);
      if (result.error_count > 0) continue; // keep reading to report every error, but write nothing more
      batch.push(record);
      if (batch.length >= WRITE_BATCH_ROWS) {
        await write(batch);
        batch = [];
      }
    }
    if (result.error_count === 0 && batch.length > 0) await write(batch);
    if (result.klines === 0 && result.error_count === 0) {
      noteProblem(result.errors, { line: 0, reason: 'the file holds no klines' });
      result.error_count++;
    }
  }
}

function resolveTarget(
  fileName: string,
  options: ImportOptions,
): { symbol: string; interval: BinanceInterval } | { error: string } {
  const match = ARCHIVE_NAME.exec(fileName);
  const fileSymbol = match?.[1].toUpperCase();
  const fileInterval = match ? (match[2] === '1mo' ? '1M' : match[2]) : undefined;
  const symbol = options.symbol ?? fileSymbol;
  const interval = options.interval ?? fileInterval;
  if (!symbol) return { error: 'symbol is required: pass --symbol (or the symbol field) or use a Binance archive file name' };
  if (!interval) return { error: 'interval is required: pass --interval (or the interval field) or use a Binance archive file name' };
  if (!SYMBOL_PATTERN.test(symbol)) return { error: `symbol "${symbol}" must match ${SYMBOL_PATTERN.source}` };
  if (!isBinanceInterval(interval)) return { error: `interval "${interval}" is not a Binance kline interval` };
  if (fileSymbol && fileSymbol !== symbol) return { error: `file name says symbol ${fileSymbol} but ${symbol} was given` };
  if (fileInterval && fileInterval !== interval) {
    return { error: `file name says interval ${fileInterval} but ${interval} was given` };
  }
  return { symbol, interval };
}

function noteProblem(list: RowProblem[], problem: RowProblem): void {
  if (list.length < REPORTED_PROBLEMS) list.push(problem);
}

function describe(problem: RowProblem | undefined): string {
  if (!problem) return 'unknown';
  return `${problem.entry ? `${problem.entry} ` : ''}line ${problem.line}: ${problem.reason}`;
}
