import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliModule } from '../../cli.module';
import { EnvironmentError } from '../../config/environment';
import { type FileImportResult, KlineImportService } from '../archive/kline-import.service';

const USAGE = `Usage: npm run import:klines -- [--symbol BTCUSDT] [--interval 1h] FILE...

Imports Binance kline archive files (.csv or .zip from data.binance.vision) into the configured database
(DATABASE_URL, or the embedded SQLite file). Symbol and interval default to what the file name says
(BTCUSDT-1h-2024-01.zip). Each file is all-or-nothing; the exit code is 1 when any file was rejected.
A file larger than the IMPORT_MAX_ENTRY_BYTES / IMPORT_MAX_FILE_BYTES / IMPORT_MAX_LINE_BYTES limits is rejected and
stops the import (later files are not read).`;

function parseCommandLine(argv: string[]): { symbol?: string; interval?: string; files: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      symbol: { type: 'string' },
      interval: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (positionals.length === 0) throw new UsageError('at least one FILE is required');
  const missing = positionals.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new UsageError(`no such file: ${missing.join(', ')}`);
  return { symbol: values.symbol?.toUpperCase(), interval: values.interval, files: positionals };
}

class UsageError extends Error {}

function describe(result: FileImportResult): string {
  const pair = `${result.symbol ?? '?'} ${result.interval ?? '?'}`;
  if (result.status === 'imported') {
    return `imported  ${result.file} (${pair}): ${result.klines} klines, ${result.inserted} new, ${result.skipped_count} anomalies skipped`;
  }
  const errors = result.errors.map((error) => `    line ${error.line}${error.entry ? ` of ${error.entry}` : ''}: ${error.reason}`);
  const more = result.error_count > result.errors.length ? [`    … ${result.error_count - result.errors.length} more`] : [];
  return [`REJECTED  ${result.file} (${pair}), nothing written:`, ...errors, ...more].join('\n');
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    const importer = context.get(KlineImportService);
    // Ctrl-C rolls the current file back instead of leaving the process to die mid-transaction.
    const interrupted = new AbortController();
    process.once('SIGINT', () => interrupted.abort());
    const batch = await importer.importFiles(
      args.files.map((path) => ({ name: path, path })),
      { symbol: args.symbol, interval: args.interval },
      interrupted.signal,
    );
    for (const result of batch.files) process.stdout.write(`${describe(result)}\n`);
    const unread = args.files.slice(batch.files.length);
    if (batch.stop && unread.length > 0) {
      const why = batch.stop.reason === 'limit' ? `${batch.stop.exceeded.variable} was exceeded` : 'the import was interrupted';
      process.stdout.write(`NOT READ  ${unread.join(', ')} (${why})\n`);
    }
    if (batch.stop?.reason === 'aborted') return 130;
    return batch.files.some((result) => result.status === 'rejected') ? 1 : 0;
  } finally {
    await context.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`import:klines: ${error.message}\n\n${USAGE}\n`);
    else if (error instanceof EnvironmentError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`import:klines failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
