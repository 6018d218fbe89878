import crypto from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { isWrite } from '../access/permissions.ts';
import type { Hub } from '../hub.ts';
import type { AppEnv } from '../http/router.ts';
import { SESSION_COOKIE } from './session.ts';

/**
 * Cross-site request forgery, refused twice for whatever a session cookie authenticates (the
 * panel's forms, the API called from the panel): the request must come from our own origin
 * (Sec-Fetch-Site, Origin or Referer) and carry the session's token, as the form field `_csrf`
 * or the `X-CSRF-Token` header. The token is an HMAC of the session id: nothing to store, and it
 * ends with the session. API keys are not cookies, so requests with one need neither.
 * docs/decisions/150-reliability-security.md.
 */

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export const csrfToken = (sessionId: string) =>
  crypto.createHmac('sha256', sessionId).update('sklad-csrf-1').digest('base64url');

export function csrfTokenMatches(sessionId: string, sent: unknown): boolean {
  if (typeof sent !== 'string' || !sent) return false;
  const expected = Buffer.from(csrfToken(sessionId));
  const given = Buffer.from(sent);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Is the request from a page of ours? A browser's Sec-Fetch-Site says so; else its Origin, or the Referer's. */
export function fromOwnOrigin(c: Context, hub: Hub): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin') ?? originOfReferer(c.req.header('referer'));
  if (origin) return ownOrigins(c, hub).has(origin);
  return site === 'same-origin';
}

function ownOrigins(c: Context, hub: Hub): Set<string> {
  const allowed = new Set([new URL(c.req.url).origin]);
  const host = c.req.header('host');
  if (host) {
    // Behind a proxy that ends TLS the browser's origin is https while we are reached over http.
    allowed.add(`http://${host}`);
    allowed.add(`https://${host}`);
  }
  if (hub.config.SKLAD_PUBLIC_URL) allowed.add(new URL(hub.config.SKLAD_PUBLIC_URL).origin);
  return allowed;
}

const originOfReferer = (referer: string | undefined) => {
  try {
    return referer ? new URL(referer).origin : undefined;
  } catch {
    return undefined;
  }
};

/** Served over HTTPS, or behind a proxy saying so: cookies get `Secure`. */
export const servedOverHttps = (c: Context, hub: Hub) =>
  c.req.url.startsWith('https:') ||
  c.req.header('x-forwarded-proto')?.split(',')[0].trim().toLowerCase() === 'https' ||
  (hub.config.SKLAD_PUBLIC_URL ?? '').startsWith('https:');

/**
 * The token a cookie-authenticated write sent: the header (htmx, scripts) or the form field. A
 * form is read here either way (Hono keeps it for the route), so one that cannot be read (a
 * multipart body without its boundary) throws here, before any page runs.
 */
async function sentCsrfToken(c: Context): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  const form = /^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(type) ? await c.req.parseBody() : {};
  const field = form[CSRF_FIELD];
  return c.req.header(CSRF_HEADER) ?? (typeof field === 'string' ? field : undefined);
}

/** The panel's side: a write without the session's token is refused (`refuse` draws the page). */
export function csrfProtection(
  refuse: (c: Context<AppEnv>, status: 400 | 403) => Response | Promise<Response>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isWrite(c.req.method, c.req.path)) {
      const session = getCookie(c, SESSION_COOKIE);
      let sent: string | undefined;
      try {
        sent = await sentCsrfToken(c);
      } catch {
        return refuse(c, 400); // a form body that cannot be read (a multipart without its boundary)
      }
      // No session cookie, nothing it could be made to do (the panel's sections ask for one first).
      if (session && !csrfTokenMatches(session, sent)) return refuse(c, 403);
    }
    await next();
  };
}

/**
 * Every page or fragment sent to a session gets its token in each POST form and, for htmx, in
 * `hx-headers` on its body; error pages too. Pages need do nothing.
 */
export function tokensInPages(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const session = getCookie(c, SESSION_COOKIE);
    if (session) await addTokenToPage(c, csrfToken(session));
  };
}

const postForm = /<form\b[^>]*\bmethod=(["']?)post\1[^>]*>/gi;

async function addTokenToPage(c: Context, token: string) {
  if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
  const html = await c.res.text();
  const field = `<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
  const withToken = html
    .replace(postForm, (tag) => tag + field)
    .replace(/<body\b/i, `<body hx-headers='{"${CSRF_HEADER}":"${token}"}'`);
  // Hono copies the old answer's headers onto the new one: its length would be wrong.
  c.res.headers.delete('content-length');
  c.res = new Response(withToken, { status: c.res.status, headers: c.res.headers });
}
