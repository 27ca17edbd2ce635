import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';
import { artifactPath, launchChromium, listenOnLoopback, readHook, waitForLoads, watchProblems } from './dashboard-support';

describe('Dashboard page on the embedded SQLite default with nothing stored yet', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    // No DATABASE_URL: a throw-away SQLite file. No scheduled sync (it would call Binance).
    t = await startTestApp({ SYMBOLS: 'BTCUSDT,ETHUSDT', INGESTION_ENABLED: 'false' });
    base = await listenOnLoopback(t);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('says there is no data yet, still shows ingestion health and the paper banner, without console errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems = watchProblems(page);
    await page.goto(`${base}/`);
    await waitForLoads(page, 1);
    expect(await readHook(page)).toMatchObject({ candles: 0, symbol: null, error: null });
    expect(await page.isVisible('#price-chart')).toBe(false);
    expect(await page.textContent('#price-empty')).toContain('No candles stored yet. Import archives with npm run import:klines');
    // The first-run guide: import, train, backtest out of sample, each command shown in full with a copy button that
    // copies exactly it.
    const commands = await page.$$eval('#first-run li', (items) =>
      items.map((item) => {
        const node = item as unknown as { querySelector(selector: string): { textContent: string; dataset: { command: string } } };
        return [node.querySelector('code').textContent, node.querySelector('button.copy').dataset.command];
      }),
    );
    expect(commands.map(([shown, copied]) => shown === copied)).toEqual([true, true, true]);
    expect(commands[0][0]).toBe('npm run import:klines -- --symbol BTCUSDT --interval 1h BTCUSDT-1h-2024-0*.zip');
    expect(commands[1][0]).toBe(
      `curl -X POST ${base}/api/models -H 'content-type: application/json' -d '{"symbol":"BTCUSDT","interval":"1h","start":"2024-01-01T00:00:00Z","end":"2024-06-30T23:00:00Z"}'`,
    );
    expect(commands[2][0]).toContain(`curl -X POST ${base}/api/backtests`);
    expect(await page.isVisible('#first-run')).toBe(true);
    expect(await page.textContent('#health-card')).toContain('No candles stored yet. Configured pairs: BTCUSDT 1h, ETHUSDT 1h.');
    expect(await page.textContent('#health-card')).toContain('off (INGESTION_ENABLED=false)');
    expect(await page.textContent('#model-card')).toContain('No model yet');
    expect(await page.textContent('#backtest-empty')).toBe('No backtest yet.');
    expect(await page.textContent('#trading-empty')).toBe('No trading yet.');
    expect(await page.textContent('#health-card')).toContain('Indexing (Elasticsearch)Stateoff (ELASTICSEARCH_URL unset)Backlog0 waiting');
    expect(await page.getAttribute('#mode-banner', 'data-mode')).toBe('paper');
    // The trading module answers (status 200, no equity yet): the banner is its paper mode, not a missing module's.
    expect(await page.textContent('#mode-detail')).toBe('Paper trading: simulated orders, no real money.');
    await page.screenshot({ path: artifactPath('dashboard-empty-sqlite.png') });
    expect(problems.list).toEqual([]);
  });
});
