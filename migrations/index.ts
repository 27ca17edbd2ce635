import { CreateKlines1764050000000 } from './1764050000000-create-klines';
import { CreateModels1764070000000 } from './1764070000000-create-models';
import { CreateIngestion1764090000000 } from './1764090000000-create-ingestion';
import { CreateBacktests1764110000000 } from './1764110000000-create-backtests';
import { CreateTrading1764130000000 } from './1764130000000-create-trading';
import { CreateIndexing1764150000000 } from './1764150000000-create-indexing';
import { AddJobLeases1764170000000 } from './1764170000000-add-job-leases';
import { TradingStaleCandles1765000000000 } from './1765000000000-trading-stale-candles';

/** Every migration, oldest first. Listed explicitly so the compiled app, the CLI and Jest load the same set. */
export const ALL_MIGRATIONS = [
  CreateKlines1764050000000,
  CreateModels1764070000000,
  CreateIngestion1764090000000,
  CreateBacktests1764110000000,
  CreateTrading1764130000000,
  CreateIndexing1764150000000,
  AddJobLeases1764170000000,
  TradingStaleCandles1765000000000,
];
