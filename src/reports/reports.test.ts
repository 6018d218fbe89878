import ExcelJS from 'exceljs';
import { beforeAll, expect, test } from 'vitest';
import { createProduct } from '../catalog/products.ts';
import { moduleFor } from '../channels/core/module.ts';
import { recordMovement, setMirrorLevels } from '../inventory/movements.ts';
import { createWarehouse } from '../inventory/warehouses.ts';
import { upsertOrder, type OrderInput, type OrderStatus } from '../orders/service.ts';
import { setBasePrice } from '../pricing/prices.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { dayWindow, daysOfCover, ordersByDay, stockValue } from './queries.ts';

/**
 * The three reports (issue 20) on a small set whose figures are worked out by hand: orders and
 * revenue per channel per UTC day and per currency, stock value per own warehouse at base
 * prices (products without one counted apart, a mirror left out), days of cover in order; and
 * each XLSX download holds the JSON's rows.
 */

const ACTOR = 'reports-test';
const window = dayWindow(3, '2026-03-10');

describeEachDatabase('reports', (t) => {
  let server: TestServer;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const db = t.database.db;
    for (const sku of ['R-A', 'R-B', 'R-C', 'R-D', 'R-E'])
      ids[sku] = (await createProduct(db, { sku, name: `Report product ${sku}` }, ACTOR)).id;
    const [main, spare, mirror] = await db.transaction(async (tx) => [
      await createWarehouse(tx, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false }, ACTOR),
      await createWarehouse(tx, { code: 'SPARE', name: 'Spare', kind: 'own', readOnly: false }, ACTOR),
      await createWarehouse(
        tx,
        { code: 'MIR', name: 'A marketplace’s', kind: 'mirror', source: 'test', readOnly: true },
        ACTOR,
      ),
    ]);
    const receive = (sku: string, warehouseId: number, quantity: number) =>
      recordMovement(db, { type: 'receipt', productId: ids[sku], warehouseId, quantity }, ACTOR);
    await receive('R-A', main.id, 10);
    await receive('R-A', spare.id, 5);
    await recordMovement(db, { type: 'reserve', productId: ids['R-A'], warehouseId: main.id, quantity: 2 }, ACTOR);
    await receive('R-B', main.id, 4);
    await receive('R-C', main.id, 7);
    await receive('R-C', spare.id, 1);
    await receive('R-D', spare.id, 20);
    // A marketplace's stock is neither valued nor available to us.
    await db.transaction((tx) =>
      setMirrorLevels(tx, mirror.id, [
        { productId: ids['R-D'], onHand: 100, reserved: 0 },
        { productId: ids['R-A'], onHand: 50, reserved: 0 },
      ]),
    );
    await setBasePrice(db, ids['R-A'], { amount: 1000, currency: 'RUB' }, ACTOR);
    await setBasePrice(db, ids['R-B'], { amount: 50_000, currency: 'KZT' }, ACTOR);
    await setBasePrice(db, ids['R-D'], { amount: 300, currency: 'RUB' }, ACTOR);
    await setBasePrice(db, ids['R-E'], { amount: 100, currency: 'RUB' }, ACTOR);

    let n = 0;
    const order = (
      channel: string,
      at: string,
      currency: string,
      total: number,
      status: OrderStatus,
      lines: [string, number][],
    ): OrderInput => ({
      accountId: null,
      channel,
      externalId: `R-${++n}`,
      status,
      orderedAt: at,
      currency,
      totalMinor: total,
      lines: lines.map(([sku, quantity], i) => ({
        productId: ids[sku],
        sku,
        name: sku,
        quantity,
        priceMinor: Math.round(total / quantity),
      })),
    });
    const orders = [
      order('ozon', '2026-03-07T23:59:59Z', 'RUB', 9999, 'new', [['R-A', 5]]), // the day before the window
      order('ozon', '2026-03-08T10:00:00Z', 'RUB', 5000, 'new', [['R-A', 2]]),
      order('ozon', '2026-03-08T23:59:59Z', 'RUB', 3000, 'cancelled', [['R-A', 1]]),
      order('wildberries', '2026-03-09T00:00:00Z', 'RUB', 2000, 'delivered', [['R-E', 3]]),
      order('kaspi', '2026-03-09T12:00:00Z', 'KZT', 100_000, 'shipped', [['R-B', 2]]),
      // The same channel in another currency on the same day: a row of its own.
      order('kaspi', '2026-03-09T13:00:00+03:00', 'RUB', 700, 'new', [['R-C', 1]]),
      order('ozon', '2026-03-10T08:00:00Z', 'RUB', 4000, 'returned', [['R-A', 1]]),
      order('wildberries', '2026-03-10T15:00:00Z', 'RUB', 1500, 'confirmed', [
        ['R-A', 1],
        ['R-C', 2],
      ]),
      order('ozon', '2026-03-11T00:00:00Z', 'RUB', 8888, 'new', [['R-A', 4]]), // the day after
    ];
    for (const o of orders) await db.transaction((tx) => upsertOrder(tx, o, ACTOR));
  });

  test('orders and revenue per channel per UTC day, per currency; cancelled and returned orders count but earn nothing', async () => {
    const report = await ordersByDay(t.database.db, window);
    expect(report.window).toEqual({ from: '2026-03-08', to: '2026-03-10', days: 3 });
    expect(report.rows).toEqual([
      { day: '2026-03-08', channel: 'ozon', currency: 'RUB', orders: 2, cancelled: 1, revenue_minor: 5000 },
      { day: '2026-03-09', channel: 'kaspi', currency: 'KZT', orders: 1, cancelled: 0, revenue_minor: 100_000 },
      { day: '2026-03-09', channel: 'kaspi', currency: 'RUB', orders: 1, cancelled: 0, revenue_minor: 700 },
      { day: '2026-03-09', channel: 'wildberries', currency: 'RUB', orders: 1, cancelled: 0, revenue_minor: 2000 },
      { day: '2026-03-10', channel: 'ozon', currency: 'RUB', orders: 1, cancelled: 1, revenue_minor: 0 },
      { day: '2026-03-10', channel: 'wildberries', currency: 'RUB', orders: 1, cancelled: 0, revenue_minor: 1500 },
    ]);
    expect(report.totals).toEqual([
      { currency: 'RUB', orders: 6, cancelled: 2, revenue_minor: 9200 },
      { currency: 'KZT', orders: 1, cancelled: 0, revenue_minor: 100_000 },
    ]);
    const oneDay = await ordersByDay(t.database.db, dayWindow(1, '2026-03-08'));
    expect(oneDay.rows.map((r) => r.orders)).toEqual([2]);
  });

  test('stock value per own warehouse at base prices, per currency; products without a price counted apart', async () => {
    const report = await stockValue(t.database.db);
    const main = { code: 'MAIN', name: 'Main' };
    const spare = { code: 'SPARE', name: 'Spare' };
    expect(report.rows.map(({ warehouse_id: _, ...r }) => r)).toEqual([
      { ...main, currency: 'KZT', products: 1, units: 4, value_minor: 200_000 },
      { ...main, currency: 'RUB', products: 1, units: 10, value_minor: 10_000 },
      { ...main, currency: null, products: 1, units: 7, value_minor: null },
      { ...spare, currency: 'RUB', products: 2, units: 25, value_minor: 11_000 },
      { ...spare, currency: null, products: 1, units: 1, value_minor: null },
    ]);
    expect(report.totals).toEqual([
      { currency: 'RUB', units: 35, value_minor: 21_000 },
      { currency: 'KZT', units: 4, value_minor: 200_000 },
    ]);
    expect(report.unpriced).toEqual({ products: 1, units: 8 });
  });

  test('days of cover: available ÷ units sold per day, fewest days first; a product without sales is only counted', async () => {
    const report = await daysOfCover(t.database.db, window);
    const row = (sku: string, available: number, sold: number, perDay: number, cover: number) => ({
      product_id: ids[sku],
      sku,
      name: `Report product ${sku}`,
      available,
      units_sold: sold,
      per_day: perDay,
      days_of_cover: cover,
    });
    expect(report.items).toEqual([
      row('R-E', 0, 3, 1, 0), // sold out
      row('R-B', 4, 2, 0.67, 6),
      row('R-C', 8, 3, 1, 8),
      row('R-A', 13, 3, 1, 13), // 15 on hand, 2 reserved; the mirror's 50 are not ours
    ]);
    expect(report.without_sales).toBe(1); // R-D
    expect((await daysOfCover(t.database.db, window, 2)).items.map((r) => r.sku)).toEqual(['R-E', 'R-B']);
  });

  test('the API answers the same figures, and each XLSX download holds the same rows', async () => {
    const q = 'days=3&to=2026-03-10';
    const orders = await server.api(`/api/v1/reports/orders?${q}`);
    expect(orders.status).toBe(200);
    expect(orders.body).toEqual(await ordersByDay(t.database.db, window));
    const stock = await server.api('/api/v1/reports/stock-value');
    expect(stock.body).toEqual(await stockValue(t.database.db));
    const cover = await server.api(`/api/v1/reports/days-of-cover?${q}`);
    expect(cover.body).toEqual(await daysOfCover(t.database.db, window));

    const title = (channel: string) => moduleFor(channel)?.connector.title ?? channel;
    expect(await sheetOf(server, `/api/v1/reports/orders.xlsx?${q}&lang=ru`, 'orders-2026-03-10.xlsx')).toEqual([
      ['День', 'Канал', 'Валюта', 'Заказы', 'Отменено или возвращено', 'Выручка'],
      ...orders.body.rows.map((r: any) => [
        r.day,
        title(r.channel),
        r.currency,
        r.orders,
        r.cancelled,
        r.revenue_minor / 100,
      ]),
    ]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await sheetOf(server, '/api/v1/reports/stock-value.xlsx', `stock-value-${today}.xlsx`)).toEqual([
      ['Warehouse code', 'Warehouse', 'Currency', 'Products', 'Units on hand', 'Value'],
      ['MAIN', 'Main', 'KZT', 1, 4, 2000],
      ['MAIN', 'Main', 'RUB', 1, 10, 100],
      ['MAIN', 'Main', 'no price', 1, 7, null],
      ['SPARE', 'Spare', 'RUB', 2, 25, 110],
      ['SPARE', 'Spare', 'no price', 1, 1, null],
    ]);
    expect(
      await sheetOf(server, `/api/v1/reports/days-of-cover.xlsx?${q}&lang=en`, 'days-of-cover-2026-03-10.xlsx'),
    ).toEqual([
      ['SKU', 'Name', 'Available', 'Sold', 'Per day', 'Days of cover'],
      ...cover.body.items.map((r: any) => [r.sku, r.name, r.available, r.units_sold, r.per_day, r.days_of_cover]),
    ]);
  });

  test('a person of any role reads the reports; a day off the calendar is refused', async () => {
    expect((await server.api('/api/v1/reports/stock-value', { key: await server.keyFor('readonly') })).status).toBe(
      200,
    );
    expect((await server.api('/api/v1/reports/stock-value', { key: await server.keyFor('bot') })).status).toBe(403);
    const bad = await server.api('/api/v1/reports/orders?to=2026-02-30');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await server.api('/api/v1/reports/days-of-cover?days=0')).status).toBe(400);
  });
});

/** A downloaded XLSX's first sheet as rows of cell values, after checking the answer's headers. */
async function sheetOf(server: TestServer, path: string, name: string): Promise<unknown[][]> {
  const res = await fetch(server.baseUrl + path, { headers: { 'x-api-secret-key': server.adminKey } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('spreadsheetml');
  expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await res.arrayBuffer());
  const out: unknown[][] = [];
  workbook.worksheets[0].eachRow({ includeEmpty: false }, (row) => {
    const values = (row.values as unknown[]).slice(1);
    out.push(Array.from({ length: 6 }, (_, i) => values[i] ?? null));
  });
  return out;
}
