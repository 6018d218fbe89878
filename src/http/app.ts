import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Hub } from '../hub.ts';
import { requireApiKey } from './auth.ts';
import { errorBody, handleError } from './errors.ts';
import { createRouter } from './router.ts';
import { inputGuard } from './input-guard.ts';
import { databaseMetrics, httpMetrics, metricsRegistry } from './metrics.ts';
import { apiModules } from './modules.ts';

const MAX_JSON_BYTES = 1024 * 1024;
// Images may be 10 MB; the multipart envelope around them needs a little more.
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024 + 64 * 1024;
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * The panel's pages run only our own scripts (no inline ones; htmx's attributes need no eval),
 * are never framed, and show images from elsewhere (iiko's menu pictures) but load nothing else.
 * Inline styles stay allowed: the pages set a few `style` attributes and htmx adds its own.
 */
const PANEL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function createApp(hub: Hub) {
  const app = createRouter();
  app.onError(handleError(hub.logger));
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404));

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || crypto.randomUUID();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    httpMetrics.observe({ method: c.req.method, status: String(c.res.status) }, ms / 1000);
    if (!c.req.path.startsWith('/assets/')) {
      hub.logger.info(
        { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms) },
        'request',
      );
    }
  });

  app.use('*', async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('x-content-type-options', 'nosniff');
    headers.set('referrer-policy', 'same-origin');
    headers.set('x-frame-options', 'DENY');
    // /docs is Swagger UI's page, with its inline start script: only its framing is refused.
    if (headers.get('content-type')?.startsWith('text/html')) {
      headers.set('content-security-policy', c.req.path.startsWith('/docs') ? "frame-ancestors 'none'" : PANEL_CSP);
    }
  });

  app.use('*', async (c, next) => {
    const multipart = c.req.header('content-type')?.startsWith('multipart/') ?? false;
    const maxSize = multipart ? MAX_UPLOAD_BYTES : MAX_JSON_BYTES;
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > maxSize) {
      // Read and drop a moderately large body so the client gets the 413 rather than a reset socket.
      if (declared <= MAX_DRAINED_BYTES && c.req.raw.body) {
        const reader = c.req.raw.body.getReader();
        while (!(await reader.read()).done) {}
      }
      throw new HTTPException(413, { message: `The request body is larger than ${Math.round(maxSize / 1024)} KiB` });
    }
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new HTTPException(413, { message: `The request body is larger than ${Math.round(maxSize / 1024)} KiB` });
      },
    })(c, next);
  });
  app.use('*', inputGuard);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await hub.database.query('select 1');
      return c.json({ status: 'ready', database: hub.database.kind });
    } catch (error) {
      return c.json(errorBody('NOT_READY', `Database unavailable: ${(error as Error).message}`), 503);
    }
  });
  const fromDatabase = databaseMetrics(hub);
  app.get('/metrics', async (c) => {
    const [own, system] = await Promise.all([metricsRegistry.metrics(), fromDatabase.metrics()]);
    return c.text(`${own}\n${system}`, 200, { 'content-type': metricsRegistry.contentType });
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-SECRET-KEY',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Sklad API',
      version: '1',
      description: 'One truth about products, stock and orders, kept in step with every sales channel.',
    },
    security: [{ ApiKey: [] }, { Bearer: [] }],
  });
  app.get('/docs', (c) => c.html(docsPage));
  app.get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    if (!swaggerAssets.has(file)) return c.json(errorBody('NOT_FOUND', `No asset ${file}`), 404);
    const type = file.endsWith('.css') ? 'text/css' : 'text/javascript';
    return c.body(fs.readFileSync(path.join(swaggerDir, file)), 200, {
      'content-type': type,
      'cache-control': 'max-age=86400',
    });
  });

  const modules = apiModules();
  for (const module of modules) {
    if (module.public) app.route('/', module.public(hub));
  }
  app.use('/api/*', requireApiKey(hub));
  app.use('/wb/*', requireApiKey(hub));
  app.use('/users/*', requireApiKey(hub));
  for (const module of modules) {
    if (module.api) app.route(module.mount ?? '/api/v1', module.api(hub));
  }
  return app;
}

// The docs page works offline: Swagger UI is served from the installed package, not a CDN.
const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const swaggerAssets = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']);
const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sklad API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', persistAuthorization: false });</script>
</body></html>`;
