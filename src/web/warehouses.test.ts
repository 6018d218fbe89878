import { beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from '../catalog/products.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { getStockRule } from '../channels/core/availability.ts';
import { setMirrorLevels } from '../inventory/levels.ts';
import { getLevels, recordMovement } from '../inventory/movements.ts';
import { ensureWarehouse } from '../inventory/warehouses.ts';
import { upsertOrder } from '../orders/service.ts';
import type { WatchedPage } from '../test/browser.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/**
 * The Warehouses page in a real browser: a warehouse made, renamed and archived; stock
 * transferred into it and its levels shown; own warehouses apart from the marketplace's
 * mirrors, which take no write-off; which warehouses feed an account's stock. And a
 * cancelled order reads "cancelled", not "written off".
 */

const overflow = (w: WatchedPage) =>
  w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('web panel: warehouses', () => {
  const panel = usePanel();
  let teapot: number;
  let main: number;
  let fbo: number;
  let accountId: number;

  beforeAll(async () => {
    const { db, masterKey } = panel.server.hub;
    main = (await ensureWarehouse(db, { code: 'MAIN', name: 'Основной склад', kind: 'own', readOnly: false })).id;
    fbo = (
      await ensureWarehouse(db, {
        code: 'OZON-FBO-1',
        name: 'Кабинет: Ozon FBO',
        kind: 'mirror',
        source: 'ozon:fbo',
        readOnly: true,
      })
    ).id;
    teapot = (await createProduct(db, { sku: 'TEAPOT-1L', name: 'Чайник 1 л' }, 'seed')).id;
    await db.transaction((tx) =>
      recordMovement(tx, { type: 'receipt', productId: teapot, warehouseId: main, quantity: 10 }, 'seed'),
    );
    await db.transaction((tx) => setMirrorLevels(tx, fbo, [{ productId: teapot, onHand: 7, reserved: 1 }]));
    accountId = (
      await createAccount(
        db,
        masterKey!,
        {
          channel: 'generic',
          name: 'Магазин на сайте',
          baseUrl: 'http://127.0.0.1:9',
          credentials: { apiKey: 'generic-key-warehouses' },
        },
        'seed',
      )
    ).id;
  });

  const level = async (warehouseId: number) =>
    (await getLevels(panel.server.hub.db, { productIds: [teapot], warehouseIds: [warehouseId] }))[0];

  it('creates a warehouse, transfers stock into it and shows its levels; renames it; archives it only once empty', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/');
    await w.page.getByRole('navigation').getByRole('link', { name: 'Склады', exact: true }).click();
    await w.page.waitForURL(/\/warehouses$/);
    expect(await w.page.title()).toContain('Склады');

    // Own warehouses and the marketplace's mirrors are two lists.
    const own = w.page.locator('#own-warehouses');
    const mirrors = w.page.locator('#mirror-warehouses');
    expect(await own.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-warehouse')))).toEqual([
      'MAIN',
    ]);
    expect(
      await mirrors.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-warehouse'))),
    ).toEqual(['OZON-FBO-1']);
    expect(await own.locator('tr[data-warehouse="MAIN"] [data-on-hand]').textContent()).toBe('10');
    expect(await mirrors.locator('tr[data-warehouse="OZON-FBO-1"] [data-on-hand]').textContent()).toBe('7');
    expect(await mirrors.locator('tr[data-warehouse="OZON-FBO-1"]').textContent()).toContain('Ozon · FBO');

    // A missing code and a taken one (codes are case-blind) are said beside the field; nothing is made.
    const form = w.page.locator('#new-warehouse');
    await form.getByLabel('Название').fill('Склад в Петербурге');
    await form.getByRole('button', { name: '+ Создать склад' }).click();
    await expect.poll(() => w.page.locator('#f-code-error').textContent()).toBe('обязательно');
    expect(await w.page.locator('#new-warehouse').getByLabel('Название').inputValue()).toBe('Склад в Петербурге');
    await w.page.locator('#new-warehouse').getByLabel('Код').fill('main');
    await w.page.locator('#new-warehouse').getByRole('button', { name: '+ Создать склад' }).click();
    await expect.poll(() => w.page.locator('#f-code-error').textContent()).toMatch(/main|MAIN/);
    expect(await w.page.locator('#own-warehouses tbody tr').count()).toBe(1);
    await w.screenshot('warehouses-code-taken');

    await w.page.locator('#new-warehouse').getByLabel('Код').fill('SPB');
    await w.page.locator('#new-warehouse').getByRole('button', { name: '+ Создать склад' }).click();
    await w.page.waitForURL(/\/warehouses\/\d+\?done=created$/);
    const spb = Number(/\/warehouses\/(\d+)/.exec(w.page.url())![1]);
    expect(await w.page.getByRole('status').first().textContent()).toContain('Склад SPB создан');
    expect(await w.page.locator('#levels').count()).toBe(0);

    // Stock is transferred in with the stock page's form, the destination already chosen.
    await w.page.getByRole('link', { name: '⇄ Переместить сюда' }).click();
    await w.page.waitForURL(/\/stock\/move\?type=transfer&to_warehouse=\d+$/);
    const to = w.page.getByRole('combobox', { name: 'На склад' });
    expect(await to.inputValue()).toBe(String(spb));
    // The mirror takes no manual movement.
    expect(await w.page.locator('option', { hasText: 'OZON-FBO-1' }).count()).toBe(0);
    await w.page.getByLabel('Артикул товара').fill('TEAPOT-1L');
    await w.page.getByRole('combobox', { name: 'Со склада' }).selectOption({ label: 'MAIN · Основной склад' });
    await w.page.getByLabel('Количество').fill('4');
    await w.page.getByRole('button', { name: 'Переместить' }).click();
    await w.page.waitForURL(/\/stock\?done=/);
    expect((await level(main)).available).toBe(6);
    expect((await level(spb)).available).toBe(4);

    await w.page.goto(`/warehouses/${spb}`);
    expect(await w.page.locator('#levels tr[data-sku="TEAPOT-1L"] [data-available]').textContent()).toBe('4');
    await w.page.goto('/warehouses');
    expect(await w.page.locator('#own-warehouses tr[data-warehouse="SPB"] [data-on-hand]').textContent()).toBe('4');
    expect(await w.page.locator('#own-warehouses tr[data-warehouse="MAIN"] [data-on-hand]').textContent()).toBe('6');

    // Renamed.
    await w.page.locator('#own-warehouses tr[data-warehouse="SPB"] a').first().click();
    await w.page.waitForURL(new RegExp(`/warehouses/${spb}$`));
    await w.page.locator('#rename').getByLabel('Название').fill('Петербург, Шушары');
    await w.page.locator('#rename').getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(/\?done=saved$/);
    expect(await w.page.locator('h1').textContent()).toContain('Петербург, Шушары');

    // Not archived while it holds stock: the service's reason is shown and nothing changes.
    await w.page.getByRole('button', { name: 'В архив' }).click();
    await expect.poll(() => w.page.getByRole('alert').first().textContent()).toMatch(/4/);
    expect(await w.page.locator('[data-status]').getAttribute('data-status')).toBe('active');
    await w.screenshot('warehouses-not-empty');
    await panel.server.hub.db.transaction((tx) =>
      recordMovement(
        tx,
        { type: 'transfer', productId: teapot, warehouseId: spb, toWarehouseId: main, quantity: 4 },
        'test',
      ),
    );
    await w.page.goto(`/warehouses/${spb}`);
    await w.page.getByRole('button', { name: 'В архив' }).click();
    await w.page.waitForURL(/\?done=archive$/);
    expect(await w.page.locator('[data-status]').getAttribute('data-status')).toBe('archived');
    await w.page.goto('/warehouses');
    expect(await w.page.locator('#own-warehouses tr[data-warehouse="SPB"]').count()).toBe(0);
    await w.page.getByRole('link', { name: 'Показать архивные' }).click();
    await w.page.waitForURL(/\?archived=1$/);
    expect(await w.page.locator('#own-warehouses tr[data-warehouse="SPB"]').textContent()).toContain('в архиве');
    await w.page.goto(`/warehouses/${spb}`);
    await w.page.getByRole('button', { name: 'Вернуть из архива' }).click();
    await w.page.waitForURL(/\?done=restore$/);
    expect(await w.page.locator('[data-status]').getAttribute('data-status')).toBe('active');
    expectNoConsoleErrors(w);
  }, 60_000);

  it('chooses which warehouses feed an account, with its buffer and cap, as the API’s stock rule', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/warehouses');
    const row = w.page.locator('#feed-rules tr[data-account="Магазин на сайте"]');
    expect(await row.locator('[data-feed-warehouses]').textContent()).toBe('все свои склады (по умолчанию)');
    // With no choice every own warehouse feeds it; the mirror never does.
    expect(await w.page.locator('#own-warehouses tr[data-warehouse="MAIN"] [data-feeds]').allTextContents()).toEqual([
      'Магазин на сайте',
    ]);
    expect(await w.page.locator('#mirror-warehouses tr[data-warehouse="OZON-FBO-1"] [data-feeds]').count()).toBe(0);

    await row.getByRole('link', { name: 'Изменить' }).click();
    await w.page.waitForURL(new RegExp(`/warehouses/feeds/${accountId}$`));
    await w.page.getByLabel('Страховой запас').fill('-1');
    await w.page.getByRole('button', { name: 'Сохранить и отправить остатки' }).click();
    await expect.poll(() => w.page.locator('#f-safety_buffer-error').textContent()).toBe('Целое число, 0 или больше.');
    expect(await getStockRule(panel.server.hub.db, accountId)).toEqual({
      warehouse_ids: [],
      safety_buffer: 0,
      max_quantity: null,
    });

    await w.page.getByLabel('MAIN · Основной склад').check();
    await w.page.getByLabel('Страховой запас').fill('2');
    await w.page.getByLabel('Потолок').fill('50');
    await w.page.getByRole('button', { name: 'Сохранить и отправить остатки' }).click();
    await w.page.waitForURL(/\/warehouses\?feed=\d+/);
    expect(await w.page.getByRole('status').first().textContent()).toContain('Магазин на сайте');
    expect(await getStockRule(panel.server.hub.db, accountId)).toEqual({
      warehouse_ids: [main],
      safety_buffer: 2,
      max_quantity: 50,
    });
    const saved = w.page.locator('#feed-rules tr[data-account="Магазин на сайте"]');
    expect(await saved.locator('[data-feed-warehouses]').textContent()).toBe('MAIN · Основной склад');
    expect(await saved.textContent()).toContain('50');
    // As through the API, the account's quantities are pushed again.
    const [job] = await panel.server.hub.database.query<{ n: number }>(
      `select count(*)::int as n from jobs where type = 'channels.push' and account_id = $1`,
      [accountId],
    );
    expect(job.n).toBeGreaterThan(0);

    // The API reads the same rule.
    expect((await panel.server.api(`/api/v1/channels/accounts/${accountId}/availability`)).body).toEqual({
      warehouse_ids: [main],
      safety_buffer: 2,
      max_quantity: 50,
    });
    expectNoConsoleErrors(w);
  });

  it('offers no write-off on a mirror warehouse, which Sklad only reads', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/stock');
    const mirrorRow = w.page.locator('#levels tr[data-sku="TEAPOT-1L"][data-warehouse="OZON-FBO-1"]');
    const ownRow = w.page.locator('#levels tr[data-sku="TEAPOT-1L"][data-warehouse="MAIN"]');
    expect(await mirrorRow.getAttribute('data-mirror')).toBe('true');
    expect(await mirrorRow.getByRole('link', { name: 'Списать' }).count()).toBe(0);
    expect(await ownRow.getByRole('link', { name: 'Списать' }).count()).toBe(1);
    // Filtered to the mirror, the page offers no write-off either.
    await w.page.goto(`/stock?warehouse=${fbo}`);
    expect(await w.page.getByRole('link', { name: /Списать/ }).count()).toBe(0);
    await w.page.goto(`/warehouses/${fbo}`);
    expect(await w.page.getByRole('link', { name: /Переместить сюда|Оприходовать сюда/ }).count()).toBe(0);
    expect(await w.page.locator('#rename input[name="code"]').getAttribute('type')).toBe('hidden');
    expectNoConsoleErrors(w);
  });

  it('says a cancelled order is cancelled: its stock came back, nothing is written off', async () => {
    const db = panel.server.hub.db;
    const order = {
      accountId,
      channel: 'generic',
      externalId: 'WEB-1001',
      orderedAt: '2026-12-01T10:00:00Z',
      currency: 'RUB',
      totalMinor: 150_000,
      warehouseId: main,
      lines: [{ productId: teapot, sku: 'TEAPOT-1L', name: 'Чайник 1 л', quantity: 2, priceMinor: 75_000 }],
    };
    const before = (await level(main)).on_hand;
    const { orderId } = await db.transaction((tx) => upsertOrder(tx, { ...order, status: 'new' }, 'test'));
    expect((await level(main)).on_hand).toBe(before - 2);
    await db.transaction((tx) => upsertOrder(tx, { ...order, status: 'cancelled' }, 'test'));
    expect((await level(main)).on_hand).toBe(before);

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/orders/${orderId}`);
    const facts = await w.page.locator('#order-facts').textContent();
    expect(facts).not.toContain('Списано со склада');
    expect(facts).toContain('отменён: со склада ничего не списано');

    await w.page.goto('/stock/movements?sku=TEAPOT-1L');
    const back = w.page.locator('#movements tr[data-type="return"]').first();
    expect(await back.textContent()).toContain('отмена заказа');
    expect(await back.locator('[data-order]').textContent()).toBe('заказ №WEB-1001 отменён: товар вернулся');
    const sale = w.page.locator('#movements tr[data-type="sale"]').first();
    expect(await sale.locator('[data-order]').textContent()).toBe('заказ №WEB-1001');
    expectNoConsoleErrors(w);
  });

  it('fits a phone, in English', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    await signIn(w, panel.server.adminKey, '/warehouses');
    expect(await w.page.locator('h1').textContent()).toBe('Warehouses');
    expect(await w.page.locator('#mirrors h2').textContent()).toBe('Marketplace warehouses (mirrors)');
    expect(await overflow(w)).toBeLessThanOrEqual(0);
    for (const path of [
      `/warehouses/${main}`,
      `/warehouses/${fbo}`,
      `/warehouses/feeds/${accountId}`,
      '/stock',
      '/stock/movements',
    ]) {
      await w.page.goto(path);
      expect(await overflow(w), path).toBeLessThanOrEqual(0);
    }
    expectNoConsoleErrors(w);
  });
});
