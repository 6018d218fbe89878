import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Hub } from '../hub.ts';
import type { AppEnv } from '../http/router.ts';
import { DomainError } from '../shared/errors.ts';
import { assetRoutes } from './assets.ts';
import { requireSession, viewOf } from './context.ts';
import { requireWriter, sameOriginPosts, sessionTokens } from './guards.tsx';
import { tokensInPages } from './csrf.ts';
import { errorPage } from './layout.tsx';
import { dashboardRoutes } from './pages/dashboard.tsx';
import { productRoutes } from './pages/products.tsx';
import { priceRoutes } from './pages/prices.tsx';
import { stockRoutes } from './pages/stock.tsx';
import { warehouseRoutes } from './pages/warehouses.tsx';
import { channelRoutes } from './pages/channels.tsx';
import { syncRoutes } from './pages/sync.tsx';
import { notificationRoutes } from './pages/notifications.tsx';
import { menuPageRoutes } from './pages/menu.tsx';
import { orderRoutes } from './pages/orders.tsx';
import { traceRoutes } from './pages/trace.tsx';
import { crmLinkRoutes } from './pages/crm-link.tsx';
import { exportPageRoutes } from './pages/exports.tsx';
import { importPageRoutes } from './pages/imports.tsx';
import { findingRoutes } from './pages/findings.tsx';
import { reportPageRoutes } from './pages/reports.tsx';
import { signInRoutes } from './sign-in.tsx';

/** The sections of the panel, each behind the session check; `/x` covers `/x/*` too. */
const sections: { prefix: string; routes: (hub: Hub) => Hono<AppEnv> }[] = [
  { prefix: '/', routes: dashboardRoutes },
  { prefix: '/products', routes: productRoutes },
  { prefix: '/prices', routes: priceRoutes },
  { prefix: '/stock', routes: stockRoutes },
  { prefix: '/warehouses', routes: warehouseRoutes },
  { prefix: '/orders', routes: orderRoutes },
  { prefix: '/support', routes: traceRoutes },
  { prefix: '/channels', routes: (hub) => channelRoutes(hub).route('/', crmLinkRoutes(hub)) },
  { prefix: '/sync', routes: syncRoutes },
  { prefix: '/exports', routes: exportPageRoutes },
  { prefix: '/imports', routes: importPageRoutes },
  { prefix: '/findings', routes: findingRoutes },
  { prefix: '/reports', routes: reportPageRoutes },
  { prefix: '/notifications', routes: notificationRoutes },
  { prefix: '/menu', routes: menuPageRoutes },
];

/**
 * The admin panel: server-rendered pages (Hono JSX) that htmx enhances. Mounted at the root as
 * a public module; every page checks the session itself, and changing requests also check the
 * origin, the session's CSRF token and the role (src/access/permissions.ts).
 */
export function webRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.route('/', assetRoutes());
  app.route('/', signInRoutes(hub));
  for (const section of sections) {
    // Hono's `/x/*` matches `/x` too: one pattern, so the guards run once.
    const path = section.prefix === '/' ? '/' : `${section.prefix}/*`;
    app.use(path, requireSession(hub), tokensInPages(), sameOriginPosts(hub), requireWriter(), sessionTokens(hub));
  }
  for (const section of sections) app.route('/', section.routes(hub));

  // An address no page answers gets the panel's own "not found" page in a browser, not the API's JSON.
  app.use('*', async (c, next) => {
    await next();
    const browser =
      c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html') && !c.req.path.startsWith('/api/');
    if (browser && c.res.status === 404 && c.res.headers.get('content-type')?.startsWith('application/json')) {
      c.res = await errorPage(c, 404, viewOf(c).t('error.notFound'));
    }
  });

  app.onError((error, c) => {
    if (error instanceof DomainError && error.status === 404) return errorPage(c, 404, error.message);
    // A body Hono cannot read (a multipart form without its boundary): the form's fault, not ours.
    if (error instanceof HTTPException && error.status < 500) return errorPage(c, 400, viewOf(c).t('error.badForm'));
    hub.logger.error({ err: error, path: c.req.path }, 'web panel error');
    return errorPage(c, 500, viewOf(c).t('error.internal'));
  });
  return app;
}
