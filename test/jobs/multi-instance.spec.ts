import { createConnection } from 'mysql2/promise';
import { type AppProcess, exited, startAppProcess, writeRegisterHook } from '../ingestion/app-process';
import { importSharedCandles } from '../backtest/backtest-fixtures';
import { startTestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';

// Two real app processes (src/main.ts) on one MariaDB database run a dozen training and backtest jobs between them.
// Real BTCUSDT 1h klines, 2023-01-01 .. 2023-05-31.
const HOUR_MS = 3_600_000;
const DATA_FROM = Date.UTC(2023, 0, 1);
const DATA_TO = Date.UTC(2023, 4, 31, 23);
const API_KEY = 'jobs-multi-instance-key-0123456789';
/** Short enough that a takeover happens within the test, long enough for a heartbeat (every third) to get through. */
const LEASE_MS = 3_000;

interface JobRow {
  id: number;
  status: string;
  owner: string | null;
  attempts: number;
  error: string | null;
}

/** A small, fast training (a few trees on ~1 500 candles); `seed` makes each one a distinct job. */
function smallTraining(seed: number, hours = 1_500, trees = 5): Record<string, unknown> {
  return {
    symbol: 'BTCUSDT',
    interval: '1h',
    start: DATA_FROM,
    end: DATA_FROM + (hours - 1) * HOUR_MS,
    horizon: 4,
    hyper_parameters: { n_estimators: trees, max_depth: 4 },
    seed,
    folds: 2,
  };
}

async function post(app: AppProcess, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: number }).id;
}

describe('background jobs on two app instances sharing one MariaDB database', () => {
  let databaseUrl: string;
  let register: ReturnType<typeof writeRegisterHook>;
  const apps: AppProcess[] = [];

  const rows = async (table: 'models' | 'backtests', ids: number[]): Promise<JobRow[]> => {
    const connection = await createConnection(databaseUrl);
    try {
      const [result] = await connection.query(`SELECT id, status, owner, attempts, error FROM \`${table}\` WHERE id IN (?) ORDER BY id`, [ids]);
      return (result as JobRow[]).map((row) => ({ ...row, id: Number(row.id), attempts: Number(row.attempts) }));
    } finally {
      await connection.end();
    }
  };

  /** Polls the database until every job of `ids` has one of the final statuses. */
  const finished = async (table: 'models' | 'backtests', ids: number[], final: string[], timeoutMs = 150_000): Promise<JobRow[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await rows(table, ids);
      if (current.every((row) => final.includes(row.status))) return current;
      if (Date.now() > deadline) throw new Error(`${table} not finished: ${JSON.stringify(current)}\n${apps.map((app) => app.output().slice(-3000)).join('\n----\n')}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  };

  beforeAll(async () => {
    databaseUrl = await freshMysqlDatabase('jobs_multi');
    // Migrations and candles through an app in this process, closed before the two instances start.
    const setup = await startTestApp({ DATABASE_URL: databaseUrl });
    await importSharedCandles(setup, DATA_FROM, DATA_TO);
    await setup.close();
    register = writeRegisterHook();
    const environment = {
      DATABASE_URL: databaseUrl,
      API_KEY,
      INGESTION_ENABLED: 'false',
      BINANCE_BASE_URL: 'http://127.0.0.1:9',
      MODEL_PREDICT_CRON: 'off',
      TRADING_CRON: 'off',
      MODEL_TRAINING_THREADS: '2',
      JOBS_LEASE_MS: String(LEASE_MS),
      JOBS_POLL_MS: '200',
      JOBS_MAX_QUEUED: '50',
    };
    apps.push(await startAppProcess(register.path, environment), await startAppProcess(register.path, environment));
  }, 180_000);

  afterAll(async () => {
    for (const app of apps) {
      if (app.child.exitCode === null && app.child.signalCode === null) {
        app.child.kill('SIGTERM');
        await exited(app.child);
      }
    }
    register?.remove();
  });

  it('runs a dozen training and backtest jobs exactly once each, spread over both instances, none failed by the other', async () => {
    const [first, second] = apps;
    const [baseModel] = await finished('models', [await post(first, '/api/models', smallTraining(1))], ['ready', 'failed']);
    expect(baseModel).toMatchObject({ status: 'ready', error: null });

    // Every job is submitted to the first instance; the second finds them in the database.
    const models: number[] = [];
    const backtests: number[] = [];
    for (let k = 0; k < 6; k++) {
      models.push(await post(first, '/api/models', smallTraining(100 + k)));
      const start = Date.UTC(2023, 3, 1) + k * 24 * HOUR_MS;
      backtests.push(await post(first, '/api/backtests', { model_id: baseModel.id, start, end: start + 20 * 24 * HOUR_MS }));
    }
    const trained = await finished('models', models, ['ready', 'failed']);
    const tested = await finished('backtests', backtests, ['completed', 'failed']);

    for (const row of trained) expect(row).toMatchObject({ status: 'ready', error: null, attempts: 1 });
    for (const row of tested) expect(row).toMatchObject({ status: 'completed', error: null, attempts: 1 });
    // Exactly once: one "ready"/"completed" log line per job across both instances.
    const logs = apps.map((app) => app.output()).join('\n');
    for (const id of models) expect(logs.match(new RegExp(`Model ${id} ready:`, 'g'))).toHaveLength(1);
    for (const id of backtests) expect(logs.match(new RegExp(`Backtest ${id} completed:`, 'g'))).toHaveLength(1);
    // Any instance runs any queued job: the one nothing was submitted to ran some of them.
    const owners = new Set([...trained, ...tested].map((row) => row.owner));
    expect(owners.size).toBe(2);
    expect(second.output()).not.toMatch(/interrupted|lost its lease|no longer held/);
  }, 300_000);

  it('a job whose instance is killed mid-run is finished by the other instance once the lease has expired', async () => {
    const [first] = apps;
    const id = await post(first, '/api/models', smallTraining(900, 3_000, 60));
    let running: JobRow | undefined;
    const deadline = Date.now() + 60_000;
    while (!running) {
      const [row] = await rows('models', [id]);
      if (row.status === 'training' && row.owner !== null) running = row;
      else if (row.status !== 'queued' || Date.now() > deadline) throw new Error(`model ${id} never seen training: ${JSON.stringify(row)}`);
      else await new Promise((done) => setTimeout(done, 20));
    }
    // The owner's process id is part of its instance id (host:pid:random).
    const victim = apps.find((app) => running.owner!.split(':')[1] === String(app.child.pid))!;
    const survivor = apps.find((app) => app !== victim)!;
    victim.child.kill('SIGKILL');
    await exited(victim.child);

    const [done] = await finished('models', [id], ['ready', 'failed']);
    expect(done).toMatchObject({ status: 'ready', error: null, attempts: 2 });
    expect(done.owner).not.toBe(running.owner);
    expect(done.owner!.split(':')[1]).toBe(String(survivor.child.pid));
    expect(survivor.output()).toMatch(new RegExp(`Taking over training job ${id} \\(attempt 2\\)`));
  }, 180_000);
});
