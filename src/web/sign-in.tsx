import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Hub } from '../hub.ts';
import type { AppEnv } from '../http/router.ts';
import { safeNext, viewOf, type View } from './context.ts';
import { csrfProtection, servedOverHttps } from './csrf.ts';
import { sameOriginPosts } from './guards.tsx';
import { LANG_COOKIE } from './i18n.ts';
import { errorPage, Head } from './layout.tsx';
import { createSession, endSession, SESSION_COOKIE } from './session.ts';
import { Field, Notice } from './ui.tsx';

/** /login, /logout and /lang/:lang: the pages that work without a session. */
export function signInRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.use('/login', sameOriginPosts(hub));
  app.use('/logout', sameOriginPosts(hub));
  // Signing out is a write of the session too: a page elsewhere may not do it.
  app.use(
    '/logout',
    csrfProtection((c, status) => errorPage(c, status, viewOf(c).t(status === 403 ? 'error.csrf' : 'error.badForm'))),
  );

  app.get('/login', async (c) => {
    const v = viewOf(c);
    return c.html(await loginPage(v, { next: safeNext(c.req.query('next')) }));
  });

  app.post('/login', async (c) => {
    const v = viewOf(c);
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    if (!key) return c.html(await loginPage(v, { next, error: v.t('login.missing') }));
    const session = await createSession(hub.database, key);
    if (session === 'bot') return c.html(await loginPage(v, { next, error: v.t('login.botKey') }));
    if (!session) {
      hub.logger.info({ event: 'web.sign_in_refused' }, 'web sign-in with an unknown key');
      return c.html(await loginPage(v, { next, error: v.t('login.wrong') }));
    }
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: servedOverHttps(c, hub),
      path: '/',
      maxAge: session.maxAge,
    });
    hub.logger.info({ event: 'web.sign_in', actor: session.actor.name }, 'web sign-in');
    return c.redirect(next, 303);
  });

  app.post('/logout', async (c) => {
    const session = getCookie(c, SESSION_COOKIE);
    if (session) await endSession(hub.database, session);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if (lang === 'ru' || lang === 'en') {
      setCookie(c, LANG_COOKIE, lang, {
        path: '/',
        maxAge: 365 * 24 * 3600,
        sameSite: 'Lax',
        httpOnly: true,
        secure: servedOverHttps(c, hub),
      });
    }
    return c.redirect(safeNext(c.req.query('next')), 303);
  });
  return app;
}

async function loginPage(v: View, state: { next: string; error?: string }) {
  const { t } = v;
  const other = v.lang === 'ru' ? 'en' : 'ru';
  const body = (
    <html lang={v.lang}>
      <Head title={`${t('login.title')} · ${t('app.name')}`} />
      <body>
        <main id="main" class="login">
          <div class="brand">
            <svg class="logo" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
              <path
                d="M3 8.5 12 4l9 4.5v9L12 22l-9-4.5z"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linejoin="round"
              />
              <path
                d="M3 8.5 12 13l9-4.5M12 13v9"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linejoin="round"
              />
            </svg>
            <span>{t('app.name')}</span>
          </div>
          <p class="tagline">{t('app.tagline')}</p>
          <section class="card">
            <h1>{t('login.title')}</h1>
            {state.error && <Notice kind="error">{state.error}</Notice>}
            <form method="post" action="/login" class="stack" data-busy>
              <input type="hidden" name="next" value={state.next} />
              <Field
                name="key"
                type="password"
                label={t('login.key')}
                hint={t('login.keyHint')}
                required
                attrs={{ autocomplete: 'current-password', autofocus: true, spellcheck: 'false' }}
              />
              <button type="submit">{t('login.submit')}</button>
            </form>
          </section>
          <p class="login-tools">
            <a
              href={`/lang/${other}?next=${encodeURIComponent(`/login?next=${encodeURIComponent(state.next)}`)}`}
              lang={other}
            >
              {t('lang.switch')}
            </a>
          </p>
        </main>
      </body>
    </html>
  );
  return `<!doctype html>${await body.toString()}`;
}
