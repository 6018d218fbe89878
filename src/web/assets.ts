import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../http/router.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const htmxFile = path.join(
  path.dirname(createRequire(import.meta.url).resolve('htmx.org/package.json')),
  'dist/htmx.min.js',
);
// Chart.js's own UMD build (docs/decisions/220): it sets window.Chart, which assets/charts.js draws with.
// Its exports name no package.json: found by its main file, which sits beside the UMD build in dist/.
const chartFile = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

/** Served from the installed package and this folder: no CDN (the panel works offline), no build step. */
const files: Record<string, { file: string; type: string }> = {
  'panel.css': { file: path.join(here, 'assets/panel.css'), type: 'text/css; charset=utf-8' },
  'panel.js': { file: path.join(here, 'assets/panel.js'), type: 'text/javascript; charset=utf-8' },
  'favicon.svg': { file: path.join(here, 'assets/favicon.svg'), type: 'image/svg+xml' },
  'htmx.min.js': { file: htmxFile, type: 'text/javascript; charset=utf-8' },
  'chart.umd.min.js': { file: chartFile, type: 'text/javascript; charset=utf-8' },
  'charts.js': { file: path.join(here, 'assets/charts.js'), type: 'text/javascript; charset=utf-8' },
};

export function assetRoutes() {
  const app = new Hono<AppEnv>();
  const cache = new Map<string, Buffer>();
  app.get('/assets/:file', (c) => {
    const asset = files[c.req.param('file')];
    if (!asset) return c.text('Not found', 404);
    let body = cache.get(asset.file);
    if (!body) {
      body = fs.readFileSync(asset.file);
      cache.set(asset.file, body);
    }
    // Pages ask for ?v=<version>, so a day of caching never serves an old file after an upgrade.
    return c.body(new Uint8Array(body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
  });
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));
  return app;
}
