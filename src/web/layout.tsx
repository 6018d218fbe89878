import type { Child } from 'hono/jsx';
import { viewOf, type View, type WebContext } from './context.ts';
import { navEntries } from './nav.ts';
import type { Label, MessageKey } from './i18n.ts';

export const ASSET_VERSION = '4';

interface LayoutProps {
  v: View;
  title: string;
  children?: Child;
}

/** The frame of every signed-in page: header with the menu, language and user, then the page. */
export function Layout({ v, title, children }: LayoutProps) {
  const { t } = v;
  return (
    <html lang={v.lang}>
      <Head title={`${title} · ${t('app.name')}`} />
      <body data-load-failed={t('common.loadFailed')} data-server-failed={t('common.serverFailed')}>
        <a class="skip" href="#main">
          {t('nav.skip')}
        </a>
        <header class="top">
          <a class="brand" href="/">
            <Logo />
            <span>{t('app.name')}</span>
          </a>
          {v.actor && (
            <nav class="nav" aria-label={t('nav.open')}>
              {navEntries.map((entry) => {
                const active =
                  entry.href === '/' ? v.path === '/' : v.path === entry.href || v.path.startsWith(`${entry.href}/`);
                return (
                  <a href={entry.href} aria-current={active ? 'page' : undefined}>
                    {labelText(v, entry.label)}
                  </a>
                );
              })}
            </nav>
          )}
          <div class="tools">
            <LanguageSwitch v={v} />
            {v.actor && (
              <form method="post" action="/logout" class="logout">
                <span class="who" title={v.actor.name}>
                  {v.actor.name} <small class={`role role-${v.actor.role}`}>{t(`role.${v.actor.role}`)}</small>
                </span>
                <button type="submit" class="button ghost small">
                  {t('logout')}
                </button>
              </form>
            )}
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}

export function Head({ title }: { title: string }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light" />
      <title>{title}</title>
      <link rel="icon" href={`/assets/favicon.svg?v=${ASSET_VERSION}`} type="image/svg+xml" />
      <link rel="stylesheet" href={`/assets/panel.css?v=${ASSET_VERSION}`} />
      <script src={`/assets/htmx.min.js?v=${ASSET_VERSION}`} defer></script>
      <script src={`/assets/panel.js?v=${ASSET_VERSION}`} defer></script>
    </head>
  );
}

function LanguageSwitch({ v }: { v: View }) {
  const other = v.lang === 'ru' ? 'en' : 'ru';
  return (
    <a
      class="lang"
      href={`/lang/${other}?next=${encodeURIComponent(v.path)}`}
      hreflang={other}
      lang={other}
      title={v.t('lang.label')}
    >
      {v.t('lang.switch')}
    </a>
  );
}

const Logo = () => (
  <svg class="logo" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
    <path
      d="M3 8.5 12 4l9 4.5v9L12 22l-9-4.5z"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linejoin="round"
    />
    <path d="M3 8.5 12 13l9-4.5M12 13v9" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
  </svg>
);

export const labelText = (v: View, label: MessageKey | Label) =>
  typeof label === 'string' ? v.t(label) : label[v.lang];

/** A whole page as HTML, with its doctype. */
export async function renderPage(
  c: WebContext,
  title: string,
  body: Child,
  status: 200 | 400 | 403 | 404 | 409 | 500 = 200,
) {
  const v = viewOf(c);
  const html = await (
    <Layout v={v} title={title}>
      {body}
    </Layout>
  ).toString();
  return c.html(`<!doctype html>${html}`, status);
}

/** A piece of a page for htmx to swap in. */
export async function renderFragment(c: WebContext, body: Child) {
  return c.html(await (<>{body}</>).toString());
}

/** A page that says what went wrong and where to go next, in the layout when signed in. */
export function errorPage(c: WebContext, status: 400 | 403 | 404 | 500, message: string) {
  const v = viewOf(c);
  return renderPage(
    c,
    v.t('error.title'),
    <section class="state state-error" role="alert">
      <h1>{v.t('error.title')}</h1>
      <p>{message}</p>
      <p>
        <a class="button" href="/">
          {v.t('error.home')}
        </a>
      </p>
    </section>,
    status,
  );
}
