/**
 * Responsiveness benchmark: does the app still answer /health and the kill switch while it trains and backtests?
 *
 *   npm run bench:responsiveness     (BENCH_TREES=100, BENCH_TRAINING_THREADS=1, BENCH_TRAINING_CANDLES=60000,
 *                                     BENCH_BACKTEST_CANDLES=50000, BENCH_IDLE_ROUNDS=150, BENCH_PAUSE_MS=50)
 *
 * The real app (AppModule, paper trading, MariaDB in a throw-away database `opa_bench_responsiveness`) runs in a child
 * process, so the measuring side never shares its event loop. It stores the real BTCUSDT 1h klines of
 * ../shared/data/binance through the importer's reader and parser. The parent then sends, in two loops side by side,
 * GET /health and POST /api/trading/kill (followed by an unmeasured POST /api/trading/resume, so every kill really
 * engages the switch), with BENCH_PAUSE_MS between requests, and records each latency in three phases:
 *
 *   idle      nothing else running (BENCH_IDLE_ROUNDS requests of each kind)
 *   training  POST /api/models over the newest BENCH_TRAINING_CANDLES candles, until the model is ready
 *             (MODEL_TRAINING_THREADS=BENCH_TRAINING_THREADS: 1 is the case where trees were built on the event loop)
 *   backtest  POST /api/backtests over the newest BENCH_BACKTEST_CANDLES candles with that model, until completed
 *             (the model first predicts every candle of the range, then the simulation runs)
 *
 * It prints p50 / p99 / max per endpoint and phase, the busy/idle p99 ratio, and whether p99 < 200 ms while busy.
 * A request that fails (reset, timeout after 60 s) is counted and shown; exit code 1 when the target is missed.
 */
import 'reflect-metadata';
import { type ChildProcess, fork } from 'node:child_process';
import * as os from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';
import { KlineRepository } from '../../src/market-data/kline.repository';
import { dropMysqlDatabase, MYSQL_TEST_SERVER, recreateMysqlDatabase } from '../support/test-database';
import { format, loadRealKlines, positiveInteger, projectRoot, write } from './bench-support';

const DATABASE = 'opa_bench_responsiveness';
const TREES = positiveInteger('BENCH_TREES', 100);
const TRAINING_THREADS = positiveInteger('BENCH_TRAINING_THREADS', 1);
const TRAINING_CANDLES = positiveInteger('BENCH_TRAINING_CANDLES', 60_000);
const BACKTEST_CANDLES = positiveInteger('BENCH_BACKTEST_CANDLES', 50_000);
const IDLE_ROUNDS = positiveInteger('BENCH_IDLE_ROUNDS', 150);
const PAUSE_MS = positiveInteger('BENCH_PAUSE_MS', 50);
const TARGET_P99_MS = 200;
const REQUEST_TIMEOUT_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The shared data beside the repository (also when this runs compiled from dist/), or OPA_SHARED_DATA. */
const BINANCE_DIR = join(process.env.OPA_SHARED_DATA ?? join(projectRoot(), '..', 'shared', 'data'), 'binance');

interface AppReady {
  port: number;
  firstOpenTime: number;
  lastOpenTime: number;
  candles: number;
}

/** Child process: the real app on a free port, with the klines stored before it reports ready. */
async function runApp(): Promise<void> {
  const records = await loadRealKlines(BINANCE_DIR, 'BTCUSDT-1h.csv', '1h');
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      environment: {
        DATABASE_URL: process.env.BENCH_DATABASE_URL,
        LOG_LEVEL: 'error',
        SYMBOLS: 'BTCUSDT',
        INTERVALS: '1h',
        INGESTION_ENABLED: 'false',
        MODEL_PREDICT_CRON: 'off',
        TRADING_CRON: 'off',
        TRADING_MODE: 'paper',
        MODEL_TRAINING_THREADS: String(TRAINING_THREADS),
        // The throttler is not what this measures.
        RATE_LIMIT_PER_MINUTE: '1000000',
        // The kill switch has its own budget (30 a minute by default); the bench sends it hundreds of times.
        RATE_LIMIT_KILL_PER_MINUTE: '1000000',
      },
    }),
    // Every kill and resume logs a warning; only errors matter here.
    { logger: ['error'] },
  );
  configureApp(app);
  await app.init();
  await app.get(KlineRepository).upsert(records);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const ready: AppReady = { port: address.port, firstOpenTime: records[0].openTime, lastOpenTime: records[records.length - 1].openTime, candles: records.length };
  process.send?.(ready);
}

interface Sample {
  ms: number;
  ok: boolean;
}

class Phase {
  readonly health: Sample[] = [];
  readonly kill: Sample[] = [];
  wallMs = 0;
  constructor(readonly name: string) {}
}

async function timedRequest(url: string, init: RequestInit): Promise<Sample> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
    return { ms: performance.now() - started, ok: response.ok };
  } catch {
    return { ms: performance.now() - started, ok: false };
  }
}

const JSON_POST = { method: 'POST', headers: { 'content-type': 'application/json' } } as const;

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two loops run side by side until `finished()` (checked every 250 ms by a third) says stop: GET /health, and
 * POST /api/trading/kill followed by an unmeasured resume. A stall of the app's event loop lands in whichever request
 * is in flight, so with two loops (and the status checks) one of the measured requests almost always catches it.
 */
async function measure(base: string, phase: Phase, finished: () => Promise<boolean> | boolean): Promise<void> {
  const started = performance.now();
  let done = false;
  const watcher = async () => {
    try {
      while (!(await finished())) await sleep(250);
    } finally {
      done = true;
    }
  };
  const healthLoop = async () => {
    while (!done) {
      phase.health.push(await timedRequest(`${base}/health`, {}));
      await sleep(PAUSE_MS);
    }
  };
  const killLoop = async () => {
    while (!done) {
      phase.kill.push(await timedRequest(`${base}/api/trading/kill`, { ...JSON_POST, body: JSON.stringify({ reason: 'bench:responsiveness' }) }));
      await timedRequest(`${base}/api/trading/resume`, { ...JSON_POST, body: '{}' });
      await sleep(PAUSE_MS);
    }
  };
  await Promise.all([watcher(), healthLoop(), killLoop()]);
  phase.wallMs = performance.now() - started;
}

/**
 * True once the job at `url` reached one of `final`; throws when it failed. A status read that fails (the shared
 * database server can drop a connection under load) is retried on the next check, up to 20 times in a row.
 */
function jobFinished(url: string, final: string[]): () => Promise<boolean> {
  let failuresInARow = 0;
  return async () => {
    let status: string;
    try {
      ({ status } = await json<{ status: string }>(url));
      failuresInARow = 0;
    } catch (error) {
      if (++failuresInARow >= 20) throw error;
      return false;
    }
    if (status === 'failed') throw new Error(`${url} failed: ${JSON.stringify(await json<unknown>(url))}`);
    return final.includes(status);
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function describe(samples: Sample[]): { p50: number; p99: number; max: number; failed: number } {
  const ms = samples.map((s) => s.ms);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), failed: samples.filter((s) => !s.ok).length };
}

function startApp(url: string): Promise<{ child: ChildProcess; ready: AppReady }> {
  const child = fork(__filename, ['--app'], { env: { ...process.env, BENCH_DATABASE_URL: url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (ready: AppReady) => resolve({ child, ready }));
    child.once('exit', (code) => reject(new Error(`the app exited with code ${code} before it was ready`)));
  });
}

async function main(): Promise<void> {
  const url = await recreateMysqlDatabase(MYSQL_TEST_SERVER, DATABASE);
  const { child, ready } = await startApp(url);
  const base = `http://127.0.0.1:${ready.port}`;
  try {
    write(
      `bench:responsiveness — node ${process.version}, ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
        `${format(ready.candles)} real BTCUSDT 1h candles stored; ${TREES} trees, MODEL_TRAINING_THREADS=${TRAINING_THREADS}`,
    );
    const phases = [new Phase('idle'), new Phase('training'), new Phase('backtest')];
    const [idle, training, backtest] = phases;

    await measure(base, idle, () => idle.health.length >= IDLE_ROUNDS && idle.kill.length >= IDLE_ROUNDS);

    const trainingStart = ready.lastOpenTime - (TRAINING_CANDLES - 1) * HOUR_MS;
    const model = await json<{ id: number }>(`${base}/api/models`, {
      ...JSON_POST,
      body: JSON.stringify({ symbol: 'BTCUSDT', interval: '1h', start: trainingStart, end: ready.lastOpenTime, horizon: 6, hyper_parameters: { n_estimators: TREES }, seed: 1 }),
    });
    await measure(base, training, jobFinished(`${base}/api/models/${model.id}`, ['ready']));

    const backtestStart = ready.lastOpenTime - (BACKTEST_CANDLES - 1) * HOUR_MS;
    const run = await json<{ id: number }>(`${base}/api/backtests`, {
      ...JSON_POST,
      body: JSON.stringify({ model_id: model.id, start: backtestStart, end: ready.lastOpenTime }),
    });
    await measure(base, backtest, jobFinished(`${base}/api/backtests/${run.id}`, ['completed']));

    const idleP99 = { health: describe(idle.health).p99, kill: describe(idle.kill).p99 };
    let met = true;
    write(`phase      wall s  endpoint               n     p50 ms    p99 ms    max ms  failed  p99 vs idle`);
    for (const phase of phases) {
      for (const [endpoint, samples, idleValue] of [
        ['GET /health', phase.health, idleP99.health],
        ['POST /api/trading/kill', phase.kill, idleP99.kill],
      ] as const) {
        const d = describe(samples);
        if (phase !== idle && (d.p99 >= TARGET_P99_MS || d.failed > 0)) met = false;
        write(
          `${phase.name.padEnd(9)} ${(phase.wallMs / 1000).toFixed(1).padStart(7)}  ${endpoint.padEnd(22)} ${String(samples.length).padStart(4)} ${d.p50.toFixed(1).padStart(9)} ` +
            `${d.p99.toFixed(1).padStart(9)} ${d.max.toFixed(1).padStart(9)} ${String(d.failed).padStart(7)}  ${(d.p99 / idleValue).toFixed(1).padStart(6)}×`,
        );
      }
    }
    write(`target p99 < ${TARGET_P99_MS} ms (and no failed request) while training and backtesting: ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await dropMysqlDatabase(MYSQL_TEST_SERVER, DATABASE);
  }
}

if (process.argv.includes('--app')) {
  runApp().catch((error: unknown) => {
    new Logger('bench:responsiveness').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    new Logger('bench:responsiveness').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
