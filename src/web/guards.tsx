import type { MiddlewareHandler } from 'hono';
import { permissionFor } from '../access/permissions.ts';
import type { Hub } from '../hub.ts';
import type { AppEnv } from '../http/router.ts';
import { viewOf } from './context.ts';
import { csrfProtection, fromOwnOrigin } from './csrf.ts';
import { errorPage } from './layout.tsx';

/**
 * The session cookie is SameSite=Strict already; a form sent from another origin is refused
 * as well, in case a browser or a proxy gets that wrong.
 */
export function sameOriginPosts(hub: Hub): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (!fromOwnOrigin(c, hub)) {
      const origin = c.req.header('origin') ?? c.req.header('referer') ?? null;
      hub.logger.warn({ event: 'web.cross_origin_post', path: c.req.path, origin }, 'cross-origin form refused');
      return errorPage(c, 403, viewOf(c).t('error.origin'));
    }
    await next();
  };
}

/** Every form and htmx request of a session carries its token (src/web/csrf.ts); one without is refused. */
export function sessionTokens(hub: Hub): MiddlewareHandler<AppEnv> {
  return csrfProtection((c, status) => {
    if (status === 403)
      hub.logger.warn({ event: 'web.csrf_refused', path: c.req.path }, 'form without the session’s token refused');
    return errorPage(c, status, viewOf(c).t(status === 403 ? 'error.csrf' : 'error.badForm'));
  });
}

/** A role the permission table (src/access/permissions.ts) does not list for the request is refused. */
export function requireWriter(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!permissionFor(c.req.method, c.req.path).roles.includes(c.get('actor').role)) {
      return errorPage(c, 403, viewOf(c).t('error.forbidden'));
    }
    await next();
  };
}
