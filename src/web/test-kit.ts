import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchBrowser, openPage, type PageOptions, type WatchedPage } from '../test/browser.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

/**
 * One database kind is enough for the browser tests (the services under them are tested on
 * both): the first kind this run tests, PGlite by default.
 *
 * Whatever a test does, when it ends every page it opened is saved as a screenshot
 * (test-results/<file>--<test>.png) and checked for console errors, then closed: a test cannot
 * forget either.
 */
export function usePanel() {
  const t = useTestDatabase(testKinds()[0]);
  const state = {} as { server: TestServer; browser: Browser; pages: WatchedPage[] };
  afterEach(async (context) => {
    const opened = state.pages ?? [];
    state.pages = [];
    try {
      const file = path.basename(context.task.file?.name ?? 'web', '.test.ts');
      for (const [i, w] of opened.entries()) {
        if (w.page.isClosed()) continue;
        await w.screenshot(`${file}--${slug(context.task.name)}${i > 0 ? `-${i + 1}` : ''}`);
      }
      for (const w of opened) expectNoConsoleErrors(w);
    } finally {
      for (const w of opened) await w.close().catch(() => undefined);
    }
  });
  beforeAll(async () => {
    state.server = await startTestServer(t.database);
    state.browser = await launchBrowser();
    state.pages = [];
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.close();
  });
  return {
    get server() {
      return state.server;
    },
    /** A new browser context (own cookies) whose console errors fail `expectNoConsoleErrors`. */
    async open(options: Partial<PageOptions> = {}) {
      const w = await openPage(state.browser, { baseUrl: state.server.baseUrl, ...options });
      state.pages.push(w);
      return w;
    },
  };
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9а-яё]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
    .replace(/-$/, '');

/** Signs in through the form and waits for the page it leads to. */
export async function signIn(w: WatchedPage, key: string, path = '/') {
  await w.page.goto(path);
  await w.page.waitForURL(/\/login/);
  await w.page.getByLabel(/API-ключ|API key/).fill(key);
  await w.page.getByRole('button', { name: /Войти|Sign in/ }).click();
  await w.page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** The session's CSRF token, from the page the browser shows (every signed-in page has one in its sign-out form). */
export const csrfOf = (w: WatchedPage) => w.page.locator('input[name="_csrf"]').first().inputValue();

/** Every browser test ends here: a console error or an uncaught page error is a failure. */
export function expectNoConsoleErrors(w: WatchedPage) {
  expect(w.problems, 'console errors on the page').toEqual([]);
}
