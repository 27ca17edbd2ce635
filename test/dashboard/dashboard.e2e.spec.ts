import { writeFileSync } from 'node:fs';
import type { Browser, Page, Route } from 'playwright-core';
import request from 'supertest';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  artifactPath,
  candlePixels,
  type CanvasLike,
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
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const url = await freshMysqlDatabase('dashboard');
    t = await startTestApp({
      DATABASE_URL: url,
      API_KEY,
      INGESTION_ENABLED: 'false', // no scheduled sync: it would call Binance
      MODEL_TRAINING_THREADS: '1',
      MODEL_PREDICT_CRON: 'off',
      MODEL_RETRAIN_CRON: RETRAIN_CRON,
    });
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

  async function openPage(beforeNavigation?: (page: Page) => void): Promise<{ page: Page; problems: { list: string[] } }> {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const problems = watchProblems(page);
    beforeNavigation?.(page);
    await page.goto(`${base}/`);
    return { page, problems };
  }

  async function storedPredictions(from: number, to: number): Promise<Prediction[]> {
    const response = await request(t.http)
      .get('/api/predictions')
      .query({ symbol: 'BTCUSDT', interval: '1h', model_id: model.id, start: from, end: to, limit: 5000 })
      .expect(200);
    return response.body.data as Prediction[];
  }

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
    // In this build trading, backtests and indexing are not registered, so the page must not call them.
    expect(response.body.sources).toEqual({ trading: false, backtests: false, indexing: false });
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

    // Data health: coverage from the API, and the states of the parts this build lacks.
    const coverage = (await request(t.http).get('/api/klines/coverage').query({ symbol: 'BTCUSDT', interval: '1h' }).expect(200)).body as { count: number; gaps: unknown[] };
    const health = await page.textContent('#health-card');
    expect(health).toContain(`${coverage.count.toLocaleString('en-US')} candles`);
    expect(health).toContain('2023-09-01 00:00 → 2024-08-31 23:00 UTC');
    expect(await page.textContent('#last-candle')).toMatch(/^2024-08-31 23:00 UTC/);
    expect(health).toContain('Binance weight');
    expect(health).toContain('Not available in this build.');
    expect(await page.getAttribute('#mode-banner', 'data-mode')).toBe('paper');
    expect(await page.textContent('#backtest-empty')).toContain('No backtest yet');
    expect(await page.textContent('#trading-empty')).toContain('No trading yet');

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

  it('shows backtest and trading equity beside buy-and-hold, and a LIVE banner, from contract-shaped answers', async () => {
    // /api/backtests and /api/trading are built in other branches; their answers here follow contracts.md and are
    // served by the browser's request interception. Everything else still comes from the real app.
    const { page, problems } = await (async () => {
      const p = await browser.newPage({ viewport: VIEWPORT });
      const watched = watchProblems(p);
      const start = Date.UTC(2024, 6, 1);
      const points = Array.from({ length: 24 * 62 }, (_, i) => i);
      const fulfil = (route: Route, body: unknown) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
      await p.route('**/api/dashboard/sources', (route) => fulfil(route, { sources: { trading: true, backtests: true, indexing: true }, retrain: null }));
      await p.route('**/api/backtests?*', (route) => fulfil(route, { data: [{ id: 4, status: 'completed', model_id: model.id, symbol: 'BTCUSDT', interval: '1h', start, end: YEAR_TO }], next: null }));
      await p.route('**/api/backtests/4', (route) =>
        fulfil(route, { id: 4, status: 'completed', start, end: YEAR_TO, metrics: { total_return: 0.052, buy_and_hold_return: -0.081, max_drawdown: 0.043, trades: 17 } }),
      );
      await p.route('**/api/backtests/4/equity?*', (route) => {
        const cursor = Number(new URL(route.request().url()).searchParams.get('cursor') ?? 0);
        const page = points.slice(cursor, cursor + 1000).map((i) => ({ time: start + i * HOUR_MS, equity: 10_000 * (1 + 0.052 * (i / points.length)), buy_and_hold_equity: 10_000 * (1 - 0.081 * Math.sin(i / 300)), drawdown: 0 }));
        return fulfil(route, { data: page, next: cursor + 1000 < points.length ? String(cursor + 1000) : null });
      });
      await p.route('**/api/trading/status', (route) => fulfil(route, { mode: 'live', live_enabled: true, killed: false, symbols: ['BTCUSDT'], risk_limits: {}, last_candle_processed: {} }));
      await p.route('**/api/trading/equity?*', (route) =>
        fulfil(route, { data: points.slice(0, 700).map((i) => ({ time: start + i * HOUR_MS, equity: String(1000 + i / 10), cash: '500', position_value: String(500 + i / 10) })), next: null }),
      );
      await p.route('**/api/indexing/status', (route) => fulfil(route, { enabled: true, backlog: 42, parked: 0, last_drain_at: YEAR_TO, last_error: null, indices: [] }));
      await p.goto(`${base}/`);
      return { page: p, problems: watched };
    })();
    await waitForLoads(page, 1);

    expect(await page.getAttribute('#mode-banner', 'data-mode')).toBe('live');
    expect(await page.textContent('#mode-banner')).toContain('LIVE TRADING: real orders with real money');
    expect(await page.isVisible('#backtest-chart')).toBe(true);
    expect(await page.isVisible('#backtest-empty')).toBe(false);
    expect(await page.textContent('#backtest-summary')).toContain('return 5.2 % vs buy & hold -8.1 %');
    expect(await page.isVisible('#trading-chart')).toBe(true);
    expect(await page.textContent('#trading-title')).toBe('LIVE trading equity');
    expect(await page.textContent('#trading-summary')).toContain('1,069.9 · 7.0 % since 2024-07-01 00:00');
    expect(await page.textContent('#indexing-backlog')).toBe('42 waiting');
    expect(await page.textContent('#model-card')).toContain('off (MODEL_RETRAIN_CRON unset)');
    // Both equity charts drew lines.
    const drawnCanvases = await page.$$eval('#backtest-chart canvas, #trading-chart canvas', (canvases) =>
      canvases.filter((node) => {
        const canvas = node as unknown as CanvasLike;
        if (canvas.width === 0) return false;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
        return false;
      }).length,
    );
    expect(drawnCanvases).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: artifactPath('dashboard-live-with-equity.png') });
    expect(problems.list).toEqual([]);
    await page.close();
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

    await page.evaluate(() => (globalThis as unknown as PageGlobals).__opaDashboard.refresh());
    const after = await readHook(page);
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
