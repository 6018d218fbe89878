import { getCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import { authenticate, roleAtLeast, type Role } from '../access/api-keys.ts';
import type { Hub } from '../hub.ts';
import { errorBody } from './errors.ts';
import type { AppEnv } from './router.ts';
import { sessionActor, SESSION_COOKIE } from '../web/session.ts';

/**
 * API keys come as `X-API-SECRET-KEY` (the seeds' header) or `Authorization: Bearer`; the
 * admin panel's http-only session cookie is accepted too. Reading needs any role;
 * changing needs operator; routes that manage keys and accounts ask for admin themselves.
 */
export function requireApiKey(hub: Hub): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('x-api-secret-key') ?? c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    let actor = header ? await authenticate(hub.database, header.trim()) : null;
    if (!actor && !header) {
      const session = getCookie(c, SESSION_COOKIE);
      if (session) actor = await sessionActor(hub.database, session);
    }
    if (!actor) {
      return c.json(
        errorBody('UNAUTHORIZED', header ? 'The API key is unknown or revoked' : 'Send an API key as X-API-SECRET-KEY or Authorization: Bearer'),
        401,
      );
    }
    c.set('actor', actor);
    const needed: Role = c.req.method === 'GET' || c.req.method === 'HEAD' ? 'readonly' : 'operator';
    if (!roleAtLeast(actor.role, needed)) return forbidden(c, needed);
    await next();
  };
}

export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roleAtLeast(c.get('actor').role, role)) return forbidden(c, role);
    await next();
  };
}

const forbidden = (c: Parameters<MiddlewareHandler<AppEnv>>[0], role: Role) =>
  c.json(errorBody('FORBIDDEN', `This needs the ${role} role; the key "${c.get('actor').name}" is ${c.get('actor').role}`), 403);
