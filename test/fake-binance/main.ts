/**
 * Runs the fake Binance on its own, e.g. for a benchmark in a separate process:
 *
 *   npm run build && node dist/test/fake-binance/main.js --port 8089
 *     [--data-dir /work/shared/data/binance] [--now 2024-06-01T12:30:00Z] [--weight-limit 6000] [--enforce-budget]
 *     [--latency-ms 5] [--synthetic ETHUSDT,1m,600000,2023-01-01T00:00:00Z,42]
 *
 * Serves BTCUSDT 1h and 1m from the shared CSVs (read in place, never copied). --synthetic adds generated candles:
 * SYMBOL,INTERVAL,COUNT[,START[,SEED]] (START as ISO time or epoch ms). Prints the base URL as the only line on stdout; stops on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeMarket, generateCandles, startFakeBinance } from './fake-binance-server';
import { SHARED_BINANCE_DIR } from '../support/shared-data';

const DEFAULT_DATA_DIR = SHARED_BINANCE_DIR;

interface CommandLine {
  port: number;
  dataDir: string;
  now: number | undefined;
  weightLimitPerMinute: number | undefined;
  enforceBudget: boolean;
  latencyMs: number;
  synthetic: string[];
}

function parseCommandLine(args: string[]): CommandLine {
  const parsed: CommandLine = {
    port: 0,
    dataDir: process.env.BINANCE_DATA_DIR ?? DEFAULT_DATA_DIR,
    now: undefined,
    weightLimitPerMinute: undefined,
    enforceBudget: false,
    latencyMs: 0,
    synthetic: [],
  };
  for (let index = 0; index < args.length; index++) {
    const flag = args[index];
    const value = (): string => {
      const next = args[++index];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--port') parsed.port = Number(value());
    else if (flag === '--data-dir') parsed.dataDir = value();
    else if (flag === '--now') parsed.now = parseTime(value());
    else if (flag === '--weight-limit') parsed.weightLimitPerMinute = Number(value());
    else if (flag === '--enforce-budget') parsed.enforceBudget = true;
    else if (flag === '--latency-ms') parsed.latencyMs = Number(value());
    else if (flag === '--synthetic') parsed.synthetic.push(value());
    else throw new Error(`unknown argument ${flag}`);
  }
  return parsed;
}

function parseTime(text: string): number {
  const time = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(time)) throw new Error(`not a time: ${text}`);
  return time;
}

function syntheticMarket(spec: string): FakeMarket {
  const [symbol, interval, count, start, seed] = spec.split(',');
  if (symbol === undefined || interval === undefined || count === undefined) {
    throw new Error(`--synthetic wants SYMBOL,INTERVAL,COUNT[,START[,SEED]], got ${spec}`);
  }
  const candles = generateCandles({
    symbol,
    interval,
    count: Number(count),
    start: start === undefined ? Date.UTC(2023, 0, 1) : parseTime(start),
    seed: seed === undefined ? 1 : Number(seed),
  });
  return { symbol, interval, candles };
}

async function main(): Promise<void> {
  const commandLine = parseCommandLine(process.argv.slice(2));
  const markets: FakeMarket[] = [];
  for (const interval of ['1h', '1m']) {
    const csvPath = join(commandLine.dataDir, `BTCUSDT-${interval}.csv`);
    if (existsSync(csvPath)) markets.push({ symbol: 'BTCUSDT', interval, csvPath });
  }
  markets.push(...commandLine.synthetic.map(syntheticMarket));
  const fixedNow = commandLine.now;
  const fake = await startFakeBinance({
    markets,
    port: commandLine.port,
    now: fixedNow === undefined ? undefined : () => fixedNow,
    weightLimitPerMinute: commandLine.weightLimitPerMinute,
    failOnBudgetExceeded: commandLine.enforceBudget,
    latencyMs: commandLine.latencyMs,
  });
  process.stdout.write(`${fake.url}\n`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
