import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProduct, getProduct } from '../catalog/products.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

describe('web panel: products in a real browser', () => {
  const panel = usePanel();
  let mugId: number;

  beforeAll(async () => {
    const db = panel.server.hub.db;
    for (let i = 1; i <= 30; i++) {
      await createProduct(db, { sku: `TEA-${String(i).padStart(3, '0')}`, name: `Чай зелёный ${i}` }, 'seed');
    }
    mugId = (await createProduct(db, { sku: 'MUG-RED-350', name: 'Кружка красная 350 мл', ean: '4601234567893' }, 'seed')).id;
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
    expect(await w.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(panel.server.adminKey);
    expect(await w.page.locator('.product').count()).toBe(24);
    await expect.poll(() => w.page.locator('.pager').textContent()).toContain('1–24 из 31');
    await w.screenshot('products-list');
    expectNoConsoleErrors(w);
  });

  it('finds a product, refuses a wrong EAN beside the field without saving, saves the fix and shows it in history', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/products');

    await w.page.getByLabel('Поиск по названию, артикулу или EAN').fill('кружка');
    await expect.poll(() => w.page.locator('.product').count()).toBe(1);
    expect(w.page.url()).toContain('q=');
    const card = w.page.locator('.product', { hasText: 'MUG-RED-350' });
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
    const png = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: '#c0392b' } }).png().toBuffer();

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
    const thumb = w.page.locator('.product img.thumb');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
    expectNoConsoleErrors(w);
  });

  it('refuses a file that is not an image, beside the file field', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/products/${mugId}`);
    await w.page.getByLabel('Файл изображения').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
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
    expect(await w.page.locator('.product').count()).toBeGreaterThan(0);
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
    const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
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
    await w.page.route(/\/products\?q=/, (route) => (fail ? route.fulfill({ status: 500, body: 'boom' }) : route.continue()));
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
    await expect.poll(() => w.page.locator('.product').count()).toBe(1);
    expect(await alert.count()).toBe(0);
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
