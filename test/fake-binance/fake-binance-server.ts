import { createServer, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { BinanceApiError, ipBannedBody, SYMBOL_PATTERN, tooMuchWeightBody } from './binance-errors';
import { CandleSeries, FakeCandle, partialKlineRow, readCandlesCsv } from './candle-series';
import { handleExchangeInfo, ListedSymbol, splitSymbol } from './exchange-info';
import { handleKlines } from './klines-endpoint';
import { isKlineInterval, KlineInterval } from './kline-interval';
import { RequestParameters } from './request-parameters';
import { seededRandom } from './seeded-random';
import { commissionUnits, FakeAccount, FakeOrder, SignedApi } from './signed-endpoints';

export { BinanceKlineRow, FakeCandle, readCandlesCsv } from './candle-series';
export { generateCandles, GenerateCandlesOptions } from './generate-candles';
export { KLINES_DEFAULT_LIMIT, KLINES_MAX_LIMIT } from './klines-endpoint';
export { FakeAccount, FakeApiKey, FakeOrder, FakeOrderFill, signPayload } from './signed-endpoints';

export interface FakeMarket {
  symbol: string;
  interval: string;
  /** A CSV in the shared format (/work/shared/data/binance/SOURCES.md); read at start, never copied. */
  csvPath?: string;
  candles?: FakeCandle[];
  /** Default: split off a known quote asset (USDT, BTC, ...). */
  baseAsset?: string;
  quoteAsset?: string;
  /** exchangeInfo filters; default BTCUSDT's real ones. */
  filters?: ReadonlyArray<Record<string, unknown>>;
}

export interface FakeBinanceOptions {
  markets: FakeMarket[];
  /**
   * The server clock (ms). Drives /api/v3/time, which candles exist and which one is still open, the 1-minute
   * weight windows, Retry-After and ban expiry. Default Date.now; tests pass a controllable clock.
   */
  now?: () => number;
  /** REQUEST_WEIGHT per minute, as listed in exchangeInfo. Default 6000 (Binance spot since 2023). */
  weightLimitPerMinute?: number;
  /**
   * true: answer 429 (then 418) once a minute's weight exceeds the limit, as Binance does.
   * false (default): serve anyway and only record it in stats.budgetExceeded, so a benchmark can assert on it.
   */
  failOnBudgetExceeded?: boolean;
  /** Added before every response. */
  latencyMs?: number;
  /** First IP-ban length; each further ban doubles it, capped at 3 days as documented. Default 120 s. */
  firstBanSeconds?: number;
  /** Default 0: a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** API keys with their secrets and balances, for the SIGNED endpoints (orders, account). See signed-endpoints.ts. */
  accounts?: FakeAccount[];
  /** Taker commission per fill, as a decimal fraction of what the account receives. Default "0.001" (0.1%). */
  commissionRate?: string;
}

/** When a fault fires. Without count it stays on until clearFaults(); without probability it hits every request. */
export interface FaultTrigger {
  /** Fire for this many requests, then switch off. */
  count?: number;
  /** Fire with this probability per request, from the RNG seeded by FakeBinanceFaults.seed. */
  probability?: number;
  /** Only for these paths, e.g. ['/api/v3/klines']. Default all. */
  paths?: string[];
}

export interface RateLimitFault {
  /**
   * Serve this many requests, answer the next with 429, then count again once the Retry-After has passed.
   * Leave out to answer 429 when the minute's weight exceeds weightLimitPerMinute instead.
   */
  afterRequests?: number;
  /** Retry-After of the 429. Default: the seconds left in the current weight minute. */
  retryAfterSeconds?: number;
}

export interface FakeBinanceFaults {
  /** Seed for probability triggers. Default 1. */
  seed?: number;
  /** 429 with Retry-After; a request sent before the Retry-After ends gets 418 and an IP ban (Retry-After = ban). */
  rateLimit?: RateLimitFault;
  /** 5xx instead of the answer: 500/503 with a Binance JSON error, 502/504 with a gateway HTML page. Default 503. */
  serverError?: FaultTrigger & { status?: 500 | 502 | 503 | 504 };
  /** Answer after an extra delay. */
  slow?: FaultTrigger & { delayMs: number };
  /** Never answer (the socket stays open until the client gives up or the server closes). */
  hang?: FaultTrigger;
  /** 200 with a broken body: cut in half ('truncated', default) or not JSON at all ('not-json'). */
  malformedBody?: FaultTrigger & { kind?: 'truncated' | 'not-json' };
  /** Send the headers and half the body, then destroy the socket. */
  dropConnection?: FaultTrigger;
  /**
   * POST /api/v3/order only: the order is accepted (and a MARKET order filled), then the socket is destroyed before
   * a byte of the answer is sent, so the client cannot know whether the order exists.
   */
  orderAcceptedThenDropped?: FaultTrigger;
  /**
   * POST /api/v3/order only: a 5xx instead of the answer. accepted (default true): the order was placed anyway, the
   * "execution status UNKNOWN" case Binance documents for 5xx; false: it was not.
   */
  orderServerError?: FaultTrigger & { status?: 500 | 502 | 503 | 504; accepted?: boolean };
}

export interface FakeBinanceStats {
  totalRequests: number;
  requestsByEndpoint: Record<string, number>;
  /** Weight used in the current fixed 1-minute window of the server clock. */
  usedWeightCurrentMinute: number;
  maxWeightPerMinute: number;
  weightLimitPerMinute: number;
  /** Some minute's weight went over the limit (whether or not the server then refused requests). */
  budgetExceeded: boolean;
  rateLimitedResponses: number;
  bannedResponses: number;
  bansIssued: number;
  banned: boolean;
  bannedUntil: number | null;
  faultsInjected: {
    serverError: number;
    slow: number;
    hang: number;
    malformedBody: number;
    dropConnection: number;
    orderAcceptedThenDropped: number;
    orderServerError: number;
  };
}

export interface FakeBinance {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** A snapshot; read it again after more requests. */
  readonly stats: FakeBinanceStats;
  /** Current server time. */
  now(): number;
  /** Fix the clock at `time` (ms), or hand it a clock function. */
  setNow(time: number | (() => number)): void;
  /** Store more candles (replacing any with the same open time); they appear once the clock reaches them. */
  addCandles(symbol: string, interval: string, candles: FakeCandle[]): void;
  /** Merge: each fault given replaces the one of the same kind; the others stay. */
  setFaults(faults: FakeBinanceFaults): void;
  /** Switch every fault off and lift any 429 window or ban in force; ban escalation starts over. */
  clearFaults(): void;
  /** Zero the counters (not the weight window or a ban). */
  resetStats(): void;
  /** Ends hanging and pending requests, closes every connection, stops listening. */
  close(): Promise<void>;
  /** Every order of the account with this API key, oldest first (live objects: read again after more requests). */
  ordersOf(apiKey: string): readonly FakeOrder[];
  /** Free and locked balance of one asset of the account with this API key. */
  balanceOf(apiKey: string, asset: string): { free: string; locked: string };
  /** true: MARKET orders are accepted as NEW and stay open until fillHeldOrders() (a slow matching engine). */
  setHoldOrders(hold: boolean): void;
  /** Fills every held MARKET order at the current price; returns them. */
  fillHeldOrders(): FakeOrder[];
}

export async function startFakeBinance(options: FakeBinanceOptions): Promise<FakeBinance> {
  const server = new FakeBinanceServer(options);
  for (const account of options.accounts ?? []) server.addAccount(account);
  for (const market of options.markets) {
    server.addMarket(market);
    if (market.csvPath !== undefined) server.addCandles(market.symbol, market.interval, await readCandlesCsv(market.csvPath));
    if (market.candles !== undefined) server.addCandles(market.symbol, market.interval, market.candles);
  }
  await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return server;
}

interface Endpoint {
  weight: number;
  handle(parameters: RequestParameters, now: number): string | Buffer;
}

interface PreparedResponse {
  status: number;
  body: string | Buffer;
  contentType: string;
  headers?: OutgoingHttpHeaders;
}

type TriggeredFault =
  | 'serverError'
  | 'slow'
  | 'hang'
  | 'malformedBody'
  | 'dropConnection'
  | 'orderAcceptedThenDropped'
  | 'orderServerError';

const MINUTE_MS = 60_000;
const MAX_BAN_SECONDS = 3 * 24 * 3600;
const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
const NOT_FOUND_HTML = '<html><body><h2>404 Not found</h2></body></html>';

class FakeBinanceServer implements FakeBinance {
  private readonly httpServer: Server;
  private readonly markets = new Map<string, Map<KlineInterval, CandleSeries>>();
  private readonly listedSymbols = new Map<string, ListedSymbol>();
  private readonly endpoints: Record<string, Endpoint>;
  private readonly weightLimitPerMinute: number;
  private readonly failOnBudgetExceeded: boolean;
  private readonly latencyMs: number;
  private readonly firstBanSeconds: number;
  private clock: () => number;
  private address: AddressInfo | undefined;

  private faults: FakeBinanceFaults = {};
  private faultRandom = seededRandom(1);
  private requestsSinceThrottle = 0;

  private weightWindowStart = 0;
  private usedWeight = 0;
  private throttledUntil: number | null = null;
  private bannedUntil: number | null = null;
  /** Bans so far; each one lasts twice as long as the last, as Binance scales bans for repeat offenders. */
  private banCount = 0;

  private counters = freshCounters();
  private readonly hangingResponses = new Set<ServerResponse>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly signed: SignedApi;

  constructor(options: FakeBinanceOptions) {
    this.signed = new SignedApi(
      { listed: (symbol) => this.listedSymbols.get(symbol), priceAt: (symbol, now) => this.priceAt(symbol, now) },
      commissionUnits(options.commissionRate ?? '0.001'),
    );
    this.clock = options.now ?? Date.now;
    this.weightLimitPerMinute = options.weightLimitPerMinute ?? 6000;
    this.failOnBudgetExceeded = options.failOnBudgetExceeded ?? false;
    this.latencyMs = options.latencyMs ?? 0;
    this.firstBanSeconds = options.firstBanSeconds ?? 120;
    // Weights from https://developers.binance.com/docs/binance-spot-api-docs/rest-api (general and market endpoints).
    this.endpoints = {
      '/api/v3/ping': {
        weight: 1,
        handle: (parameters) => {
          parameters.assertAllRead();
          return '{}';
        },
      },
      '/api/v3/time': {
        weight: 1,
        handle: (parameters, now) => {
          parameters.assertAllRead();
          return JSON.stringify({ serverTime: now });
        },
      },
      '/api/v3/exchangeInfo': {
        weight: 20,
        handle: (parameters, now) =>
          handleExchangeInfo(parameters, {
            now,
            weightLimitPerMinute: this.weightLimitPerMinute,
            symbols: [...this.listedSymbols.values()],
          }),
      },
      '/api/v3/klines': {
        weight: 2,
        handle: (parameters, now) =>
          handleKlines(parameters, {
            now,
            symbolExists: (symbol) => this.listedSymbols.has(symbol),
            findSeries: (symbol, interval) => this.markets.get(symbol)?.get(interval),
          }),
      },
    };
    this.httpServer = createServer((request, response) => this.handleRequest(request, response));
  }

  get url(): string {
    if (this.address === undefined) throw new Error('fake Binance is not listening');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  get port(): number {
    if (this.address === undefined) throw new Error('fake Binance is not listening');
    return this.address.port;
  }

  get stats(): FakeBinanceStats {
    const now = this.clock();
    this.rollWeightWindow(now);
    return {
      totalRequests: this.counters.totalRequests,
      requestsByEndpoint: { ...this.counters.requestsByEndpoint },
      usedWeightCurrentMinute: this.usedWeight,
      maxWeightPerMinute: this.counters.maxWeightPerMinute,
      weightLimitPerMinute: this.weightLimitPerMinute,
      budgetExceeded: this.counters.budgetExceeded,
      rateLimitedResponses: this.counters.rateLimitedResponses,
      bannedResponses: this.counters.bannedResponses,
      bansIssued: this.counters.bansIssued,
      banned: this.bannedUntil !== null && now < this.bannedUntil,
      bannedUntil: this.bannedUntil !== null && now < this.bannedUntil ? this.bannedUntil : null,
      faultsInjected: { ...this.counters.faultsInjected },
    };
  }

  now(): number {
    return this.clock();
  }

  setNow(time: number | (() => number)): void {
    this.clock = typeof time === 'number' ? () => time : time;
  }

  addMarket(market: FakeMarket): void {
    if (!new RegExp(SYMBOL_PATTERN).test(market.symbol)) throw new Error(`invalid Binance symbol "${market.symbol}"`);
    if (!isKlineInterval(market.interval)) throw new Error(`unknown Binance interval "${market.interval}"`);
    if (!this.listedSymbols.has(market.symbol)) {
      const assets =
        market.baseAsset !== undefined && market.quoteAsset !== undefined
          ? { baseAsset: market.baseAsset, quoteAsset: market.quoteAsset }
          : splitSymbol(market.symbol);
      this.listedSymbols.set(market.symbol, { symbol: market.symbol, ...assets, filters: market.filters });
    }
    this.seriesFor(market.symbol, market.interval);
  }

  addCandles(symbol: string, interval: string, candles: FakeCandle[]): void {
    if (!this.listedSymbols.has(symbol)) this.addMarket({ symbol, interval });
    this.seriesFor(symbol, interval).add(candles);
  }

  setFaults(faults: FakeBinanceFaults): void {
    this.faults = { ...this.faults, ...faults };
    if (faults.seed !== undefined) this.faultRandom = seededRandom(faults.seed);
    if (faults.rateLimit !== undefined) this.requestsSinceThrottle = 0;
  }

  clearFaults(): void {
    this.faults = {};
    this.faultRandom = seededRandom(1);
    this.requestsSinceThrottle = 0;
    this.throttledUntil = null;
    this.bannedUntil = null;
    this.banCount = 0;
  }

  resetStats(): void {
    this.counters = freshCounters();
  }

  addAccount(account: FakeAccount): void {
    this.signed.addAccount(account);
  }

  ordersOf(apiKey: string): readonly FakeOrder[] {
    return this.signed.accounts.get(apiKey)?.orders ?? [];
  }

  balanceOf(apiKey: string, asset: string): { free: string; locked: string } {
    const account = this.signed.accounts.get(apiKey);
    if (account === undefined) throw new Error(`fake Binance has no account with that API key`);
    return account.balanceOf(asset);
  }

  setHoldOrders(hold: boolean): void {
    this.signed.hold = hold;
  }

  fillHeldOrders(): FakeOrder[] {
    return this.signed.fillHeld(this.clock());
  }

  /** The price at `now`: the open at the candle's opening instant, else its close so far; finest interval loaded. */
  private priceAt(symbol: string, now: number): string | undefined {
    const bySymbol = this.markets.get(symbol);
    if (bySymbol === undefined) return undefined;
    const series = [...bySymbol.values()]
      .filter((candidate) => candidate.size > 0)
      .sort((a, b) => a.closeTimeAt(0) - a.rowAt(0)[0] - (b.closeTimeAt(0) - b.rowAt(0)[0]));
    for (const candidate of series) {
      const index = candidate.lastIndexAtOrBefore(now);
      if (index < 0 || candidate.closeTimeAt(index) < now) continue;
      const row = candidate.rowAt(index);
      // At the opening instant the price is the open; later, the close of the candle so far.
      return row[0] === now ? row[1] : partialKlineRow(row, now)[4];
    }
    return undefined;
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(port, host, () => {
        this.httpServer.off('error', reject);
        resolve();
      });
    });
    this.address = this.httpServer.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    for (const response of this.hangingResponses) response.destroy();
    this.hangingResponses.clear();
    const closed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    this.httpServer.closeAllConnections();
    await closed;
  }

  private seriesFor(symbol: string, interval: string): CandleSeries {
    if (!isKlineInterval(interval)) throw new Error(`unknown Binance interval "${interval}"`);
    let bySymbol = this.markets.get(symbol);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.markets.set(symbol, bySymbol);
    }
    let series = bySymbol.get(interval);
    if (series === undefined) {
      series = new CandleSeries(symbol, interval);
      bySymbol.set(interval, series);
    }
    return series;
  }

  private handleRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake-binance');
    const path = url.pathname;
    this.counters.totalRequests++;
    this.counters.requestsByEndpoint[path] = (this.counters.requestsByEndpoint[path] ?? 0) + 1;

    if (this.fire('hang', path) !== undefined) {
      // Keep the socket open without answering; close() ends it.
      this.hangingResponses.add(response);
      response.on('close', () => this.hangingResponses.delete(response));
      return;
    }
    const method = request.method ?? 'GET';
    if (this.signed.routes[`${method} ${path}`] !== undefined) {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.handleSigned(request, response, method, path, url, Buffer.concat(chunks).toString('latin1')));
      return;
    }
    this.deliver(response, path, this.prepareResponse(method, path, url.searchParams));
  }

  /** SIGNED endpoints: the same ban / weight / 429 / fault order as the public ones, then key, signature and time. */
  private handleSigned(request: IncomingMessage, response: ServerResponse, method: string, path: string, url: URL, rawBody: string): void {
    const route = this.signed.routes[`${method} ${path}`];
    const now = this.clock();
    const isNewOrder = method === 'POST' && path === '/api/v3/order';
    const refused = this.admit(now, path, route.weightFor?.(url.searchParams) ?? route.weight);
    if (refused !== null) {
      this.deliver(response, path, refused);
      return;
    }
    const orderError = isNewOrder ? this.fire('orderServerError', path) : undefined;
    if (orderError !== undefined && orderError.accepted === false) {
      this.deliver(response, path, serverErrorResponse(orderError.status ?? 503));
      return;
    }
    let prepared: PreparedResponse;
    try {
      const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
      prepared = { status: 200, body: this.signed.handle(route, { headers: request.headers, rawQuery, rawBody, now }), contentType: JSON_CONTENT_TYPE };
    } catch (error) {
      if (!(error instanceof BinanceApiError)) throw error;
      prepared = { status: error.httpStatus, body: error.toBody(), contentType: JSON_CONTENT_TYPE };
    }
    if (orderError !== undefined) {
      this.deliver(response, path, serverErrorResponse(orderError.status ?? 503));
      return;
    }
    if (isNewOrder && prepared.status === 200 && this.fire('orderAcceptedThenDropped', path) !== undefined) {
      response.destroy();
      return;
    }
    this.deliver(response, path, prepared);
  }

  /** Ban, 429 window, weight and the serverError fault for one request: the refusal to send, or null to go on. */
  private admit(now: number, path: string, weight: number): PreparedResponse | null {
    this.rollWeightWindow(now);
    if (this.bannedUntil !== null && now < this.bannedUntil) return this.bannedResponse(now);
    if (this.throttledUntil !== null && now < this.throttledUntil) {
      this.issueBan(now);
      return this.bannedResponse(now);
    }
    this.usedWeight += weight;
    this.counters.maxWeightPerMinute = Math.max(this.counters.maxWeightPerMinute, this.usedWeight);
    if (this.usedWeight > this.weightLimitPerMinute) this.counters.budgetExceeded = true;
    const retryAfterSeconds = this.rateLimitRetryAfter(now);
    if (retryAfterSeconds !== null) {
      this.throttledUntil = now + retryAfterSeconds * 1000;
      this.counters.rateLimitedResponses++;
      return {
        status: 429,
        body: tooMuchWeightBody(this.weightLimitPerMinute),
        contentType: JSON_CONTENT_TYPE,
        headers: { 'Retry-After': String(retryAfterSeconds) },
      };
    }
    const serverError = this.fire('serverError', path);
    return serverError === undefined ? null : serverErrorResponse(serverError.status ?? 503);
  }

  /** Ban, rate limit and weight first (as Binance does them before the endpoint runs), then faults, then the API. */
  private prepareResponse(method: string, path: string, search: URLSearchParams): PreparedResponse {
    const now = this.clock();
    this.rollWeightWindow(now);

    if (this.bannedUntil !== null && now < this.bannedUntil) return this.bannedResponse(now);
    if (this.throttledUntil !== null && now < this.throttledUntil) {
      // Calling again inside the 429's Retry-After is what earns the automated IP ban.
      this.issueBan(now);
      return this.bannedResponse(now);
    }

    const endpoint = method === 'GET' ? this.endpoints[path] : undefined;
    if (endpoint === undefined) return { status: 404, body: NOT_FOUND_HTML, contentType: 'text/html' };

    this.usedWeight += endpoint.weight;
    this.counters.maxWeightPerMinute = Math.max(this.counters.maxWeightPerMinute, this.usedWeight);
    if (this.usedWeight > this.weightLimitPerMinute) this.counters.budgetExceeded = true;

    const retryAfterSeconds = this.rateLimitRetryAfter(now);
    if (retryAfterSeconds !== null) {
      this.throttledUntil = now + retryAfterSeconds * 1000;
      this.counters.rateLimitedResponses++;
      return {
        status: 429,
        body: tooMuchWeightBody(this.weightLimitPerMinute),
        contentType: JSON_CONTENT_TYPE,
        headers: { 'Retry-After': String(retryAfterSeconds) },
      };
    }

    const serverError = this.fire('serverError', path);
    if (serverError !== undefined) return serverErrorResponse(serverError.status ?? 503);

    try {
      const parameters = new RequestParameters(search);
      return { status: 200, body: endpoint.handle(parameters, now), contentType: JSON_CONTENT_TYPE };
    } catch (error) {
      if (!(error instanceof BinanceApiError)) throw error;
      return { status: error.httpStatus, body: error.toBody(), contentType: JSON_CONTENT_TYPE };
    }
  }

  /** Seconds for Retry-After when this request must be refused with 429, else null. */
  private rateLimitRetryAfter(now: number): number | null {
    const fault = this.faults.rateLimit;
    const secondsLeftInMinute = Math.max(1, Math.ceil((this.weightWindowStart + MINUTE_MS - now) / 1000));
    if (fault?.afterRequests !== undefined) {
      this.requestsSinceThrottle++;
      if (this.requestsSinceThrottle <= fault.afterRequests) return null;
      this.requestsSinceThrottle = 0;
      return fault.retryAfterSeconds ?? secondsLeftInMinute;
    }
    const enforceBudget = this.failOnBudgetExceeded || fault !== undefined;
    if (enforceBudget && this.usedWeight > this.weightLimitPerMinute) {
      return fault?.retryAfterSeconds ?? secondsLeftInMinute;
    }
    return null;
  }

  private issueBan(now: number): void {
    const banSeconds = Math.min(this.firstBanSeconds * 2 ** this.banCount, MAX_BAN_SECONDS);
    this.banCount++;
    this.counters.bansIssued++;
    this.bannedUntil = now + banSeconds * 1000;
    this.throttledUntil = null;
  }

  private bannedResponse(now: number): PreparedResponse {
    const bannedUntil = this.bannedUntil ?? now;
    this.counters.bannedResponses++;
    return {
      status: 418,
      body: ipBannedBody(bannedUntil),
      contentType: JSON_CONTENT_TYPE,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil((bannedUntil - now) / 1000))) },
    };
  }

  /** Fixed 1-minute windows on the server clock: 00:01:23.456 counts towards the 00:01:00 minute. */
  private rollWeightWindow(now: number): void {
    const windowStart = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    if (windowStart !== this.weightWindowStart) {
      this.weightWindowStart = windowStart;
      this.usedWeight = 0;
    }
  }

  /** The fault's settings when it fires for this request (using up one of its count), else undefined. */
  private fire<Kind extends TriggeredFault>(kind: Kind, path: string): FakeBinanceFaults[Kind] {
    const trigger = this.faults[kind];
    if (trigger === undefined) return undefined;
    if (trigger.paths !== undefined && !trigger.paths.includes(path)) return undefined;
    if (trigger.probability !== undefined && this.faultRandom() >= trigger.probability) return undefined;
    if (trigger.count !== undefined) {
      if (trigger.count <= 0) return undefined;
      const remaining = trigger.count - 1;
      this.faults = { ...this.faults, [kind]: remaining > 0 ? { ...trigger, count: remaining } : undefined };
    }
    this.counters.faultsInjected[kind]++;
    return trigger;
  }

  private deliver(response: ServerResponse, path: string, prepared: PreparedResponse): void {
    const delayMs = this.latencyMs + (this.fire('slow', path)?.delayMs ?? 0);
    // Body faults are decided now, so a fault set while the response waits does not change it.
    const malformed = this.fire('malformedBody', path);
    const malformedKind = malformed === undefined ? null : (malformed.kind ?? 'truncated');
    const drop = this.fire('dropConnection', path) !== undefined;
    const write = (): void => {
      let body = typeof prepared.body === 'string' ? Buffer.from(prepared.body) : prepared.body;
      if (malformedKind === 'truncated') body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
      if (malformedKind === 'not-json') body = Buffer.from('<html><body>upstream connect error</body></html>');
      const headers: OutgoingHttpHeaders = {
        'Content-Type': prepared.contentType,
        'Content-Length': body.length,
        // Binance sends the used weight of the IP on every response; the header without interval is the legacy
        // spelling real responses still carry next to the documented X-MBX-USED-WEIGHT-1M.
        'X-MBX-USED-WEIGHT': String(this.usedWeight),
        'X-MBX-USED-WEIGHT-1M': String(this.usedWeight),
        ...prepared.headers,
      };
      response.writeHead(prepared.status, headers);
      if (drop) {
        response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
        return;
      }
      response.end(body);
    };
    if (delayMs <= 0) {
      write();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      if (!response.destroyed) write();
    }, delayMs);
    this.pendingTimers.add(timer);
  }
}

function serverErrorResponse(status: 500 | 502 | 503 | 504): PreparedResponse {
  if (status === 502 || status === 504) {
    const title = status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
    return { status, body: `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`, contentType: 'text/html' };
  }
  const error =
    status === 500
      ? new BinanceApiError(-1000, 'An unknown error occurred while processing the request.', 500)
      : new BinanceApiError(-1008, 'Server is currently overloaded with other requests. Please try again in a few minutes.', 503);
  return { status, body: error.toBody(), contentType: JSON_CONTENT_TYPE };
}

function freshCounters() {
  return {
    totalRequests: 0,
    requestsByEndpoint: {} as Record<string, number>,
    maxWeightPerMinute: 0,
    budgetExceeded: false,
    rateLimitedResponses: 0,
    bannedResponses: 0,
    bansIssued: 0,
    faultsInjected: {
      serverError: 0,
      slow: 0,
      hang: 0,
      malformedBody: 0,
      dropConnection: 0,
      orderAcceptedThenDropped: 0,
      orderServerError: 0,
    },
  };
}
