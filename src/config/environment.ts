import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  registerDecorator,
  validateSync,
  type ValidationOptions,
} from 'class-validator';
import { CronTime } from 'cron';
import ms from 'ms';
import { DEFAULT_IMPORT_LIMITS } from '../market-data/archive/import-limits';
import { BINANCE_INTERVALS } from '../market-data/binance-interval';
import { IsCronExpression as IsModelCronExpression } from '../modelling/cron-expression';

const SYMBOL_LIST = /^[A-Z0-9]{2,20}(,[A-Z0-9]{2,20})*$/;
const INTERVAL_LIST = new RegExp(`^(${BINANCE_INTERVALS.join('|')})(,(${BINANCE_INTERVALS.join('|')}))*$`);

const trimmedOrUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** Every environment variable the app reads, validated once at start-up. */
export class Environment {
  @IsOptional()
  @Transform(trimmedOrUndefined)
  @Matches(/^mysql:\/\/[^/\s]+\/[A-Za-z0-9_$-]+(\?.*)?$/, {
    message: 'DATABASE_URL must look like mysql://user:password@host:port/database',
  })
  DATABASE_URL?: string;

  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? './data/opa-crypto.sqlite' : value))
  @IsString()
  SQLITE_PATH = './data/opa-crypto.sqlite';

  @Transform(({ value }: { value: unknown }) => value === undefined || value === '' || value === true || value === 'true')
  @IsBoolean({ message: 'DATABASE_MIGRATIONS_RUN must be true or false' })
  DATABASE_MIGRATIONS_RUN = true;

  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? 3000 : Number(value)))
  @IsInt({ message: 'PORT must be an integer' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsOptional()
  @Transform(trimmedOrUndefined)
  @IsString()
  HOST?: string;

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? value.replace(/\s+/g, '').toUpperCase() : 'BTCUSDT,ETHUSDT',
  )
  @Matches(SYMBOL_LIST, { message: 'SYMBOLS must be a comma-separated list of Binance symbols such as BTCUSDT,ETHUSDT' })
  SYMBOLS = 'BTCUSDT,ETHUSDT';

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? value.replace(/\s+/g, '') : '1h',
  )
  @Matches(INTERVAL_LIST, { message: `INTERVALS must be a comma-separated list of Binance intervals (${BINANCE_INTERVALS.join(', ')})` })
  INTERVALS = '1h';

  @IsOptional()
  @Transform(trimmedOrUndefined)
  @MinLength(16, { message: 'API_KEY must be at least 16 characters long' })
  API_KEY?: string;

  @IsOptional()
  @Transform(trimmedOrUndefined)
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? 120 : Number(value)))
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be an integer' })
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 120;

  /** POST /api/trading/kill has this budget instead of RATE_LIMIT_PER_MINUTE; calls with a wrong key get another of the same size. */
  @Transform(integerOr(30))
  @IsInt({ message: 'RATE_LIMIT_KILL_PER_MINUTE must be an integer' })
  @Min(1, { message: 'RATE_LIMIT_KILL_PER_MINUTE must be at least 1' })
  RATE_LIMIT_KILL_PER_MINUTE = 30;

  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? 'log' : value))
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'], { message: 'LOG_LEVEL must be one of error, warn, log, debug, verbose' })
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  // --- Kline imports (src/market-data/archive): POST /api/klines/import and npm run import:klines ---

  @Transform(integerOr(DEFAULT_IMPORT_LIMITS.maxUploadBytes))
  @IsInt({ message: 'IMPORT_MAX_UPLOAD_BYTES must be an integer (bytes per uploaded file)' })
  @Min(1024, { message: 'IMPORT_MAX_UPLOAD_BYTES must be at least 1024' })
  IMPORT_MAX_UPLOAD_BYTES = DEFAULT_IMPORT_LIMITS.maxUploadBytes;

  @Transform(integerOr(DEFAULT_IMPORT_LIMITS.maxFiles))
  @IsInt({ message: 'IMPORT_MAX_FILES must be an integer from 1 to 1000 (files per upload)' })
  @Min(1, { message: 'IMPORT_MAX_FILES must be an integer from 1 to 1000 (files per upload)' })
  @Max(1000, { message: 'IMPORT_MAX_FILES must be an integer from 1 to 1000 (files per upload)' })
  IMPORT_MAX_FILES = DEFAULT_IMPORT_LIMITS.maxFiles;

  @Transform(integerOr(DEFAULT_IMPORT_LIMITS.maxEntryBytes))
  @IsInt({ message: 'IMPORT_MAX_ENTRY_BYTES must be an integer (uncompressed bytes per CSV)' })
  @Min(1024, { message: 'IMPORT_MAX_ENTRY_BYTES must be at least 1024' })
  IMPORT_MAX_ENTRY_BYTES = DEFAULT_IMPORT_LIMITS.maxEntryBytes;

  @Transform(integerOr(DEFAULT_IMPORT_LIMITS.maxFileBytes))
  @IsInt({ message: 'IMPORT_MAX_FILE_BYTES must be an integer (uncompressed bytes per archive file)' })
  @Min(1024, { message: 'IMPORT_MAX_FILE_BYTES must be at least 1024' })
  IMPORT_MAX_FILE_BYTES = DEFAULT_IMPORT_LIMITS.maxFileBytes;

  @Transform(integerOr(DEFAULT_IMPORT_LIMITS.maxLineBytes))
  @IsInt({ message: 'IMPORT_MAX_LINE_BYTES must be an integer from 256 to 1048576 (bytes per CSV line)' })
  @Min(256, { message: 'IMPORT_MAX_LINE_BYTES must be an integer from 256 to 1048576 (bytes per CSV line)' })
  @Max(1_048_576, { message: 'IMPORT_MAX_LINE_BYTES must be an integer from 256 to 1048576 (bytes per CSV line)' })
  IMPORT_MAX_LINE_BYTES = DEFAULT_IMPORT_LIMITS.maxLineBytes;

  /** Unset: the system temp directory. Uploads are removed when their request ends. */
  @IsOptional()
  @Transform(trimmedOrUndefined)
  @IsString()
  IMPORT_UPLOAD_DIR?: string;

  // --- Ingestion (src/ingestion): Binance client, rate limits, backfill jobs and the scheduled sync ---

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim().replace(/\/+$/, '') : 'https://api.binance.com',
  )
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'BINANCE_BASE_URL must be an http(s) URL such as https://api.binance.com' })
  BINANCE_BASE_URL = 'https://api.binance.com';

  @Transform(integerOr(10_000))
  @IsInt({ message: 'BINANCE_REQUEST_TIMEOUT_MS must be an integer (milliseconds)' })
  @Min(50, { message: 'BINANCE_REQUEST_TIMEOUT_MS must be at least 50' })
  BINANCE_REQUEST_TIMEOUT_MS = 10_000;

  @Transform(integerOr(6_000))
  @IsInt({ message: 'BINANCE_WEIGHT_LIMIT must be an integer (request weight per minute)' })
  @Min(10, { message: 'BINANCE_WEIGHT_LIMIT must be at least 10' })
  BINANCE_WEIGHT_LIMIT = 6_000;

  @Transform(integerOr(80))
  @IsInt({ message: 'BINANCE_WEIGHT_BUDGET_PERCENT must be an integer from 1 to 100' })
  @Min(1, { message: 'BINANCE_WEIGHT_BUDGET_PERCENT must be an integer from 1 to 100' })
  @Max(100, { message: 'BINANCE_WEIGHT_BUDGET_PERCENT must be an integer from 1 to 100' })
  BINANCE_WEIGHT_BUDGET_PERCENT = 80;

  @Transform(integerOr(60_000))
  @IsInt({ message: 'BINANCE_WEIGHT_WINDOW_MS must be an integer (milliseconds; Binance uses 60000)' })
  @Min(1_000, { message: 'BINANCE_WEIGHT_WINDOW_MS must be at least 1000' })
  BINANCE_WEIGHT_WINDOW_MS = 60_000;

  @Transform(integerOr(8))
  @IsInt({ message: 'BINANCE_MAX_CONCURRENCY must be an integer from 1 to 64' })
  @Min(1, { message: 'BINANCE_MAX_CONCURRENCY must be an integer from 1 to 64' })
  @Max(64, { message: 'BINANCE_MAX_CONCURRENCY must be an integer from 1 to 64' })
  BINANCE_MAX_CONCURRENCY = 8;

  @Transform(integerOr(8))
  @IsInt({ message: 'BINANCE_RETRY_ATTEMPTS must be an integer from 0 to 50' })
  @Min(0, { message: 'BINANCE_RETRY_ATTEMPTS must be an integer from 0 to 50' })
  @Max(50, { message: 'BINANCE_RETRY_ATTEMPTS must be an integer from 0 to 50' })
  BINANCE_RETRY_ATTEMPTS = 8;

  @Transform(integerOr(500))
  @IsInt({ message: 'BINANCE_RETRY_BASE_DELAY_MS must be an integer (milliseconds)' })
  @Min(1, { message: 'BINANCE_RETRY_BASE_DELAY_MS must be at least 1' })
  BINANCE_RETRY_BASE_DELAY_MS = 500;

  @Transform(integerOr(30_000))
  @IsInt({ message: 'BINANCE_RETRY_MAX_DELAY_MS must be an integer (milliseconds)' })
  @Min(1, { message: 'BINANCE_RETRY_MAX_DELAY_MS must be at least 1' })
  BINANCE_RETRY_MAX_DELAY_MS = 30_000;

  /** Off by default under Jest (NODE_ENV=test) so unrelated test apps never call Binance. */
  @Transform(({ value }: { value: unknown }) =>
    value === undefined || value === '' ? process.env.NODE_ENV !== 'test' : value === true || value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'INGESTION_ENABLED must be true or false' })
  INGESTION_ENABLED = true;

  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : '5 * * * * *'))
  @IsCronExpression({ message: 'INGESTION_CRON must be a cron expression such as "5 * * * * *" (every minute, 5 s past)' })
  INGESTION_CRON = '5 * * * * *';

  @Transform(integerOr(1000))
  @IsInt({ message: 'INGESTION_SYNC_INITIAL_CANDLES must be an integer from 1 to 100000' })
  @Min(1, { message: 'INGESTION_SYNC_INITIAL_CANDLES must be an integer from 1 to 100000' })
  @Max(100_000, { message: 'INGESTION_SYNC_INITIAL_CANDLES must be an integer from 1 to 100000' })
  INGESTION_SYNC_INITIAL_CANDLES = 1000;

  @Transform(integerOr(1000))
  @IsInt({ message: 'INGESTION_SYNC_REPAIR_CANDLES must be an integer from 0 to 1000000' })
  @Min(0, { message: 'INGESTION_SYNC_REPAIR_CANDLES must be an integer from 0 to 1000000' })
  @Max(1_000_000, { message: 'INGESTION_SYNC_REPAIR_CANDLES must be an integer from 0 to 1000000' })
  INGESTION_SYNC_REPAIR_CANDLES = 1000;

  @Transform(integerOr(5_000))
  @IsInt({ message: 'INGESTION_POLL_MS must be an integer (milliseconds)' })
  @Min(50, { message: 'INGESTION_POLL_MS must be at least 50' })
  INGESTION_POLL_MS = 5_000;

  /** While Binance is unreachable the sync backs off from this, doubling, up to INGESTION_UNREACHABLE_BACKOFF_MAX_MS. */
  @Transform(integerOr(60_000))
  @IsInt({ message: 'INGESTION_UNREACHABLE_BACKOFF_MS must be an integer (milliseconds)' })
  @Min(100, { message: 'INGESTION_UNREACHABLE_BACKOFF_MS must be at least 100' })
  INGESTION_UNREACHABLE_BACKOFF_MS = 60_000;

  @Transform(integerOr(300_000))
  @IsInt({ message: 'INGESTION_UNREACHABLE_BACKOFF_MAX_MS must be an integer (milliseconds)' })
  @Min(100, { message: 'INGESTION_UNREACHABLE_BACKOFF_MAX_MS must be at least 100' })
  INGESTION_UNREACHABLE_BACKOFF_MAX_MS = 300_000;
  // --- Background jobs (src/platform/jobs): training, backtests and backfills, claimed through the database ---

  /** How long a job's claim holds without a heartbeat (renewed every third of it); after that another instance may take it over. */
  @Transform(integerOr(120_000))
  @IsInt({ message: 'JOBS_LEASE_MS must be an integer from 1000 to 86400000 (milliseconds)' })
  @Min(1_000, { message: 'JOBS_LEASE_MS must be an integer from 1000 to 86400000 (milliseconds)' })
  @Max(86_400_000, { message: 'JOBS_LEASE_MS must be an integer from 1000 to 86400000 (milliseconds)' })
  JOBS_LEASE_MS = 120_000;

  /** How often an idle instance looks for queued jobs and for jobs whose lease expired. */
  @Transform(integerOr(5_000))
  @IsInt({ message: 'JOBS_POLL_MS must be an integer from 50 to 3600000 (milliseconds)' })
  @Min(50, { message: 'JOBS_POLL_MS must be an integer from 50 to 3600000 (milliseconds)' })
  @Max(3_600_000, { message: 'JOBS_POLL_MS must be an integer from 50 to 3600000 (milliseconds)' })
  JOBS_POLL_MS = 5_000;

  /** Jobs of one kind (training, backtest, backfill) queued or running at once; one more is refused with 429. */
  @Transform(integerOr(10))
  @IsInt({ message: 'JOBS_MAX_QUEUED must be an integer from 1 to 10000' })
  @Min(1, { message: 'JOBS_MAX_QUEUED must be an integer from 1 to 10000' })
  @Max(10_000, { message: 'JOBS_MAX_QUEUED must be an integer from 1 to 10000' })
  JOBS_MAX_QUEUED = 10;

  // --- Modelling (src/modelling): training threads, scheduled retraining, predictions of newly closed candles ---

  /** Unset: no scheduled retraining. Retrains every pair with an active model; see promotion-rule.ts. */
  @IsOptional()
  @Transform(trimmedOrUndefined)
  @IsModelCronExpression(false)
  MODEL_RETRAIN_CRON?: string;

  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? 8_760 : Number(value)))
  @IsInt({ message: 'MODEL_RETRAIN_WINDOW_CANDLES must be an integer from 500 to 10000000' })
  @Min(500, { message: 'MODEL_RETRAIN_WINDOW_CANDLES must be an integer from 500 to 10000000' })
  @Max(10_000_000, { message: 'MODEL_RETRAIN_WINDOW_CANDLES must be an integer from 500 to 10000000' })
  MODEL_RETRAIN_WINDOW_CANDLES = 8_760;

  /** predictLatest for every active model; 'off' disables it. Off by default under Jest (NODE_ENV=test). */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : process.env.NODE_ENV === 'test' ? 'off' : '20 * * * * *',
  )
  @IsModelCronExpression(true)
  MODEL_PREDICT_CRON = process.env.NODE_ENV === 'test' ? 'off' : '20 * * * * *';

  /** Worker threads that build trees; unset: one per core. */
  /** Candles one training may span, estimated from start, end and the interval (features are held in memory). */
  @Transform(integerOr(200_000))
  @IsInt({ message: 'MODEL_TRAINING_MAX_CANDLES must be an integer from 1000 to 10000000' })
  @Min(1_000, { message: 'MODEL_TRAINING_MAX_CANDLES must be an integer from 1000 to 10000000' })
  @Max(10_000_000, { message: 'MODEL_TRAINING_MAX_CANDLES must be an integer from 1000 to 10000000' })
  MODEL_TRAINING_MAX_CANDLES = 200_000;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'MODEL_TRAINING_THREADS must be an integer from 1 to 64' })
  @Min(1, { message: 'MODEL_TRAINING_THREADS must be an integer from 1 to 64' })
  @Max(64, { message: 'MODEL_TRAINING_THREADS must be an integer from 1 to 64' })
  MODEL_TRAINING_THREADS?: number;

  // --- Trading (src/trading): paper by default; live only with TRADING_MODE=live AND TRADING_LIVE_CONFIRM ---

  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : 'paper'))
  @IsIn(['paper', 'live'], { message: 'TRADING_MODE must be paper or live' })
  TRADING_MODE: 'paper' | 'live' = 'paper';

  /** Must equal I_UNDERSTAND_REAL_ORDERS, together with TRADING_MODE=live, for real orders; anything else: paper. */
  @IsOptional()
  @Transform(trimmedOrUndefined)
  @IsString()
  TRADING_LIVE_CONFIRM?: string;

  @IsOptional()
  @Transform(trimmedOrUndefined)
  @Matches(/^[A-Za-z0-9]{16,128}$/, { message: 'BINANCE_API_KEY must be 16 to 128 letters and digits' })
  BINANCE_API_KEY?: string;

  @IsOptional()
  @Transform(trimmedOrUndefined)
  @MinLength(16, { message: 'BINANCE_API_SECRET must be at least 16 characters long' })
  BINANCE_API_SECRET?: string;

  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? false : value === true || value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'BINANCE_TESTNET must be true or false' })
  BINANCE_TESTNET = false;

  /** Overrides the trading host (https://api.binance.com, or https://testnet.binance.vision with BINANCE_TESTNET). */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim().replace(/\/+$/, '') : undefined))
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'BINANCE_TRADING_BASE_URL must be an http(s) URL such as https://api.binance.com' })
  BINANCE_TRADING_BASE_URL?: string;

  /** When the trading step runs (after MODEL_PREDICT_CRON); 'off' disables it. Off by default under Jest. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : process.env.NODE_ENV === 'test' ? 'off' : '40 * * * * *',
  )
  @IsModelCronExpression(true)
  TRADING_CRON = process.env.NODE_ENV === 'test' ? 'off' : '40 * * * * *';

  @Transform(numberOr(10_000))
  @IsNumber({}, { message: 'TRADING_PAPER_INITIAL_CASH must be a number (quote asset, e.g. USDT)' })
  @Min(1, { message: 'TRADING_PAPER_INITIAL_CASH must be at least 1' })
  TRADING_PAPER_INITIAL_CASH = 10_000;

  @Transform(numberOr(1_000))
  @IsNumber({}, { message: 'TRADING_MAX_POSITION_NOTIONAL must be a number (quote asset per position)' })
  @Min(0, { message: 'TRADING_MAX_POSITION_NOTIONAL must be at least 0' })
  TRADING_MAX_POSITION_NOTIONAL = 1_000;

  @Transform(numberOr(100))
  @IsNumber({}, { message: 'TRADING_MAX_DAILY_LOSS must be a number (quote asset per UTC day)' })
  @Min(0, { message: 'TRADING_MAX_DAILY_LOSS must be at least 0' })
  TRADING_MAX_DAILY_LOSS = 100;

  @Transform(integerOr(10))
  @IsInt({ message: 'TRADING_MAX_ORDERS_PER_HOUR must be an integer' })
  @Min(0, { message: 'TRADING_MAX_ORDERS_PER_HOUR must be at least 0' })
  TRADING_MAX_ORDERS_PER_HOUR = 10;

  @Transform(numberOr(1))
  @IsNumber({}, { message: 'TRADING_POSITION_FRACTION must be a number in (0, 1]' })
  @Min(0.0001, { message: 'TRADING_POSITION_FRACTION must be a number in (0, 1]' })
  @Max(1, { message: 'TRADING_POSITION_FRACTION must be a number in (0, 1]' })
  TRADING_POSITION_FRACTION = 1;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsNumber({}, { message: 'TRADING_STOP_LOSS must be a fraction in (0, 1), e.g. 0.05' })
  @Min(0.0001, { message: 'TRADING_STOP_LOSS must be a fraction in (0, 1), e.g. 0.05' })
  @Max(0.9999, { message: 'TRADING_STOP_LOSS must be a fraction in (0, 1), e.g. 0.05' })
  TRADING_STOP_LOSS?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsNumber({}, { message: 'TRADING_TAKE_PROFIT must be a positive fraction, e.g. 0.1' })
  @Min(0.0001, { message: 'TRADING_TAKE_PROFIT must be a positive fraction, e.g. 0.1' })
  TRADING_TAKE_PROFIT?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'TRADING_MAX_HOLDING_CANDLES must be an integer >= 1' })
  @Min(1, { message: 'TRADING_MAX_HOLDING_CANDLES must be an integer >= 1' })
  TRADING_MAX_HOLDING_CANDLES?: number;

  /**
   * How old a closed candle may be (time since its close) and still decide an order: a duration such as 90s, 5m or
   * 1h (the `ms` package's syntax; a bare number is milliseconds). Unset: one interval of the traded pair.
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? durationMs(value.trim()) : undefined))
  @IsInt({ message: 'TRADING_MAX_SIGNAL_AGE must be a duration such as 90s, 5m or 1h (a bare number is milliseconds)' })
  @Min(1000, { message: 'TRADING_MAX_SIGNAL_AGE must be at least 1s' })
  TRADING_MAX_SIGNAL_AGE?: number;

  @Transform(numberOr(0.001))
  @IsNumber({}, { message: 'TRADING_FEE_RATE must be a fraction such as 0.001' })
  @Min(0, { message: 'TRADING_FEE_RATE must be between 0 and 0.1' })
  @Max(0.1, { message: 'TRADING_FEE_RATE must be between 0 and 0.1' })
  TRADING_FEE_RATE = 0.001;

  @Transform(numberOr(5))
  @IsNumber({}, { message: 'TRADING_SLIPPAGE_BPS must be a number of basis points' })
  @Min(0, { message: 'TRADING_SLIPPAGE_BPS must be between 0 and 1000' })
  @Max(1000, { message: 'TRADING_SLIPPAGE_BPS must be between 0 and 1000' })
  TRADING_SLIPPAGE_BPS = 5;

  // --- Indexing (src/indexing): results into Elasticsearch through a MySQL outbox, Kibana saved objects ---

  /** Unset: indexing is off (said once at start-up) and nothing is queued for Elasticsearch. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim().replace(/\/+$/, '') : undefined))
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'ELASTICSEARCH_URL must be an http(s) URL such as http://127.0.0.1:9200' })
  ELASTICSEARCH_URL?: string;

  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : 'opa-'))
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,40}$/, {
    message: 'ELASTICSEARCH_INDEX_PREFIX must be 1-41 lower-case letters, digits, "-", "_" or "." (not starting with one of the last three), e.g. opa-',
  })
  ELASTICSEARCH_INDEX_PREFIX = 'opa-';

  /** Where `npm run kibana:import` sends the saved objects (the app itself does not call Kibana). */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? value.trim().replace(/\/+$/, '') : 'http://127.0.0.1:5601'))
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'KIBANA_URL must be an http(s) URL such as http://127.0.0.1:5601' })
  KIBANA_URL = 'http://127.0.0.1:5601';

  /** Optional Kibana API key (sent as `Authorization: ApiKey …`, never logged). */
  @IsOptional()
  @Transform(trimmedOrUndefined)
  @IsString()
  KIBANA_API_KEY?: string;

  @Transform(integerOr(30_000))
  @IsInt({ message: 'ELASTICSEARCH_REQUEST_TIMEOUT_MS must be an integer (milliseconds)' })
  @Min(100, { message: 'ELASTICSEARCH_REQUEST_TIMEOUT_MS must be at least 100' })
  ELASTICSEARCH_REQUEST_TIMEOUT_MS = 30_000;

  @Transform(integerOr(1_000))
  @IsInt({ message: 'INDEXING_DRAIN_INTERVAL_MS must be an integer (milliseconds)' })
  @Min(10, { message: 'INDEXING_DRAIN_INTERVAL_MS must be at least 10' })
  INDEXING_DRAIN_INTERVAL_MS = 1_000;

  @Transform(integerOr(200))
  @IsInt({ message: 'INDEXING_BATCH_ROWS must be an integer from 1 to 10000' })
  @Min(1, { message: 'INDEXING_BATCH_ROWS must be an integer from 1 to 10000' })
  @Max(10_000, { message: 'INDEXING_BATCH_ROWS must be an integer from 1 to 10000' })
  INDEXING_BATCH_ROWS = 200;

  @Transform(integerOr(10))
  @IsInt({ message: 'INDEXING_MAX_ATTEMPTS must be an integer from 1 to 1000' })
  @Min(1, { message: 'INDEXING_MAX_ATTEMPTS must be an integer from 1 to 1000' })
  @Max(1_000, { message: 'INDEXING_MAX_ATTEMPTS must be an integer from 1 to 1000' })
  INDEXING_MAX_ATTEMPTS = 10;

  @Transform(integerOr(1_000))
  @IsInt({ message: 'INDEXING_RETRY_BASE_DELAY_MS must be an integer (milliseconds)' })
  @Min(1, { message: 'INDEXING_RETRY_BASE_DELAY_MS must be at least 1' })
  INDEXING_RETRY_BASE_DELAY_MS = 1_000;

  @Transform(integerOr(60_000))
  @IsInt({ message: 'INDEXING_RETRY_MAX_DELAY_MS must be an integer (milliseconds)' })
  @Min(1, { message: 'INDEXING_RETRY_MAX_DELAY_MS must be at least 1' })
  INDEXING_RETRY_MAX_DELAY_MS = 60_000;
}

function numberOr(fallback: number) {
  return ({ value }: { value: unknown }) => (value === undefined || value === '' ? fallback : Number(value));
}

/** '90s', '5m', '1h', '2 days' or bare milliseconds → milliseconds; NaN when it is none of these. */
function durationMs(text: string): number {
  const parsed = /^\d+$/.test(text) ? Number(text) : ms(text as ms.StringValue);
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : Number.NaN;
}

function integerOr(fallback: number) {
  return ({ value }: { value: unknown }) => (value === undefined || value === '' ? fallback : Number(value));
}

/** A cron expression the scheduler (the `cron` package behind @nestjs/schedule) accepts. */
function IsCronExpression(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    registerDecorator({
      name: 'isCronExpression',
      target: target.constructor,
      propertyName: propertyKey as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            new CronTime(value);
            return true;
          } catch {
            return false;
          }
        },
      },
    });
  };
}

export class EnvironmentError extends Error {}

/** Validates raw variables; throws one error naming every bad variable and its rule. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((error) => Object.values(error.constraints ?? {}).map((message) => `  ${error.property}: ${message}`));
    throw new EnvironmentError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const crossField = crossFieldErrors(env);
  if (crossField.length > 0) throw new EnvironmentError(`Invalid configuration:\n${crossField.map((line) => `  ${line}`).join('\n')}`);
  return env;
}

/** Rules between variables. Live trading with both opt-ins needs the exchange credentials. */
function crossFieldErrors(env: Environment): string[] {
  const errors: string[] = [];
  if (env.TRADING_MODE === 'live' && env.TRADING_LIVE_CONFIRM === LIVE_CONFIRMATION) {
    if (env.BINANCE_API_KEY === undefined) errors.push('BINANCE_API_KEY: live trading (TRADING_MODE=live with TRADING_LIVE_CONFIRM) needs BINANCE_API_KEY');
    if (env.BINANCE_API_SECRET === undefined) errors.push('BINANCE_API_SECRET: live trading (TRADING_MODE=live with TRADING_LIVE_CONFIRM) needs BINANCE_API_SECRET');
  }
  return errors;
}

/** The literal TRADING_LIVE_CONFIRM must hold, next to TRADING_MODE=live, before any real order is sent. */
export const LIVE_CONFIRMATION = 'I_UNDERSTAND_REAL_ORDERS';

export function listSetting(value: string): string[] {
  return value.split(',').filter((item) => item !== '');
}
