import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleSklad } from '../assembly.ts';
import { rows } from '../db/database.ts';
import { startEngine } from '../engine/start.ts';
import { ensureWarehouse } from '../inventory/movements.ts';
import type { WatchedPage } from '../test/browser.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/**
 * The bulk import page in a real browser, with the engine's workers applying the job: a products
 * file with prices and a quantity column is uploaded (its bar reaches 100 %), previewed with the
 * suggested mapping, one column's field changed, applied, and its counts and products shown; a
 * file with one bad row shows that row's line and problem in Russian and writes nothing; the
 * pages fit a 390 px phone.
 */

const noSidewaysScroll = (w: WatchedPage) =>
  w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const goodFile = [
  'Артикул;Название;Цена;Валюта;Цвет;Код EAN;MAIN',
  'IMP-1;Кружка синяя;1299,90;RUB;синий;4006381333931;5',
  'IMP-2;Кружка красная;990;RUB;красный;;3',
].join('\r\n');

const badFile = [
  'Артикул;Название;Цена;Валюта',
  'BAD-1;Хорошая;10;RUB',
  'BAD-2;Плохая;десять;RUB',
  'BAD-3;Тоже хорошая;5;RUB',
].join('\n');

/** Chooses the file and uploads it; answers every width the upload bar was drawn at. */
async function upload(w: WatchedPage, name: string, text: string, kind = 'Товары'): Promise<string[]> {
  const seen: string[] = [];
  await w.page.exposeFunction('uploadDrawn', (percent: string) => seen.push(percent));
  await w.page.getByLabel('Что импортировать').selectOption({ label: kind });
  await w.page.locator('#f-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await w.page.evaluate(() => {
    const box = document.querySelector('#upload-progress .progress') as HTMLElement;
    const report = (window as unknown as { uploadDrawn: (p: string) => void }).uploadDrawn;
    new MutationObserver(() => report(box.dataset.percent ?? '')).observe(box, {
      attributes: true,
      attributeFilter: ['data-percent'],
    });
  });
  await w.page.getByRole('button', { name: 'Загрузить и посмотреть' }).click();
  await w.page.waitForURL(/\/imports\/\d+$/);
  return seen;
}

describe('web panel: bulk import', () => {
  const panel = usePanel();
  let stopEngine: (() => Promise<void>) | undefined;
  const count = async (query: ReturnType<typeof sql>) =>
    Number((await rows<{ n: number }>(panel.server.hub.db, query))[0].n);

  beforeAll(async () => {
    assembleSklad();
    await ensureWarehouse(panel.server.hub.db, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false });
    stopEngine = await startEngine(panel.server.hub);
  });
  afterAll(async () => {
    await stopEngine?.();
  });

  it('uploads a products file with a progress bar, previews it, maps one column otherwise, applies it and shows the counts', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/imports');
    expect(await w.page.locator('h1').textContent()).toBe('Импорт');
    expect(await w.page.locator('nav a[href="/imports"]').first().textContent()).toContain('Импорт');

    const drawn = await upload(w, 'товары.csv', goodFile);
    expect(drawn).toContain('100');

    // The preview: the first rows as read, and each column's suggested field preselected.
    expect(await w.page.locator('#preview thead th').allTextContents()).toEqual([
      'Строка',
      'Артикул',
      'Название',
      'Цена',
      'Валюта',
      'Цвет',
      'Код EAN',
      'MAIN',
    ]);
    expect(await w.page.locator('#preview tbody tr').count()).toBe(2);
    expect(await w.page.locator('#preview tbody tr').first().getAttribute('data-line')).toBe('2');
    const fieldOf = (column: string) => w.page.getByLabel(`Поле колонки «${column}»`);
    expect(await fieldOf('Артикул').inputValue()).toBe('sku');
    expect(await fieldOf('Цена').inputValue()).toBe('price');
    expect(await fieldOf('MAIN').inputValue()).toBe('stock:MAIN');
    expect(await fieldOf('Код EAN').inputValue()).toBe('attribute:Код EAN');
    expect(await fieldOf('Цена').locator('option:checked').textContent()).toBe('базовая цена');

    // "Код EAN" is the barcode, not an attribute.
    // A column mapped twice is refused with why, in the seller's words, and nothing is queued.
    await fieldOf('Название').selectOption({ label: 'артикул' });
    await w.page.getByRole('button', { name: 'Применить' }).click();
    await w.page.waitForURL(/\/imports\/\d+\/apply$/);
    expect(await w.page.getByRole('alert').textContent()).toBe(
      'Неверное сопоставление колонок: поле «артикул» выбрано у двух колонок',
    );
    expect(await w.page.locator('#import-status').getAttribute('data-state')).toBe('uploaded');
    await fieldOf('Название').selectOption({ label: 'название' });
    await fieldOf('Код EAN').selectOption({ label: 'штрихкод EAN' });
    await w.page.getByRole('button', { name: 'Применить' }).click();
    await w.page.locator('#import-status[data-state="applied"]').waitFor({ timeout: 20_000 });
    const stat = (name: string) => w.page.locator(`[data-stat="${name}"] b`).textContent();
    expect(await stat('rows')).toBe('2');
    expect(await stat('created')).toBe('2');
    expect(await stat('prices')).toBe('2');
    expect(await stat('movements')).toBe('2');

    const [mug] = await rows<{ ean: string | null; attributes: Record<string, unknown>; amount: number }>(
      panel.server.hub.db,
      sql`
      select p.ean, p.attributes, pp.amount from products p join product_prices pp on pp.product_id = p.id where p.sku = 'IMP-1'`,
    );
    expect(mug).toMatchObject({ ean: '4006381333931', attributes: { Цвет: 'синий' } });
    expect(Number(mug.amount)).toBe(129990);

    await w.page.getByRole('link', { name: 'К товарам' }).click();
    await w.page.waitForURL(/\/products/);
    await w.page.getByText('IMP-1').first().waitFor();
    expect(await w.page.getByText('Кружка красная').count()).toBeGreaterThan(0);

    // The import is in the list, applied.
    await w.page.goto('/imports');
    expect(await w.page.locator('#imports tbody tr').first().getAttribute('data-state')).toBe('applied');
    expectNoConsoleErrors(w);
  });

  it('a file with one bad row writes nothing and shows the row’s line and problem in the seller’s language', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/imports');
    await upload(w, 'плохой.csv', badFile);
    await w.page.getByRole('button', { name: 'Применить' }).click();
    await w.page.locator('#import-status[data-state="invalid"]').waitFor({ timeout: 20_000 });
    const errors = w.page.locator('#import-errors tbody tr');
    expect(await errors.count()).toBe(1);
    expect(await errors.first().getAttribute('data-line')).toBe('3');
    expect(await errors.first().locator('td').allTextContents()).toEqual([
      '3',
      'Цена',
      'цена — число, например 1299,90',
    ]);
    expect(await w.page.locator('#import-status .notice-warn').textContent()).toContain('Ничего не записано');
    expect(await count(sql`select count(*) as n from products where sku like 'BAD-%'`)).toBe(0);

    // In English the same row says it in English.
    const en = await panel.open({ locale: 'en-GB' });
    await signIn(en, panel.server.adminKey, new URL(w.page.url()).pathname);
    expect(await en.page.locator('#import-errors tbody tr td').allTextContents()).toEqual([
      '3',
      'Цена',
      'a price is a number such as 1299.90',
    ]);
    expectNoConsoleErrors(w);
    expectNoConsoleErrors(en);
  });

  it('an import that ends invalid while its page watches shows its errors and its mapping form, without a reload by hand', async () => {
    // The engine is held, so the page opens on the queued job and follows it until it ends.
    await stopEngine?.();
    stopEngine = undefined;
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/imports');
    await upload(w, 'ждёт.csv', badFile);
    await w.page.getByRole('button', { name: 'Применить' }).click();
    await w.page.locator('#import-status[data-state="queued"]').waitFor();
    expect(await w.page.locator('#mapping-form').count()).toBe(0);
    await w.page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    stopEngine = await startEngine(panel.server.hub);
    await w.page.locator('#import-status[data-state="invalid"]').waitFor({ timeout: 20_000 });
    // The status swapped in place (htmx), the page was not reloaded.
    expect(await w.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await w.page.locator('#import-errors tbody tr').count()).toBe(1);
    await w.page.locator('#mapping-form').waitFor();
    expect(await w.page.getByLabel('Поле колонки «Цена»').inputValue()).toBe('price');
    // The form works: mapping the bad column to nothing applies the file.
    await w.page.getByLabel('Поле колонки «Цена»').selectOption('ignore');
    await w.page.getByLabel('Поле колонки «Валюта»').selectOption('ignore');
    await w.page.getByRole('button', { name: 'Применить' }).click();
    await w.page.locator('#import-status[data-state="applied"]').waitFor({ timeout: 20_000 });
    expectNoConsoleErrors(w);
  });

  it('a file that cannot be read is refused on the form, in place, without leaving it', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/imports');
    await w.page.locator('#f-file').setInputFiles({ name: 'пусто.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
    await w.page.getByRole('button', { name: 'Загрузить и посмотреть' }).click();
    await w.page.locator('[data-upload-problem] [role="alert"]').waitFor();
    expect(await w.page.locator('[data-upload-problem]').textContent()).toBe('Файл не читается: он пуст');
    expect(new URL(w.page.url()).pathname).toBe('/imports');
    expectNoConsoleErrors(w);
  });

  it('fits a 390 px phone: the form, the preview with its mapping, and the errors table', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, '/imports');
    expect(await noSidewaysScroll(w)).toBeLessThanOrEqual(0);
    await upload(w, 'телефон.csv', badFile);
    expect(await noSidewaysScroll(w)).toBeLessThanOrEqual(0);
    await w.page.getByRole('button', { name: 'Применить' }).click();
    await w.page.locator('#import-status[data-state="invalid"]').waitFor({ timeout: 20_000 });
    expect(await noSidewaysScroll(w)).toBeLessThanOrEqual(0);
    await w.screenshot('imports-phone');
    expectNoConsoleErrors(w);
  });
});
