import type { ConfigService } from '@nestjs/config';
import { tmpdir } from 'node:os';

export const IMPORT_LIMITS = Symbol('IMPORT_LIMITS');

const MIB = 1024 * 1024;

/**
 * Bounds on what one kline import may cost, each named after the variable that sets it. The largest real Binance
 * archives are a 1s daily file (~86,400 lines, ~12 MB of CSV, ~3 MB zipped), a 1m monthly file (~44,640 lines,
 * ~7 MB) and the shared full-history 1h CSV (60,645 lines, 7.4 MB); the longest kline line is under 200 bytes.
 */
export interface ImportLimits {
  /** IMPORT_MAX_UPLOAD_BYTES: one uploaded file as sent (zip or CSV). */
  maxUploadBytes: number;
  /** IMPORT_MAX_FILES: files in one upload request. */
  maxFiles: number;
  /** IMPORT_MAX_ENTRY_BYTES: one CSV (a plain file, or one zip entry once inflated). */
  maxEntryBytes: number;
  /** IMPORT_MAX_FILE_BYTES: every CSV of one archive file together, once inflated. */
  maxFileBytes: number;
  /** IMPORT_MAX_LINE_BYTES: one CSV line (record). */
  maxLineBytes: number;
  /** IMPORT_UPLOAD_DIR: where uploads wait while they are imported; removed after each request. */
  uploadDir: string;
}

/** The limits the archive reader itself applies (the CLI's too); the others bound the upload. */
export type ArchiveLimits = Pick<ImportLimits, 'maxEntryBytes' | 'maxFileBytes' | 'maxLineBytes'>;

export const DEFAULT_IMPORT_LIMITS: Omit<ImportLimits, 'uploadDir'> = {
  maxUploadBytes: 64 * MIB,
  maxFiles: 50,
  maxEntryBytes: 128 * MIB,
  maxFileBytes: 256 * MIB,
  maxLineBytes: 4096,
};

export function readImportLimits(config: ConfigService): ImportLimits {
  return {
    maxUploadBytes: config.getOrThrow<number>('IMPORT_MAX_UPLOAD_BYTES'),
    maxFiles: config.getOrThrow<number>('IMPORT_MAX_FILES'),
    maxEntryBytes: config.getOrThrow<number>('IMPORT_MAX_ENTRY_BYTES'),
    maxFileBytes: config.getOrThrow<number>('IMPORT_MAX_FILE_BYTES'),
    maxLineBytes: config.getOrThrow<number>('IMPORT_MAX_LINE_BYTES'),
    uploadDir: config.get<string>('IMPORT_UPLOAD_DIR') ?? tmpdir(),
  };
}

export type ImportLimitVariable =
  | 'IMPORT_MAX_UPLOAD_BYTES'
  | 'IMPORT_MAX_FILES'
  | 'IMPORT_MAX_ENTRY_BYTES'
  | 'IMPORT_MAX_FILE_BYTES'
  | 'IMPORT_MAX_LINE_BYTES';

/** A file (or request) went past one of the limits; the message names the variable that sets it. */
export class ImportLimitExceeded extends Error {
  constructor(
    readonly variable: ImportLimitVariable,
    readonly limit: number,
    what: string,
  ) {
    super(`${what} exceeds ${variable} (${limit} ${variable === 'IMPORT_MAX_FILES' ? 'files' : 'bytes'})`);
    this.name = 'ImportLimitExceeded';
  }
}
