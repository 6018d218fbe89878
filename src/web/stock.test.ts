import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from '../catalog/products.ts';
import { rows } from '../db/database.ts';
import { getLevels, recordMovement } from '../inventory/movements.ts';
import { ensureWarehouse } from '../inventory/warehouses.ts';
import { csrfOf, expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

describe('web panel: stock in a real browser', () => {
  const panel = usePanel();
  let teapot: number;
  let main: number;
  let shop: number;

  beforeAll(async () => {
    const db = panel.server.hub.db;
    main = (await ensureWarehouse(db, { code: 'MAIN', name: 'Основной склад', kind: 'own', readOnly: false })).id;
    shop = (await ensureWarehouse(db, { code: 'SHOP', name: 'Магазин', kind: 'own', readOnly: false })).id;
    await ensureWarehouse(db, {
      code: 'OZON-FBO',
      name: 'Ozon FBO',
      kind: 'mirror',
      source: 'ozon:fbo',
      readOnly: true,
    });
    teapot = (await createProduct(db, { sku: 'TEAPOT-1L', name: 'Чайник 1 л' }, 'seed')).id;
    await db.transaction((tx) =>
      recordMovement(tx, { type: 'receipt', productId: teapot, warehouseId: main, quantity: 10 }, 'seed'),
    );
  });

  const available = async (warehouseId: number) =>
    (await getLevels(panel.server.hub.db, { productIds: [teapot], warehouseIds: [warehouseId] }))[0]?.available ?? 0;

  it('writes stock off: refuses more than there is beside the quantity, then records it and shows the new level', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/stock');
    const row = w.page.locator('#levels tr[data-sku="TEAPOT-1L"][data-warehouse="MAIN"]');
    expect(await row.locator('[data-available]').textContent()).toBe('10');
    await w.screenshot('stock-levels-before');

    await row.getByRole('link', { name: 'Списать' }).click();
    await w.page.waitForURL(/\/stock\/move\?type=write_off/);
    expect(await w.page.getByLabel('Артикул товара').inputValue()).toBe('TEAPOT-1L');
    await w.page.getByLabel('Количество').fill('25');
    await w.page.getByLabel('Причина').fill('разбит при хранении');
    await w.page.getByRole('button', { name: 'Списать' }).click();
    await expect
      .poll(() => w.page.locator('#f-quantity-error').textContent())
      .toContain('доступно только 10, а запрошено 25');
    await w.screenshot('stock-write-off-refused');
    expect(await available(main)).toBe(10);

    await w.page.getByLabel('Количество').fill('3');
    await w.page.getByRole('button', { name: 'Списать' }).click();
    await w.page.waitForURL(/\/stock\?done=/);
    await expect.poll(() => w.page.getByRole('status').first().textContent()).toContain('Записано: списание, 3 шт.');
    expect(await row.locator('[data-available]').textContent()).toBe('7');
    expect(await available(main)).toBe(7);
    await w.screenshot('stock-written-off');

    await w.page.getByRole('link', { name: 'Движения' }).click();
    await w.page.waitForURL(/\/stock\/movements$/);
    const latest = w.page.locator('#movements tbody tr').first();
    expect(await latest.getAttribute('data-type')).toBe('write_off');
    expect(await latest.textContent()).toContain('разбит при хранении');
    expect(await latest.textContent()).toContain('-3');
    expectNoConsoleErrors(w);
  });

  it('receives and transfers stock between warehouses; a sent form recorded twice counts once', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/stock/move?type=receipt');
    await w.page.getByLabel('Артикул товара').fill('TEAPOT-1L');
    await w.page.getByRole('combobox', { name: 'Склад', exact: true }).selectOption({ label: 'SHOP · Магазин' });
    await w.page.getByLabel('Количество').fill('4');
    const token = await w.page.locator('input[name=token]').inputValue();
    await w.page.getByRole('button', { name: 'Оприходовать' }).click();
    await w.page.waitForURL(/\/stock\?done=/);
    expect(await available(shop)).toBe(4);

    // The same form sent again (a reload after the answer was lost) changes nothing.
    const replay = await w.page.request.post('/stock/move', {
      headers: { origin: panel.server.baseUrl },
      form: {
        type: 'receipt',
        sku: 'TEAPOT-1L',
        warehouse: String(shop),
        quantity: '4',
        reason: '',
        token,
        _csrf: await csrfOf(w),
      },
    });
    expect(replay.status()).toBe(200);
    expect(await available(shop)).toBe(4);

    await w.page.goto('/stock/move?type=transfer');
    // A mirror of a marketplace warehouse is set by sync and is not offered for manual moves.
    expect(await w.page.locator('option', { hasText: 'OZON-FBO' }).count()).toBe(0);
    await w.page.getByLabel('Артикул товара').fill('TEAPOT-1L');
    await w.page.getByRole('combobox', { name: 'Со склада' }).selectOption({ label: 'MAIN · Основной склад' });
    await w.page.getByRole('combobox', { name: 'На склад' }).selectOption({ label: 'MAIN · Основной склад' });
    await w.page.getByLabel('Количество').fill('2');
    await w.page.getByRole('button', { name: 'Переместить' }).click();
    await expect.poll(() => w.page.locator('#f-to_warehouse-error').textContent()).toContain('должен отличаться');
    await w.page.getByRole('combobox', { name: 'На склад' }).selectOption({ label: 'SHOP · Магазин' });
    await w.page.getByRole('button', { name: 'Переместить' }).click();
    await w.page.waitForURL(/\/stock\?done=/);
    expect(await available(main)).toBe(5);
    expect(await available(shop)).toBe(6);

    await w.page.goto(`/stock/movements?type=transfer&sku=teapot-1l`);
    expect(await w.page.locator('#movements tbody tr').count()).toBe(2);
    await w.screenshot('stock-movements-transfer');
    await w.page.goto(`/stock?warehouse=${shop}`);
    expect(await w.page.locator('#levels tbody tr').count()).toBe(1);
    expect(await w.page.locator('#levels [data-available]').textContent()).toBe('6');
    expectNoConsoleErrors(w);
  });

  it('shows a read-only key levels and movements without the forms, and refuses its write-offs', async () => {
    const w = await panel.open();
    await signIn(w, await panel.server.keyFor('readonly', 'auditor'), '/stock');
    expect(await w.page.locator('#levels tbody tr').count()).toBeGreaterThan(0);
    expect(await w.page.getByRole('link', { name: /Списать|Оприходовать|Переместить/ }).count()).toBe(0);
    const refused = await w.page.request.post('/stock/move', {
      headers: { origin: panel.server.baseUrl },
      form: { type: 'write_off', sku: 'TEAPOT-1L', warehouse: String(main), quantity: '1', token: crypto.randomUUID() },
    });
    expect(refused.status()).toBe(403);
    const [{ n }] = await rows<{ n: number }>(
      panel.server.hub.db,
      sql`select count(*)::int as n from stock_movements where actor = 'auditor'`,
    );
    expect(n).toBe(0);
    expectNoConsoleErrors(w);
  });
});
