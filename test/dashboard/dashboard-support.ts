import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { KlineImportService } from '../../src/market-data/archive/kline-import.service';
import { BTCUSDT_1H_CSV } from '../support/shared-data';
import type { TestApp } from '../support/test-app';

export const HOUR_MS = 3_600_000;
/** Screenshots and timings of the dashboard specs (git-ignored). */
export const ARTIFACTS_DIR = resolve(__dirname, '..', '..', 'artifacts', 'dashboard');
export const CHROMIUM = process.env.OPA_CHROMIUM ?? '/usr/bin/chromium';

let csvText: string | undefined;

/** Imports the shared BTCUSDT 1h rows with open_time in [from, to] under `symbol` through the app's own importer. */
export async function importCandles(t: TestApp, symbol: string, from: number, to: number): Promise<number> {
  csvText ??= readFileSync(BTCUSDT_1H_CSV, 'utf8');
  const lines = csvText.split('\n');
  const kept = lines.slice(1).filter((line) => {
    const openTime = Number(line.slice(0, line.indexOf(',')));
    return line !== '' && openTime >= from && openTime <= to;
  });
  const dir = mkdtempSync(join(tmpdir(), 'opa-dash-klines-'));
  try {
    const path = join(dir, `${symbol}-1h-subset.csv`);
    writeFileSync(path, `${lines[0]}\n${kept.join('\n')}\n`);
    const result = await t.app.get(KlineImportService).importFile({ name: `${symbol}-1h-subset.csv`, path }, { symbol, interval: '1h' });
    if (result.status !== 'imported') throw new Error(`import failed: ${JSON.stringify(result.errors)}`);
    return result.klines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Real HTTP on a random loopback port (the browser needs a socket, not supertest's in-process server). */
export async function listenOnLoopback(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const address = (t.app.getHttpServer() as { address(): AddressInfo }).address();
  return `http://127.0.0.1:${address.port}`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface PageProblems {
  /** console.error/console.warn messages, uncaught exceptions, failed and ≥ 400 requests: all must stay empty. */
  list: string[];
}

/** Records everything the spec treats as a defect of the page: console errors and warnings, page errors, bad requests. */
export function watchProblems(page: Page): PageProblems {
  const problems: PageProblems = { list: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.list.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.list.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => problems.list.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.list.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/** The few browser objects the specs touch inside page.evaluate (the project's TypeScript has no DOM library). */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
export interface ElementLike {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
export interface ChartLike {
  timeScale(): { setVisibleLogicalRange(range: { from: number; to: number }): void };
}
export interface PageGlobals {
  document: { querySelectorAll(selector: string): Iterable<CanvasLike> };
  __opaDashboard: DashboardHook & {
    chart: ChartLike;
    refresh(): Promise<void>;
    equityVisibleRange(name: 'backtest' | 'trading'): { from: number; to: number } | null;
    equityMargins(name: 'backtest' | 'trading'): { left: number; right: number } | null;
  };
}

/** The dashboard's test hook (window.__opaDashboard), minus the chart object. */
export interface DashboardHook {
  loads: number;
  olderLoads: number;
  olderLoadMs: number[];
  symbol: string | null;
  interval: string | null;
  candles: number;
  predictions: number;
  markers: { time: number; shape: string }[];
  activeModelId: number | null;
  allLoaded: boolean;
  loading: boolean;
  error: string | null;
  firstCandleTime: number | null;
  refreshes: number;
  equity: { backtest: (DrawnEquity & { id: number }) | null; trading: DrawnEquity | null };
}

/** What an equity card drew (times in ms). */
export interface DrawnEquity {
  points: number;
  holdPoints: number;
  firstTime: number;
  lastTime: number;
  lastValue: number;
  lastHold: number | null;
}

export function readHook(page: Page): Promise<DashboardHook> {
  return page.evaluate(() => {
    const hook: Partial<PageGlobals['__opaDashboard']> = { ...(globalThis as unknown as PageGlobals).__opaDashboard };
    delete hook.chart;
    delete hook.refresh;
    delete hook.equityVisibleRange;
    delete hook.equityMargins;
    return hook as DashboardHook;
  });
}

/** Waits until the page has finished its n-th full load of a pair. */
export async function waitForLoads(page: Page, loads: number): Promise<void> {
  await page.waitForFunction((n) => {
    const hook = (globalThis as unknown as Partial<PageGlobals>).__opaDashboard;
    return hook !== undefined && hook.loads >= n;
  }, loads);
}

/**
 * Pixels of the price chart's canvases in the candles' up and down colours (#26a69a, #ef5350): proof that the chart
 * drew candles, read from the canvases themselves rather than from the page's own bookkeeping.
 */
export function candlePixels(page: Page): Promise<{ up: number; down: number; canvases: number }> {
  return page.evaluate(() => {
    let up = 0;
    let down = 0;
    const canvases = [...(globalThis as unknown as PageGlobals).document.querySelectorAll('#price-chart canvas')];
    for (const canvas of canvases) {
      if (canvas.width === 0 || canvas.height === 0) continue;
      const context = canvas.getContext('2d');
      if (!context) continue;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a < 250) continue;
        if (Math.abs(r - 0x26) < 6 && Math.abs(g - 0xa6) < 6 && Math.abs(b - 0x9a) < 6) up += 1;
        else if (Math.abs(r - 0xef) < 6 && Math.abs(g - 0x53) < 6 && Math.abs(b - 0x50) < 6) down += 1;
      }
    }
    return { up, down, canvases: canvases.length };
  });
}

/** Waits until the equity card's chart shows all of [from, to] (ms): it fits the whole curve once it has its size. */
export async function waitForWholeCurve(page: Page, name: 'backtest' | 'trading', from: number, to: number): Promise<void> {
  await page.waitForFunction(
    ([card, first, last]) => {
      const range = (globalThis as unknown as PageGlobals).__opaDashboard.equityVisibleRange(card);
      return range !== null && range.from <= first && range.to >= last;
    },
    [name, from, to] as const,
    { timeout: 5_000 },
  );
  // Room on both sides, so the first and last date labels are not cut by the card's edges.
  const margins = await page.evaluate((card) => (globalThis as unknown as PageGlobals).__opaDashboard.equityMargins(card), name);
  expect(margins?.left).toBeGreaterThanOrEqual(1);
  expect(margins?.right).toBeGreaterThanOrEqual(1);
}

/**
 * Pixels in each of the given colours (#rrggbb) on the canvases under `selector`: proof that a chart drew those lines.
 */
export function colourPixels(page: Page, selector: string, colours: string[]): Promise<number[]> {
  return page.evaluate(
    ([sel, hexes]) => {
      const targets = hexes.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
      const counts = targets.map(() => 0);
      for (const canvas of (globalThis as unknown as PageGlobals).document.querySelectorAll(sel)) {
        if (canvas.width === 0 || canvas.height === 0) continue;
        const context = canvas.getContext('2d');
        if (!context) continue;
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] < 200) continue;
          targets.forEach(([r, g, b], k) => {
            if (Math.abs(data[i] - r) < 8 && Math.abs(data[i + 1] - g) < 8 && Math.abs(data[i + 2] - b) < 8) counts[k] += 1;
          });
        }
      }
      return counts;
    },
    [selector, colours] as const,
  );
}

/** Signal turns, computed independently of the page: a marker where the signal first differs from the last BUY/SELL. */
export function expectedTurns(predictions: { open_time: number; signal: string }[]): { time: number; shape: string }[] {
  const turns: { time: number; shape: string }[] = [];
  let last: string | null = null;
  for (const p of predictions) {
    if (p.signal === 'HOLD' || p.signal === last) continue;
    turns.push({ time: p.open_time / 1000, shape: p.signal === 'BUY' ? 'arrowUp' : 'arrowDown' });
    last = p.signal;
  }
  return turns;
}
