import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIikoSimulator, seedIiko, type SeededIiko } from '../../simulators/iiko/index.ts';
import { expectNoConsoleErrors, signIn, usePanel } from '../web/test-kit.ts';
import { ensureIikoSetting } from './settings.ts';

describe('web panel: the iiko menu page in a real browser', () => {
  const panel = usePanel();
  const sim = createIikoSimulator();
  let seeded: SeededIiko;
  let simServer: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    seeded = seedIiko(sim.state, { organizations: 1 });
    simServer = await sim.listen();
    // As the demo does it: setting 1 against the simulator.
    await ensureIikoSetting(
      panel.server.hub,
      { name: 'Пицца «Восток»', api_login: seeded.apiLogin, base_url: simServer.url },
      'test',
    );
  });
  afterAll(() => simServer?.close());

  const org = () => seeded.organizationIds[0];

  it('loads the menu with the full-sync button, then shows the category tree and dishes with prices', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/menu');
    expect(await w.page.locator('h1').textContent()).toBe('Меню iiko');
    expect(await w.page.getByRole('status').first().textContent()).toContain('Меню ещё не загружено');

    // The sync runs inside the request: on a busy machine a full one takes a while.
    await w.page.getByRole('button', { name: 'Полная синхронизация' }).click({ timeout: 60_000 });
    await w.page.waitForURL(/\/menu\?.*run=\d+/, { timeout: 60_000 });
    expect(await w.page.getByRole('status').first().textContent()).toMatch(
      /Синхронизация «Полная синхронизация» завершена: успешно/,
    );

    const pizza = w.page.locator('.tree > li[data-category="Пицца"]');
    expect(
      await pizza.locator('.tree > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-category'))),
    ).toEqual(['Классические', 'Фирменные', 'Вегетарианские']);
    expect(await w.page.locator('.tree').first().textContent()).not.toContain('Модификаторы');
    expect(await w.page.locator('#menu-products tbody tr').count()).toBe(50);
    await w.screenshot('menu-after-full-sync');

    await pizza.getByRole('link', { name: 'Классические', exact: true }).click();
    await w.page.waitForURL(/category=\d+/);
    const rows = w.page.locator('#menu-products tbody tr');
    expect(await rows.count()).toBe(18);
    expect(await rows.first().locator('td.num').textContent()).toMatch(/₽/);
    // A top-level category shows the dishes of its subcategories.
    expect(await pizza.locator('> .count').textContent()).toBe('(40)');
    await pizza.getByRole('link', { name: 'Пицца', exact: true }).click();
    await w.page.waitForURL((url) => url.searchParams.get('category') !== null && !url.search.includes('run='));
    await expect.poll(() => rows.count()).toBe(40);
    expectNoConsoleErrors(w);
  }, 120_000);

  it('a stop-list sync marks a dish unavailable and lists it on the stop lists tab', async () => {
    const [dish] = sim.state.dishes(org()).slice(3, 4);
    sim.state.stop(dish.id, { balance: 0 });
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/menu');
    await w.page.getByRole('button', { name: 'Стоп-листы' }).click({ timeout: 60_000 });
    await w.page.waitForURL(/run=\d+/, { timeout: 60_000 });
    await w.page.getByLabel('Доступность').selectOption('no');
    await w.page.getByRole('button', { name: 'Показать' }).last().click();
    await w.page.waitForURL(/available=no/);
    const row = w.page.locator('#menu-products tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-external-id')).toBe(dish.id);
    expect(await row.textContent()).toContain('В стоп-листе');

    await w.page.getByRole('link', { name: 'Стоп-листы' }).click();
    await w.page.waitForURL(/\/menu\/stop-lists/);
    const stops = w.page.locator(`#stop-lists tbody tr[data-external-id="${dish.id}"]`);
    expect(await stops.count()).toBe(3); // one per terminal group
    expect(await stops.first().textContent()).toContain(dish.name);
    await w.screenshot('menu-stop-lists');
    expectNoConsoleErrors(w);
  }, 120_000);

  it('edits a dish’s local fields with errors beside the field, and a menu sync keeps them', async () => {
    const [dish] = sim.state.dishes(org()).slice(0, 1);
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/menu?q=${encodeURIComponent(dish.code)}`);
    await w.page.locator('#menu-products tbody tr').first().getByRole('link').first().click();
    await w.page.waitForURL(/\/menu\/products\/\d+$/);
    expect(await w.page.locator('h1').textContent()).toBe(dish.name);
    expect(await w.page.locator('#modifier-groups').textContent()).toContain('Тесто — от 1 до 1, обязательно');

    await w.page.getByLabel('Показывать на сайте').uncheck();
    await w.page.getByLabel('SEO-заголовок').fill('Лучшая пицца');
    await w.page.getByLabel('Теги').fill('веган, острое');
    await w.page.getByLabel('Ссылки на изображения').fill('not a url');
    await w.page.getByLabel('Порядок сортировки').fill('3');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    expect(await w.page.locator('#f-image_urls-error').textContent()).toContain('полный адрес');
    // What was typed is kept.
    expect(await w.page.getByLabel('SEO-заголовок').inputValue()).toBe('Лучшая пицца');
    await w.screenshot('menu-product-error');

    await w.page
      .getByLabel('Ссылки на изображения')
      .fill('https://cdn.example.com/pizza-1.jpg\nhttps://cdn.example.com/pizza-2.jpg');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(/saved=1$/);
    const productUrl = w.page.url().replace(/\?saved=1$/, '');

    sim.state.rename(dish.id, 'Пицца после правки в iiko');
    await w.page.goto('/menu');
    await w.page.getByRole('button', { name: 'Меню', exact: true }).click({ timeout: 60_000 });
    await w.page.waitForURL(/run=\d+/, { timeout: 60_000 });
    await w.page.goto(productUrl);
    expect(await w.page.locator('h1').textContent()).toBe('Пицца после правки в iiko');
    expect(await w.page.getByLabel('Показывать на сайте').isChecked()).toBe(false);
    expect(await w.page.getByLabel('SEO-заголовок').inputValue()).toBe('Лучшая пицца');
    expect(await w.page.getByLabel('Теги').inputValue()).toBe('веган, острое');
    expect(await w.page.getByLabel('Ссылки на изображения').inputValue()).toBe(
      'https://cdn.example.com/pizza-1.jpg\nhttps://cdn.example.com/pizza-2.jpg',
    );
    expect(await w.page.getByLabel('Порядок сортировки').inputValue()).toBe('3');
    await w.screenshot('menu-product-kept');

    const api = await panel.server.api(`/api/v1/data/products/${productUrl.split('/').pop()}`);
    expect(api.body).toMatchObject({
      is_visible: false,
      seo_title: 'Лучшая пицца',
      tags: ['веган', 'острое'],
      sort_order: 3,
    });
    expectNoConsoleErrors(w);
  }, 120_000);

  it('hides a category from its edit page, and the tree says so', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/menu');
    await w.page.getByRole('link', { name: 'Изменить: Десерты' }).click();
    await w.page.waitForURL(/\/menu\/categories\/\d+$/);
    await w.page.getByLabel('Показывать на сайте').uncheck();
    await w.page.getByLabel('SEO-заголовок').fill('Десерты с доставкой');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(/saved=1$/);
    await w.page.getByRole('link', { name: /Меню iiko/ }).click();
    expect(await w.page.locator('.tree li[data-category="Десерты"]').first().textContent()).toContain('Скрыто');
    expectNoConsoleErrors(w);
  }, 120_000);

  it('shows the sync history, in English too, and a read-only key sees no sync buttons', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/menu/history');
    const runs = w.page.locator('#menu-history tbody tr');
    expect(await runs.count()).toBe(3);
    expect(await runs.first().getAttribute('data-type')).toBe('menu');
    expect(await w.page.locator('#menu-history tbody tr[data-type="full"]').getAttribute('data-status')).toBe(
      'success',
    );
    await w.page.getByRole('link', { name: 'English' }).click();
    await w.page.waitForURL(/\/menu\/history/);
    expect(await w.page.locator('h1').textContent()).toBe('iiko menu');
    expect(await w.page.locator('#menu-history thead').textContent()).toContain('Records');
    await w.screenshot('menu-history-en');

    const reader = await panel.open();
    await signIn(reader, await panel.server.keyFor('readonly', 'menu-reader'), '/menu');
    expect(await reader.page.locator('#menu-products tbody tr').count()).toBeGreaterThan(0);
    expect(await reader.page.getByRole('button', { name: 'Полная синхронизация' }).count()).toBe(0);
    const phone = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(phone, panel.server.adminKey, '/menu');
    expect(
      await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    await phone.screenshot('menu-phone');
    expectNoConsoleErrors(w);
    expectNoConsoleErrors(reader);
    expectNoConsoleErrors(phone);
  }, 120_000);
});
