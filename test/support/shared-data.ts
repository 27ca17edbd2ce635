import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The folder holding package.json, whether this runs from test/ (Jest) or compiled from dist/test (benchmarks). */
export function repositoryRoot(): string {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** Real Binance data shared beside the repository (../shared/data/binance, or OPA_SHARED_DATA); never copied into it. */
export const SHARED_BINANCE_DIR = resolve(process.env.OPA_SHARED_DATA ?? join(repositoryRoot(), '..', 'shared', 'data'), 'binance');
export const BTCUSDT_1H_CSV = join(SHARED_BINANCE_DIR, 'BTCUSDT-1h.csv');

export interface ListedGap {
  from: number;
  to: number;
  missing: number;
}

/** The gaps SOURCES.md lists for one file: its "### Gaps" table, read independently of our own code. */
export function gapsListedInSources(file: string): ListedGap[] {
  const text = readFileSync(join(SHARED_BINANCE_DIR, 'SOURCES.md'), 'utf8');
  const section = text.split(`## ${file}`)[1]?.split(/\n## /)[0];
  if (!section) throw new Error(`SOURCES.md has no section for ${file}`);
  const table = section.split(/### Gaps[^\n]*\n/)[1] ?? '';
  const utc = (stamp: string) => Date.parse(`${stamp.replace(' ', 'T')}:00Z`);
  return [...table.matchAll(/^\| (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \| (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \| (\d+) \w+ \|/gm)].map(
    ([, from, to, missing]) => ({ from: utc(from), to: utc(to), missing: Number(missing) }),
  );
}

export interface CsvKline {
  open_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  close_time: number;
  quote_asset_volume: string;
  number_of_trades: number;
  taker_buy_base_volume: string;
  taker_buy_quote_volume: string;
}

/** Reads the shared CSV with a plain split, as an oracle that shares no code with the importer. */
export function readSharedCsv(path: string): { header: string; lines: string[]; rows: CsvKline[] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const rows = lines.map((line) => {
    const c = line.split(',');
    return {
      open_time: Number(c[0]),
      open: c[1],
      high: c[2],
      low: c[3],
      close: c[4],
      volume: c[5],
      close_time: Number(c[6]),
      quote_asset_volume: c[7],
      number_of_trades: Number(c[8]),
      taker_buy_base_volume: c[9],
      taker_buy_quote_volume: c[10],
    };
  });
  return { header, lines, rows };
}

/** "46216.93" → "46216.93000000": how Binance itself writes decimals. */
export function eightDecimals(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.padEnd(8, '0')}`;
}
