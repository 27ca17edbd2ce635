import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freshMysqlDatabase } from '../support/test-database';
import { BTCUSDT_1H_CSV, readSharedCsv } from '../support/shared-data';

const ROOT = resolve(__dirname, '..', '..');
// What `npm run import:klines` runs after building; built once here instead of once per call.
const CLI = join(ROOT, 'dist', 'src', 'market-data', 'cli', 'import-klines.cli.js');
const csv = readSharedCsv(BTCUSDT_1H_CSV);

function runImport(databaseUrl: string, args: string[], environment: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...environment },
  });
}

describe('npm run import:klines', () => {
  let databaseUrl: string;
  let workDir: string;

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
    databaseUrl = await freshMysqlDatabase('import_cli');
    workDir = mkdtempSync(join(tmpdir(), 'opa-import-cli-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  async function storedCount(symbol: string): Promise<number> {
    const connection = await createConnection(databaseUrl);
    try {
      const [rows] = await connection.query('SELECT COUNT(*) AS n FROM klines WHERE symbol = ?', [symbol]);
      return Number((rows as { n: number }[])[0].n);
    } finally {
      await connection.end();
    }
  }

  it('imports a data.binance.vision-style zip with microsecond times and no header, naming symbol and interval from the file', async () => {
    // Binance's 2025+ spot archives: 12 columns, times in microseconds, no header, inside a zip named like the CSV.
    const rows = csv.rows.slice(-48);
    const lines = rows.map((row) =>
      [
        row.open_time * 1000,
        row.open,
        row.high,
        row.low,
        row.close,
        row.volume,
        row.close_time * 1000 + 999,
        row.quote_asset_volume,
        row.number_of_trades,
        row.taker_buy_base_volume,
        row.taker_buy_quote_volume,
        '0',
      ].join(','),
    );
    const csvPath = join(workDir, 'ETHUSDT-1h-2026-07.csv');
    writeFileSync(csvPath, `${lines.join('\n')}\n`);
    execFileSync('zip', ['-j', '-q', join(workDir, 'ETHUSDT-1h-2026-07.zip'), csvPath]);

    const result = runImport(databaseUrl, [join(workDir, 'ETHUSDT-1h-2026-07.zip')]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('imported  ETHUSDT-1h-2026-07.zip (ETHUSDT 1h): 48 klines, 48 new');
    expect(await storedCount('ETHUSDT')).toBe(48);

    const again = runImport(databaseUrl, [join(workDir, 'ETHUSDT-1h-2026-07.zip')]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('48 klines, 0 new');
    expect(await storedCount('ETHUSDT')).toBe(48);
  });

  it('reads symbol and interval from a Binance file name without its date part too (ADAUSDT-1h.csv)', async () => {
    const csvPath = join(workDir, 'ADAUSDT-1h.csv');
    writeFileSync(csvPath, `${csv.header}\n${csv.lines.slice(-24).join('\n')}\n`);
    const result = runImport(databaseUrl, [csvPath]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('imported  ADAUSDT-1h.csv (ADAUSDT 1h): 24 klines, 24 new');
    expect(await storedCount('ADAUSDT')).toBe(24);
  });

  it('exits 1 naming file, line and reason when a file is rejected, and writes nothing of it', async () => {
    const bad = join(workDir, 'bad.csv');
    const good = csv.lines.slice(100, 103);
    const broken = csv.lines[103].split(',');
    broken[2] = '-5'; // high
    writeFileSync(bad, [csv.header, ...good, broken.join(',')].join('\n'));

    const result = runImport(databaseUrl, ['--symbol', 'SOLUSDT', '--interval', '1h', bad]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('REJECTED  bad.csv (SOLUSDT 1h), nothing written');
    expect(result.stdout).toMatch(/line 5 of .*bad\.csv: high "-5"/);
    expect(await storedCount('SOLUSDT')).toBe(0);
  });

  it('rejects a file past IMPORT_MAX_ENTRY_BYTES, keeps the files before it and does not read the ones after', async () => {
    const files = [
      ['DOGEUSDT-1h-2024-01.csv', csv.lines.slice(200, 210)],
      ['DOGEUSDT-1h-2024-02.csv', csv.lines.slice(300, 400)], // ~10 KB, over the 4 KiB below
      ['DOGEUSDT-1h-2024-03.csv', csv.lines.slice(500, 510)],
    ] as const;
    const paths = files.map(([name, lines]) => {
      writeFileSync(join(workDir, name), lines.join('\n'));
      return join(workDir, name);
    });
    const result = runImport(databaseUrl, ['--symbol', 'DOGEUSDT', '--interval', '1h', ...paths], { IMPORT_MAX_ENTRY_BYTES: '4096' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('imported  DOGEUSDT-1h-2024-01.csv (DOGEUSDT 1h): 10 klines');
    expect(result.stdout).toMatch(/REJECTED {2}DOGEUSDT-1h-2024-02\.csv .*nothing written:\n.*exceeds IMPORT_MAX_ENTRY_BYTES \(4096 bytes\)/);
    expect(result.stdout).toContain(`NOT READ  ${paths[2]} (IMPORT_MAX_ENTRY_BYTES was exceeded)`);
    expect(await storedCount('DOGEUSDT')).toBe(10);
  });

  it('exits 2 with usage when no file is given, and names a bad DATABASE_URL', () => {
    const usage = runImport(databaseUrl, []);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('at least one FILE is required');
    const badUrl = runImport('postgres://nowhere/db', [BTCUSDT_1H_CSV]);
    expect(badUrl.status).toBe(2);
    expect(badUrl.stderr).toContain('DATABASE_URL must look like mysql://');
  });
});
