import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, type DatabaseSettings } from '../../src/database/data-source-options';
import { BackgroundJobRunner, type JobHandler, type JobLease, JobLeaseLost, SqlJobTable } from '../../src/platform/jobs';
import { freshMysqlDatabase } from '../support/test-database';

// The lease SQL of src/platform/jobs on both databases the app runs on, against a scratch table with the lease columns.
const SPEC = { table: 'lease_jobs', queuedStatus: 'queued', runningStatus: 'running' };

describe.each<[string, () => Promise<DatabaseSettings>]>([
  ['MariaDB', async () => ({ DATABASE_URL: await freshMysqlDatabase('jobs_lease'), SQLITE_PATH: '' })],
  ['SQLite', () => Promise.resolve({ SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'opa-lease-')), 'db.sqlite') })],
])('job lease on %s', (_store, settings) => {
  let dataSource: DataSource;
  let sqlitePath = '';
  let table: SqlJobTable;
  let q: (name: string) => string;

  const insertQueued = async (count: number): Promise<number[]> => {
    const ids: number[] = [];
    for (let k = 0; k < count; k++) {
      const id = (await dataSource.query<{ n: number | string }[]>(`SELECT COALESCE(MAX(${q('id')}), 0) + 1 AS n FROM ${q('lease_jobs')}`))[0].n;
      await dataSource.query(`INSERT INTO ${q('lease_jobs')} (${q('id')}, ${q('status')}, ${q('attempts')}) VALUES (?, 'queued', 0)`, [Number(id)]);
      ids.push(Number(id));
    }
    return ids;
  };
  /** A runner for the scratch table as instance-a, polling only when started (pollMs far beyond the test). */
  const scratchRunner = (handler: JobHandler, leaseMs: number): BackgroundJobRunner =>
    new BackgroundJobRunner('scratch', table, handler, { owner: 'instance-a', leaseMs, pollMs: 60_000, maxAttempts: 3 }, new Logger('scratch jobs'));
  const row = async (id: number) =>
    (await dataSource.query<{ status: string; owner: string | null; attempts: number | string }[]>(`SELECT * FROM ${q('lease_jobs')} WHERE ${q('id')} = ?`, [id]))[0];

  beforeAll(async () => {
    const resolved = await settings();
    sqlitePath = resolved.DATABASE_URL ? '' : resolved.SQLITE_PATH;
    dataSource = new DataSource(buildDataSourceOptions(resolved));
    await dataSource.initialize();
    const mysql = dataSource.options.type === 'mysql';
    q = (name) => (mysql ? `\`${name}\`` : `"${name}"`);
    await dataSource.query(
      `CREATE TABLE ${q('lease_jobs')} (${q('id')} BIGINT PRIMARY KEY, ${q('status')} VARCHAR(16) NOT NULL, ${q('owner')} VARCHAR(100) NULL, ` +
        `${q('lease_until')} BIGINT NULL, ${q('attempts')} INT NOT NULL DEFAULT 0)`,
    );
    table = new SqlJobTable(dataSource, SPEC);
    Logger.overrideLogger(['error']);
  });
  afterAll(async () => {
    Logger.overrideLogger(['error', 'warn', 'log']);
    await dataSource?.destroy();
    if (sqlitePath) rmSync(join(sqlitePath, '..'), { recursive: true, force: true });
  });

  it('of two instances racing for the same jobs, exactly one claims each', async () => {
    const ids = await insertQueued(20);
    const claims = await Promise.all(ids.flatMap((id) => ['instance-a', 'instance-b'].map(async (owner) => ({ id, owner, attempt: await table.claim(id, owner, 60_000) }))));
    for (const id of ids) {
      const winners = claims.filter((claim) => claim.id === id && claim.attempt !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0].attempt).toBe(1);
      expect(await row(id)).toMatchObject({ status: 'running', owner: winners[0].owner });
    }
    expect(await table.claimable(100)).toEqual([]);
    expect(await table.countActive()).toBe(20);
  });

  it('a live lease is never taken over; an expired one is, and its old owner can no longer renew it', async () => {
    const [live, expiring] = await insertQueued(2);
    expect(await table.claim(live, 'instance-a', 60_000)).toBe(1);
    expect(await table.claim(expiring, 'instance-a', 1)).toBe(1);
    await new Promise((done) => setTimeout(done, 50));
    expect(await table.claimable(100)).toEqual([expiring]);
    expect(await table.claim(live, 'instance-b', 60_000)).toBeNull();
    expect(await table.claim(expiring, 'instance-b', 60_000)).toBe(2);
    expect(await table.renew(expiring, 'instance-a', 60_000)).toBe(false);
    expect(await table.renew(expiring, 'instance-b', 60_000)).toBe(true);
    expect(await table.renew(live, 'instance-a', 60_000)).toBe(true);
    expect(await row(live)).toMatchObject({ owner: 'instance-a' });
  });

  it('a runner whose job was taken over notices at the next heartbeat, writes nothing more and records no failure', async () => {
    const [id] = await insertQueued(1);
    const failures: string[] = [];
    const outcome: { lost?: boolean; writeError?: unknown } = {};
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const guardedFinish = async (lease: JobLease): Promise<void> => {
      const runner = dataSource.createQueryRunner();
      try {
        const result = await runner.query(`UPDATE ${q('lease_jobs')} SET ${q('status')} = 'done' WHERE ${q('id')} = ? AND ${q('owner')} = ?`, [lease.id, lease.owner], true);
        lease.confirm(result.affected);
      } finally {
        await runner.release();
      }
    };
    const runner = scratchRunner(
      {
        run: async (lease) => {
          // Another instance takes the job over (as after an expired lease); the heartbeat must notice.
          await dataSource.query(`UPDATE ${q('lease_jobs')} SET ${q('owner')} = 'instance-b' WHERE ${q('id')} = ?`, [lease.id]);
          await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve()));
          outcome.lost = lease.lost;
          try {
            await guardedFinish(lease);
          } catch (error) {
            outcome.writeError = error;
            throw error;
          } finally {
            finished();
          }
        },
        fail: (_lease, message) => {
          failures.push(message);
          return Promise.resolve();
        },
      },
      1_000,
    );
    runner.start();
    await done;
    await runner.stop();
    expect(outcome.lost).toBe(true);
    expect(outcome.writeError).toBeInstanceOf(JobLeaseLost);
    expect(failures).toEqual([]);
    expect(await row(id)).toMatchObject({ status: 'running', owner: 'instance-b' });
  });

  it('a job claimed more than maxAttempts times is failed instead of run', async () => {
    const [id] = await insertQueued(1);
    await dataSource.query(`UPDATE ${q('lease_jobs')} SET ${q('status')} = 'running', ${q('owner')} = 'dead', ${q('lease_until')} = 0, ${q('attempts')} = 3 WHERE ${q('id')} = ?`, [id]);
    const ran: number[] = [];
    const failures: string[] = [];
    let failed!: () => void;
    const done = new Promise<void>((resolve) => (failed = resolve));
    const runner = scratchRunner(
      {
        run: (lease) => {
          ran.push(lease.id);
          return Promise.resolve();
        },
        fail: (lease, message) => {
          if (lease.id === id) {
            failures.push(message);
            failed();
          }
          return Promise.resolve();
        },
      },
      60_000,
    );
    runner.start();
    await done;
    await runner.stop();
    expect(ran).not.toContain(id);
    expect(failures).toEqual(['interrupted 3 times (its instance stopped or lost the lease); submit it again']);
  });
});
