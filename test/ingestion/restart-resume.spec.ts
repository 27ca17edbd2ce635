import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FakeBinance, startFakeBinance } from '../fake-binance/fake-binance-server';
import { freshMysqlDatabase } from '../support/test-database';
import { API_KEY, BTCUSDT_1H_CSV, btcusdt1h, differences, duplicateCount, ingestionEnvironment, type JobBody, storedKlines } from './ingestion-support';

const ROOT = resolve(__dirname, '../..');

/**
 * A require hook that transpiles the app's TypeScript on the fly (no type check), so the real `src/main.ts` runs
 * as its own process without a build. Nest's ESM-only packages load through Node's require(esm).
 */
const REGISTER = `
const ts = require(${JSON.stringify(join(ROOT, 'node_modules/typescript'))});
require.extensions['.ts'] = (module, filename) => {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true,
      emitDecoratorMetadata: true, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(outputText, filename);
};
`;

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface AppProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startAppProcess(register: string, environment: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['-r', register, join(ROOT, 'src/main.ts')], {
    cwd: mkdtempSync(join(tmpdir(), 'opa-app-')),
    env: { PATH: process.env.PATH ?? '', ...environment, PORT: String(port), LOG_LEVEL: 'log' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/api/ingestion/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`app did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url, output: () => output };
}

async function jobOf(app: AppProcess, id: string): Promise<JobBody> {
  return (await (await fetch(`${app.url}/api/ingestion/jobs/${id}`)).json()) as JobBody;
}

async function waitFor(app: AppProcess, id: string, until: (job: JobBody) => boolean, timeoutMs = 90_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobOf(app, id);
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job not there in time: ${JSON.stringify(job)}\n${app.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

describe('an app process killed (SIGKILL) mid-backfill resumes the job from its last stored candle after a restart', () => {
  let fake: FakeBinance;
  let workDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Slow pages (60 ms each) so the kill lands mid-run.
    fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }], latencyMs: 60 });
    workDir = mkdtempSync(join(tmpdir(), 'opa-resume-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fake?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('0 missing, 0 duplicated, and the restarted app does not start over', async () => {
    const candles = await btcusdt1h();
    const register = join(workDir, 'register-ts.js');
    writeFileSync(register, REGISTER);
    const databaseUrl = await freshMysqlDatabase('ingest_resume');
    const environment = ingestionEnvironment(fake.url, databaseUrl);

    const first = await startAppProcess(register, environment);
    children.push(first.child);
    const response = await fetch(`${first.url}/api/ingestion/backfill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ symbol: 'BTCUSDT', interval: '1h', start: '2017-01-01T00:00:00Z' }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const before = await waitFor(first, id, (job) => job.done >= 20_000);
    first.child.kill('SIGKILL');
    await killed(first.child);
    expect(before.state).toBe('running');
    const pagesBefore = fake.stats.requestsByEndpoint['/api/v3/klines'] ?? 0;

    const second = await startAppProcess(register, environment);
    children.push(second.child);
    const job = await waitFor(second, id, (j) => j.state === 'completed' || j.state === 'failed');
    expect(job).toMatchObject({ state: 'completed', done: candles.length, expected: candles.length });
    expect(second.output()).toMatch(/resuming from/);
    expect(differences(await storedKlines(databaseUrl, 'BTCUSDT', '1h'), candles)).toEqual([]);
    expect(await duplicateCount(databaseUrl)).toBe(0);
    // A full run takes 61 pages and 29 gap requests; the second process only asked for what was left.
    const pagesAfter = (fake.stats.requestsByEndpoint['/api/v3/klines'] ?? 0) - pagesBefore;
    expect(pagesAfter).toBeLessThan(61 - 15 + 29 + 2);
    second.child.kill('SIGTERM');
    await killed(second.child);
  });
});
