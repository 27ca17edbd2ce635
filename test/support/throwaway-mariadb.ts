import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { recreateMysqlDatabase } from './test-database';

const run = promisify(execFile);
const INSTALL_DB = process.env.MARIADB_INSTALL_DB ?? 'mariadb-install-db';
const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';

/** A free TCP port on 127.0.0.1 (the kernel picks one; it stays free until someone binds it). */
export async function freePort(): Promise<number> {
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

/**
 * A MariaDB server of the test's own: its own datadir under the temp folder, its own port and socket, so a drill can
 * stop (SIGTERM), kill (SIGKILL) and restart it without touching the shared server on 3306. root has no password.
 */
export class ThrowawayMariaDb {
  private child: ChildProcess | null = null;
  private log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Creates the datadir (mariadb-install-db) and starts the server. */
  static async start(): Promise<ThrowawayMariaDb> {
    const dir = mkdtempSync(join(tmpdir(), 'opa-mariadb-'));
    try {
      await run(INSTALL_DB, [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ]);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${INSTALL_DB} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const server = new ThrowawayMariaDb(dir, await freePort());
    await server.up();
    return server;
  }

  /** mysql://root@127.0.0.1:<port> (append /database). */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The server's own output (error log), for a failing test's message. */
  output(): string {
    return this.log;
  }

  /** Starts mariadbd on the same datadir and port, and waits until it answers. */
  async up(): Promise<void> {
    if (this.running) return;
    const child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        `--socket=${join(this.dir, 'sock')}`,
        `--pid-file=${join(this.dir, 'mariadbd.pid')}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        '--innodb-buffer-pool-size=64M',
        '--max-connections=200',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.running) throw new Error(`mariadbd exited at start:\n${this.log.slice(-3000)}`);
      try {
        const connection = await createConnection({ uri: this.url, connectTimeout: 1000 });
        await connection.end();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`mariadbd did not answer within 60 s:\n${this.log.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Stops the server with `signal` (SIGTERM: clean shutdown; SIGKILL: a crash) and waits until it has exited. */
  async down(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  /** Drops and recreates a database and returns its URL. */
  freshDatabase(name: string): Promise<string> {
    return recreateMysqlDatabase(this.url, name);
  }

  /** KILLs every connection to `database` (the server stays up): a network blip, a proxy reset, wait_timeout. */
  async killConnections(database: string): Promise<number> {
    const connection = await createConnection(this.url);
    try {
      const [rows] = await connection.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [database]);
      const ids = (rows as { id: number | string }[]).map((row) => Number(row.id));
      for (const id of ids) await connection.query(`KILL CONNECTION ${id}`).catch(() => undefined);
      return ids.length;
    } finally {
      await connection.end();
    }
  }

  /** Kills the server and deletes its datadir. */
  async destroy(): Promise<void> {
    await this.down('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
