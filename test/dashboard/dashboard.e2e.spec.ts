import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LIVE_CONFIRMATION } from '../../src/config/environment';
import { TradingEngine } from '../../src/trading/trading-engine.service';
import { readCandlesCsv, startFakeBinance } from '../fake-binance/fake-binance-server';
import { dropPrefix, drainUntilEmpty, ELASTICSEARCH_TEST_URL, esClient, uniquePrefix } from '../indexing/indexing-fixtures';
import { BTCUSDT_1H_CSV } from '../support/shared-data';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  artifactPath,
  candlePixels,
  colourPixels,
  type ElementLike,
  expectedTurns,
  HOUR_MS,
  importCandles,
  launchChromium,
  listenOnLoopback,
  type PageGlobals,
  readHook,
  watchProblems,
  waitForLoads,
  waitForWholeCurve,
} from './dashboard-support';

// A year of real BTCUSDT 1h candles (2023-09-01 .. 2024-08-31, 8 784 hours) and, as a second symbol, the last three
// months of the same file stored under the name COPYUSDT.
const YEAR_FROM = Date.UTC(2023, 8, 1);
const YEAR_TO = Date.UTC(2024, 7, 31, 23);
const COPY_FROM = Date.UTC(2024, 5, 1);
const API_KEY = 'dashboard-e2e-key-0123456789';
const RETRAIN_CRON = '0 3 * * 0';
const TRAIN_BODY = {
  symbol: 'BTCUSDT',
  interval: '1h',
  start: '2023-09-01T00:00:00Z',
  end: '2024-02-29T23:00:00Z',
  horizon: 4,
  hyper_parameters: { n_estimators: 15, max_depth: 6, min_num_samples: 20 },
  seed: 7,
  folds: 3,
};
const VIEWPORT = { width: 1440, height: 900 };
/** The out-of-sample predictions' range, which the backtest replays. */
const PREDICTED_FROM = Date.UTC(2024, 2, 1);
/** Paper trading catches up August 2024 (744 candles); live trading then runs its last two days against the fake. */
const PAPER_FROM = Date.UTC(2024, 7, 1);
const LIVE_FROM = Date.UTC(2024, 7, 30);
const LIVE_HOURS = 48;
const BINANCE_KEY = 'dashLiveKey0123456789ABCDEF';
const BINANCE_SECRET = 'dashLiveSecret-0123456789-never-shown';
/** Line colours of the equity cards (dashboard.js COLORS.equity / COLORS.hold). */
const EQUITY_COLOURS = ['#4c9aff', '#8592a6'];

interface ModelBody {
  id: number;
  status: string;
  metrics: {
    roc_auc: number;
    accuracy: number;
    per_class: Record<string, { f1: number | null }>;
    baselines: Record<'always_buy' | 'training_majority' | 'momentum', { roc_auc: number | null; accuracy: number; per_class: Record<string, { f1: number | null }> }>;
  };
}

interface EquityRow {
  time: number;
  equity: number;
  buy_and_hold_equity?: number;
}

interface BacktestBody {
  id: number;
  status: string;
  error: string | null;
  metrics: { total_return: number; buy_and_hold_return: number; max_drawdown: number; trades: number };
  summary?: { overlaps_training: boolean } | null;
}

interface Prediction {
  open_time: number;
  signal: string;
  probabilities: Record<string, number>;
}

describe('Dashboard page in headless Chromium against the app on loopback (MariaDB, real BTCUSDT 1h)', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let model: ModelBody;
  let databaseUrl: string;
  const timings: Record<string, number> = {};
  const environment = () => ({
    DATABASE_URL: databaseUrl,
    API_KEY,
    SYMBOLS: 'BTCUSDT',
    INGESTION_ENABLED: 'false', // no scheduled sync: it would call Binance
    MODEL_TRAINING_THREADS: '1',
    MODEL_PREDICT_CRON: 'off',
    MODEL_RETRAIN_CRON: RETRAIN_CRON,
    TRADING_CRON: 'off', // the spec runs the trading engine itself, for chosen candle times
    // Risk limits off: the account trades all-in like the backtest, so its curve is comparable with buy-and-hold.
    TRADING_MAX_POSITION_NOTIONAL: '0',
    TRADING_MAX_DAILY_LOSS: '0',
    TRADING_MAX_ORDERS_PER_HOUR: '0',
  });

  beforeAll(async () => {
    databaseUrl = await freshMysqlDatabase('dashboard');
    t = await startTestApp(environment());
    expect(await importCandles(t, 'BTCUSDT', YEAR_FROM, YEAR_TO)).toBe(8784);
    await importCandles(t, 'COPYUSDT', COPY_FROM, YEAR_TO);

    const created = await request(t.http).post('/api/models').set('x-api-key', API_KEY).send(TRAIN_BODY).expect(202);
    const id = (created.body as { id: number }).id;
    for (const deadline = Date.now() + 150_000; ; ) {
      model = (await request(t.http).get(`/api/models/${id}`).expect(200)).body as ModelBody;
      if (model.status === 'ready' || model.status === 'failed') break;
      if (Date.now() > deadline) throw new Error(`model still ${model.status}`);
      await new Promise((done) => setTimeout(done, 250));
    }
    expect(model.status).toBe('ready');
    await request(t.http).post(`/api/models/${id}/activate`).set('x-api-key', API_KEY).expect(200);
    const predicted = await request(t.http)
      .post(`/api/models/${id}/predict`)
      .set('x-api-key', API_KEY)
      .send({ start: '2024-03-01T00:00:00Z', end: String(YEAR_TO) })
      .expect(200);
    expect(predicted.body.written).toBeGreaterThan(4000);

    base = await listenOnLoopback(t);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (Object.keys(timings).length > 0) {
      writeFileSync(artifactPath('timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
      process.stdout.write(`dashboard timings (ms): ${JSON.stringify(timings)}\n`);
    }
  });

  async function openPage(beforeNavigation?: (page: Page) => void, path = '/'): Promise<{ page: Page; problems: { list: string[] } }> {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    beforeNavigation?.(page);
    await page.goto(`${base}${path}`);
    return { page, problems };
  }

  async function storedPredictions(from: number, to: number): Promise<Prediction[]> {
    const response = await request(t.http)
      .get('/api/predictions')
      .query({ symbol: 'BTCUSDT', interval: '1h', model_id: model.id, start: from, end: to, limit: 5000 })
      .expect(200);
    return response.body.data as Prediction[];
  }

  /** Every row of a paged list, following `next`. */
  async function allPages<T>(app: TestApp, path: string, query: Record<string, string | number> = {}): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | null = null;
    do {
      const response = await request(app.http)
        .get(path)
        .query({ ...query, limit: 1000, ...(cursor === null ? {} : { cursor }) })
        .expect(200);
      const body = response.body as { data: T[]; next: string | null };
      rows.push(...body.data);
      cursor = body.next;
    } while (cursor !== null);
    return rows;
  }

  /** Close of the stored BTCUSDT 1h candle that opened at `openTime`. */
  async function closeOf(openTime: number): Promise<number> {
    const response = await request(t.http).get('/api/klines').query({ symbol: 'BTCUSDT', interval: '1h', start: openTime, end: openTime }).expect(200);
    return Number((response.body.data as { close_price: string }[])[0].close_price);
  }

  /** Both lines of an equity card are on its canvas: the strategy's and the dashed buy-and-hold. */
  async function expectBothLines(page: Page, card: 'backtest' | 'trading'): Promise<void> {
    const [strategy, hold] = await colourPixels(page, `#${card}-chart canvas`, EQUITY_COLOURS);
    expect([card, strategy > 50, hold > 20]).toEqual([card, true, true]);
  }

  const bannerText = async (page: Page) => ((await page.textContent('#mode-banner')) ?? '').replace(/\s+/g, ' ').trim();
  const money = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
  const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

  async function storedCount(symbol: string, from: number, to: number): Promise<number> {
    const response = await request(t.http).get('/api/klines').query({ symbol, interval: '1h', start: from, end: to, limit: 1000 }).expect(200);
    expect(response.body.next).toBeNull();
    return (response.body.data as unknown[]).length;
  }

  it('serves the page, its modules and the charting library from the app, under a self-only script CSP', async () => {
    const page = await request(t.http).get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/dashboard.js"></script>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    for (const path of ['/dashboard.js', '/api.js', '/format.js', '/vendor/lightweight-charts.mjs']) {
      const asset = await request(t.http).get(path).expect(200);
      expect(asset.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    }
    const library = await request(t.http).get('/vendor/lightweight-charts.mjs').expect(200);
    expect(library.text).toContain('Lightweight Charts™ v5.2.1');
    // The page's HTML references no other origin (works offline).
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('GET /api/dashboard/sources says which optional endpoints exist and when the next retrain runs', async () => {
    const response = await request(t.http).get('/api/dashboard/sources').expect(200);
    // All three modules are registered in this build (the unit spec covers a build without them).
    expect(response.body.sources).toEqual({ trading: true, backtests: true, indexing: true });
    // "0 3 * * 0" = Sundays 03:00 UTC: the next one after now.
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3));
    next.setUTCDate(next.getUTCDate() + ((7 - next.getUTCDay()) % 7));
    if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 7);
    expect(response.body.retrain).toEqual({ cron: RETRAIN_CRON, next_at: next.getTime(), next_at_iso: next.toISOString() });
  });

  it('draws the newest 1000 candles with volume, signal markers and P(BUY), the model card and data health; no console errors', async () => {
    const { page, problems } = await openPage();
    await waitForLoads(page, 1);
    const drawn: number | null = await page.evaluate(() => performance.getEntriesByName('opa:chart-drawn')[0]?.startTime ?? null);
    const loaded = await page.evaluate(() => performance.now());
    expect(drawn).not.toBeNull();
    timings.navigation_to_chart_drawn_ms = Math.round(drawn ?? Number.NaN);
    timings.navigation_to_everything_loaded_ms = Math.round(loaded);
    // Where the first draw's time goes (responseEnd after navigation start, ms).
    const entries = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((entry) => ({ name: entry.name, start: entry.startTime, end: (entry as unknown as { responseEnd: number }).responseEnd })),
    );
    const entry = (part: string) => entries.find((e) => e.name.includes(part));
    timings.first_load_library_received_ms = Math.round(entry('/vendor/lightweight-charts.mjs')?.end ?? Number.NaN);
    timings.first_load_symbols_requested_ms = Math.round(entry('/api/symbols')?.start ?? Number.NaN);
    timings.first_load_symbols_received_ms = Math.round(entry('/api/symbols')?.end ?? Number.NaN);
    timings.first_load_klines_requested_ms = Math.round(entry('/api/klines?')?.start ?? Number.NaN);
    timings.first_load_klines_received_ms = Math.round(entry('/api/klines?')?.end ?? Number.NaN);

    const hook = await readHook(page);
    const windowStart = YEAR_TO - 999 * HOUR_MS;
    expect(hook).toMatchObject({ symbol: 'BTCUSDT', interval: '1h', activeModelId: model.id, error: null, allLoaded: false });
    expect(hook.candles).toBe(await storedCount('BTCUSDT', windowStart, YEAR_TO));
    expect(hook.firstCandleTime).toBe(windowStart);

    // Candles are on the canvas in both colours.
    const pixels = await candlePixels(page);
    expect(pixels.up).toBeGreaterThan(500);
    expect(pixels.down).toBeGreaterThan(500);

    // Markers: one per signal turn of the active model's stored predictions in the loaded range.
    const predictions = await storedPredictions(windowStart, YEAR_TO);
    expect(hook.predictions).toBe(predictions.length);
    const turns = expectedTurns(predictions);
    expect(turns.length).toBeGreaterThan(5);
    expect(hook.markers).toEqual(turns);

    // Model card: the stored numbers, formatted with three decimals, beside the baselines.
    const cells = await page.$$eval('#metrics-table td[data-metric]', (tds) =>
      tds.map((node) => {
        const td = node as unknown as ElementLike;
        return { metric: td.dataset.metric, row: td.dataset.row, value: td.dataset.value, text: td.textContent };
      }),
    );
    const fmt = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(3) : '—');
    const m = model.metrics;
    const rows = [m, m.baselines.always_buy, m.baselines.training_majority, m.baselines.momentum];
    const expected = rows.flatMap((block, i) =>
      (
        [
          ['roc_auc', block.roc_auc],
          ['accuracy', block.accuracy],
          ['f1_buy', block.per_class.BUY?.f1],
          ['f1_sell', block.per_class.SELL?.f1],
        ] as const
      ).map(([metric, value]) => ({ metric, row: i === 0 ? 'model-row' : 'baseline', value: String(value ?? ''), text: fmt(value) })),
    );
    expect(cells).toEqual(expected);
    const modelCard = await page.textContent('#model-card');
    expect(modelCard).toContain(`#${model.id} active`);
    expect(modelCard).toContain('2023-09-01 00:00 → 2024-02-29 23:00 UTC');
    expect(modelCard).toContain(`cron ${RETRAIN_CRON}`);

    // Data health: coverage from the API; indexing is off (ELASTICSEARCH_URL unset); nothing backtested or traded yet.
    const coverage = (await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200)).body as { count: number; gaps: unknown[] };
    const health = await page.textContent('#health-card');
    expect(health).toContain(`${coverage.count.toLocaleString('en-US')} candles`);
    expect(health).toContain('2023-09-01 00:00 → 2024-08-31 23:00 UTC');
    expect(await page.textContent('#last-candle')).toMatch(/^2024-08-31 23:00 UTC/);
    expect(health).toContain('Binance weight');
    expect(health).toContain('Indexing (Elasticsearch)Stateoff (ELASTICSEARCH_URL unset)');
    expect(await page.textContent('#indexing-backlog')).toBe('0 waiting');
    expect(await page.getAttribute('#mode-banner', 'data-mode')).toBe('paper');
    expect(await bannerText(page)).toBe('PAPER Paper trading: simulated orders, no real money.');
    expect(await page.textContent('#backtest-empty')).toBe('No backtest yet for BTCUSDT 1h. Run one with POST /api/backtests.');
    expect(await page.textContent('#trading-empty')).toBe('No paper trading yet for BTCUSDT 1h.');
    expect((await readHook(page)).equity).toEqual({ backtest: null, trading: null });

    await page.screenshot({ path: artifactPath('dashboard-btcusdt-1h.png') });
    expect(problems.list).toEqual([]);
    await page.close();
  });

  it('loads older candles when scrolled back, a page of 1000 at a time, until the whole year is on the chart', async () => {
    const klineRequests: string[] = [];
    const { page, problems } = await openPage((p) =>
      p.on('request', (r) => {
        if (r.url().includes('/api/klines?')) klineRequests.push(r.url());
      }),
    );
    await waitForLoads(page, 1);
    const started = await page.evaluate(() => performance.now());
    for (let i = 0; i < 12; i += 1) {
      const before = (await readHook(page)).olderLoads;
      // Scroll to the oldest loaded candle, as a user dragging the chart to the right would.
      await page.evaluate(() => (globalThis as unknown as PageGlobals).__opaDashboard.chart.timeScale().setVisibleLogicalRange({ from: 0, to: 300 }));
      await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).__opaDashboard.olderLoads > n, before);
      if ((await readHook(page)).allLoaded) break;
    }
    const finished = await page.evaluate(() => performance.now());
    timings.scroll_back_whole_year_ms = Math.round(finished - started);
    // Where the time goes: mean duration of the API requests, as the browser measured them.
    const resources = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((entry) => ({ name: entry.name, duration: entry.duration })),
    );
    for (const kind of ['klines', 'predictions']) {
      const durations = resources.filter((r) => r.name.includes(`/api/${kind}?`)).map((r) => r.duration);
      timings[`mean_${kind}_page_request_ms`] = Math.round(durations.reduce((a, b) => a + b, 0) / durations.length);
    }

    const hook = await readHook(page);
    timings.mean_scroll_back_page_in_page_ms = Math.round(hook.olderLoadMs.reduce((a, b) => a + b, 0) / hook.olderLoadMs.length);
    expect(hook.allLoaded).toBe(true);
    expect(hook.candles).toBe(8784);
    expect(hook.firstCandleTime).toBe(YEAR_FROM);
    expect(klineRequests).toHaveLength(9); // 8 784 candles in pages of ≤ 1000
    timings.kline_requests_for_a_year = klineRequests.length;
    // All stored predictions of the active model are now drawn as markers.
    const all = await storedPredictions(YEAR_FROM, YEAR_TO);
    expect(hook.predictions).toBe(all.length);
    expect(hook.markers).toEqual(expectedTurns(all));
    expect(problems.list).toEqual([]);
    await page.close();
  });

  it('switching the symbol reloads chart, model card and health for the new pair and keeps it in the URL', async () => {
    const { page, problems } = await openPage();
    await waitForLoads(page, 1);
    expect(await page.$$eval('#symbol-select option', (options) => options.map((o) => (o as unknown as ElementLike).textContent))).toEqual(['BTCUSDT', 'COPYUSDT']);
    await page.selectOption('#symbol-select', 'COPYUSDT');
    await waitForLoads(page, 2);
    const hook = await readHook(page);
    expect(hook).toMatchObject({ symbol: 'COPYUSDT', interval: '1h', predictions: 0, markers: [], error: null });
    expect(hook.candles).toBe(await storedCount('COPYUSDT', YEAR_TO - 999 * HOUR_MS, YEAR_TO));
    expect(page.url()).toBe(`${base}/?symbol=COPYUSDT&interval=1h`);
    expect(await page.textContent('#chart-title')).toBe('COPYUSDT 1h');
    expect(await page.textContent('#model-card')).toContain('No active model for COPYUSDT 1h');
    expect(await page.textContent('#health-card')).toContain('COPYUSDT 1h coverage');
    expect(await page.textContent('#health-card')).toContain('2024-06-01 00:00 → 2024-08-31 23:00 UTC');
    const pixels = await candlePixels(page);
    expect(pixels.up + pixels.down).toBeGreaterThan(1000);

    // Reloading the page keeps the chosen pair.
    await page.reload();
    await waitForLoads(page, 1);
    expect((await readHook(page)).symbol).toBe('COPYUSDT');
    timings.reload_to_chart_drawn_ms = Math.round(await page.evaluate(() => performance.getEntriesByName('opa:chart-drawn')[0]?.startTime ?? Number.NaN));
    expect(problems.list).toEqual([]);
    await page.close();
  });

  it('draws a real backtest (POST /api/backtests) and real paper-trading equity beside buy-and-hold under a PAPER banner', async () => {
    // The backtest replays the model's out-of-sample predictions (2024-03 .. 2024-08) with fees and slippage.
    const began = Date.now();
    const created = await request(t.http)
      .post('/api/backtests')
      .set('x-api-key', API_KEY)
      .send({ model_id: model.id, start: PREDICTED_FROM, end: YEAR_TO, fee_rate: 0.001, slippage_bps: 5 })
      .expect(202);
    const backtestId = (created.body as { id: number }).id;
    let backtest: BacktestBody;
    for (const deadline = Date.now() + 60_000; ; ) {
      backtest = (await request(t.http).get(`/api/backtests/${backtestId}`).expect(200)).body as BacktestBody;
      if (backtest.status === 'completed' || backtest.status === 'failed') break;
      if (Date.now() > deadline) throw new Error(`backtest still ${backtest.status}`);
      await new Promise((done) => setTimeout(done, 200));
    }
    expect([backtest.status, backtest.error]).toEqual(['completed', null]);
    timings.backtest_six_months_ms = Date.now() - began;

    // Paper trading as the TRADING_CRON handler runs it: the first run (just after 2024-08-01 00:00 closed) opens the
    // account at that candle; the next, after the month's last close, catches up the rest of August.
    const paperBegan = Date.now();
    const engine = t.app.get(TradingEngine);
    await engine.runOnce(PAPER_FROM + HOUR_MS);
    const caughtUp = await engine.runOnce(YEAR_TO + HOUR_MS);
    expect(caughtUp.map((run) => [run.symbol, run.interval, run.candles])).toEqual([['BTCUSDT', '1h', 743]]);
    timings.paper_trading_august_ms = Date.now() - paperBegan;

    const backtestCurve = await allPages<EquityRow>(t, `/api/backtests/${backtestId}/equity`);
    const paperCurve = await allPages<EquityRow>(t, '/api/trading/equity', { symbol: 'BTCUSDT' });
    expect(backtestCurve).toHaveLength(4416); // one point per candle of 2024-03-01 .. 2024-08-31: five pages
    expect(paperCurve).toHaveLength(744);
    expect(paperCurve[0].time).toBe(PAPER_FROM + HOUR_MS); // valued at each candle's close

    const { page, problems } = await openPage();
    await waitForLoads(page, 1);
    const { equity } = await readHook(page);

    // Backtest card: the stored curve and its buy-and-hold, point for point, and the stored metrics.
    const lastBacktest = backtestCurve[backtestCurve.length - 1];
    expect(equity.backtest).toEqual({
      id: backtestId,
      points: backtestCurve.length,
      holdPoints: backtestCurve.length,
      firstTime: backtestCurve[0].time,
      lastTime: lastBacktest.time,
      lastValue: lastBacktest.equity,
      lastHold: lastBacktest.buy_and_hold_equity,
    });
    const m = backtest.metrics;
    expect(await page.textContent('#backtest-summary')).toBe(
      `#${backtestId} · 2024-03-01 00:00 → 2024-08-31 23:00 · return ${percent(m.total_return)} vs buy & hold ${percent(m.buy_and_hold_return)}` +
        ` · max DD ${percent(m.max_drawdown)} · ${m.trades} trades`,
    );
    expect(m.trades).toBeGreaterThan(0);
    await waitForWholeCurve(page, 'backtest', backtestCurve[0].time, lastBacktest.time);
    await expectBothLines(page, 'backtest');

    // Trading card: the paper account's stored equity, and buy-and-hold of its first equity from that close on.
    const firstPaper = paperCurve[0];
    const lastPaper = paperCurve[paperCurve.length - 1];
    const holdLast = (firstPaper.equity * (await closeOf(YEAR_TO))) / (await closeOf(PAPER_FROM));
    expect(equity.trading).toMatchObject({ points: 744, holdPoints: 744, firstTime: firstPaper.time, lastTime: lastPaper.time, lastValue: lastPaper.equity });
    expect(equity.trading?.lastHold).toBeCloseTo(holdLast, 6);
    expect(await page.textContent('#trading-title')).toBe('Paper trading equity');
    const drawnHold = equity.trading?.lastHold ?? Number.NaN;
    expect(await page.textContent('#trading-summary')).toBe(
      `${money(lastPaper.equity)} (${percent(lastPaper.equity / firstPaper.equity - 1)}) since ${utc(firstPaper.time)}` +
        ` · buy & hold ${money(drawnHold)} (${percent(drawnHold / firstPaper.equity - 1)})`,
    );
    await waitForWholeCurve(page, 'trading', firstPaper.time, lastPaper.time);
    await expectBothLines(page, 'trading');
    expect(await page.getAttribute('#mode-banner', 'data-mode')).toBe('paper');
    expect(await bannerText(page)).toBe('PAPER Paper trading: simulated orders, no real money.');
    expect(await page.isVisible('#backtest-empty')).toBe(false);
    expect(await page.isVisible('#trading-empty')).toBe(false);

    await page.screenshot({ path: artifactPath('dashboard-btcusdt-1h-paper-with-equity.png') });
    expect(problems.list).toEqual([]);
    await page.close();
  });

  it('prefers the newest out-of-sample backtest, and labels an in-sample one IN-SAMPLE when it is all there is', async () => {
    const listed = async () => ((await request(t.http).get('/api/backtests').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200)).body as { data: BacktestBody[] }).data;
    const outOfSample = (await listed()).find((b) => b.status === 'completed');
    expect(outOfSample?.summary?.overlaps_training).toBe(false);
    // A newer backtest inside the model's training range (December 2023): in-sample.
    const created = await request(t.http)
      .post('/api/backtests')
      .set('x-api-key', API_KEY)
      .send({ model_id: model.id, start: '2023-12-01T00:00:00Z', end: '2023-12-31T23:00:00Z' })
      .expect(202);
    const inSampleId = (created.body as { id: number }).id;
    for (const deadline = Date.now() + 60_000; ; ) {
      const status = ((await request(t.http).get(`/api/backtests/${inSampleId}`).expect(200)).body as BacktestBody).status;
      if (status === 'completed') break;
      if (status === 'failed' || Date.now() > deadline) throw new Error(`in-sample backtest ${status}`);
      await new Promise((done) => setTimeout(done, 200));
    }
    expect((await listed())[0]).toMatchObject({ id: inSampleId, summary: expect.objectContaining({ overlaps_training: true }) as unknown });

    let page = await openPage();
    await waitForLoads(page.page, 1);
    expect((await readHook(page.page)).equity.backtest?.id).toBe(outOfSample?.id);
    expect(await page.page.textContent('#backtest-summary')).toMatch(new RegExp(`^#${outOfSample?.id} · `));
    await page.page.close();

    // Hide the out-of-sample one for a moment: the in-sample backtest is shown, and says so before anything else.
    const db = t.app.get(DataSource);
    await db.query('UPDATE backtests SET status = ? WHERE id = ?', ['failed', outOfSample?.id]);
    try {
      page = await openPage();
      await waitForLoads(page.page, 1);
      expect((await readHook(page.page)).equity.backtest?.id).toBe(inSampleId);
      expect(await page.page.textContent('#backtest-summary')).toMatch(new RegExp(`^IN-SAMPLE \\(overlaps the model's training data: not a test of the model\\) · #${inSampleId} · `));
      expect(await page.page.getAttribute('#backtest-summary', 'class')).toBe('warn');
      await page.page.screenshot({ path: artifactPath('dashboard-in-sample-backtest.png') });
      expect(page.problems.list).toEqual([]);
      await page.page.close();
    } finally {
      await db.query('UPDATE backtests SET status = ? WHERE id = ?', ['completed', outOfSample?.id]);
    }
  });

  it('draws an equity curve longer than the card holds thinned over its whole length, newest point included, and says so', async () => {
    // 12 000 hourly paper equity points for COPYUSDT ending at the newest close, with one deep trough in the middle:
    // the card asks for at most 10 000 (max_points) and must neither stop at the oldest ones nor lose the trough.
    const db = t.app.get(DataSource);
    const total = 12_000;
    const lastTime = YEAR_TO + HOUR_MS;
    const points = Array.from({ length: total }, (_, index) => ({ time: lastTime - (total - 1 - index) * HOUR_MS, equity: 10_000 + index / 10 }));
    points[6_001].equity = 2_500;
    for (let from = 0; from < total; from += 1000) {
      const chunk = points.slice(from, from + 1000);
      await db.query(
        `INSERT INTO trading_equity (mode, symbol, \`interval\`, time, equity, cash, position_value) VALUES ${chunk.map(() => "('paper', 'COPYUSDT', '1h', ?, ?, ?, 0)").join(', ')}`,
        chunk.flatMap((point) => [point.time, point.equity, point.equity]),
      );
    }
    try {
      const { page, problems } = await openPage(undefined, '/?symbol=COPYUSDT&interval=1h');
      await waitForLoads(page, 1);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__opaDashboard.equity.trading !== null);
      const drawn = (await readHook(page)).equity.trading;
      expect(drawn?.points).toBeLessThanOrEqual(10_000);
      expect(drawn?.points).toBeGreaterThan(9_000);
      expect(drawn).toMatchObject({ firstTime: points[0].time, lastTime, lastValue: points[total - 1].equity });
      expect(await page.textContent('#trading-summary')).toMatch(/ · [\d,]+ of 12,000 points drawn \(every peak and trough kept\)$/);
      const thinned = (await request(t.http).get('/api/trading/equity').query({ symbol: 'COPYUSDT', interval: '1h', max_points: 10_000 }).expect(200)).body as {
        data: Array<{ equity: number }>;
        total_points: number;
        downsampled: boolean;
      };
      expect([thinned.total_points, thinned.downsampled, Math.min(...thinned.data.map((point) => point.equity))]).toEqual([total, true, 2_500]);
      // The same on a backtest's curve: 4 416 points thinned to at most 100, its lowest and highest equity kept.
      const backtest = ((await request(t.http).get('/api/backtests').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200)).body as { data: BacktestBody[] }).data.find(
        (b) => b.summary?.overlaps_training === false,
      );
      const full = await allPages<EquityRow>(t, `/api/backtests/${backtest?.id}/equity`);
      const small = (await request(t.http).get(`/api/backtests/${backtest?.id}/equity`).query({ max_points: 100 }).expect(200)).body as {
        data: EquityRow[];
        next: string | null;
        total_points: number;
        downsampled: boolean;
      };
      expect([small.data.length <= 100, small.next, small.total_points, small.downsampled]).toEqual([true, null, full.length, true]);
      const equities = (rows: EquityRow[]) => rows.map((row) => row.equity);
      expect([Math.min(...equities(small.data)), Math.max(...equities(small.data))]).toEqual([Math.min(...equities(full)), Math.max(...equities(full))]);
      expect([small.data[0].time, small.data[small.data.length - 1].time]).toEqual([full[0].time, full[full.length - 1].time]);
      await page.screenshot({ path: artifactPath('dashboard-long-equity-thinned.png') });
      expect(problems.list).toEqual([]);
      await page.close();
    } finally {
      await db.query("DELETE FROM trading_equity WHERE mode = 'paper' AND symbol = 'COPYUSDT'");
    }
  });

  it('runs live (TRADING_MODE=live + TRADING_LIVE_CONFIRM) against the fake Binance: LIVE banner, live equity only, indexing on', async () => {
    // A second app on the same database, live, orders to the fake Binance over a socket; indexing into the real
    // Elasticsearch of the jest global setup under a prefix of its own.
    const candles = (await readCandlesCsv(BTCUSDT_1H_CSV)).filter((c) => c.openTime >= LIVE_FROM - 24 * HOUR_MS && c.openTime <= YEAR_TO);
    const fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', candles }],
      accounts: [{ apiKey: BINANCE_KEY, apiSecret: BINANCE_SECRET, balances: { USDT: '10000', BTC: '0' } }],
      now: () => LIVE_FROM,
    });
    const prefix = uniquePrefix('dash');
    const es = esClient();
    let live: TestApp | undefined;
    try {
      live = await startTestApp({
        ...environment(),
        TRADING_MODE: 'live',
        TRADING_LIVE_CONFIRM: LIVE_CONFIRMATION,
        BINANCE_API_KEY: BINANCE_KEY,
        BINANCE_API_SECRET: BINANCE_SECRET,
        BINANCE_TRADING_BASE_URL: fake.url,
        BINANCE_BASE_URL: fake.url,
        ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL,
        ELASTICSEARCH_INDEX_PREFIX: prefix,
        INDEXING_DRAIN_INTERVAL_MS: '3600000', // drained by the spec, so the page and the API see the same drain
      });
      const engine = live.app.get(TradingEngine);
      // Each run right after a candle closes, with the fake's clock at the next open.
      for (let hour = 0; hour < LIVE_HOURS; hour += 1) {
        const now = LIVE_FROM + (hour + 1) * HOUR_MS;
        const realStart = Date.now();
        fake.setNow(() => now + (Date.now() - realStart));
        await engine.runOnce(now);
      }
      // Real orders reached the fake exchange (signed, filled there), so the live curve is the exchange's money.
      expect(fake.ordersOf(BINANCE_KEY).filter((order) => order.status === 'FILLED').length).toBeGreaterThan(0);
      await drainUntilEmpty(live);
      const liveCurve = await allPages<EquityRow>(live, '/api/trading/equity', { symbol: 'BTCUSDT' });
      expect(liveCurve).toHaveLength(LIVE_HOURS);
      const status = (await request(live.http).get('/api/trading/status').expect(200)).body as { mode: string; live_enabled: boolean };
      expect(status).toMatchObject({ mode: 'live', live_enabled: true });
      const indexing = (await request(live.http).get('/api/indexing/status').expect(200)).body as { enabled: boolean; backlog: number; last_drain_at: number };
      expect(indexing).toMatchObject({ enabled: true, backlog: 0 });

      const liveBase = await listenOnLoopback(live);
      const page = await browser.newPage({ viewport: VIEWPORT });
      const problems = watchProblems(page);
      await page.goto(`${liveBase}/`);
      await waitForLoads(page, 1);

      expect(await page.getAttribute('#mode-banner', 'data-mode')).toBe('live');
      expect(await page.getAttribute('#mode-banner', 'class')).toBe('banner banner-live');
      expect(await bannerText(page)).toBe('LIVE LIVE TRADING: real orders with real money on Binance.');
      expect(await page.textContent('#trading-title')).toBe('LIVE trading equity');
      // Only the live account's equity (paper and live never mix), with buy-and-hold from its first close.
      const { equity } = await readHook(page);
      const [firstLive, lastLive] = [liveCurve[0], liveCurve[liveCurve.length - 1]];
      expect(equity.trading).toMatchObject({ points: LIVE_HOURS, holdPoints: LIVE_HOURS, firstTime: firstLive.time, lastTime: lastLive.time, lastValue: lastLive.equity });
      expect(equity.trading?.lastHold).toBeCloseTo((firstLive.equity * (await closeOf(YEAR_TO))) / (await closeOf(LIVE_FROM)), 6);
      expect(await page.textContent('#trading-summary')).toContain(`since ${utc(LIVE_FROM + HOUR_MS)}`);
      await expectBothLines(page, 'trading');
      expect(equity.backtest?.points).toBe(4416); // the stored backtest is the same in either mode
      // Health card: indexing on, the drained backlog and the drain's time, as GET /api/indexing/status says.
      const health = await page.textContent('#health-card');
      expect(health).toContain(`Indexing (Elasticsearch)StateonBacklog0 waitingLast drain${utc(indexing.last_drain_at)} UTC`);

      const html = await page.content();
      expect([html.includes(BINANCE_KEY), html.includes(BINANCE_SECRET)]).toEqual([false, false]);
      await page.screenshot({ path: artifactPath('dashboard-live-with-equity.png') });
      expect(problems.list).toEqual([]);
      await page.close();
    } finally {
      await live?.close();
      await fake.close();
      await dropPrefix(es, prefix);
      await es.close();
    }
  });

  // Last: it stores one more day, which the tests above do not expect.
  it('appends candles and predictions stored after the page loaded on its next refresh', async () => {
    const { page, problems } = await openPage();
    await waitForLoads(page, 1);
    const before = await readHook(page);
    const dayFrom = YEAR_TO + HOUR_MS;
    const dayTo = YEAR_TO + 24 * HOUR_MS;
    expect(await importCandles(t, 'BTCUSDT', dayFrom, dayTo)).toBe(24);
    await request(t.http).post(`/api/models/${model.id}/predict`).set('x-api-key', API_KEY).send({ start: String(dayFrom), end: String(dayTo) }).expect(200);
    // The paper account trades the new day too (24 more closes).
    await t.app.get(TradingEngine).runOnce(dayTo + HOUR_MS);
    const paperCurve = await allPages<EquityRow>(t, '/api/trading/equity', { symbol: 'BTCUSDT' });

    await page.evaluate(() => (globalThis as unknown as PageGlobals).__opaDashboard.refresh());
    const after = await readHook(page);
    expect(before.equity.trading?.points).toBe(744);
    expect(after.equity.trading).toMatchObject({ points: 744 + 24, holdPoints: 744 + 24, lastTime: dayTo + HOUR_MS, lastValue: paperCurve[paperCurve.length - 1].equity });
    expect(paperCurve).toHaveLength(744 + 24);
    expect(after.refreshes).toBe(1);
    expect(after.candles).toBe(before.candles + 24);
    expect(after.predictions).toBe(before.predictions + 24);
    expect(after.markers).toEqual(expectedTurns(await storedPredictions(YEAR_TO - 999 * HOUR_MS, dayTo)));
    expect(await page.textContent('#last-candle')).toMatch(/^2024-09-01 23:00 UTC/);
    expect(await page.textContent('#range-label')).toContain('→ 2024-09-01 23:00 UTC');
    expect(problems.list).toEqual([]);
    await page.close();
  });
});
