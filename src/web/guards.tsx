import type { MiddlewareHandler } from 'hono';
import { roleAtLeast, type Role } from '../access/api-keys.ts';
import type { Hub } from '../hub.ts';
import type { AppEnv } from '../http/router.ts';
import { viewOf } from './context.ts';
import { errorPage } from './layout.tsx';

/**
 * The session cookie is SameSite=Strict already; a form sent from another origin is refused
 * as well, in case a browser or a proxy gets that wrong.
 */
export function sameOriginPosts(hub: Hub): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const origin = c.req.header('origin') ?? originOfReferer(c.req.header('referer'));
    const allowed = new Set([new URL(c.req.url).origin]);
    const host = c.req.header('host');
    if (host) {
      allowed.add(`http://${host}`);
      allowed.add(`https://${host}`);
    }
    if (hub.config.SKLAD_PUBLIC_URL) allowed.add(new URL(hub.config.SKLAD_PUBLIC_URL).origin);
    if (!origin || !allowed.has(origin)) {
      hub.logger.warn({ event: 'web.cross_origin_post', path: c.req.path, origin: origin ?? null }, 'cross-origin form refused');
      return errorPage(c, 403, viewOf(c).t('error.origin'));
    }
    await next();
  };
}

const originOfReferer = (referer: string | undefined) => {
  try {
    return referer ? new URL(referer).origin : undefined;
  } catch {
    return undefined;
  }
};

/** Changing routes refuse a role below `role` (readonly keys never see the forms either). */
export function requireWriter(role: Role = 'operator'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !roleAtLeast(c.get('actor').role, role)) {
      return errorPage(c, 403, viewOf(c).t('error.forbidden'));
    }
    await next();
  };
}
