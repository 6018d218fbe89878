import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleSklad } from '../assembly.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { registry } from '../channels/registry.ts';
import { startEngine } from '../engine/start.ts';
import { addAccount, feedShop, feedShopModule, listSkus, SHOP_TOKEN } from '../exports/testing.ts';
import type { WatchedPage } from '../test/browser.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/**
 * The catalog export page in a real browser: the file downloads in the target channel's
 * columns, an export runs to the end with its progress bar, and the products not sent (an
 * empty required column) and refused by the channel (one SKU it was told to refuse) are
 * listed; the page also fits a 390 px phone.
 */

const noSidewaysScroll = (w: WatchedPage) =>
  w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('web panel: catalog export', () => {
  const panel = usePanel();
  const shop = feedShop({ checksBeforeDone: 2 });
  let shopServer: Awaited<ReturnType<typeof shop.listen>>;
  let stopEngine: (() => Promise<void>) | undefined;
  let source: number;
  let target: number;

  beforeAll(async () => {
    assembleSklad([...registry, feedShopModule]);
    shopServer = await shop.listen();
    const { hub } = panel.server;
    const { skus } = await seedCatalog(hub.db, { count: 5, skuPrefix: 'WEB-', stock: () => 4 });
    await hub.db.execute(sql`update products set attributes = '{"brand": "Zarina"}'::jsonb where sku <> 'WEB-4'`);
    source = await addAccount(hub, 'generic', 'Lamoda RU', 'http://127.0.0.1:9', { apiKey: 'generic-key-0001' });
    target = await addAccount(hub, 'feedshop', 'Lamoda KZ', shopServer.url, { token: SHOP_TOKEN });
    await listSkus(hub, source, skus);
    shop.refuse('WEB-2', 'Категория не найдена');
    stopEngine = await startEngine(hub);
  });
  afterAll(async () => {
    await stopEngine?.();
    await shopServer?.close();
    assembleSklad();
  });

  it('downloads the file, runs an export with its progress, and lists what was not sent or was refused', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/exports');
    await w.page.getByRole('link', { name: 'Выгрузка каталога' }).waitFor();
    expect(await w.page.locator('h1').textContent()).toBe('Выгрузка каталога');
    // Only accounts whose channel takes a feed are targets.
    expect(await w.page.locator('#f-to option').allTextContents()).toEqual(['', 'Lamoda KZ · Feed shop']);

    await w.page.getByLabel('Из кабинета').selectOption(String(source));
    await w.page.getByLabel('В кабинет').selectOption(String(target));
    await w.page.getByLabel('Разделитель CSV').selectOption('tab');
    const [download] = await Promise.all([
      w.page.waitForEvent('download'),
      w.page.getByRole('button', { name: 'Скачать файл' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`catalog-${source}.csv`);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    expect(text.split('\n')[0]).toBe('SellerSku\tName\tBrand\tQuantity');
    expect(
      (parse(text, { delimiter: '\t', columns: true }) as { SellerSku: string }[]).map((r) => r.SellerSku),
    ).toEqual(['WEB-1', 'WEB-2', 'WEB-3', 'WEB-4', 'WEB-5']);

    await w.page.getByRole('button', { name: 'Начать выгрузку' }).click();
    await w.page.waitForURL(/\/exports\/\d+$/);
    await w.page.locator('#export-status[data-state="finished"]').waitFor({ timeout: 20_000 });
    await w.page.locator('.progress[data-state="succeeded"]').waitFor();
    expect(await w.page.locator('.progress-text').textContent()).toContain('Выгрузка завершена');
    expect(await w.page.locator('[data-stat="sent"] b').textContent()).toBe('4');
    expect(await w.page.locator('[data-stat="invalid"] b').textContent()).toBe('1');
    expect(await w.page.locator('[data-stat="failed"] b').textContent()).toBe('1');
    expect(await w.page.locator('#feeds tbody tr').count()).toBe(2);
    const errors = w.page.locator('#errors tbody tr');
    expect(await errors.nth(0).textContent()).toContain('не заполнена обязательная колонка Brand');
    expect(await errors.nth(0).getAttribute('data-sku')).toBe('WEB-4');
    expect(await errors.nth(1).getAttribute('data-sku')).toBe('WEB-2');
    expect(await errors.nth(1).textContent()).toContain('Категория не найдена');
    expect(await w.page.locator('#warnings').count()).toBe(0);
    await w.screenshot('exports-finished');

    // The export is in the list, finished.
    await w.page.goto('/exports');
    expect(await w.page.locator('#exports tbody tr').first().getAttribute('data-state')).toBe('finished');
    expectNoConsoleErrors(w);
  });

  it('says why when the chosen account’s channel takes no catalog, in the page’s language', async () => {
    const w = await panel.open({ locale: 'en-GB' });
    await signIn(w, panel.server.adminKey, '/exports');
    await w.page.getByLabel('From account').selectOption(String(source));
    await w.page.getByRole('button', { name: 'Download the file' }).click();
    await w.page.waitForURL(/\/exports\/file\?/);
    expect(await w.page.getByRole('alert').textContent()).toBe(
      `Account ${source} is on generic, which takes no catalog feed: export to an account on lamoda, feedshop`,
    );
    // What was chosen stays chosen.
    expect(await w.page.getByLabel('From account').inputValue()).toBe(String(source));
    expectNoConsoleErrors(w);
  });

  it('fits a 390 px phone: the form and an export’s tables scroll inside their cards, not the page', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, '/exports');
    expect(await noSidewaysScroll(w)).toBeLessThanOrEqual(0);
    await w.page.locator('#exports tbody tr a').first().click();
    await w.page.locator('#export-status[data-state="finished"]').waitFor();
    expect(await noSidewaysScroll(w)).toBeLessThanOrEqual(0);
    await w.screenshot('exports-phone');
    expectNoConsoleErrors(w);
  });
});
