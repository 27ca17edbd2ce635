import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { ZipFile } from 'yazl';
import { validateEnvironment } from '../../src/config/environment';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import { BTCUSDT_1H_CSV, SHARED_BINANCE_DIR } from '../support/shared-data';

const API_KEY = 'test-api-key-0123456789';
const MINUTE = 60_000;
const KIB = 1024;
const MIB = 1024 * KIB;

interface LimitErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors: { field: string; rule: string; message: string }[];
  files: { file: string; status: string }[];
}

/** `count` valid 1m klines from `start`, one CSV line each (~70 bytes), generated as they are read. */
function* klineLines(count: number, start = Date.UTC(2024, 0, 1)): Generator<string> {
  for (let i = 0; i < count; i++) {
    const open = start + i * MINUTE;
    yield `${open},100,101,99,100.5,1.5,${open + MINUTE - 1},150,10,0.5,50\n`;
  }
}

/** The same lines as klineLines, joined 1,000 to a chunk so that large files are generated quickly. */
function* klineChunks(count: number, start?: number): Generator<string> {
  const lines = klineLines(count, start);
  for (let done = 0; done < count; done += 1_000) {
    let chunk = '';
    for (let i = 0; i < 1_000 && done + i < count; i++) chunk += lines.next().value as string;
    yield chunk;
  }
}

/** `bytes` of `pattern` repeated, in 64 KiB chunks (no newline in the pattern: a single line as long as the CSV). */
function* repeated(pattern: string, bytes: number): Generator<Buffer> {
  const chunk = Buffer.from(pattern.repeat(Math.ceil((64 * KIB) / pattern.length)));
  for (let sent = 0; sent < bytes; sent += chunk.length) yield chunk;
}

/** Writes a zip whose entries are deflated as they are generated, so a 400 MB entry never sits in memory. */
async function writeZip(path: string, entries: Record<string, () => Iterable<string | Buffer>>): Promise<void> {
  const zip = new ZipFile();
  const output = zip.outputStream.pipe(createWriteStream(path));
  for (const [name, content] of Object.entries(entries)) zip.addReadStream(Readable.from(content()), name, { compressionLevel: 9 });
  zip.end();
  await finished(output);
}

function csvOf(lines: Iterable<string>): string {
  return [...lines].join('');
}

/** The app as a real HTTP server on an ephemeral port of 127.0.0.1. */
async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
  return `http://127.0.0.1:${port}`;
}

/**
 * A multipart upload of one file written by hand over a raw request, so the test decides when the body ends or the
 * connection drops.
 */
function openUpload(base: string, fileName: string): { request: ClientRequest; send(content: string | Buffer): void; finish(): Promise<IncomingMessage> } {
  const boundary = 'opa-import-limits-boundary';
  const request = httpRequest(`${base}/api/klines/import`, {
    method: 'POST',
    agent: false, // a connection of its own, closed with the request, so none lingers after the suite
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-api-key': API_KEY },
  });
  request.on('error', () => undefined); // the abort test destroys it on purpose
  const response = new Promise<IncomingMessage>((resolve) => request.once('response', resolve));
  request.write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  return {
    request,
    send: (content) => request.write(content),
    finish: async () => {
      request.end(`\r\n--${boundary}--\r\n`);
      return response;
    },
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}

/** The real app on a listening server with its own upload and work directories, and the calls these specs make. */
class ImportApp {
  private constructor(
    private readonly t: TestApp,
    readonly base: string,
    readonly uploadDir: string,
    readonly workDir: string,
  ) {}

  static async start(environment: Record<string, string>): Promise<ImportApp> {
    const uploadDir = mkdtempSync(join(tmpdir(), 'opa-import-uploads-'));
    const workDir = mkdtempSync(join(tmpdir(), 'opa-import-limits-'));
    const t = await startTestApp({ API_KEY, IMPORT_UPLOAD_DIR: uploadDir, ...environment });
    return new ImportApp(t, await listen(t), uploadDir, workDir);
  }

  async close(): Promise<void> {
    await this.t.close();
    rmSync(this.uploadDir, { recursive: true, force: true });
    rmSync(this.workDir, { recursive: true, force: true });
  }

  importFiles(files: string[]) {
    let call = request(this.base).post('/api/klines/import').set('x-api-key', API_KEY);
    for (const file of files) call = call.attach('files', file);
    return call;
  }

  async stored(symbol: string, interval = '1m'): Promise<number> {
    const response = await request(this.base).get('/api/klines/coverage').query({ symbol, interval }).expect(200);
    return (response.body as { count: number }).count;
  }

  /** A 413 naming `variable` in the project's error shape, nothing stored of `symbol`, no upload left behind. */
  async expectRefused(files: string[], variable: string, symbol: string): Promise<LimitErrorBody> {
    // A generous bound on the answer, not a speed assertion: before the limits, a zip bomb got no answer in a minute.
    const response = await this.importFiles(files).timeout(5_000);
    expect(response.status).toBe(413);
    const body = response.body as LimitErrorBody;
    expect(body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', errors: [{ field: 'files', rule: variable }] });
    expect(body.errors).toHaveLength(1);
    expect(body.code).toBe('IMPORT_LIMIT_EXCEEDED');
    expect(body.message).toContain(variable);
    expect(await this.stored(symbol)).toBe(0);
    expect(readdirSync(this.uploadDir)).toEqual([]);
    return body;
  }
}

describe('bounded kline imports on a real HTTP server (MariaDB, default limits)', () => {
  let app: ImportApp;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshMysqlDatabase('import_limits');
    app = await ImportApp.start({ DATABASE_URL: databaseUrl });
  });
  afterAll(() => app?.close());

  /** A file the importer rejects at once (no symbol in its name, none given): 422 when the slot is free, else 429. */
  const probe = () => request(app.base).post('/api/klines/import').set('x-api-key', API_KEY).attach('files', Buffer.from('1,2\n'), 'probe.csv');

  /** The bomb answers 413 naming `variable` while the process grows by less than 100 MB. */
  async function expectBoundedRejection(zipPath: string, variable: string): Promise<void> {
    (global as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    const body = await app.expectRefused([zipPath], variable, 'BOMBUSDT');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MIB);
    expect(body.files).toEqual([expect.objectContaining({ status: 'rejected' })]);
  }

  it('answers the zip bomb (a ~400 KB zip holding a 400 MB single-line CSV) with a 413 naming the limit', async () => {
    const bomb = join(app.workDir, 'BOMBUSDT-1m-2024-01.zip');
    await writeZip(bomb, { 'BOMBUSDT-1m-2024-01.csv': () => repeated('7', 400 * MIB) });
    await expectBoundedRejection(bomb, 'IMPORT_MAX_ENTRY_BYTES');
  }, 60_000);

  it('stops the zip bomb at the size its forged header states, with the same bounds (422: the zip lies)', async () => {
    const bomb = join(app.workDir, 'BOMBUSDT-1m-2024-03.zip');
    await writeZip(bomb, { 'BOMBUSDT-1m-2024-03.csv': () => repeated('7', 400 * MIB) });
    const forged = readFileSync(bomb);
    const centralEntry = forged.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); // the only central directory entry
    forged.writeUInt32LE(1_000, centralEntry + 24); // its uncompressed size: 1,000 bytes instead of 400 MB
    writeFileSync(bomb, forged);

    (global as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    const response = await app.importFiles([bomb]).timeout(5_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MIB);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ rejected_files: 1, files: [{ status: 'rejected' }] });
    expect((response.body as { files: { errors: { reason: string }[] }[] }).files[0].errors[0].reason).toMatch(
      /BOMBUSDT-1m-2024-03\.csv inflates to more bytes than its zip header says .*expected 1000/,
    );
    expect(await app.stored('BOMBUSDT')).toBe(0);
    expect(readdirSync(app.uploadDir)).toEqual([]);
  }, 60_000);

  it('answers a zip of 400 MB of ordinary kline lines with a 413 naming the per-CSV limit', async () => {
    const bomb = join(app.workDir, 'BOMBUSDT-1m-2024-02.zip');
    await writeZip(bomb, { 'BOMBUSDT-1m-2024-02.csv': () => repeated([...klineLines(1)][0], 400 * MIB) });
    await expectBoundedRejection(bomb, 'IMPORT_MAX_ENTRY_BYTES');
  }, 120_000);

  it('accepts the real shared Binance archives with the default limits', async () => {
    // Their names carry no symbol or interval, so each is posted with its own.
    for (const [file, interval, klines] of [
      [BTCUSDT_1H_CSV, '1h', 60_644],
      [join(SHARED_BINANCE_DIR, 'BTCUSDT-1m.csv'), '1m', 24_234],
    ] as const) {
      const response = await request(app.base)
        .post('/api/klines/import')
        .set('x-api-key', API_KEY)
        .field('symbol', 'BTCUSDT')
        .field('interval', interval)
        .attach('files', file)
        .expect(200);
      expect(response.body).toMatchObject({ imported_files: 1, files: [{ klines }] });
    }
  }, 120_000);

  it('refuses a second import while one runs with 429, Retry-After and a message, and takes the next one after', async () => {
    const first = openUpload(app.base, 'ETHUSDT-1m-2024-03.csv');
    first.send(csvOf(klineLines(1_000, Date.UTC(2024, 2, 1))));
    // The slot is taken before the upload is read, so once the first request has reached the route, probes bounce.
    const refused = await waitFor('the second import to be refused', async () => {
      const response = await probe();
      return response.status === 429 ? response : undefined;
    });
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.body).toMatchObject({
      statusCode: 429,
      errors: [{ field: 'files', rule: 'oneImportAtATime' }],
    });
    expect((refused.body as LimitErrorBody).message).toMatch(/one at a time/);
    expect((refused.body as LimitErrorBody).code).toBe('IMPORT_BUSY');

    first.send(csvOf(klineLines(1_000, Date.UTC(2024, 2, 1) + 1_000 * MINUTE)));
    const response = await first.finish();
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(await readBody(response))).toMatchObject({ imported_files: 1, files: [{ klines: 2_000 }] });
    await probe().expect(422);
    expect(await app.stored('ETHUSDT')).toBe(2_000);
    expect(readdirSync(app.uploadDir)).toEqual([]);
  }, 60_000);

  it('frees the slot and removes the partial upload when the client disconnects during the upload', async () => {
    const upload = openUpload(app.base, 'DOGEUSDT-1m-2024-05.csv');
    upload.send(csvOf(klineLines(5_000, Date.UTC(2024, 4, 1))));
    await waitFor('the upload to hold the slot', async () => ((await probe()).status === 429 ? true : undefined));
    upload.request.destroy();
    await waitFor('the import slot to be free', async () => ((await probe()).status === 422 ? true : undefined));
    expect(readdirSync(app.uploadDir)).toEqual([]);
    expect(await app.stored('DOGEUSDT')).toBe(0);
  });

  it('stops an import when its client disconnects: the file is rolled back, nothing is stored, the slot is freed', async () => {
    const zipPath = join(app.workDir, 'SOLUSDT-1m-2024-04.zip');
    const rows = 600_000;
    await writeZip(zipPath, { 'SOLUSDT-1m-2024-04.csv': () => klineChunks(rows, Date.UTC(2024, 3, 1)) });
    // READ UNCOMMITTED sees the import's rows while its transaction is open: when it starts writing, and whether it
    // is rolled back (back to 0) or carries on (up to every row).
    const connection = await createConnection(databaseUrl);
    await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED');
    const written = async (): Promise<number> => {
      const [result] = await connection.query("SELECT COUNT(*) AS n FROM klines WHERE symbol = 'SOLUSDT'");
      return Number((result as { n: number }[])[0].n);
    };
    try {
      const upload = openUpload(app.base, 'SOLUSDT-1m-2024-04.zip');
      upload.send(readFileSync(zipPath));
      void upload.finish();
      const before = await waitFor('the import to write its first batch', async () => {
        const n = await written();
        return n > 0 ? n : undefined;
      });
      upload.request.destroy();
      expect(before).toBeLessThan(rows);

      await waitFor('the import to be rolled back', async () => ((await written()) === 0 ? true : undefined), 120_000);
      await waitFor('the import slot to be free', async () => ((await probe()).status === 422 ? true : undefined));
      expect(await app.stored('SOLUSDT')).toBe(0);
      expect(readdirSync(app.uploadDir)).toEqual([]);
    } finally {
      await connection.end();
    }
  }, 180_000);
});

describe('bounded kline imports with small limits (embedded SQLite)', () => {
  let app: ImportApp;

  beforeAll(async () => {
    app = await ImportApp.start({
      IMPORT_MAX_UPLOAD_BYTES: String(1 * MIB),
      IMPORT_MAX_FILES: '3',
      IMPORT_MAX_ENTRY_BYTES: String(256 * KIB),
      IMPORT_MAX_FILE_BYTES: String(384 * KIB),
      IMPORT_MAX_LINE_BYTES: '1024',
    });
  });
  afterAll(() => app?.close());

  const csvFile = (name: string, lines: number, start?: number) => {
    const path = join(app.workDir, name);
    writeFileSync(path, csvOf(klineLines(lines, start)));
    return path;
  };

  it('imports a file within every limit', async () => {
    const response = await app.importFiles([csvFile('XRPUSDT-1m-2024-01.csv', 1_000)]).expect(200);
    expect(response.body).toMatchObject({ imported_files: 1, files: [{ klines: 1_000 }] });
  });

  it('refuses a plain CSV of ordinary lines past IMPORT_MAX_ENTRY_BYTES (bytes counted as read)', async () => {
    await app.expectRefused([csvFile('ADAUSDT-1m-2024-01.csv', 5_000)], 'IMPORT_MAX_ENTRY_BYTES', 'ADAUSDT');
  });

  it('refuses a zip entry of ordinary lines past IMPORT_MAX_ENTRY_BYTES', async () => {
    const path = join(app.workDir, 'ADAUSDT-1m-2024-02.zip');
    await writeZip(path, { 'ADAUSDT-1m-2024-02.csv': () => klineLines(5_000) });
    await app.expectRefused([path], 'IMPORT_MAX_ENTRY_BYTES', 'ADAUSDT');
  });

  it('refuses a zip whose CSVs together pass IMPORT_MAX_FILE_BYTES, each within the per-CSV limit', async () => {
    const path = join(app.workDir, 'DOTUSDT-1m-2024-01.zip');
    await writeZip(path, {
      // 3,200 lines of 63 bytes: 197 KiB each, under the 256 KiB per CSV; 394 KiB together, over the 384 KiB per file.
      'DOTUSDT-1m-2024-01-a.csv': () => klineLines(3_200),
      'DOTUSDT-1m-2024-01-b.csv': () => klineLines(3_200, Date.UTC(2024, 0, 1) + 3_200 * MINUTE),
    });
    await app.expectRefused([path], 'IMPORT_MAX_FILE_BYTES', 'DOTUSDT');
  });

  it('refuses a line past IMPORT_MAX_LINE_BYTES, in a plain CSV and in a zip', async () => {
    const plain = join(app.workDir, 'LTCUSDT-1m-2024-01.csv');
    writeFileSync(plain, `${csvOf(klineLines(10))}${'9'.repeat(100 * KIB)}\n`);
    await app.expectRefused([plain], 'IMPORT_MAX_LINE_BYTES', 'LTCUSDT');
    const commas = join(app.workDir, 'LTCUSDT-1m-2024-02.zip');
    await writeZip(commas, { 'LTCUSDT-1m-2024-02.csv': () => [','.repeat(200 * KIB)] });
    await app.expectRefused([commas], 'IMPORT_MAX_LINE_BYTES', 'LTCUSDT');
  });

  it('refuses more than IMPORT_MAX_FILES files before importing any', async () => {
    const files = [0, 1, 2, 3].map((i) => csvFile(`BNBUSDT-1m-2024-0${i + 1}.csv`, 10, Date.UTC(2024, i, 1)));
    const body = await app.expectRefused(files, 'IMPORT_MAX_FILES', 'BNBUSDT');
    expect(body.files).toEqual([]);
  });

  it('refuses an uploaded file past IMPORT_MAX_UPLOAD_BYTES', async () => {
    const path = join(app.workDir, 'TRXUSDT-1m-2024-01.csv');
    writeFileSync(path, Buffer.alloc(2 * MIB, '1'));
    await app.expectRefused([path], 'IMPORT_MAX_UPLOAD_BYTES', 'TRXUSDT');
  });

  it('keeps the files imported before the one past a limit and does not read the ones after it', async () => {
    const before = csvFile('AVAXUSDT-1m-2024-01.csv', 100, Date.UTC(2024, 0, 1));
    const tooLarge = csvFile('AVAXUSDT-1m-2024-02.csv', 5_000, Date.UTC(2024, 1, 1));
    const after = csvFile('AVAXUSDT-1m-2024-03.csv', 100, Date.UTC(2024, 2, 1));
    const response = await app.importFiles([before, tooLarge, after]).expect(413);
    const body = response.body as LimitErrorBody;
    expect(body.errors[0].rule).toBe('IMPORT_MAX_ENTRY_BYTES');
    expect(body.files.map((file) => [file.file, file.status])).toEqual([
      ['AVAXUSDT-1m-2024-01.csv', 'imported'],
      ['AVAXUSDT-1m-2024-02.csv', 'rejected'],
    ]);
    expect(await app.stored('AVAXUSDT')).toBe(100);
    expect(readdirSync(app.uploadDir)).toEqual([]);
  });

  it('validates the IMPORT_* variables at start-up, naming each', () => {
    const bad = { IMPORT_MAX_FILES: '0', IMPORT_MAX_ENTRY_BYTES: '-1', IMPORT_MAX_FILE_BYTES: '1e3', IMPORT_MAX_LINE_BYTES: 'long', IMPORT_MAX_UPLOAD_BYTES: '10' };
    let message = '';
    try {
      validateEnvironment(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const variable of Object.keys(bad)) expect(message).toMatch(new RegExp(`^  ${variable}: ${variable} must`, 'm'));
  });
});
