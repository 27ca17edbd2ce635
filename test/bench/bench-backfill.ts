/**
 * Backfill benchmark: a year of 1m klines from the fake Binance over real HTTP into MySQL/MariaDB through the app's
 * own backfill job (POST /api/ingestion/backfill), against a naive fetch-a-page-then-save-each-row loop.
 *
 *   npm run bench:backfill
 *
 * Environment:
 *   BENCH_MYSQL_SERVER   server URL without a database (default mysql://root@127.0.0.1:3306)
 *   BENCH_CANDLES        1m candles to backfill (default 525 600 = 365 days)
 *   BENCH_NAIVE_PAGES    pages of 1000 the naive loop fetches and saves row by row (default 5)
 *   BENCH_WEIGHT_LIMIT   the fake's REQUEST_WEIGHT per minute, enforced with 429s (default 6000, Binance spot's)
 *   BENCH_KEEP=1         keep the `opa_bench_backfill` database afterwards
 *
 * The fake Binance runs as a process of its own (dist/test/fake-binance/main.js) serving BENCHUSDT 1m candles made by
 * its seeded generator, with the weight limit enforced: a request over the budget would get a 429, then a 418.
 *
 * Steps, in one run against one fresh database:
 *   1. ours    the real app (AppModule, HTTP API, weight governor, KlineIngestor, bulk upsert) backfills BENCHUSDT 1m;
 *              wall time from the POST to the job reading completed; the time split into waiting on the weight
 *              budget (the governor's own count), fetching (HTTP request and body), parsing, storing (the page's
 *              transaction: upsert + job cursor) and the rest (job bookkeeping, gap check); the next page is fetched
 *              while the current one is stored, so the busy times overlap (printed as "overlap")
 *   2. naive   for BENCH_NAIVE_PAGES pages: fetch one page, parse it, Repository.save() each kline (as NAIVEUSDT)
 * Then: the job's counts, the stored row count, no gap, rows compared field for field with the generator's candles,
 * and no 429/418. Exit code 1 when a correctness check fails; speed is reported, not enforced.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';
import { BinanceHttpClient } from '../../src/ingestion/source/binance-http.client';
import { BinanceMarketDataSource } from '../../src/ingestion/source/binance-market-data.source';
import { WeightGovernor } from '../../src/ingestion/source/weight-governor';
import { parseKlineRow } from '../../src/market-data/archive/kline-row-parser';
import { KlineEntity } from '../../src/market-data/kline.entity';
import { KlineRepository } from '../../src/market-data/kline.repository';
import { type FakeCandle, generateCandles } from '../fake-binance/fake-binance-server';
import { dropMysqlDatabase, recreateMysqlDatabase } from '../support/test-database';
import { format, klineEntityOf, positiveInteger, write } from './bench-support';

const DATABASE = 'opa_bench_backfill';
const SERVER = (process.env.BENCH_MYSQL_SERVER ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const KEEP = process.env.BENCH_KEEP === '1';
const SYMBOL = 'BENCHUSDT';
const NAIVE_SYMBOL = 'NAIVEUSDT';
const START = Date.UTC(2023, 0, 1);
const SEED = 42;
const MINUTE = 60_000;
const API_KEY = 'bench-backfill-key-0123456789';
const MIN_CANDLES = 500_000;

interface StageTimes {
  fetchMs: number;
  parseMs: number;
  storeMs: number;
  klinesCalls: number;
  transactions: number;
}

interface JobBody {
  state: string;
  done: number;
  expected: number;
  error_count: number;
  failure: string | null;
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)} %`;
}

/**
 * Measures where ingestion spends its time by timing the app's own methods in place (no change to what they do):
 * the HTTP GET, the klines call around it (the difference is parsing, minus the governor's wait), and every
 * transaction (a page's upsert and its cursor update).
 */
function instrument(): StageTimes {
  const times: StageTimes = { fetchMs: 0, parseMs: 0, storeMs: 0, klinesCalls: 0, transactions: 0 };
  let fetchInKlines = 0;
  let acquireInKlines = 0;
  const get = BinanceHttpClient.prototype.get;
  BinanceHttpClient.prototype.get = async function timedGet(this: BinanceHttpClient, ...args: Parameters<typeof get>) {
    const started = performance.now();
    try {
      return await get.apply(this, args);
    } finally {
      const ms = performance.now() - started;
      times.fetchMs += ms;
      fetchInKlines += ms;
    }
  };
  const acquire = WeightGovernor.prototype.acquire;
  WeightGovernor.prototype.acquire = async function timedAcquire(this: WeightGovernor, ...args: Parameters<typeof acquire>) {
    const started = performance.now();
    try {
      return await acquire.apply(this, args);
    } finally {
      acquireInKlines += performance.now() - started;
    }
  };
  const klines = BinanceMarketDataSource.prototype.klines;
  BinanceMarketDataSource.prototype.klines = async function timedKlines(this: BinanceMarketDataSource, ...args: Parameters<typeof klines>) {
    const started = performance.now();
    const fetchBefore = fetchInKlines;
    const acquireBefore = acquireInKlines;
    try {
      return await klines.apply(this, args);
    } finally {
      times.klinesCalls++;
      times.parseMs += performance.now() - started - (fetchInKlines - fetchBefore) - (acquireInKlines - acquireBefore);
    }
  };
  const transaction = DataSource.prototype.transaction;
  DataSource.prototype.transaction = async function timedTransaction(this: DataSource, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await (transaction as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    } finally {
      times.transactions++;
      times.storeMs += performance.now() - started;
    }
  };
  return times;
}

/** Starts dist/test/fake-binance/main.js serving only the synthetic candles; resolves with its base URL. */
async function startFake(candles: number, weightLimit: number, emptyDataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const main = join(__dirname, '..', 'fake-binance', 'main.js');
  const child = spawn(
    process.execPath,
    [main, '--port', '0', '--data-dir', emptyDataDir, '--weight-limit', String(weightLimit), '--enforce-budget', '--synthetic', `${SYMBOL},1m,${candles},${START},${SEED}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the fake Binance exited with ${code}: ${errors}`)));
  });
  return { child, url };
}

async function api<T>(base: string, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${base}${path}`, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** The naive baseline: one page at a time, each kline saved on its own through TypeORM's Repository.save(). */
async function naiveBackfill(fakeUrl: string, dataSource: DataSource, pages: number): Promise<number> {
  const repository = dataSource.getRepository(KlineEntity);
  let cursor = START;
  let saved = 0;
  for (let page = 0; page < pages; page++) {
    const response = await fetch(`${fakeUrl}/api/v3/klines?symbol=${SYMBOL}&interval=1m&startTime=${cursor}&limit=1000`);
    const rows = (await response.json()) as unknown[][];
    for (const row of rows) {
      const parsed = parseKlineRow(row.map((field) => String(field)), NAIVE_SYMBOL, '1m', false);
      if (parsed.kind !== 'kline') throw new Error(`naive: row ${JSON.stringify(row)} not a kline`);
      const record = parsed.record;
      await repository.save(
        repository.create(klineEntityOf(record)),
      );
      saved++;
    }
    cursor = Number(rows[rows.length - 1][0]) + MINUTE;
  }
  return saved;
}

function eightDecimals(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.padEnd(8, '0')}`;
}

/** Stored rows of seeded picks compared with the generator's candles, as "open_time column: stored ≠ expected". */
async function spotCheck(dataSource: DataSource, candles: readonly FakeCandle[], picks: number): Promise<string[]> {
  const problems: string[] = [];
  let seed = 7;
  const indexes = [0, candles.length - 1];
  for (let i = 0; i < picks; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    indexes.push(seed % candles.length);
  }
  for (const index of indexes) {
    const candle = candles[index];
    const [row] = await dataSource.query<Record<string, string | number>[]>(
      'SELECT close_time, open_price, high_price, low_price, close_price, volume, quote_asset_volume, number_of_trades,' +
        ' taker_buy_base_volume, taker_buy_quote_volume FROM klines WHERE symbol = ? AND `interval` = ? AND open_time = ?',
      [SYMBOL, '1m', candle.openTime],
    );
    if (!row) {
      problems.push(`${candle.openTime}: not stored`);
      continue;
    }
    const pairs: [string, string, string][] = [
      ['close_time', String(row.close_time), String(candle.closeTime)],
      ['open_price', String(row.open_price), eightDecimals(candle.open)],
      ['high_price', String(row.high_price), eightDecimals(candle.high)],
      ['low_price', String(row.low_price), eightDecimals(candle.low)],
      ['close_price', String(row.close_price), eightDecimals(candle.close)],
      ['volume', String(row.volume), eightDecimals(candle.volume)],
      ['quote_asset_volume', String(row.quote_asset_volume), eightDecimals(candle.quoteAssetVolume)],
      ['number_of_trades', String(row.number_of_trades), String(candle.numberOfTrades)],
      ['taker_buy_base_volume', String(row.taker_buy_base_volume), eightDecimals(candle.takerBuyBaseVolume)],
      ['taker_buy_quote_volume', String(row.taker_buy_quote_volume), eightDecimals(candle.takerBuyQuoteVolume)],
    ];
    for (const [column, stored, expected] of pairs) if (stored !== expected) problems.push(`${candle.openTime} ${column}: ${stored} ≠ ${expected}`);
  }
  return problems;
}

async function main(): Promise<number> {
  const candles = positiveInteger('BENCH_CANDLES', 365 * 24 * 60);
  const naivePages = positiveInteger('BENCH_NAIVE_PAGES', 5);
  const weightLimit = positiveInteger('BENCH_WEIGHT_LIMIT', 6000);
  Logger.overrideLogger(['error', 'warn']);
  const failures: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) failures.push(message);
  };
  check(candles >= MIN_CANDLES, `only ${candles} candles; the benchmark is specified for at least ${MIN_CANDLES}`);

  const emptyDataDir = mkdtempSync(join(os.tmpdir(), 'opa-bench-empty-'));
  const times = instrument();
  await recreateMysqlDatabase(SERVER, DATABASE);
  const fake = await startFake(candles, weightLimit, emptyDataDir);
  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({
        environment: {
          DATABASE_URL: `${SERVER}/${DATABASE}`,
          API_KEY,
          BINANCE_BASE_URL: fake.url,
          SYMBOLS: SYMBOL,
          INTERVALS: '1m',
          INGESTION_ENABLED: 'false',
          MODEL_PREDICT_CRON: 'off',
          RATE_LIMIT_PER_MINUTE: '100000',
          BINANCE_WEIGHT_LIMIT: String(weightLimit),
          LOG_LEVEL: 'warn',
        },
      }),
      { logger: ['error', 'warn'] },
    );
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer() as { address(): { port: number } }).address().port}/api`;
    const dataSource = app.get(DataSource);
    const [server] = await dataSource.query<{ version: string }[]>('SELECT VERSION() AS version');
    const loadBefore = os.loadavg()[0];
    write(
      `Backfill benchmark — ${server.version}, ${os.cpus().length} CPU(s), node ${process.version},` +
        ` 1-min load average ${loadBefore.toFixed(2)} (other work on the machine skews the figures)`,
    );
    write(`Data: ${format(candles)} ${SYMBOL} 1m candles (${(candles / 1440).toFixed(1)} days) from the fake Binance over HTTP, weight limit ${weightLimit}/min enforced`);
    write();

    // 1. ours: the app's backfill job, end to end.
    const end = START + (candles - 1) * MINUTE;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const { id } = await api<{ id: string }>(base, '/ingestion/backfill', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ symbol: SYMBOL, interval: '1m', start: START, end }),
    });
    let job: JobBody;
    for (;;) {
      job = await api<JobBody>(base, `/ingestion/jobs/${id}`);
      if (job.state === 'completed' || job.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const oursMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const oursCpuMs = (cpu.user + cpu.system) / 1000;
    const status = await api<{ weight: { budget: number; requests: number; budget_wait_ms: number; pause_wait_ms: number; rate_limited: number; bans: number } }>(
      base,
      '/ingestion/status',
    );
    const ours = { ...times };

    check(job.state === 'completed', `the job ended ${job.state}: ${job.failure ?? ''}`);
    check(job.done === candles && job.expected === candles, `the job reports ${job.done}/${job.expected}, expected ${candles}/${candles}`);
    const klines = new KlineRepository(dataSource);
    const stored = await klines.count(SYMBOL, '1m');
    check(stored === candles, `${stored} rows stored, ${candles} served`);
    const gaps = await klines.missingRanges(SYMBOL, '1m');
    check(gaps.length === 0, `${gaps.length} gaps in the stored candles`);
    const generated = generateCandles({ symbol: SYMBOL, interval: '1m', start: START, count: candles, seed: SEED });
    for (const problem of await spotCheck(dataSource, generated, 40)) check(false, problem);
    check(status.weight.rate_limited === 0 && status.weight.bans === 0, `the fake answered 429 ${status.weight.rate_limited}× and 418 ${status.weight.bans}×`);

    // 2. naive baseline over a slice, scaled to candles/s.
    const naiveStarted = performance.now();
    const naiveSaved = await naiveBackfill(fake.url, dataSource, naivePages);
    const naiveMs = performance.now() - naiveStarted;
    const naiveStored = await klines.count(NAIVE_SYMBOL, '1m');
    check(naiveStored === naiveSaved && naiveSaved === naivePages * 1000, `naive: ${naiveStored} rows stored, ${naiveSaved} saved, ${naivePages * 1000} fetched`);

    const oursPerS = (candles * 1000) / oursMs;
    const naivePerS = (naiveSaved * 1000) / naiveMs;
    const ratio = oursPerS / naivePerS;
    const budgetWaitMs = status.weight.budget_wait_ms + status.weight.pause_wait_ms;
    const ownMs = ours.fetchMs + ours.parseMs + ours.storeMs;
    // Fetching and parsing the next page overlap with storing the current one: the busy times add up to more than the
    // wall time by what was hidden that way; what is left over is job bookkeeping, the gap check and polling.
    const overlapMs = Math.max(0, budgetWaitMs + ownMs - oursMs);
    const restMs = Math.max(0, oursMs - budgetWaitMs - ownMs);
    const loadAfter = os.loadavg()[0];

    const table = [
      ['ours: backfill job (API, governor, bulk upsert)', candles, oursMs, oursPerS],
      ['naive: fetch a page, save() each row', naiveSaved, naiveMs, naivePerS],
    ].map(([name, count, ms, perS]) => [String(name), format(Number(count)), format(Number(ms)), format(Number(perS))]);
    const header = ['path', 'candles', 'wall ms', 'candles/s'];
    const widths = header.map((title, i) => Math.max(title.length, ...table.map((row) => row[i].length)));
    const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    write(line(header));
    write(widths.map((width) => '-'.repeat(width)).join('  '));
    for (const row of table) write(line(row));
    write();
    write(`ratio ours/naive:     ${ratio.toFixed(1)}×`);
    write(`where ours spent its ${format(oursMs)} ms (${ours.klinesCalls} klines calls, ${ours.transactions} page transactions):`);
    const stages: [string, number, string][] = [
      ['waiting on the weight budget', budgetWaitMs, `governor: ${format(status.weight.budget_wait_ms)} budget + ${format(status.weight.pause_wait_ms)} 429/418 pauses; budget ${status.weight.budget}/min, ${status.weight.requests} requests`],
      ['own work: fetch (HTTP + body)', ours.fetchMs, ''],
      ['own work: parse', ours.parseMs, ''],
      ['own work: store (upsert + cursor)', ours.storeMs, ''],
      ['the rest (bookkeeping, gap check, polling)', restMs, ''],
      ['overlap: fetch/parse hidden behind store', overlapMs, 'busy times above minus the wall time'],
    ];
    for (const [name, ms, note] of stages) write(`  ${name.padEnd(42)} ${format(ms).padStart(8)} ms  ${percent(ms, oursMs).padStart(7)}${note ? `  (${note})` : ''}`);
    write(`this process's CPU during ours: ${format(oursCpuMs)} ms; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    write(`correctness: ${failures.length === 0 ? 'ok' : `${failures.length} failure(s)`} — job counts, ${format(stored)} rows, no gap, 42 rows field for field, no 429/418`);
    for (const failure of failures.slice(0, 20)) write(`  FAIL ${failure}`);
    write();
    write(
      JSON.stringify({
        bench: 'backfill',
        server: server.version,
        cpus: os.cpus().length,
        candles,
        ours_ms: Math.round(oursMs),
        ours_candles_per_s: Math.round(oursPerS),
        budget_wait_ms: Math.round(budgetWaitMs),
        fetch_ms: Math.round(ours.fetchMs),
        parse_ms: Math.round(ours.parseMs),
        store_ms: Math.round(ours.storeMs),
        rest_ms: Math.round(restMs),
        overlap_ms: Math.round(overlapMs),
        klines_calls: ours.klinesCalls,
        naive_candles: naiveSaved,
        naive_ms: Math.round(naiveMs),
        naive_candles_per_s: Math.round(naivePerS),
        ratio: Number(ratio.toFixed(2)),
        load_avg_1m: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
        correct: failures.length === 0,
      }),
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    await app?.close();
    fake.child.kill('SIGTERM');
    rmSync(emptyDataDir, { recursive: true, force: true });
    if (!KEEP) await dropMysqlDatabase(SERVER, DATABASE);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench:backfill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
