import type { DataSource } from 'typeorm';

/** Logical index names (the physical index is ELASTICSEARCH_INDEX_PREFIX + name). Fixed by docs/contracts. */
export const INDEX_NAMES = [
  'predictions',
  'model-metrics',
  'klines',
  'backtest-trades',
  'backtest-equity',
  'orders',
  'trading-equity',
] as const;
export type IndexName = (typeof INDEX_NAMES)[number];

export function isIndexName(value: unknown): value is IndexName {
  return typeof value === 'string' && (INDEX_NAMES as readonly string[]).includes(value);
}

/** The mapping types the templates use (the test distribution has no scaled_float: prices are double). */
export type FieldType = 'keyword' | 'date' | 'double' | 'integer' | 'long' | 'boolean';

export interface IndexDocument {
  /** Elasticsearch _id, derived from the row's natural key, so indexing a row again overwrites it. */
  id: string;
  body: Record<string, unknown>;
}

/** Reads documents from MySQL for one index: what an outbox reference stands for, and everything (reindex). */
export interface IndexSourceReader {
  /** The documents each outbox `ref` stands for, read from the database now (one list per ref, same order). */
  load(dataSource: DataSource, refs: readonly string[]): Promise<IndexDocument[][]>;
  /** Every document of the index, page by page (POST /api/indexing/reindex). */
  scan(dataSource: DataSource, pageRows: number): AsyncIterable<IndexDocument[]>;
}

/**
 * One Elasticsearch index fed from MySQL. Adding a source: its fields (the template mapping), how a document id is
 * derived from the natural key, and a reader; then call IndexOutbox.enqueue(manager, name, ref) where the rows are
 * written. Sources without a reader yet (backtests, trading) still get their template and empty index at start-up.
 */
export interface IndexSource {
  name: IndexName;
  description: string;
  fields: Readonly<Record<string, FieldType>>;
  /** Date field Kibana's data view uses as its time field. */
  timeField: string;
  /** The document id for a document body (its natural key). */
  documentId(body: Readonly<Record<string, unknown>>): string;
  reader?: IndexSourceReader;
}

/** Identifier quoting for MySQL/MariaDB and SQLite. */
export function quoter(dataSource: DataSource): (name: string) => string {
  const mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  return mysql ? (name) => `\`${name}\`` : (name) => `"${name}"`;
}

export function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Parses an outbox reference written by the same source; a bad one is a programming error. */
export function parseRef<T>(ref: string, keys: readonly (keyof T & string)[]): T {
  const parsed = JSON.parse(ref) as Record<string, unknown>;
  for (const key of keys) {
    if (parsed[key] === undefined) throw new Error(`outbox reference ${ref} lacks ${key}`);
  }
  return parsed as T;
}

/** Reads each outbox reference in turn (references are parsed and checked for `keys` first). */
export async function loadEachRef<T>(refs: readonly string[], keys: readonly (keyof T & string)[], read: (ref: T) => Promise<IndexDocument[]>): Promise<IndexDocument[][]> {
  const out: IndexDocument[][] = [];
  for (const raw of refs) out.push(await read(parseRef<T>(raw, keys)));
  return out;
}
