import { createReadStream } from 'node:fs';
import { addAbortSignal, pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import * as yauzl from 'yauzl';
import { type ArchiveLimits, DEFAULT_IMPORT_LIMITS, ImportLimitExceeded } from './import-limits';

/** An archive file to import: a path on disk or an uploaded buffer, named like data.binance.vision's files. */
export interface ArchiveSource {
  name: string;
  path?: string;
  content?: Buffer;
}

export interface ArchiveLine {
  /** Entry inside a zip (or the file name itself for a plain CSV), for error messages. */
  entry: string;
  line: number;
  fields: string[];
}

export interface ReadOptions {
  limits?: ArchiveLimits;
  /** Aborting stops the reading at once: the streams are destroyed and the iteration throws an AbortError. */
  signal?: AbortSignal;
}

const LF = 0x0a;

/**
 * Streams the CSV rows of a Binance kline archive (`.csv`, or `.zip` holding CSVs), one field array per line.
 * Throws ImportLimitExceeded as soon as a CSV, the archive or a line passes its limit: bytes are counted as they come
 * out of the file or the inflater, so a zip that lies about its sizes is stopped all the same.
 */
export async function* readArchiveLines(source: ArchiveSource, options: ReadOptions = {}): AsyncGenerator<ArchiveLine> {
  const limits = options.limits ?? DEFAULT_IMPORT_LIMITS;
  const fileBytes = { counted: 0 };
  if (/\.zip$/i.test(source.name)) {
    const zip = await openZip(source);
    try {
      for await (const entry of zipCsvEntries(zip, limits)) {
        yield* csvLines(entry.name, entry.stream, new ByteMeter(entry.name, limits, fileBytes), options.signal);
      }
    } finally {
      zip.close();
    }
    return;
  }
  const stream = source.content ? Readable.from(source.content) : createReadStream(requirePath(source));
  yield* csvLines(source.name, stream, new ByteMeter(source.name, limits, fileBytes), options.signal);
}

async function* csvLines(entry: string, stream: Readable, meter: ByteMeter, signal?: AbortSignal): AsyncGenerator<ArchiveLine> {
  const parser = parse({
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    bom: true,
    // The meter bounds physical lines; this also bounds a quoted field that spans lines.
    max_record_size: meter.maxLineBytes,
  });
  if (signal) addAbortSignal(signal, parser);
  // pipeline() destroys every stream when one fails or the parser is destroyed (a limit, an abort, a consumer that
  // stops early), so a corrupt entry neither hangs the import nor leaves an inflater running.
  pipeline(stream, meter, parser, () => undefined);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { entry, line: item.info.lines, fields: item.record };
    }
  } catch (error) {
    if (error instanceof CsvError && error.code === 'CSV_MAX_RECORD_SIZE') {
      throw new ImportLimitExceeded('IMPORT_MAX_LINE_BYTES', meter.maxLineBytes, `a record of ${entry}`);
    }
    // yauzl stops an entry at the size its header states; more means the zip is damaged or forged.
    if (error instanceof Error && error.message.startsWith('too many bytes in the stream')) {
      throw new Error(`${entry} inflates to more bytes than its zip header says (${error.message}): the zip is damaged or forged`, { cause: error });
    }
    throw error;
  }
}

/** Counts the bytes of one CSV as they are read (inflated, for a zip entry) and fails the stream at the first limit. */
class ByteMeter extends Transform {
  readonly maxLineBytes: number;
  private entryBytes = 0;
  private currentLineBytes = 0;

  constructor(
    private readonly entry: string,
    private readonly limits: ArchiveLimits,
    private readonly fileBytes: { counted: number },
  ) {
    super();
    this.maxLineBytes = limits.maxLineBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.entryBytes += chunk.length;
    this.fileBytes.counted += chunk.length;
    const exceeded =
      this.entryBytes > this.limits.maxEntryBytes
        ? new ImportLimitExceeded('IMPORT_MAX_ENTRY_BYTES', this.limits.maxEntryBytes, `${this.entry} (uncompressed)`)
        : this.fileBytes.counted > this.limits.maxFileBytes
          ? new ImportLimitExceeded('IMPORT_MAX_FILE_BYTES', this.limits.maxFileBytes, `the CSVs of the archive holding ${this.entry} (uncompressed)`)
          : this.longLineIn(chunk)
            ? new ImportLimitExceeded('IMPORT_MAX_LINE_BYTES', this.limits.maxLineBytes, `a line of ${this.entry}`)
            : undefined;
    callback(exceeded, exceeded ? undefined : chunk);
  }

  /** Whether a line passes the limit within this chunk, carrying the length of the unfinished last line over. */
  private longLineIn(chunk: Buffer): boolean {
    let start = 0;
    for (let end = chunk.indexOf(LF); end !== -1; end = chunk.indexOf(LF, start)) {
      if (this.currentLineBytes + end - start > this.limits.maxLineBytes) return true;
      this.currentLineBytes = 0;
      start = end + 1;
    }
    this.currentLineBytes += chunk.length - start;
    return this.currentLineBytes > this.limits.maxLineBytes;
  }
}

function requirePath(source: ArchiveSource): string {
  if (!source.path) throw new Error(`${source.name}: neither a path nor content was given`);
  return source.path;
}

function openZip(source: ArchiveSource): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, zip?: yauzl.ZipFile) => (error || !zip ? reject(error ?? new Error('zip open failed')) : resolve(zip));
    if (source.content) yauzl.fromBuffer(source.content, { lazyEntries: true }, done);
    else yauzl.open(requirePath(source), { lazyEntries: true, autoClose: false }, done);
  });
}

async function* zipCsvEntries(zip: yauzl.ZipFile, limits: ArchiveLimits): AsyncGenerator<{ name: string; stream: Readable }> {
  const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
    const found: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      if (/\.csv$/i.test(entry.fileName) && !entry.fileName.endsWith('/')) found.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(found));
    zip.once('error', reject);
    zip.readEntry();
  });
  if (entries.length === 0) throw new Error('the zip holds no .csv file');
  for (const entry of entries) {
    // A size the header admits to is refused before inflating anything; the ByteMeter catches a header that lies.
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      throw new ImportLimitExceeded('IMPORT_MAX_ENTRY_BYTES', limits.maxEntryBytes, `${entry.fileName} (uncompressed, as its zip header says)`);
    }
    const stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (error, readStream) => (error || !readStream ? reject(error ?? new Error('unreadable zip entry')) : resolve(readStream))),
    );
    yield { name: entry.fileName, stream };
  }
}
