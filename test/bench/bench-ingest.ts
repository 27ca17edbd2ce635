/**
 * Ingest benchmark: bulk kline upserts into MySQL/MariaDB against a naive per-row TypeORM `save()` baseline.
 *
 *   npm run bench:ingest
 *
 * Environment:
 *   BENCH_MYSQL_SERVER   server URL without a database (default mysql://root@127.0.0.1:3306)
 *   BENCH_DATA_DIR       folder holding BTCUSDT-1h.csv and BTCUSDT-1m.csv (default ../shared/data/binance from the
 *                        project root)
 *   BENCH_COPIES         symbols each real file is written under (default 3 → 254 634 distinct klines)
 *   BENCH_NAIVE_ROWS     klines written one by one through Repository.save() (default 4000)
 *   BENCH_KEEP=1         keep the `opa_crypto_bench` database afterwards
 *
 * Data: the real BTCUSDT 1h and 1m klines, parsed by the importer's own reader and row parser, written once under
 * BTCUSDT and again under synthetic symbols (BENCH1USDT, ...), so every kline is a distinct (symbol, interval,
 * open_time). Parsing is done before timing starts: the figures measure the database write path only.
 *
 * Steps, in one run against one fresh database:
 *   1. ours       KlineRepository.upsert() per (symbol, interval), i.e. one transaction each — fresh inserts
 *   2. re-upsert  the same klines again (the idempotent ON DUPLICATE KEY UPDATE path); the row count must not move
 *   3. naive      Repository.save(entity) per kline under the symbol NAIVEUSDT — fresh inserts into the same table
 * Then: total and per-symbol counts, and a field-for-field spot check of stored rows. Exit code 1 when any
 * correctness check fails; the speed targets (≥ 50 000 klines/s, ≥ 20× naive) are reported, not enforced.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { runPendingMigrations } from '../../src/database/run-migrations';
import type { BinanceInterval } from '../../src/market-data/binance-interval';
import type { KlineRecord } from '../../src/market-data/kline-record';
import { KlineEntity } from '../../src/market-data/kline.entity';
import { KlineRepository } from '../../src/market-data/kline.repository';
import { dropMysqlDatabase, recreateMysqlDatabase } from '../support/test-database';
import { format, klineEntityOf, loadRealKlines, positiveInteger, projectRoot, write } from './bench-support';

const DATABASE = 'opa_crypto_bench';
const SERVER = (process.env.BENCH_MYSQL_SERVER ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const DATA_DIR = resolve(process.env.BENCH_DATA_DIR ?? join(projectRoot(), '../shared/data/binance'));
const KEEP = process.env.BENCH_KEEP === '1';
const NAIVE_SYMBOL = 'NAIVEUSDT';
const TARGET_KLINES_PER_S = 50_000;
const TARGET_RATIO = 20;
const MIN_KLINES = 200_000;
const SOURCES: readonly { file: string; interval: BinanceInterval }[] = [
  { file: 'BTCUSDT-1h.csv', interval: '1h' },
  { file: 'BTCUSDT-1m.csv', interval: '1m' },
];

interface Dataset {
  symbol: string;
  interval: BinanceInterval;
  records: KlineRecord[];
}

interface Timing {
  klines: number;
  ms: number;
  perSecond: number;
  /** CPU this process spent (building SQL, driver work): the rest of the wall time is the server's. */
  nodeCpuMs: number;
}

interface StoredRow {
  symbol: string;
  interval: string;
  open_time: number | string;
  close_time: number | string;
  open_price: string;
  high_price: string;
  low_price: string;
  close_price: string;
  volume: string;
  quote_asset_volume: string;
  number_of_trades: number | string;
  taker_buy_base_volume: string;
  taker_buy_quote_volume: string;
  kline_open_time_parsed: Date | string;
  kline_close_time_parsed: Date | string;
}

function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
}

async function timed(klines: number, work: () => Promise<void>): Promise<Timing> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { klines, ms, perSecond: (klines * 1000) / ms, nodeCpuMs: (cpu.user + cpu.system) / 1000 };
}

function benchSymbol(copy: number): string {
  return copy === 0 ? 'BTCUSDT' : `BENCH${copy}USDT`;
}

function millis(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** Differences between a stored row and the kline that was written, as "column: stored ≠ expected". */
function compareRow(row: StoredRow, record: KlineRecord): string[] {
  const pairs: [string, string, string][] = [
    ['symbol', row.symbol, record.symbol],
    ['interval', row.interval, record.interval],
    ['open_time', String(row.open_time), String(record.openTime)],
    ['close_time', String(row.close_time), String(record.closeTime)],
    ['open_price', row.open_price, record.open],
    ['high_price', row.high_price, record.high],
    ['low_price', row.low_price, record.low],
    ['close_price', row.close_price, record.close],
    ['volume', row.volume, record.volume],
    ['quote_asset_volume', row.quote_asset_volume, record.quoteAssetVolume],
    ['number_of_trades', String(row.number_of_trades), String(record.numberOfTrades)],
    ['taker_buy_base_volume', row.taker_buy_base_volume, record.takerBuyBaseVolume],
    ['taker_buy_quote_volume', row.taker_buy_quote_volume, record.takerBuyQuoteVolume],
    ['kline_open_time_parsed', String(millis(row.kline_open_time_parsed)), String(record.openTime)],
    ['kline_close_time_parsed', String(millis(row.kline_close_time_parsed)), String(record.closeTime)],
  ];
  return pairs.filter(([, stored, expected]) => stored !== expected).map(([column, stored, expected]) => `${column}: ${stored} ≠ ${expected}`);
}

async function storedRow(dataSource: DataSource, record: KlineRecord): Promise<StoredRow | undefined> {
  const rows = await dataSource.query<StoredRow[]>(
    'SELECT `symbol`, `interval`, `open_time`, `close_time`, `open_price`, `high_price`, `low_price`, `close_price`,' +
      ' `volume`, `quote_asset_volume`, `number_of_trades`, `taker_buy_base_volume`, `taker_buy_quote_volume`,' +
      ' `kline_open_time_parsed`, `kline_close_time_parsed` FROM `klines`' +
      ' WHERE `symbol` = ? AND `interval` = ? AND `open_time` = ?',
    [record.symbol, record.interval, record.openTime],
  );
  return rows[0];
}

async function totalRows(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM `klines`');
  return Number(row.n);
}

/** A few klines from each dataset (first, last, and seeded picks in between), and from the naive sample. */
function spotCheckSample(datasets: readonly Dataset[], naive: readonly KlineRecord[]): KlineRecord[] {
  let seed = 42;
  const pick = (length: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % length;
  };
  const sample: KlineRecord[] = [];
  for (const { records } of datasets) {
    sample.push(records[0], records[records.length - 1], records[pick(records.length)], records[pick(records.length)]);
  }
  sample.push(naive[0], naive[naive.length - 1], naive[pick(naive.length)]);
  return sample;
}

async function main(): Promise<number> {
  const copies = positiveInteger('BENCH_COPIES', 3);
  const naiveRows = positiveInteger('BENCH_NAIVE_ROWS', 4_000);
  Logger.overrideLogger(['error', 'warn']);
  const failures: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) failures.push(message);
  };

  const parseStarted = performance.now();
  const real = await Promise.all(SOURCES.map(async ({ file, interval }) => ({ interval, records: await loadRealKlines(DATA_DIR, file, interval) })));
  const parseMs = performance.now() - parseStarted;
  const datasets: Dataset[] = [];
  for (let copy = 0; copy < copies; copy++) {
    const symbol = benchSymbol(copy);
    for (const { interval, records } of real) {
      datasets.push({ symbol, interval, records: records.map((record) => ({ ...record, symbol })) });
    }
  }
  const distinct = datasets.reduce((sum, dataset) => sum + dataset.records.length, 0);
  const realHourly = real.find(({ interval }) => interval === '1h')?.records ?? [];
  const naiveRecords = realHourly.slice(0, naiveRows).map((record) => ({ ...record, symbol: NAIVE_SYMBOL }));
  check(distinct >= MIN_KLINES, `only ${distinct} distinct klines; raise BENCH_COPIES to reach ${MIN_KLINES}`);
  check(naiveRecords.length === naiveRows, `the naive sample has ${naiveRecords.length} klines, ${naiveRows} were asked for`);

  await recreateMysqlDatabase(SERVER, DATABASE);
  const dataSource = new DataSource(
    buildDataSourceOptions({ DATABASE_URL: `${SERVER}/${DATABASE}`, SQLITE_PATH: ':memory:' }),
  );
  try {
    await dataSource.initialize();
    await runPendingMigrations(dataSource);
    const [server] = await dataSource.query<{ version: string }[]>('SELECT VERSION() AS version');
    const klines = new KlineRepository(dataSource);

    const loadBefore = os.loadavg()[0];
    write(
      `Ingest benchmark — ${server.version}, ${os.cpus().length} CPU(s), node ${process.version},` +
        ` 1-min load average ${loadBefore.toFixed(2)} (other work on the machine skews the figures)`,
    );
    write(
      `Data: ${real.map(({ interval, records }) => `${records.length} real BTCUSDT ${interval}`).join(' + ')} klines` +
        ` (parsed in ${format(parseMs)} ms), × ${copies} symbol(s) = ${format(distinct)} distinct klines`,
    );
    write();

    const ours = await timed(distinct, async () => {
      for (const dataset of datasets) await klines.upsert(dataset.records);
    });
    const afterInsert = await totalRows(dataSource);
    check(afterInsert === distinct, `after the bulk upsert the table holds ${afterInsert} rows, expected ${distinct}`);

    const again = await timed(distinct, async () => {
      for (const dataset of datasets) await klines.upsert(dataset.records);
    });
    const afterReupsert = await totalRows(dataSource);
    check(afterReupsert === distinct, `re-upserting changed the row count from ${distinct} to ${afterReupsert}`);

    const repository = dataSource.getRepository(KlineEntity);
    const naive = await timed(naiveRecords.length, async () => {
      for (const record of naiveRecords) await repository.save(repository.create(klineEntityOf(record)));
    });
    const expectedTotal = distinct + naiveRecords.length;
    const finalTotal = await totalRows(dataSource);
    check(finalTotal === expectedTotal, `the table holds ${finalTotal} rows at the end, expected ${expectedTotal}`);

    for (const dataset of datasets) {
      const stored = await klines.count(dataset.symbol, dataset.interval);
      check(stored === dataset.records.length, `${dataset.symbol} ${dataset.interval}: ${stored} rows stored, ${dataset.records.length} written`);
    }
    const naiveStored = await klines.count(NAIVE_SYMBOL, '1h');
    check(naiveStored === naiveRecords.length, `${NAIVE_SYMBOL} 1h: ${naiveStored} rows stored, ${naiveRecords.length} written`);

    const sample = spotCheckSample(datasets, naiveRecords);
    for (const record of sample) {
      const row = await storedRow(dataSource, record);
      const where = `${record.symbol} ${record.interval} ${record.openTime}`;
      if (!row) check(false, `${where}: not stored`);
      else for (const difference of compareRow(row, record)) check(false, `${where}: ${difference}`);
    }

    const loadAfter = os.loadavg()[0];
    const ratio = ours.perSecond / naive.perSecond;
    const rssMb = peakRssMb();
    const throughputMet = ours.perSecond >= TARGET_KLINES_PER_S;
    const ratioMet = ratio >= TARGET_RATIO;

    const rows: [string, Timing][] = [
      ['ours: KlineRepository.upsert, fresh', ours],
      ['ours: re-upsert of the same klines', again],
      ['naive: Repository.save() per kline', naive],
    ];
    const table = rows.map(([name, timing]) => [name, ...[timing.klines, timing.ms, timing.nodeCpuMs, timing.perSecond].map(format)]);
    const header = ['path', 'klines', 'wall ms', 'node CPU ms', 'klines/s'];
    const widths = header.map((title, i) => Math.max(title.length, ...table.map((row) => row[i].length)));
    const line = (cells: string[]): string =>
      cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    write(line(header));
    write(widths.map((width) => '-'.repeat(width)).join('  '));
    for (const row of table) write(line(row));
    write();
    write(`ratio ours/naive:  ${ratio.toFixed(1)}×`);
    write(`peak RSS:          ${rssMb.toFixed(0)} MB`);
    write(`load average:      ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
    write(`targets:           ≥ ${format(TARGET_KLINES_PER_S)} klines/s ${throughputMet ? 'met' : 'NOT met'}; ≥ ${TARGET_RATIO}× naive ${ratioMet ? 'met' : 'NOT met'}`);
    write(
      `correctness:       ${failures.length === 0 ? 'ok' : `${failures.length} failure(s)`} — ${format(finalTotal)} rows,` +
        ` ${datasets.length + 1} (symbol, interval) counts, ${sample.length} rows compared field for field`,
    );
    for (const failure of failures.slice(0, 20)) write(`  FAIL ${failure}`);
    write();
    write(
      JSON.stringify({
        bench: 'ingest',
        server: server.version,
        cpus: os.cpus().length,
        klines: distinct,
        ours_klines_per_s: Math.round(ours.perSecond),
        ours_ms: Math.round(ours.ms),
        ours_node_cpu_ms: Math.round(ours.nodeCpuMs),
        reupsert_klines_per_s: Math.round(again.perSecond),
        reupsert_ms: Math.round(again.ms),
        naive_klines: naive.klines,
        naive_klines_per_s: Math.round(naive.perSecond),
        naive_ms: Math.round(naive.ms),
        ratio: Number(ratio.toFixed(2)),
        peak_rss_mb: Math.round(rssMb),
        load_avg_1m: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
        target_klines_per_s_met: throughputMet,
        target_ratio_met: ratioMet,
        correct: failures.length === 0,
      }),
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    if (!KEEP) await dropMysqlDatabase(SERVER, DATABASE);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench:ingest failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
