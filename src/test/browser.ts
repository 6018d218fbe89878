import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(projectRoot, 'test-results');

/** Debian's chromium (`apt-get install chromium`); playwright-core never downloads a browser. */
export const chromiumPath = () => process.env.SKLAD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless chromium. The background-networking flags matter on a closed network: without
 * them chromium's own update and sync connections are refused and it logs errors.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far; a test expects none. */
  problems: string[];
  /** Saves a full-page screenshot to test-results/<name>.png and returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface PageOptions {
  baseUrl: string;
  /** A phone is 390×844; the default is a laptop. */
  viewport?: { width: number; height: number };
  locale?: string;
}

/** A fresh context (its own cookies) with a page whose console errors are collected. */
export async function openPage(browser: Browser, options: PageOptions): Promise<WatchedPage> {
  const context = await browser.newContext({
    baseURL: options.baseUrl,
    viewport: options.viewport ?? { width: 1280, height: 860 },
    locale: options.locale ?? 'ru-RU',
  });
  // Playwright waits forever by default; a missing element should fail the test with its name instead.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => context.close(),
  };
}
