import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import * as yauzl from 'yauzl';

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

/** Streams the CSV rows of a Binance kline archive (`.csv`, or `.zip` holding CSVs), one field array per line. */
export async function* readArchiveLines(source: ArchiveSource): AsyncGenerator<ArchiveLine> {
  if (/\.zip$/i.test(source.name)) {
    const zip = await openZip(source);
    try {
      for await (const entry of zipCsvEntries(zip)) {
        yield* csvLines(entry.name, entry.stream);
      }
    } finally {
      zip.close();
    }
    return;
  }
  const stream = source.content ? Readable.from(source.content) : createReadStream(requirePath(source));
  yield* csvLines(source.name, stream);
}

async function* csvLines(entry: string, stream: Readable): AsyncGenerator<ArchiveLine> {
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, trim: true, info: true, bom: true });
  // pipe() does not forward source errors (unreadable file, corrupt zip entry): without this the import would hang
  // and the error would escape as an uncaught exception.
  stream.once('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield { entry, line: item.info.lines, fields: item.record };
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

async function* zipCsvEntries(zip: yauzl.ZipFile): AsyncGenerator<{ name: string; stream: Readable }> {
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
    const stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (error, readStream) => (error || !readStream ? reject(error ?? new Error('unreadable zip entry')) : resolve(readStream))),
    );
    yield { name: entry.fileName, stream };
  }
}
