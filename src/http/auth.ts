import { getCookie } from 'hono/cookie';
import type { Context, MiddlewareHandler } from 'hono';
import { authenticate } from '../access/api-keys.ts';
import { isWrite, permissionFor } from '../access/permissions.ts';
import type { Hub } from '../hub.ts';
import { errorBody } from './errors.ts';
import type { AppEnv } from './router.ts';
import { CSRF_HEADER, csrfTokenMatches, fromOwnOrigin } from '../web/csrf.ts';
import { sessionActor, SESSION_COOKIE } from '../web/session.ts';

/**
 * API keys come as `X-API-SECRET-KEY` (the seeds' header) or `Authorization: Bearer`; the
 * admin panel's http-only session cookie is accepted too, but a write with it must come from
 * our own origin with the session's CSRF token (src/web/csrf.ts). What each role may do is the
 * permission table's (src/access/permissions.ts), for every route behind this check.
 */
export function requireApiKey(hub: Hub): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('x-api-secret-key') ?? c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    let actor = header ? await authenticate(hub.database, header.trim()) : null;
    const session = header ? undefined : getCookie(c, SESSION_COOKIE);
    if (session) actor = await sessionActor(hub.database, session);
    if (!actor) {
      return c.json(
        errorBody(
          'UNAUTHORIZED',
          header ? 'The API key is unknown or revoked' : 'Send an API key as X-API-SECRET-KEY or Authorization: Bearer',
        ),
        401,
      );
    }
    c.set('actor', actor);
    if (
      session &&
      isWrite(c.req.method, c.req.path) &&
      !(fromOwnOrigin(c, hub) && csrfTokenMatches(session, c.req.header(CSRF_HEADER)))
    ) {
      hub.logger.warn(
        { event: 'api.csrf_refused', path: c.req.path, origin: c.req.header('origin') ?? null },
        'cookie-authenticated write refused',
      );
      return c.json(
        errorBody(
          'CSRF_REFUSED',
          `A change made with the panel's session needs our own origin and the session's ${CSRF_HEADER} header; scripts send an API key instead`,
        ),
        403,
      );
    }
    const { roles } = permissionFor(c.req.method, c.req.path);
    if (!roles.includes(actor.role)) return forbidden(c, roles);
    await next();
  };
}

const forbidden = (c: Context<AppEnv>, roles: readonly string[]) =>
  c.json(
    errorBody(
      'FORBIDDEN',
      `This needs the ${roles.join(' or ')} role; the key "${c.get('actor').name}" is ${c.get('actor').role}`,
    ),
    403,
  );
