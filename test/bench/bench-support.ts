/** Helpers every benchmark script shares: output, settings from the environment, the real archive data. */
import { join } from 'node:path';
import { readArchiveLines } from '../../src/market-data/archive/kline-archive-reader';
import { parseKlineRow } from '../../src/market-data/archive/kline-row-parser';
import type { BinanceInterval } from '../../src/market-data/binance-interval';
import type { KlineRecord } from '../../src/market-data/kline-record';
import type { KlineEntity } from '../../src/market-data/kline.entity';
import { repositoryRoot } from '../support/shared-data';

export function write(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function format(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** The folder holding package.json, whether this runs compiled from dist/test/bench or from test/bench. */
export const projectRoot = repositoryRoot;

export function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

/** Real klines of one archive CSV through the importer's reader and parser; any row it would not store fails the bench. */
export async function loadRealKlines(dir: string, file: string, interval: BinanceInterval): Promise<KlineRecord[]> {
  const records: KlineRecord[] = [];
  let first = true;
  for await (const { line, fields } of readArchiveLines({ name: file, path: join(dir, file) })) {
    const parsed = parseKlineRow(fields, 'BTCUSDT', interval, first);
    first = false;
    if (parsed.kind === 'header') continue;
    if (parsed.kind !== 'kline') throw new Error(`${file} line ${line}: ${parsed.reason}`);
    records.push(parsed.record);
  }
  return records;
}

/** The entity a naive per-row `save()` baseline writes for one kline. */
export function klineEntityOf(record: KlineRecord): Partial<KlineEntity> {
  return {
    symbol: record.symbol,
    interval: record.interval,
    openTime: String(record.openTime),
    closeTime: String(record.closeTime),
    openPrice: record.open,
    highPrice: record.high,
    lowPrice: record.low,
    closePrice: record.close,
    volume: record.volume,
    quoteAssetVolume: record.quoteAssetVolume,
    numberOfTrades: record.numberOfTrades,
    takerBuyBaseVolume: record.takerBuyBaseVolume,
    takerBuyQuoteVolume: record.takerBuyQuoteVolume,
    klineOpenTimeParsed: new Date(record.openTime),
    klineCloseTimeParsed: new Date(record.closeTime),
  };
}
