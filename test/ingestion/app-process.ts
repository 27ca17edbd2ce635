import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/throwaway-mariadb';
import { API_KEY, type JobBody } from './ingestion-support';

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

export interface AppProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Writes the require hook into a temp folder; `remove()` deletes it. */
export function writeRegisterHook(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'opa-register-'));
  const path = join(dir, 'register-ts.js');
  writeFileSync(path, REGISTER);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the real app (`src/main.ts`) as a process of its own with exactly `environment` (plus PATH), Node's default
 * `--unhandled-rejections=throw`, so an unhandled rejection ends the process; resolves once /api/ingestion/status answers.
 */
export async function startAppProcess(register: string, environment: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--unhandled-rejections=throw', '-r', register, join(ROOT, 'src/main.ts')], {
    cwd: mkdtempSync(join(tmpdir(), 'opa-app-')),
    env: { PATH: process.env.PATH ?? '', ...environment, PORT: String(port), LOG_LEVEL: environment.LOG_LEVEL ?? 'log' },
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

/** POST /api/ingestion/backfill on the app process; resolves with the job id (the answer must be 202). */
export async function postBackfill(app: AppProcess, body: Record<string, string | number>): Promise<string> {
  const response = await fetch(`${app.url}/api/ingestion/backfill`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`POST /api/ingestion/backfill answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** The job as the app's API reports it, or null while the API cannot answer (its database is down, say). */
export async function jobOf(app: AppProcess, id: string): Promise<JobBody | null> {
  try {
    const response = await fetch(`${app.url}/api/ingestion/jobs/${id}`);
    return response.ok ? ((await response.json()) as JobBody) : null;
  } catch {
    return null;
  }
}

/** Polls the job through the app's API until `until(job)` holds; answers the API could not give are skipped. */
export async function waitFor(app: AppProcess, id: string, until: (job: JobBody) => boolean, timeoutMs = 90_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  let last: JobBody | null = null;
  for (;;) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) throw new Error(`app exited:\n${app.output()}`);
    const job = await jobOf(app, id);
    if (job && until(job)) return job;
    last = job ?? last;
    if (Date.now() > deadline) throw new Error(`job not there in time: ${JSON.stringify(last)}\n${app.output().slice(-5000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}
