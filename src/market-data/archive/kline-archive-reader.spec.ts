import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { type ArchiveLimits, ImportLimitExceeded } from './import-limits';
import { type ArchiveLine, type ArchiveSource, readArchiveLines, type ReadOptions } from './kline-archive-reader';
import { parseKlineRow } from './kline-row-parser';

const HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const ROW_1 = '1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.93574230,1984,3.40108000,318209.28127720,0';
const ROW_2 = '1735689660000000,93610.93000000,93652.00000000,93606.76000000,93650.00000000,7.77637000,1735689719999999,728165.07045200,1802,4.08712000,382708.89651890,0';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kline-archive-reader-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, content: string | Buffer): string {
  const path = join(dir, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** Zips files (paths relative to the temp dir, kept as entry names, in this order) with the zip CLI. */
function zip(name: string, entries: Record<string, string>): string {
  const folder = mkdtempSync(join(dir, 'zip-'));
  for (const [entry, content] of Object.entries(entries)) {
    mkdirSync(dirname(join(folder, entry)), { recursive: true });
    writeFileSync(join(folder, entry), content);
  }
  const path = join(dir, name);
  execFileSync('zip', ['-q', '-X', path, ...Object.keys(entries)], { cwd: folder });
  return path;
}

async function collect(source: ArchiveSource, options?: ReadOptions): Promise<ArchiveLine[]> {
  const lines: ArchiveLine[] = [];
  for await (const line of readArchiveLines(source, options)) lines.push(line);
  return lines;
}

const split = (row: string) => row.split(',');

/**
 * Runs `body` with a no-op 'error' listener added to every stream that is piped somewhere, so an error the code under
 * test leaves unhandled fails the test through its own assertion instead of as an uncaught exception.
 */
async function withStreamErrorsObserved(body: () => Promise<void>): Promise<void> {
  const pipe = Readable.prototype.pipe;
  const spy = jest.spyOn(Readable.prototype, 'pipe').mockImplementation(function <T extends NodeJS.WritableStream>(
    this: Readable,
    destination: T,
    options?: { end?: boolean },
  ): T {
    this.on('error', () => undefined);
    return pipe.call(this, destination, options) as T;
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
}

/** The promise's outcome, or a rejection when it has not settled within `ms` (so a hang fails fast). */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('readArchiveLines', () => {
  describe('plain CSV', () => {
    it('reads a file on disk, one field array per line, numbered from 1', async () => {
      const path = write('BTCUSDT-1m-2025-01-01.csv', `${ROW_1}\n${ROW_2}\n`);
      expect(await collect({ name: 'BTCUSDT-1m-2025-01-01.csv', path })).toEqual([
        { entry: 'BTCUSDT-1m-2025-01-01.csv', line: 1, fields: split(ROW_1) },
        { entry: 'BTCUSDT-1m-2025-01-01.csv', line: 2, fields: split(ROW_2) },
      ]);
    });

    it('reads an uploaded buffer the same way', async () => {
      const lines = await collect({ name: 'upload.csv', content: Buffer.from(`${ROW_1}\n${ROW_2}`) });
      expect(lines).toEqual([
        { entry: 'upload.csv', line: 1, fields: split(ROW_1) },
        { entry: 'upload.csv', line: 2, fields: split(ROW_2) },
      ]);
    });

    it('handles CRLF, a UTF-8 BOM, a header, blank lines and padded fields; line numbers stay physical', async () => {
      const text = `\uFEFF${HEADER}\r\n\r\n ${ROW_1.replace(/,/g, ' , ')} \r\n\r\n${ROW_2}\r\n`;
      const lines = await collect({ name: 'x.csv', content: Buffer.from(text, 'utf8') });
      expect(lines.map((l) => [l.line, l.fields])).toEqual([
        [1, split(HEADER)],
        [3, split(ROW_1)],
        [5, split(ROW_2)],
      ]);
      expect(lines[0].fields[0]).toBe('open_time'); // the BOM is not glued to the first field
    });

    it('keeps rows with a wrong column count for the parser to report', async () => {
      const lines = await collect({ name: 'x.csv', content: Buffer.from(`${ROW_1}\n1,2,3\n`) });
      expect(lines.map((l) => l.fields.length)).toEqual([12, 3]);
    });

    it('yields nothing for an empty file', async () => {
      expect(await collect({ name: 'empty.csv', content: Buffer.alloc(0) })).toEqual([]);
    });

    // pipe() does not forward source errors; the reader must, or an unreadable file hangs the import and the error
    // escapes as an uncaught exception. withStreamErrorsObserved keeps a regression from crashing the test run.
    it('fails, rather than hanging, for a missing file', async () => {
      await withStreamErrorsObserved(async () => {
        const lines = collect({ name: 'missing.csv', path: join(dir, 'does-not-exist.csv') });
        await expect(settleWithin(lines, 2000)).rejects.toThrow(/ENOENT/);
      });
    });

    it('fails when neither a path nor content is given', async () => {
      await expect(collect({ name: 'nothing.csv' })).rejects.toThrow('nothing.csv: neither a path nor content was given');
    });
  });

  describe('zip', () => {
    it('checks that the zip CLI the tests build archives with is installed', () => {
      expect(() => execFileSync('zip', ['-v'], { stdio: 'ignore' })).not.toThrow();
    });

    it('reads the CSV inside a zip on disk, with CRLF lines and a header, naming the entry', async () => {
      const path = zip('BTCUSDT-1m-2025-01-01.zip', { 'BTCUSDT-1m-2025-01-01.csv': `${HEADER}\r\n${ROW_1}\r\n${ROW_2}\r\n` });
      expect(await collect({ name: 'BTCUSDT-1m-2025-01-01.zip', path })).toEqual([
        { entry: 'BTCUSDT-1m-2025-01-01.csv', line: 1, fields: split(HEADER) },
        { entry: 'BTCUSDT-1m-2025-01-01.csv', line: 2, fields: split(ROW_1) },
        { entry: 'BTCUSDT-1m-2025-01-01.csv', line: 3, fields: split(ROW_2) },
      ]);
    });

    it('reads an uploaded zip buffer the same way', async () => {
      const path = zip('upload.zip', { 'BTCUSDT-1m-2025-01-01.csv': `${HEADER}\r\n${ROW_1}\r\n${ROW_2}\r\n` });
      const lines = await collect({ name: 'upload.zip', content: readFileSync(path) });
      expect(lines.map((l) => [l.entry, l.line, l.fields])).toEqual([
        ['BTCUSDT-1m-2025-01-01.csv', 1, split(HEADER)],
        ['BTCUSDT-1m-2025-01-01.csv', 2, split(ROW_1)],
        ['BTCUSDT-1m-2025-01-01.csv', 3, split(ROW_2)],
      ]);
    });

    it('recognises the extension in any case', async () => {
      const path = zip('UPPER.ZIP', { 'a.csv': `${ROW_1}\n` });
      expect((await collect({ name: 'UPPER.ZIP', path })).map((l) => l.entry)).toEqual(['a.csv']);
    });

    it('reads every .csv entry in archive order, skips other entries and restarts line numbers', async () => {
      const path = zip('many.zip', {
        'README.txt': 'not,a,kline\n',
        'b.csv': `${ROW_2}\n`,
        'nested/a.CSV': `${HEADER}\n${ROW_1}\n`,
      });
      const lines = await collect({ name: 'many.zip', path });
      expect(lines.map((l) => [l.entry, l.line, l.fields[0]])).toEqual([
        ['b.csv', 1, split(ROW_2)[0]],
        ['nested/a.CSV', 1, 'open_time'],
        ['nested/a.CSV', 2, split(ROW_1)[0]],
      ]);
    });

    it('fails for a zip without a .csv entry', async () => {
      const path = zip('no-csv.zip', { 'notes.txt': 'hello\n' });
      await expect(collect({ name: 'no-csv.zip', path })).rejects.toThrow('the zip holds no .csv file');
    });

    it('fails for content that is not a zip', async () => {
      await expect(collect({ name: 'broken.zip', content: Buffer.from(`${ROW_1}\n`) })).rejects.toThrow(/central directory/);
      const path = write('broken-on-disk.zip', `${ROW_1}\n`);
      await expect(collect({ name: 'broken-on-disk.zip', path })).rejects.toThrow(/central directory/);
    });

    // Same cause for a damaged zip entry: an uploaded file must not be able to crash or hang the server.
    it('fails, rather than hanging, for a zip entry with damaged data', async () => {
      let csv = '';
      const [openTime, ...rest] = split(ROW_1);
      for (let i = 0; i < 2000; i++) csv += `${Number(openTime) + i * 60_000_000},${rest.join(',')}\n`;
      const content = readFileSync(zip('damaged.zip', { 'a.csv': csv }));
      expect(content.length).toBeGreaterThan(1000);
      for (let i = 200; i < 260; i++) content[i] ^= 0xff; // inside the deflated data of the only entry
      await withStreamErrorsObserved(async () => {
        // Whatever zlib or yauzl reports, as long as it is reported rather than left hanging.
        await expect(settleWithin(collect({ name: 'damaged.zip', content }), 2000)).rejects.not.toThrow(/did not settle/);
      });
    });

    it('fails for a missing zip', async () => {
      await expect(collect({ name: 'gone.zip', path: join(dir, 'gone.zip') })).rejects.toThrow(/ENOENT/);
    });

    it('lets the caller stop after the first line', async () => {
      const path = zip('early.zip', { 'a.csv': `${ROW_1}\n${ROW_2}\n`, 'b.csv': `${ROW_2}\n` });
      const seen: ArchiveLine[] = [];
      for await (const line of readArchiveLines({ name: 'early.zip', path })) {
        seen.push(line);
        break;
      }
      expect(seen.map((l) => [l.entry, l.line])).toEqual([['a.csv', 1]]);
    });

    it('feeds the row parser: header on the first line, microsecond rows as millisecond klines', async () => {
      const path = zip('parser.zip', { 'BTCUSDT-1m-2025-01-01.csv': `${HEADER}\r\n${ROW_1}\r\n${ROW_2}\r\n` });
      const parsed = (await collect({ name: 'parser.zip', path })).map((l) =>
        parseKlineRow(l.fields, 'BTCUSDT', '1m', l.line === 1),
      );
      expect(parsed.map((p) => (p.kind === 'kline' ? [p.record.openTime, p.record.closeTime] : p.kind))).toEqual([
        'header',
        [Date.UTC(2025, 0, 1, 0, 0), Date.UTC(2025, 0, 1, 0, 1) - 1],
        [Date.UTC(2025, 0, 1, 0, 1), Date.UTC(2025, 0, 1, 0, 2) - 1],
      ]);
    });
  });
});

describe('readArchiveLines limits', () => {
  const limits: ArchiveLimits = { maxEntryBytes: 4096, maxFileBytes: 6144, maxLineBytes: 256 };
  /** ROW_1-shaped lines, one minute apart, `count` of them (~150 bytes each). */
  const rows = (count: number) => {
    const [openTime, ...rest] = split(ROW_1);
    return Array.from({ length: count }, (_, i) => `${Number(openTime) + i * 60_000_000},${rest.join(',')}\n`).join('');
  };
  const limitOf = async (promise: Promise<unknown>): Promise<string> => {
    const error: unknown = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ImportLimitExceeded)) throw new Error(`expected ImportLimitExceeded, got ${String(error)}`);
    return error.variable;
  };

  it('reads lines right at the line limit (the line break not counted)', async () => {
    const line = `${'1,'.repeat(127)}11`;
    expect(line).toHaveLength(256);
    expect(await collect({ name: 'edge.csv', content: Buffer.from(`${line}\n`.repeat(15)) }, { limits })).toHaveLength(15);
  });

  it('counts the bytes of a plain CSV as they are read and stops past IMPORT_MAX_ENTRY_BYTES', async () => {
    expect(await limitOf(collect({ name: 'big.csv', content: Buffer.from(rows(40)) }, { limits }))).toBe('IMPORT_MAX_ENTRY_BYTES');
  });

  it('refuses a zip entry whose header admits to more than IMPORT_MAX_ENTRY_BYTES', async () => {
    const path = zip('big.zip', { 'a.csv': rows(40) });
    expect(await limitOf(collect({ name: 'big.zip', path }, { limits }))).toBe('IMPORT_MAX_ENTRY_BYTES');
  });

  it('counts every CSV of a zip together against IMPORT_MAX_FILE_BYTES', async () => {
    const path = zip('two.zip', { 'a.csv': rows(25), 'b.csv': rows(25) }); // ~3.7 KB each, ~7.4 KB together
    expect(await limitOf(collect({ name: 'two.zip', path }, { limits }))).toBe('IMPORT_MAX_FILE_BYTES');
  });

  it('stops a line past IMPORT_MAX_LINE_BYTES: one long field, only delimiters, or a quoted field spanning lines', async () => {
    for (const text of ['9'.repeat(300), ','.repeat(300), `"${'x\n'.repeat(150)}"`]) {
      expect(await limitOf(collect({ name: 'long.csv', content: Buffer.from(`${ROW_1}\n${text}\n`) }, { limits }))).toBe(
        'IMPORT_MAX_LINE_BYTES',
      );
    }
  });

  it('names the variable and the limit in its message', async () => {
    await expect(collect({ name: 'big.csv', content: Buffer.from(rows(40)) }, { limits })).rejects.toThrow(
      'big.csv (uncompressed) exceeds IMPORT_MAX_ENTRY_BYTES (4096 bytes)',
    );
  });

  it('stops reading with an AbortError once the signal aborts', async () => {
    const path = zip('abort.zip', { 'a.csv': rows(2000) });
    const controller = new AbortController();
    const seen: ArchiveLine[] = [];
    const reading = (async () => {
      for await (const line of readArchiveLines({ name: 'abort.zip', path }, { signal: controller.signal })) {
        seen.push(line);
        if (seen.length === 10) controller.abort();
      }
    })();
    await expect(reading).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }) as Error);
    expect(seen.length).toBeLessThan(2000);
  });
});
