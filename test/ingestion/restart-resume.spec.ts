import type { ChildProcess } from 'node:child_process';
import { type FakeBinance, startFakeBinance } from '../fake-binance/fake-binance-server';
import { freshMysqlDatabase } from '../support/test-database';
import { exited, postBackfill, startAppProcess, waitFor, writeRegisterHook } from './app-process';
import { BTCUSDT_1H_CSV, btcusdt1h, differences, duplicateCount, ingestionEnvironment, storedKlines } from './ingestion-support';

describe('an app process killed (SIGKILL) mid-backfill resumes the job from its last stored candle after a restart', () => {
  let fake: FakeBinance;
  let register: { path: string; remove: () => void };
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Slow pages (60 ms each) so the kill lands mid-run.
    fake = await startFakeBinance({ markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }], latencyMs: 60 });
    register = writeRegisterHook();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await fake?.close();
    register?.remove();
  });

  it('0 missing, 0 duplicated, and the restarted app does not start over', async () => {
    const candles = await btcusdt1h();
    const databaseUrl = await freshMysqlDatabase('ingest_resume');
    const environment = ingestionEnvironment(fake.url, databaseUrl);

    const first = await startAppProcess(register.path, environment);
    children.push(first.child);
    const id = await postBackfill(first, { symbol: 'BTCUSDT', interval: '1h', start: '2017-01-01T00:00:00Z' });
    const before = await waitFor(first, id, (job) => job.done >= 20_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(before.state).toBe('running');
    const pagesBefore = fake.stats.requestsByEndpoint['/api/v3/klines'] ?? 0;

    const second = await startAppProcess(register.path, environment);
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
    await exited(second.child);
  });
});
