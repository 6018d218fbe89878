import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createProduct, getProduct } from '../catalog/products.ts';
import { rows } from '../db/database.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

describe('web panel: products in a real browser', () => {
  const panel = usePanel();
  let mugId: number;

  beforeAll(async () => {
    const db = panel.server.hub.db;
    for (let i = 1; i <= 30; i++) {
      await createProduct(db, { sku: `TEA-${String(i).padStart(3, '0')}`, name: `Чай зелёный ${i}` }, 'seed');
    }
    mugId = (
      await createProduct(db, { sku: 'MUG-RED-350', name: 'Кружка красная 350 мл', ean: '4601234567893' }, 'seed')
    ).id;
  });

  it('sends a visitor to sign in, refuses a wrong key, and comes back to the page asked for', async () => {
    const w = await panel.open();
    await w.page.goto('/products');
    await w.page.waitForURL(/\/login\?next=%2Fproducts/);
    await w.page.getByLabel('API-ключ').fill('sk_not_a_real_key');
    await w.page.getByRole('button', { name: 'Войти' }).click();
    await expect.poll(() => w.page.getByRole('alert').textContent()).toContain('Ключ неизвестен или отозван');
    await w.screenshot('products-sign-in-refused');

    await w.page.getByLabel('API-ключ').fill(panel.server.adminKey);
    await w.page.getByRole('button', { name: 'Войти' }).click();
    await w.page.waitForURL(/\/products$/);
    const cookies = await w.context.cookies();
    const session = cookies.find((c) => c.name === 'sklad_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session!.value).not.toContain(panel.server.adminKey);
    // The key is never kept in page storage.
    expect(
      await w.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
    ).not.toContain(panel.server.adminKey);
    expect(await w.page.locator('#products tbody tr').count()).toBe(24);
    await expect.poll(() => w.page.locator('.pager').textContent()).toContain('На странице 24 из 31');
    await w.screenshot('products-list');
    expectNoConsoleErrors(w);
  });

  it('finds a product, refuses a wrong EAN beside the field without saving, saves the fix and shows it in history', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products');

    await w.page.getByLabel('Поиск по названию, артикулу или EAN').fill('кружка');
    await expect.poll(() => w.page.locator('#products tbody tr').count()).toBe(1);
    expect(w.page.url()).toContain('q=');
    const card = w.page.locator('#products tbody tr', { hasText: 'MUG-RED-350' });
    await card.getByRole('link', { name: /Изменить/ }).click();
    await w.page.waitForURL(new RegExp(`/products/${mugId}/edit$`));

    await w.page.getByLabel('EAN').fill('4601234567890');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    const eanError = w.page.locator('#f-ean-error');
    await expect.poll(() => eanError.textContent()).toContain('Контрольная цифра EAN — 0, а должна быть 3');
    expect(await w.page.getByLabel('EAN').getAttribute('aria-invalid')).toBe('true');
    expect(await w.page.getByLabel('EAN').inputValue()).toBe('4601234567890');
    await w.screenshot('products-edit-wrong-ean');
    expect((await getProduct(panel.server.hub.db, mugId)).ean).toBe('4601234567893');

    await w.page.getByLabel('EAN').fill('4600000000008');
    await w.page.getByLabel('Название').fill('Кружка красная 350 мл, керамика');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(new RegExp(`/products/${mugId}\\?saved=1$`));
    await expect.poll(() => w.page.getByRole('status').first().textContent()).toContain('Сохранено');
    const saved = await getProduct(panel.server.hub.db, mugId);
    expect(saved).toMatchObject({ ean: '4600000000008', name: 'Кружка красная 350 мл, керамика' });

    const lastChange = w.page.locator('#history tbody tr').first();
    expect(await lastChange.locator('[data-change="ean"]').textContent()).toContain('4601234567893 → 4600000000008');
    expect(await lastChange.locator('[data-change="name"]').textContent()).toContain('Кружка красная 350 мл, керамика');
    expect(await lastChange.textContent()).toContain('test-admin');
    await w.screenshot('products-saved-history');
    expectNoConsoleErrors(w);
  });

  it('uploads an image with a preview, and shows the optimised picture on the card and in the list', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/products/${mugId}`);
    const png = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: '#c0392b' } })
      .png()
      .toBuffer();

    await w.page.getByLabel('Файл изображения').setInputFiles({ name: 'mug.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => w.page.locator('#image-preview').isVisible()).toBe(true);
    await w.screenshot('products-image-preview');
    await w.page.getByRole('button', { name: 'Загрузить изображение' }).click();
    await w.page.waitForURL(/\?image=1$/);
    const photo = w.page.locator('img#product-photo');
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1600);
    expect((await getProduct(panel.server.hub.db, mugId)).image).toMatchObject({ width: 1600, height: 1200 });
    expect(await w.page.locator('#history tbody tr').first().textContent()).toContain('новое изображение');
    await w.screenshot('products-image-saved');

    await w.page.goto('/products?q=MUG-RED');
    const thumb = w.page.locator('#products img.thumb');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
    expectNoConsoleErrors(w);
  });

  it('refuses a file that is not an image, beside the file field', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/products/${mugId}`);
    await w.page
      .getByLabel('Файл изображения')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    await w.page.getByRole('button', { name: 'Загрузить изображение' }).click();
    await expect.poll(() => w.page.locator('#f-file-error').textContent()).toContain('Это не изображение');
    await w.screenshot('products-image-refused');
    expectNoConsoleErrors(w);
  });

  it('shows a read-only key no edit buttons or forms, and its changes are refused', async () => {
    const readonlyKey = await panel.server.keyFor('readonly', 'viewer');
    const w = await panel.open();
    await signIn(w, readonlyKey, `/products/${mugId}`);
    expect(await w.page.getByRole('link', { name: /Изменить/ }).count()).toBe(0);
    expect(await w.page.locator('form[action$="/image"]').count()).toBe(0);
    await w.page.goto('/products');
    expect(await w.page.locator('#products tbody tr').count()).toBeGreaterThan(0);
    expect(await w.page.getByRole('link', { name: /Изменить/ }).count()).toBe(0);

    const origin = panel.server.baseUrl;
    const refused = await w.page.request.post(`/products/${mugId}/edit`, {
      headers: { origin },
      form: { sku: 'HACKED', name: 'x', ean: '', description: '' },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('Роль вашего ключа не позволяет');
    expect((await getProduct(panel.server.hub.db, mugId)).sku).toBe('MUG-RED-350');
    await w.screenshot('products-readonly');
    expectNoConsoleErrors(w);
  });

  it('refuses a form posted from another origin', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products');
    const forged = await w.page.request.post(`/products/${mugId}/edit`, {
      headers: { origin: 'https://evil.example' },
      form: { sku: 'FORGED', name: 'x', ean: '', description: '' },
    });
    expect(forged.status()).toBe(403);
    expect((await getProduct(panel.server.hub.db, mugId)).sku).toBe('MUG-RED-350');
  });

  it('speaks English when asked and fits a phone screen', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, '/products');
    await w.page.getByRole('link', { name: 'English' }).click();
    await w.page.waitForURL(/\/products$/);
    expect(await w.page.locator('h1').textContent()).toBe('Products');
    const overflow = await w.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await w.screenshot('products-phone-english');
    await w.page.getByRole('link', { name: 'Русский' }).click();
    await w.page.waitForURL(/\/products$/);
    expect(await w.page.locator('h1').textContent()).toBe('Товары');
    expectNoConsoleErrors(w);
  });

  it('says so beside the search when the server fails, and recovers on the next try', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products');
    let fail = true;
    await w.page.route(/\/products\?q=/, (route) =>
      fail ? route.fulfill({ status: 500, body: 'boom' }) : route.continue(),
    );
    await w.page.getByLabel('Поиск по названию, артикулу или EAN').fill('кружка');
    const alert = w.page.locator('[data-request-problem]');
    await expect.poll(() => alert.textContent()).toContain('Сервер не смог это выполнить (500)');
    expect(await alert.getAttribute('role')).toBe('alert');
    await w.screenshot('products-search-server-error');
    // The browser reports the refused request itself; that one was expected, nothing else.
    expect(w.problems.every((p) => p.includes('500'))).toBe(true);
    w.problems.length = 0;

    fail = false;
    await w.page.getByLabel('Поиск по названию, артикулу или EAN').fill('MUG-RED');
    await expect.poll(() => w.page.locator('#products tbody tr').count()).toBe(1);
    expect(await alert.count()).toBe(0);
  });

  it('pages by cursor and sorts by a heading, keeping the search; selects rows and sets an attribute on them in one go', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products?q=TEA');
    const skus = () =>
      w.page.locator('#products tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-sku')));
    const first = await skus();
    expect(first).toHaveLength(24);
    await w.page
      .locator('.pager')
      .getByRole('link', { name: /Дальше/ })
      .click();
    await w.page.waitForURL(/cursor=/);
    expect(w.page.url()).toContain('q=TEA');
    const second = await skus();
    expect(second).toEqual(['TEA-025', 'TEA-026', 'TEA-027', 'TEA-028', 'TEA-029', 'TEA-030']);
    await w.page.locator('.pager').getByRole('link', { name: /Назад/ }).click();
    await w.page.waitForURL(/before=/);
    expect(await skus()).toEqual(first);

    // The SKU heading sorts Z→A; the search stays.
    await w.page.locator('#products thead').getByRole('link', { name: 'Артикул' }).click();
    await w.page.waitForURL(/sort=sku_desc/);
    expect(w.page.url()).toContain('q=TEA');
    expect((await skus())[0]).toBe('TEA-030');

    // Two rows ticked by hand, one attribute set on both, one history row each.
    await w.page.getByRole('checkbox', { name: 'Выбрать «Чай зелёный 30»' }).check();
    await w.page.getByRole('checkbox', { name: 'Выбрать «Чай зелёный 29»' }).check();
    await w.page.getByLabel('Атрибут').fill('сорт');
    await w.page.getByLabel('Значение', { exact: true }).fill('сенча');
    await w.screenshot('products-bulk-selected');
    await w.page.getByRole('button', { name: 'Задать атрибут' }).click();
    await w.page.waitForURL(/done=2/);
    expect(w.page.url()).toContain('sort=sku_desc');
    expect(await w.page.getByRole('status').first().textContent()).toContain('Изменено товаров: 2');
    const db = panel.server.hub.db;
    const tagged = await rows<{ sku: string }>(
      db,
      sql`select sku from products where attributes->>'сорт' = 'сенча' order by sku`,
    );
    expect(tagged.map((r) => r.sku)).toEqual(['TEA-029', 'TEA-030']);
    const ops = await rows<{ n: number }>(
      db,
      sql`
      select count(*)::int as n from operations o join products p on o.entity_id = p.id::text
       where p.sku in ('TEA-029', 'TEA-030') and o.actor = 'test-admin' and o.changes ? 'attributes'`,
    );
    expect(ops[0].n).toBe(2);
    await w.screenshot('products-bulk-done');
    expectNoConsoleErrors(w);
  });

  it('selects all on the page, sets a base price and archives them; a row changed meanwhile refuses the whole edit', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products?q=TEA-00');
    await w.page.getByRole('link', { name: /Выбрать все на странице/ }).click();
    await w.page.waitForURL(/select=all/);
    const boxes = w.page.locator('#products tbody input[type=checkbox]');
    expect(await boxes.count()).toBe(9);
    expect(await boxes.evaluateAll((list) => list.every((b) => (b as HTMLInputElement).checked))).toBe(true);
    await w.page.getByLabel('Базовая цена').fill('1 299,90');
    await w.page.getByRole('button', { name: 'Задать цену' }).click();
    await w.page.waitForURL(/done=9/);
    const db = panel.server.hub.db;
    const prices = await rows<{ amount: number }>(
      db,
      sql`
      select pp.amount::int as amount from product_prices pp join products p on p.id = pp.product_id where p.sku like 'TEA-00%'`,
    );
    expect(prices.map((p) => p.amount)).toEqual(Array(9).fill(129_990));

    // Someone renames TEA-001 after the page was shown: the archive is refused for all nine, the row named.
    await w.page.getByRole('link', { name: /Выбрать все на странице/ }).click();
    await w.page.waitForURL(/select=all/);
    const tea1 = (await rows<{ id: number }>(db, sql`select id from products where sku = 'TEA-001'`))[0].id;
    await panel.server.api(`/api/v1/products/${tea1}`, {
      method: 'PATCH',
      json: { name: 'Чай зелёный 1, переименован' },
    });
    await w.page.getByRole('button', { name: 'В архив' }).click();
    await expect.poll(() => w.page.locator('#bulk-refused').textContent()).toContain('TEA-001');
    expect(await w.page.getByRole('alert').first().textContent()).toContain('Ничего не изменено');
    const archived = await rows<{ n: number }>(
      db,
      sql`select count(*)::int as n from products where archived_at is not null`,
    );
    expect(archived[0].n).toBe(0);
    await w.screenshot('products-bulk-refused');

    // The page again, fresh versions: all nine go to the archive and leave the list.
    await w.page.goto('/products?q=TEA-00&select=all');
    await w.page.getByRole('button', { name: 'В архив' }).click();
    await w.page.waitForURL(/done=9/);
    expect(await w.page.locator('#results .state-empty').count()).toBe(1);
    await w.page.getByRole('combobox', { name: 'Архив' }).selectOption('only');
    await w.page.getByRole('button', { name: 'Найти' }).click();
    await w.page.waitForURL(/archived=only/);
    expect(await w.page.locator('#products tbody tr').count()).toBe(9);
    await w.page.goto('/products?q=TEA-00&archived=only&select=all');
    await w.page.getByRole('button', { name: 'Вернуть из архива' }).click();
    await w.page.waitForURL(/done=9/);
    expectNoConsoleErrors(w);
  });

  it('says which field is wrong and changes nothing when no row is ticked or the price is no number', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, '/products');
    await w.page.getByRole('button', { name: 'В архив' }).click();
    await expect.poll(() => w.page.getByRole('alert').first().textContent()).toContain('Не выбрано ни одного товара');
    await w.page.getByRole('checkbox', { name: 'Выбрать «Чай зелёный 1, переименован»' }).check();
    await w.page.getByLabel('Базовая цена').fill('двести');
    await w.page.getByRole('button', { name: 'Задать цену' }).click();
    await expect.poll(() => w.page.locator('#f-price-error').textContent()).toContain('Цена — число');
    expect(await w.page.getByRole('checkbox', { name: 'Выбрать «Чай зелёный 1, переименован»' }).isChecked()).toBe(
      true,
    );
    const overflow = await w.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await w.screenshot('products-bulk-phone');
  });

  it('signs out: the session no longer opens pages', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products');
    await w.page.getByRole('button', { name: 'Выйти' }).click();
    await w.page.waitForURL(/\/login$/);
    await w.page.goto('/products');
    await w.page.waitForURL(/\/login\?next=/);
    expectNoConsoleErrors(w);
  });
});
