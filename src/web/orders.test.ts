import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../channels/core/accounts.ts';
import { createProduct } from '../catalog/products.ts';
import { rows } from '../db/database.ts';
import { recordMovement } from '../inventory/movements.ts';
import { ensureWarehouse } from '../inventory/warehouses.ts';
import { upsertSales } from '../orders/channel-data.ts';
import { upsertOrder, type OrderInput, type OrderStatus } from '../orders/service.ts';
import { signIn, usePanel } from './test-kit.ts';

/** A UTC day `n` days from today, as the date fields take it. */
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('web panel: orders in a real browser', () => {
  const panel = usePanel();

  it('says there are no orders yet, in words, before any arrive', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/orders');
    expect(await w.page.locator('h1').textContent()).toBe('Заказы');
    expect(await w.page.locator('#results .state-empty').textContent()).toContain('Заказов пока нет');
    expect(await w.page.locator('#order-stats').count()).toBe(0);
  });

  describe('with orders from two channels', () => {
    const ids: Record<string, number> = {};
    let mug: number;

    beforeAll(async () => {
      const hub = panel.server.hub;
      const db = hub.db;
      const main = (await ensureWarehouse(db, { code: 'MAIN', name: 'Основной склад', kind: 'own', readOnly: false }))
        .id;
      mug = (await createProduct(db, { sku: 'MUG-1', name: 'Кружка' }, 'seed')).id;
      const cup = (await createProduct(db, { sku: 'CUP-1', name: 'Чашка' }, 'seed')).id;
      await db.transaction(async (tx) => {
        await recordMovement(tx, { type: 'receipt', productId: mug, warehouseId: main, quantity: 10 }, 'seed');
        await recordMovement(tx, { type: 'receipt', productId: cup, warehouseId: main, quantity: 1 }, 'seed');
      });
      const ozon = await createAccount(
        db,
        hub.masterKey!,
        { channel: 'ozon', name: 'Ozon · Главный', credentials: { clientId: '12345', apiKey: 'ozon-key-0000001' } },
        'seed',
      );

      const order = (o: Partial<OrderInput> & { externalId: string }): OrderInput => ({
        accountId: ozon.id,
        channel: 'ozon',
        status: 'new',
        orderedAt: `${day(-1)}T09:30:00Z`,
        currency: 'RUB',
        totalMinor: 250_000,
        warehouseId: main,
        lines: [{ productId: mug, sku: 'MUG-1', name: 'Кружка', quantity: 2, priceMinor: 125_000 }],
        ...o,
      });
      const put = async (o: OrderInput, ...statuses: OrderStatus[]) => {
        for (const status of [o.status, ...statuses]) {
          const result = await db.transaction((tx) =>
            upsertOrder(tx, { ...o, status, channelStatus: status.toUpperCase() }, 'ozon-sync'),
          );
          ids[o.externalId] = result.orderId;
        }
      };
      await put(
        order({ externalId: 'OZ-1001', postingNumber: '0123-1001-1', customer: { name: 'Анна', city: 'Казань' } }),
        'confirmed',
        'shipped',
        'delivered',
      );
      await put(
        order({
          externalId: 'OZ-1002',
          totalMinor: 99_000,
          lines: [
            { productId: cup, sku: 'CUP-1', name: 'Чашка', quantity: 1, priceMinor: 49_000 },
            { productId: null, sku: 'GIFT-BOX', name: 'Подарочная коробка', quantity: 1, priceMinor: 50_000 },
          ],
        }),
      );
      await put(order({ externalId: 'OZ-1003', orderedAt: `${day(-3)}T12:00:00Z` }), 'cancelled');
      await put(
        order({
          externalId: 'OZ-0900',
          orderedAt: `${day(-10)}T08:00:00Z`,
          totalMinor: 125_000,
          lines: [{ productId: mug, sku: 'MUG-1', name: 'Кружка', quantity: 1, priceMinor: 125_000 }],
        }),
        'delivered',
      );
      // Allegro sold three cups; only none was left: the card says what could not be written off.
      await put(
        order({
          accountId: null,
          channel: 'allegro',
          externalId: 'AL-2001',
          currency: 'PLN',
          totalMinor: 7_500,
          orderedAt: `${day(0)}T07:00:00Z`,
          lines: [
            { productId: cup, sku: 'CUP-1', externalSku: 'allegro-cup', name: 'Cup', quantity: 3, priceMinor: 2_500 },
          ],
        }),
        'shipped',
      );
      await upsertSales(db, [
        ...['S-1', 'S-2', 'S-3'].map((id) => ({
          accountId: ozon.id,
          channel: 'ozon',
          externalId: id,
          kind: 'buyout' as const,
          amountMinor: 125_000,
          soldAt: `${day(-1)}T10:00:00Z`,
        })),
        {
          accountId: ozon.id,
          channel: 'ozon',
          externalId: 'R-1',
          kind: 'return' as const,
          amountMinor: 125_000,
          soldAt: `${day(-1)}T11:00:00Z`,
        },
      ]);
    });

    it('shows statistics with charts, counting cancelled orders, and filters by channel, status and dates', async () => {
      const w = await panel.open();
      await signIn(w, panel.server.adminKey, '/orders');
      const stat = (name: string) => w.page.locator(`#order-stats [data-stat="${name}"] b`).first().textContent();
      expect(await stat('total')).toBe('5');
      expect(await stat('active')).toBe('4');
      expect(await stat('cancelled')).toBe('1');
      expect(await w.page.locator('#order-stats [data-stat="revenue"]').textContent()).toMatch(
        /75,00\s?PLN.*4\s740,00\s₽/,
      );
      expect(await w.page.locator('#status-chart li[data-status="delivered"] .hbar-value').textContent()).toBe('2');
      expect(await w.page.locator('#status-chart li[data-status="cancelled"] .hbar-value').textContent()).toBe('1');
      expect(await w.page.locator(`#days-chart .col[data-day="${day(-1)}"]`).getAttribute('data-count')).toBe('2');
      expect(await w.page.locator('[data-stat="buyout"]').textContent()).toContain('75');
      expect(await w.page.locator('#orders tbody tr').count()).toBe(5);
      // Newest first; the cancelled order is listed, not hidden.
      expect(await w.page.locator('#orders tbody tr').first().textContent()).toContain('AL-2001');
      expect(await w.page.locator('#orders tbody tr[data-status="cancelled"]').count()).toBe(1);
      await w.screenshot('orders-list');

      await w.page.getByRole('combobox', { name: 'Канал' }).selectOption({ label: 'Allegro' });
      await w.page.getByRole('button', { name: 'Показать' }).click();
      await w.page.waitForURL(/channel=allegro/);
      expect(await w.page.locator('#orders tbody tr').count()).toBe(1);
      expect(await stat('total')).toBe('1');

      await w.page.getByRole('link', { name: 'Сбросить' }).first().click();
      await w.page.waitForURL(/\/orders$/);
      await w.page.getByRole('combobox', { name: 'Статус' }).selectOption({ label: 'отменён' });
      await w.page.getByRole('button', { name: 'Показать' }).click();
      await w.page.waitForURL(/status=cancelled/);
      expect(await w.page.locator('#orders tbody tr').count()).toBe(1);
      expect(await w.page.locator('#orders tbody tr').textContent()).toContain('OZ-1003');

      await w.page.goto('/orders');
      await w.page.getByLabel('Заказаны с').fill(day(-10));
      await w.page.getByLabel('Заказаны по').fill(day(-3));
      await w.page.getByRole('button', { name: 'Показать' }).click();
      await w.page.waitForURL(/from=/);
      expect(await w.page.locator('#orders tbody tr').count()).toBe(2);
      expect(await w.page.locator('#days-chart .col').count()).toBe(8);

      // An end before the start is named beside its field; the other filters still apply.
      await w.page.getByLabel('Заказаны по').fill(day(-20));
      await w.page.getByRole('button', { name: 'Показать' }).click();
      await expect
        .poll(() => w.page.locator('#f-to-error').textContent())
        .toContain(`Не раньше, чем «${day(-10).split('-').reverse().join('.')}»`);
      expect(await w.page.getByLabel('Заказаны по').getAttribute('aria-invalid')).toBe('true');
      expect(await w.page.getByLabel('Заказаны с').inputValue()).toBe(day(-10));
      expect(await w.page.locator('#orders tbody tr').count()).toBe(5);
      await w.screenshot('orders-filter-error');

      // By account, largest total first: the Ozon account's four orders, 2,500 ₽ ones before 1,250 and 990 ₽.
      await w.page.goto('/orders');
      await w.page.getByRole('combobox', { name: 'Аккаунт' }).selectOption({ label: 'Ozon · Главный · Ozon' });
      await w.page.getByRole('combobox', { name: 'Сортировка' }).selectOption({ label: 'по сумме, больше сначала' });
      await w.page.getByRole('button', { name: 'Показать' }).click();
      await w.page.waitForURL(/sort=largest/);
      const numbers = await w.page.locator('#orders tbody tr a.mono').allTextContents();
      expect(numbers).toHaveLength(4);
      expect(numbers.slice(2)).toEqual(['OZ-0900', 'OZ-1002']);
      expect(await w.page.getByRole('combobox', { name: 'Сортировка' }).inputValue()).toBe('largest');

      await w.page.goto('/orders?q=NO-SUCH-ORDER');
      expect(await w.page.locator('#results .state-empty').textContent()).toContain('Под эти фильтры заказов нет');
      await w.page.getByLabel('Номер заказа').fill('0123-1001-1');
      await w.page.getByLabel('Номер заказа').press('Enter');
      await w.page.waitForURL(/q=0123-1001-1/);
      expect(await w.page.locator('#orders tbody tr').count()).toBe(1);
    });

    it('opens an order: status timeline, lines, CRM and delivery state, with no re-send button without a CRM', async () => {
      const w = await panel.open();
      await signIn(w, panel.server.adminKey, '/orders');
      await w.page.getByRole('link', { name: 'OZ-1001' }).click();
      await w.page.waitForURL(new RegExp(`/orders/${ids['OZ-1001']}$`));
      expect(await w.page.locator('h1').textContent()).toContain('OZ-1001');
      const steps = w.page.locator('#timeline li');
      expect(await steps.evaluateAll((items) => items.map((li) => li.getAttribute('data-status')))).toEqual([
        'new',
        'confirmed',
        'shipped',
        'delivered',
      ]);
      expect(await steps.last().getAttribute('aria-current')).toBe('step');
      expect(await steps.last().textContent()).toContain('ozon-sync');
      expect(await w.page.locator('#lines tbody tr').count()).toBe(1);
      expect(await w.page.locator('#lines tfoot').textContent()).toMatch(/2\s?500,00\s?₽/);
      expect(await w.page.locator('#order-facts').textContent()).toContain('Ozon · Главный');
      expect(await w.page.locator('#order-facts').textContent()).toContain('MAIN · Основной склад');
      expect(await w.page.locator('#crm-state').getAttribute('data-state')).toBe('not_sent');
      expect(await w.page.locator('#delivery-state').textContent()).toContain('не отправлен');
      expect(await w.page.locator('#handoff #trace-link').textContent()).toContain('Путь заказа');
      // Nothing to re-send with: no form and no button on the card.
      expect(await w.page.locator('main form, main button').count()).toBe(0);
      // The write-off the order caused is listed beside its lines, linked to the product.
      expect(await w.page.locator('#movements tbody tr[data-type="sale"]').count()).toBe(1);
      await w.page.locator('#lines').getByRole('link', { name: 'MUG-1' }).click();
      await w.page.waitForURL(new RegExp(`/products/${mug}$`));
      await w.page.goBack();

      await w.page.goto(`/orders/${ids['OZ-1002']}`);
      expect(await w.page.locator('#lines tr[data-sku="GIFT-BOX"]').textContent()).toContain(
        'не сопоставлен с товаром',
      );
      await w.page.goto(`/orders/${ids['AL-2001']}`);
      expect(await w.page.getByRole('status').first().textContent()).toContain('Списано со склада не всё');
      await w.screenshot('orders-card-stock-note');

      const missing = await w.page.request.get('/orders/999999');
      expect(missing.status()).toBe(404);
      expect(await missing.text()).toContain('Заказа 999999 нет');
      // Any address no page answers gets the panel's page, not the API's JSON.
      const unknown = await w.page.request.get('/no-such-page', { headers: { accept: 'text/html' } });
      expect(unknown.status()).toBe(404);
      expect(await unknown.text()).toContain('Такой страницы нет');
      expect((await panel.server.api('/no-such-page')).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    });

    it('lets a read-only key look at orders; its posts are refused', async () => {
      const w = await panel.open();
      await signIn(w, await panel.server.keyFor('readonly', 'orders-viewer'), `/orders/${ids['OZ-1001']}`);
      expect(await w.page.locator('#timeline li').count()).toBe(4);
      await w.page.goto('/orders');
      expect(await w.page.locator('#orders tbody tr').count()).toBe(5);
      expect(await w.page.locator('main form[method="post"]').count()).toBe(0);
      const refused = await w.page.request.post(`/orders/${ids['OZ-1001']}`, {
        headers: { origin: panel.server.baseUrl },
        form: { status: 'cancelled' },
      });
      expect(refused.status()).toBe(403);
      const [order] = await rows<{ status: string }>(
        panel.server.hub.db,
        sql`select status from orders where id = ${ids['OZ-1001']}`,
      );
      expect(order.status).toBe('delivered');
    });

    it('speaks English and fits a phone, list and card', async () => {
      const w = await panel.open({ viewport: { width: 390, height: 844 } });
      await signIn(w, panel.server.adminKey, '/orders');
      await w.page.getByRole('link', { name: 'English' }).click();
      await w.page.waitForURL(/\/orders$/);
      expect(await w.page.locator('h1').textContent()).toBe('Orders');
      expect(await w.page.locator('#orders tbody tr[data-status="cancelled"]').textContent()).toContain('cancelled');
      const overflow = () =>
        w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBeLessThanOrEqual(0);
      await w.screenshot('orders-phone-english');
      await w.page.goto(`/orders/${ids['OZ-1002']}`);
      expect(await w.page.locator('#timeline').textContent()).toContain('new');
      expect(await overflow()).toBeLessThanOrEqual(0);
      await w.screenshot('orders-card-phone-english');
    });

    it('pages by the API’s cursor and sorts by a column heading, keeping the filters in the address', async () => {
      const db = panel.server.hub.db;
      // 55 more Allegro orders, some at one time and total, so a page holds 50 and the id breaks ties.
      for (let i = 0; i < 55; i++) {
        await db.transaction((tx) =>
          upsertOrder(
            tx,
            {
              accountId: null,
              channel: 'allegro',
              externalId: `AL-P${String(i).padStart(2, '0')}`,
              status: 'new',
              currency: 'PLN',
              orderedAt: `${day(-2 - (i % 7))}T10:00:00Z`,
              totalMinor: 1_000 + (i % 3) * 500,
              lines: [{ productId: null, sku: 'GIFT', name: 'Gift', quantity: 1, priceMinor: 1_000 }],
            },
            'seed',
          ),
        );
      }
      const w = await panel.open();
      await signIn(w, panel.server.adminKey, '/orders?channel=allegro');
      const numbers = () => w.page.locator('#orders tbody tr a.mono').allTextContents();
      const first = await numbers();
      expect(first).toHaveLength(50);
      expect(await w.page.locator('.pager').textContent()).toContain('На странице 50 из 56');
      await w.page
        .locator('.pager')
        .getByRole('link', { name: /Дальше/ })
        .click();
      await w.page.waitForURL(/cursor=/);
      expect(w.page.url()).toContain('channel=allegro');
      const second = await numbers();
      expect(second).toHaveLength(6);
      expect(new Set([...first, ...second]).size).toBe(56);
      await w.screenshot('orders-cursor-page-2');
      await w.page.locator('.pager').getByRole('link', { name: /Назад/ }).click();
      await w.page.waitForURL(/before=/);
      expect(await numbers()).toEqual(first);

      // The date heading sorts oldest first, a second click newest first; the total heading, largest first.
      await w.page.locator('#orders thead').getByRole('link', { name: 'Дата' }).click();
      await w.page.waitForURL(/sort=oldest/);
      expect(w.page.url()).toContain('channel=allegro');
      expect(w.page.url()).not.toContain('before=');
      expect(await w.page.locator('#orders thead th[aria-sort="ascending"]').textContent()).toContain('Дата');
      expect((await numbers())[0]).toMatch(/^AL-P/);
      await w.page.locator('#orders thead').getByRole('link', { name: /Сумма/ }).click();
      await w.page.waitForURL(/sort=largest/);
      expect((await numbers())[0]).toBe('AL-2001');
      await w.page.locator('#orders thead').getByRole('link', { name: /Сумма/ }).click();
      await w.page.waitForURL(/sort=smallest/);
      expect(await w.page.getByRole('combobox', { name: 'Сортировка' }).inputValue()).toBe('smallest');
    });
  });
});
