import type { Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../db/database.ts';
import { createDemo } from '../demo/setup.ts';
import { startDemoSimulators, type DemoSimulators } from '../demo/simulators.ts';
import { signIn, usePanel } from './test-kit.ts';
import { visitEveryPage } from './every-page.ts';
import { brandWords, englishWordsIn } from '../test/english-words.ts';

/**
 * Every page of the panel (every GET route of src/web/routes.tsx, detail pages at a real id) on
 * the demo's data, as a seller meets it: on a phone (390×844) nothing scrolls sideways and no two
 * boxes sit on each other; in Russian no English word is left outside a short allow-list.
 */

const phone = { width: 390, height: 844 };

/** What the page does wrong at its width: sideways overflow, a sideways scroller, spilled text, overlapping siblings. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const vw = window.innerWidth;
    const problems: string[] = [];
    const name = (el: Element) => {
      const cls =
        typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls} «${text}»`;
    };
    // Visually hidden (a phone's table heading, a skip link's text): inside a box of a pixel that clips.
    const hiddenAway = (el: Element) => {
      for (let p: Element | null = el; p && p !== document.body; p = p.parentElement) {
        const r = p.getBoundingClientRect();
        if ((r.width <= 1 || r.height <= 1) && getComputedStyle(p).overflow !== 'visible') return true;
      }
      return false;
    };
    const shown = (el: Element) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && cs.opacity !== '0' && !hiddenAway(el);
    };
    const clipped = (el: Element) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o !== 'visible') return true;
      }
      return false;
    };
    if (document.documentElement.scrollWidth > vw)
      problems.push(`the page is ${document.documentElement.scrollWidth} px wide at ${vw} px`);
    const reported = new Set<Element>();
    for (const el of document.body.querySelectorAll('*')) {
      if (!shown(el)) continue;
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      const inside = el.parentElement && reported.has(el.parentElement);
      if (inside) {
        reported.add(el);
        continue;
      }
      if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${name(el)} scrolls sideways (${el.scrollWidth} px in ${el.clientWidth} px)`);
        reported.add(el);
      } else if (r.right > vw + 1 && !clipped(el)) {
        problems.push(`${name(el)} reaches ${Math.round(r.right)} px, past the ${vw} px screen`);
        reported.add(el);
      } else if (
        cs.overflowX === 'visible' &&
        cs.display !== 'inline' &&
        el.scrollWidth > el.clientWidth + 2 &&
        el.clientWidth > 0 &&
        !clipped(el)
      ) {
        // Not marked as reported: what spills out of it is named too.
        problems.push(`${name(el)} spills its content (${el.scrollWidth} px in ${el.clientWidth} px)`);
      }
    }
    // Siblings that carry text or take input must not sit on each other.
    const boxy = (el: Element) =>
      /^(A|BUTTON|INPUT|SELECT|TEXTAREA|LABEL|SUMMARY|IMG|svg)$/.test(el.tagName) ||
      [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
    for (const parent of document.body.querySelectorAll('*')) {
      const kids = [...parent.children].filter(
        (k) =>
          shown(k) &&
          boxy(k) &&
          getComputedStyle(k).position !== 'absolute' &&
          getComputedStyle(k).position !== 'fixed',
      );
      for (let i = 0; i < kids.length; i++) {
        for (let j = i + 1; j < kids.length; j++) {
          // Line by line: an inline box that wraps is one rectangle per line, not their hull.
          let worst = { w: 0, h: 0 };
          for (const a of kids[i].getClientRects()) {
            for (const b of kids[j].getClientRects()) {
              const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
              const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
              if (w > 2 && h > 4 && w * h > worst.w * worst.h) worst = { w, h };
            }
          }
          if (worst.w)
            problems.push(
              `${name(kids[i])} and ${name(kids[j])} overlap (${Math.round(worst.w)}×${Math.round(worst.h)} px)`,
            );
        }
      }
    }
    return problems;
  });
}

/** Latin words of our own on a Russian page: outside codes, SKUs, addresses, abbreviations, brand names and the data's own words. */
async function englishWords(page: Page, allowed: Set<string>): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const out: string[] = [document.title];
    const skip = (el: Element | null) =>
      el?.closest('code, pre, kbd, samp, script, style, .mono, [translate="no"], [data-raw], [lang]:not([lang="ru"])');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || skip(el)) continue;
      const visible = el.closest('option, select') || el.getClientRects().length > 0;
      if (visible) out.push(n.textContent ?? '');
    }
    for (const el of document.body.querySelectorAll('[placeholder], [aria-label], input[type="submit"][value]')) {
      if (skip(el)) continue;
      for (const attr of ['placeholder', 'aria-label', 'value']) {
        if (attr === 'value' && (el as HTMLInputElement).type !== 'submit') continue;
        const v = el.getAttribute(attr);
        if (v) out.push(v);
      }
    }
    return out;
  });
  return englishWordsIn(texts, allowed);
}

describe('every page of the panel', () => {
  const panel = usePanel();
  let sims: DemoSimulators;
  const allowed = new Set(brandWords);

  beforeAll(async () => {
    const hub = panel.server.hub;
    sims = await startDemoSimulators({ withOrders: true });
    const outcome = await createDemo(hub, sims);
    expect(outcome.problems).toEqual([]);
    // The data's own words (names a seller or a marketplace gave) are not the panel's.
    const data = await rows<{ text: string | null }>(
      hub.db,
      sql`
      select name as text from products union all select attributes::text from products union all select description from products
      union all select name from api_keys
      union all select name from channel_accounts union all select name from warehouses
      union all select name from order_lines`,
    );
    for (const { text } of data)
      for (const word of (text ?? '').toLowerCase().split(/[^a-z'-]+/)) if (word) allowed.add(word);
  }, 120_000);
  afterAll(async () => {
    await sims?.close();
  });

  it('at 390 px: no page scrolls sideways and no two boxes overlap', async () => {
    const w = await panel.open({ viewport: phone });
    await signIn(w, panel.server.adminKey);
    const problems: string[] = [];
    const visited = await visitEveryPage(w, panel.server.hub, async (page, { url }) => {
      for (const p of await layoutProblems(page)) problems.push(`${url}: ${p}`);
      // The three tables the issue names, kept for a look (test-results/phone-*.png).
      if (['/stock', '/orders', '/sync/api-calls'].includes(url)) await w.screenshot(`phone${url.replace(/\//g, '-')}`);
    });
    expect(visited.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  }, 300_000);

  it('in Russian: no English word of the panel’s own, and every tab names its page', async () => {
    const w = await panel.open({ locale: 'ru-RU' });
    await signIn(w, panel.server.adminKey);
    const problems: string[] = [];
    const titles = new Map<string, string>();
    await visitEveryPage(w, panel.server.hub, async (page, { route, url }) => {
      const words = await englishWords(page, allowed);
      if (words.length) problems.push(`${url}: ${words.join(', ')}`);
      const title = await page.title();
      // The tab names the page: its heading, or the heading of the sub-page its tabs show.
      const heading = (await page.locator('main h1').first().textContent())?.trim().slice(0, 10) ?? '';
      const tabs = await page.locator('main nav.tabs a[aria-current="page"]').allTextContents();
      const named = [heading, ...tabs.map((tab) => tab.replace(/\d+$/, '').trim())].some(
        (name) => name && title.includes(name),
      );
      if (!named || /^\s*(Sklad|Склад)\s*$/.test(title))
        problems.push(`${url}: the tab says «${title}», the page «${heading}»`);
      titles.set(route, title);
    });
    expect(problems).toEqual([]);
    expect(new Set(titles.values()).size, 'tabs of different pages differ').toBeGreaterThan(titles.size / 2);
  }, 300_000);
});
