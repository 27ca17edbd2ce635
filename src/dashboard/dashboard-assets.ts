import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';

/** URL of lightweight-charts' standalone ES-module build, served from node_modules (no CDN: the page works offline). */
export const CHARTS_LIBRARY_URL = '/vendor/lightweight-charts.mjs';

/** The repository root: the nearest folder above this file with package.json (src/dashboard under ts-node/Jest, dist/src/dashboard when compiled). */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'dashboard', 'public'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No project root with src/dashboard/public above ${from}`);
  }
}

/** The page's HTML/JS/CSS. tsc does not copy them to dist/, so both `npm start` and the tests serve them from the source tree. */
export const DASHBOARD_PUBLIC_DIR = join(projectRoot(__dirname), 'src', 'dashboard', 'public');

export const CHARTS_LIBRARY_FILE = join(
  dirname(require.resolve('lightweight-charts/package.json')),
  'dist',
  'lightweight-charts.standalone.production.mjs',
);

/**
 * Serves the dashboard at / (index.html and its modules) and the charting library at CHARTS_LIBRARY_URL. Plain static
 * files: the page reads everything else from the JSON API with GET requests only, so it needs no API key.
 */
export function serveDashboard(app: NestExpressApplication): void {
  app.useStaticAssets(DASHBOARD_PUBLIC_DIR, { index: 'index.html', redirect: false, fallthrough: true });
  const server: Express = app.getHttpAdapter().getInstance();
  server.get(CHARTS_LIBRARY_URL, (_request: Request, response: Response) =>
    response.sendFile(CHARTS_LIBRARY_FILE, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' }, maxAge: '1d' }),
  );
}
