import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Hub } from '../hub.ts';
import { webRoutes } from './routes.tsx';
import type { WatchedPage } from '../test/browser.ts';

/**
 * Every page of the panel, for the browser tests that must see them all (src/web/every-page.test.ts):
 * the GET routes src/web/routes.tsx mounts, each detail route (`/orders/:id`) at the first link to
 * it that a page shows, so a page added to the panel is visited without a line here. A route
 * with a parameter that no page links to fails the crawl, unless it is one of `notPages`.
 */

/** GET routes that answer no page of their own: htmx fragments, downloads, redirects, the sign-in form. */
const notPages: Record<string, string> = {
  '/login': 'the sign-in form, before a session',
  '/favicon.ico': 'the icon',
  '/assets/:file': 'the style sheet and scripts',
  '/products/:id/image': 'a product’s image file',
  '/products/:id/thumbnail': 'a product’s thumbnail file',
  '/lang/:lang': 'sets the language and redirects back',
  '/channels/new/fields': 'the htmx fragment of the account form’s fields',
  '/exports/file': 'a download',
  '/exports/:id/status': 'the htmx fragment of an export’s progress',
  '/imports/:id/status': 'the htmx fragment of an import’s progress and outcome',
};

/** Routes whose pages need data the demo does not make; visited when a page links to them. */
const whenLinked = new Set(['/sync/errors/groups/:key', '/exports/:id', '/imports/:id']);

export function panelRoutes(hub: Hub): string[] {
  const paths = webRoutes(hub)
    .routes.filter((r) => r.method === 'GET' && !r.path.includes('*'))
    .map((r) => r.path);
  return [...new Set(paths)].filter((p) => !(p in notPages));
}

const patternOf = (route: string) => new RegExp(`^${route.replace(/:\w+/g, '[^/?#]+')}$`);

export interface Visited {
  route: string;
  url: string;
}

/**
 * Opens every page in turn, calling `check` on each; the static ones first, then each detail
 * route at the first link to it seen so far (more appear as detail pages are opened).
 */
export async function visitEveryPage(
  w: WatchedPage,
  hub: Hub,
  check: (page: Page, visit: Visited) => Promise<void>,
): Promise<Visited[]> {
  const routes = panelRoutes(hub);
  const seen = new Set<string>();
  const links = new Set<string>();
  const visited: Visited[] = [];
  const visit = async (route: string, url: string) => {
    const res = await w.page.goto(url);
    expect(res?.status(), `${url} (${route}) answers a page`).toBe(200);
    expect(res?.headers()['content-type'], `${url} (${route}) answers HTML`).toMatch(/^text\/html/);
    for (const href of await w.page.$$eval('a[href^="/"]', (as) => as.map((a) => a.getAttribute('href')!)))
      links.add(href.split('#')[0]);
    await check(w.page, { route, url });
    visited.push({ route, url });
    seen.add(route);
  };
  for (const route of routes.filter((r) => !r.includes(':'))) await visit(route, route);
  let pending = routes.filter((r) => r.includes(':'));
  for (let round = 0; pending.length && round < 4; round++) {
    for (const route of pending) {
      const pattern = patternOf(route);
      const href = [...links].find((l) => pattern.test(l.split('?')[0]));
      if (href) await visit(route, href);
    }
    pending = pending.filter((r) => !seen.has(r));
  }
  const missing = pending.filter((r) => !whenLinked.has(r));
  expect(missing, 'detail routes no page links to (give them data in the test, or say why in notPages)').toEqual([]);
  return visited;
}
