/**
 * Index benchmark: the outbox drain (bulk helper) into a real Elasticsearch against one-document-per-request indexing.
 *
 *   npm run bench:index
 *
 * Environment:
 *   BENCH_MYSQL_SERVER         server URL without a database (default mysql://root@127.0.0.1:3306)
 *   ELASTICSEARCH_URL          default http://127.0.0.1:9200 (start one with scripts/elasticsearch.sh)
 *   BENCH_DATA_DIR             folder holding BTCUSDT-1h.csv and BTCUSDT-1m.csv (default ../shared/data/binance)
 *   BENCH_COPIES               symbols each real file is written under (default 3 → 254 634 distinct klines)
 *   BENCH_BASELINE_DOCS        documents indexed one request each for the baseline (default 3000)
 *   BENCH_KEEP=1               keep the database and the indices afterwards
 *
 * One run, against the database `opa_crypto_bench_index` and indices under a fresh prefix `opa-bench-<random>-`:
 *   1. setup     the real klines (parsed by the importer's reader) upserted through KlineRepository with the outbox on:
 *                one outbox row per 2000-kline batch, in the same transaction (timed too, for the outbox's cost)
 *   2. ours      IndexingDrainer drains the whole outbox (reads klines from MySQL, bulk helper) — the app's code path
 *   3. baseline  client.index() one document per request, BENCH_BASELINE_DOCS klines, into an index with the same mapping
 * Checks (exit code 1 on failure): the outbox is empty with nothing parked, the index holds exactly one document per
 * stored kline, sampled documents equal the database rows. Prints documents/s, the ratio, and a JSON summary line.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { runPendingMigrations } from '../../src/database/run-migrations';
import { IndexOutbox } from '../../src/indexing/index-outbox';
import type { IndexDocument } from '../../src/indexing/index-source';
import { indexTemplateOf, INDEX_SOURCES } from '../../src/indexing/index-sources';
import { IndexTemplatesService } from '../../src/indexing/index-templates.service';
import { IndexingDrainer } from '../../src/indexing/indexing-drainer.service';
import type { IndexingSettings } from '../../src/indexing/indexing.settings';
import type { BinanceInterval } from '../../src/market-data/binance-interval';
import { KlineRepository } from '../../src/market-data/kline.repository';
import { dropMysqlDatabase, recreateMysqlDatabase } from '../support/test-database';
import { format, loadRealKlines, positiveInteger, projectRoot, write } from './bench-support';

const DATABASE = 'opa_crypto_bench_index';
const SERVER = (process.env.BENCH_MYSQL_SERVER ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const ES_URL = (process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200').replace(/\/+$/, '');
const KEEP = process.env.BENCH_KEEP === '1';
const MIN_DOCS = 200_000;
const FILES: readonly { file: string; interval: BinanceInterval }[] = [
  { file: 'BTCUSDT-1h.csv', interval: '1h' },
  { file: 'BTCUSDT-1m.csv', interval: '1m' },
];

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function main(): Promise<number> {
  Logger.overrideLogger(['error', 'warn']);
  const copies = positiveInteger('BENCH_COPIES', 3);
  const baselineDocs = positiveInteger('BENCH_BASELINE_DOCS', 3_000);
  const dataDir = resolve(process.env.BENCH_DATA_DIR ?? join(projectRoot(), '../shared/data/binance'));
  const prefix = `opa-bench-${randomBytes(3).toString('hex')}-`;
  const failures: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) failures.push(message);
  };

  const real = await Promise.all(FILES.map(async ({ file, interval }) => ({ interval, records: await loadRealKlines(dataDir, file, interval) })));
  const datasets = Array.from({ length: copies }, (_, copy) => copy).flatMap((copy) =>
    real.map(({ interval, records }) => ({
      interval,
      records: copy === 0 ? records : records.map((record) => ({ ...record, symbol: `BENCH${copy}USDT` })),
    })),
  );
  const total = datasets.reduce((sum, d) => sum + d.records.length, 0);
  if (total < MIN_DOCS) throw new Error(`only ${total} klines; raise BENCH_COPIES to reach ${MIN_DOCS}`);

  const settings: IndexingSettings = {
    url: ES_URL,
    prefix,
    requestTimeoutMs: 60_000,
    drainIntervalMs: 1_000,
    batchRows: 200,
    maxAttempts: 10,
    retryBaseDelayMs: 1_000,
    retryMaxDelayMs: 60_000,
  };
  const client = new Client({ node: ES_URL, requestTimeout: 60_000 });
  await client.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
  await recreateMysqlDatabase(SERVER, DATABASE);
  const dataSource = new DataSource(buildDataSourceOptions({ DATABASE_URL: `${SERVER}/${DATABASE}`, SQLITE_PATH: '' }));
  await dataSource.initialize();
  try {
    await runPendingMigrations(dataSource, new Logger('Bench'));
    const outbox = new IndexOutbox(dataSource, { get: () => ES_URL } as unknown as ConfigService);
    const klines = new KlineRepository(dataSource, outbox);
    const templates = new IndexTemplatesService(client, settings);
    await templates.ensure();
    const drainer = new IndexingDrainer(client, settings, dataSource, outbox, templates);

    write(`bench:index — ${format(total)} real klines (BTCUSDT 1h + 1m × ${copies} symbols), Elasticsearch ${ES_URL}, prefix ${prefix}`);
    write(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    const setup = await timed(async () => {
      for (const { records } of datasets) await klines.upsert(records);
    });
    const queued = await outbox.counts();
    write(`setup     ${format(total)} klines upserted with their outbox rows in ${format(setup.ms)} ms (${format(queued.backlog)} outbox rows)`);

    const index = `${prefix}klines`;
    const ours = await timed(() => drainer.drainNow());
    await client.indices.refresh({ index });
    const oursPerSecond = (total * 1000) / ours.ms;
    write(`ours      outbox drain, bulk helper: ${format(total)} documents in ${format(ours.ms)} ms = ${format(oursPerSecond)} docs/s`);

    const after = await outbox.counts();
    check(after.backlog === 0 && after.parked === 0, `outbox not empty after the drain: ${JSON.stringify(after)} (last error: ${drainer.lastError})`);
    const indexed = (await client.count({ index })).count;
    const [{ n: stored }] = await dataSource.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM `klines`');
    check(indexed === Number(stored) && indexed === total, `index holds ${indexed} documents, MySQL ${stored} klines, expected ${total}`);
    for (const { records } of datasets) {
      for (const record of [records[0], records[Math.floor(records.length / 2)], records[records.length - 1]]) {
        const id = `${record.symbol}:${record.interval}:${record.openTime}`;
        const doc = await client.get<Record<string, unknown>>({ index, id }).catch(() => null);
        const ok = doc?._source?.close === Number(record.close) && doc._source.number_of_trades === record.numberOfTrades && doc._source.open_time === record.openTime;
        check(ok, `document ${id} does not match the stored kline`);
      }
    }

    // Baseline: one document per request, same mapping, a sample of the same documents.
    const baselineIndex = `${prefix}baseline-klines`;
    await client.indices.create({ index: baselineIndex, ...indexTemplateOf(INDEX_SOURCES.klines, prefix).template });
    const sample = await INDEX_SOURCES.klines.reader!.scan(dataSource, baselineDocs)[Symbol.asyncIterator]().next();
    const docs: IndexDocument[] = sample.done ? [] : sample.value;
    const baseline = await timed(async () => {
      for (const doc of docs) await client.index({ index: baselineIndex, id: doc.id, document: doc.body });
    });
    await client.indices.refresh({ index: baselineIndex });
    const baselinePerSecond = (docs.length * 1000) / baseline.ms;
    check((await client.count({ index: baselineIndex })).count === docs.length, 'baseline index count differs');
    write(`baseline  client.index() one document per request: ${format(docs.length)} documents in ${format(baseline.ms)} ms = ${format(baselinePerSecond)} docs/s`);
    const ratio = oursPerSecond / baselinePerSecond;
    write(`ratio     ours / baseline = ${ratio.toFixed(1)}×; failures: ${drainer.lastError === null ? 0 : drainer.lastError}; peak RSS ${format((process.resourceUsage().maxRSS * 1024) / 2 ** 20)} MB`);
    write(
      JSON.stringify({
        bench: 'index',
        documents: total,
        outbox_rows: queued.backlog,
        setup_ms: Math.round(setup.ms),
        drain_ms: Math.round(ours.ms),
        docs_per_s: Math.round(oursPerSecond),
        baseline_docs: docs.length,
        baseline_docs_per_s: Math.round(baselinePerSecond),
        ratio: Number(ratio.toFixed(2)),
        failures: failures.length,
      }),
    );
    if (!KEEP) {
      await client.indices.delete({ index: baselineIndex });
      for (const name of Object.keys(INDEX_SOURCES)) await client.indices.delete({ index: `${prefix}${name}` }, { ignore: [404] });
      for (const name of Object.keys(INDEX_SOURCES)) await client.indices.deleteIndexTemplate({ name: `${prefix}${name}` }, { ignore: [404] });
    }
  } finally {
    await dataSource.destroy();
    await client.close();
    if (!KEEP) await dropMysqlDatabase(SERVER, DATABASE);
  }
  for (const failure of failures) write(`FAILED: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:index failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
