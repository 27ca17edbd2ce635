import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';

export interface WorkerPoolOptions {
  /** The exported function of the entry module that runs each task. */
  handler: string;
  /** Threads running tasks at the same time; further tasks wait in the pool's queue. */
  maxThreads: number;
  /** An idle thread is stopped after this long (ms), so an idle app holds no worker memory. Default 60 s. */
  idleTimeoutMs?: number;
}

/**
 * A piscina pool whose threads run `options.handler`, a function exported by `entry` (a module path without extension,
 * e.g. `path.join(__dirname, 'training.worker')`). Long CPU work runs there so the event loop keeps answering HTTP
 * requests (/health, the kill switch) while it runs.
 *
 * From compiled output the .js entry runs as is; from TypeScript sources (Jest) the thread first preloads
 * register-typescript.js, which transpiles the .ts modules on the fly.
 */
export function createWorkerPool(entry: string, options: WorkerPoolOptions): Piscina {
  const compiled = `${entry}.js`;
  const fromSources = !fs.existsSync(compiled);
  return new Piscina({
    filename: fromSources ? `${entry}.ts` : compiled,
    name: options.handler,
    execArgv: fromSources ? [...process.execArgv, '--require', path.join(__dirname, 'register-typescript.js')] : process.execArgv,
    minThreads: 0,
    maxThreads: options.maxThreads,
    idleTimeout: options.idleTimeoutMs ?? 60_000,
  });
}

/** A pool created on first use (module-level services call these without a Nest lifecycle of their own). */
export function lazyWorkerPool(entry: string, options: WorkerPoolOptions): () => Piscina {
  let pool: Piscina | null = null;
  return () => (pool ??= createWorkerPool(entry, options));
}

/**
 * Runs one task. An error thrown in the thread arrives as a structured clone (message and name kept, class lost) made
 * in the main realm, which fails `instanceof Error` inside Jest's module sandbox: it is rethrown as this realm's Error.
 */
export async function runWorkerTask<T>(pool: Piscina, task: unknown, transferList: TransferListItem[] = []): Promise<T> {
  try {
    return (await pool.run(task, { transferList })) as T;
  } catch (error: unknown) {
    const cloned = error as { message?: unknown; name?: unknown; stack?: unknown } | null;
    if (cloned === null || typeof cloned !== 'object' || typeof cloned.message !== 'string') throw error;
    const local = new Error(cloned.message);
    if (typeof cloned.name === 'string') local.name = cloned.name;
    if (typeof cloned.stack === 'string') local.stack = cloned.stack;
    throw local;
  }
}
