import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { roleAtLeast, type Actor } from '../access/api-keys.ts';
import type { Hub } from '../hub.ts';
import type { AppEnv } from '../http/router.ts';
import { LANG_COOKIE, pickLanguage, translator, type Lang, type Translate } from './i18n.ts';
import { sessionActor, SESSION_COOKIE } from './session.ts';

export type WebContext = Context<AppEnv>;

/** What every page needs to draw itself: the words, who is looking, where they are. */
export interface View {
  lang: Lang;
  t: Translate;
  actor: Actor | null;
  path: string;
  canWrite: boolean;
}

export function viewOf(c: WebContext): View {
  const lang = pickLanguage(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
  const actor = (c.get('actor') as Actor | undefined) ?? null;
  return {
    lang,
    t: translator(lang),
    actor,
    path: new URL(c.req.url).pathname,
    canWrite: actor ? roleAtLeast(actor.role, 'operator') : false,
  };
}

const LOCAL = 'http://sklad.invalid';

/**
 * A path of ours to come back to (after signing in, after a language switch); anything else goes
 * to the dashboard. Browsers drop tabs and line breaks from a URL and read `\` as `/`, so
 * `/\t/evil.example` would be `//evil.example`: control characters and backslashes are refused,
 * and the path is what the URL parser makes of it, never starting with `//`.
 */
export function safeNext(next: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a return address with control characters is refused
  if (!next?.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, LOCAL);
  } catch {
    return '/';
  }
  const path = url.pathname + url.search + url.hash;
  return url.origin === LOCAL && !path.startsWith('//') ? path : '/';
}

/**
 * Pages need a signed-in session. Without one a page goes to /login (htmx requests are told
 * to, with HX-Redirect, so a fragment never lands inside a page).
 */
export function requireSession(hub: Hub): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = getCookie(c, SESSION_COOKIE);
    const actor = session ? await sessionActor(hub.database, session) : null;
    if (!actor) {
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? url.pathname + url.search : '/';
      const login = `/login?next=${encodeURIComponent(back)}`;
      if (c.req.header('hx-request')) return c.body(null, 204, { 'hx-redirect': login });
      return c.redirect(login, 303);
    }
    c.set('actor', actor);
    await next();
  };
}
