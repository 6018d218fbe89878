import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { sql } from 'drizzle-orm';
import { beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { ensureWarehouse, recordMovement } from '../inventory/movements.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { testHub } from '../test/server.ts';
import { writeTableFile } from './export.ts';
import type { Field } from './fields.ts';
import { runImport } from './run.ts';
import { createImport, getImport, prepareImport } from './service.ts';

/**
 * Bulk import and export on both databases: a 50,000-row file applied in one transaction, with
 * its stock as ledger adjustments; a file with one bad row applies nothing and names the line;
 * an export imported again changes nothing (no update, no movement, no history row).
 */

const N = 50_000;

describeEachDatabase('bulk import and export', (t) => {
  let hub: Hub;
  let main: number;
  let shop: number;

  beforeAll(async () => {
    hub = testHub(t.database);
    main = (await ensureWarehouse(hub.db, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false })).id;
    shop = (await ensureWarehouse(hub.db, { code: 'SHOP', name: 'Shop', kind: 'own', readOnly: false })).id;
    await ensureWarehouse(hub.db, { code: 'OZON-FBO', name: 'Ozon', kind: 'mirror', readOnly: true });
  });

  const importFile = async (
    kind: 'products' | 'stock',
    fileName: string,
    content: Uint8Array | string,
    mapping?: Field[],
  ) => {
    const id = await createImport(
      hub.db,
      { kind, fileName, content: typeof content === 'string' ? Buffer.from(content) : content },
      'test',
    );
    await prepareImport(hub.db, id, mapping);
    const result = await runImport(hub, id);
    return { id, result, view: await getImport(hub.db, id) };
  };
  const count = async (query: ReturnType<typeof sql>) => Number((await rows<{ n: number }>(hub.db, query))[0].n);
  const exported = async (kind: 'products' | 'stock', format: 'csv' | 'xlsx') => {
    const out = new PassThrough();
    const bytes = buffer(out);
    await writeTableFile(hub.db, out, kind, { format });
    return new Uint8Array(await bytes);
  };

  test('a file of 50,000 products with stock in two warehouses is applied in one go, each level explained by the ledger', async () => {
    const lines = ['Артикул;Название;Цвет;Вес;MAIN;SHOP;Цена;Валюта'];
    for (let i = 1; i <= N; i++) {
      lines.push(
        `BULK-${i};"Product ${i}; big";${i % 2 ? 'red' : 'blue'};${i % 7};${i % 10};${i % 3 === 0 ? '' : 2};${i % 4 === 0 ? '' : `${i},5`};RUB`,
      );
    }
    const { result, view } = await importFile('products', 'big.csv', lines.join('\r\n'));
    expect(view.columns).toEqual(['Артикул', 'Название', 'Цвет', 'Вес', 'MAIN', 'SHOP', 'Цена', 'Валюта']);
    expect(view.mapping).toEqual([
      'sku',
      'name',
      'attribute:Цвет',
      'attribute:Вес',
      'stock:MAIN',
      'stock:SHOP',
      'price',
      'currency',
    ]);
    expect(result.state).toBe('applied');
    // An empty price cell leaves the product without one.
    const priced = N - N / 4;
    expect(result.counts).toMatchObject({ rows: N, created: N, updated: 0, unchanged: 0, prices: priced });
    expect(await count(sql`select count(*) as n from product_prices`)).toBe(priced);
    expect(
      await count(
        sql`select count(*) as n from price_changes where reason = 'import big.csv' and actor = 'test' and before is null`,
      ),
    ).toBe(priced);
    expect(await count(sql`select count(*) as n from outbox where topic = 'price.changed'`)).toBe(priced);
    const [price7] = await rows<{ amount: number; currency: string }>(
      hub.db,
      sql`
      select pp.amount::int as amount, pp.currency from product_prices pp join products p on p.id = pp.product_id where p.sku = 'BULK-7'`,
    );
    expect(price7).toEqual({ amount: 750, currency: 'RUB' });
    expect(await count(sql`select count(*) as n from products where sku like 'BULK-%'`)).toBe(N);
    const [p7] = await rows<{ name: string; attributes: unknown }>(
      hub.db,
      sql`select name, attributes from products where sku = 'BULK-7'`,
    );
    expect(p7).toEqual({ name: 'Product 7; big', attributes: { Цвет: 'red', Вес: 0 } });
    // Levels of 0 that never existed write nothing; the others are one adjustment each.
    const expectedMain = Array.from({ length: N }, (_, i) => (i + 1) % 10).filter((q) => q > 0).length;
    const expectedShop = Array.from({ length: N }, (_, i) => i + 1).filter((i) => i % 3 !== 0).length;
    expect(result.counts!.movements).toBe(expectedMain + expectedShop);
    expect(
      await count(
        sql`select count(*) as n from stock_movements where reason = 'import big.csv' and type = 'adjustment'`,
      ),
    ).toBe(expectedMain + expectedShop);
    expect(await count(sql`select count(*) as n from stock_levels where warehouse_id = ${shop}`)).toBe(expectedShop);
    expect(
      // One grouped join, not a sum per level: right after the bulk load the tables have no statistics yet.
      await count(sql`select count(*) as n from stock_levels l
        left join (select product_id, warehouse_id, sum(quantity) as total from stock_movements group by 1, 2) m
          using (product_id, warehouse_id)
        where l.on_hand <> coalesce(m.total, 0)`),
    ).toBe(0);
    expect(await count(sql`select count(*) as n from outbox where topic = 'stock.changed'`)).toBe(
      expectedMain + expectedShop,
    );
    expect(
      await count(
        sql`select count(*) as n from operations where entity_type = 'product' and action = 'create' and actor = 'test'`,
      ),
    ).toBe(N);
  }, 600_000);

  test('exported products and stock, as CSV and as XLSX, imported again change nothing', async () => {
    const before = {
      movements: await count(sql`select count(*) as n from stock_movements`),
      operations: await count(sql`select count(*) as n from operations`),
      versions: await count(sql`select coalesce(sum(version), 0) as n from products`),
      outbox: await count(sql`select count(*) as n from outbox`),
      prices: await count(sql`select count(*) as n from price_changes`),
    };
    for (const format of ['csv', 'xlsx'] as const) {
      const products = await importFile('products', `products.${format}`, await exported('products', format));
      expect(products.view.mapping).toEqual([
        'sku',
        'name',
        'ean',
        'description',
        'price',
        'currency',
        'attribute:Вес',
        'attribute:Цвет',
      ]);
      expect(products.result).toMatchObject({
        state: 'applied',
        counts: { rows: N, created: 0, updated: 0, unchanged: N, movements: 0, prices: 0 },
      });
      const stock = await importFile('stock', `stock.${format}`, await exported('stock', format));
      expect(stock.view.mapping).toEqual(['sku', 'ignore', 'stock:MAIN', 'stock:SHOP']);
      expect(stock.result).toMatchObject({ state: 'applied', counts: { rows: N, movements: 0 } });
    }
    expect({
      movements: await count(sql`select count(*) as n from stock_movements`),
      operations: await count(sql`select count(*) as n from operations`),
      versions: await count(sql`select coalesce(sum(version), 0) as n from products`),
      outbox: await count(sql`select count(*) as n from outbox`),
      prices: await count(sql`select count(*) as n from price_changes`),
    }).toEqual(before);
  }, 600_000);

  test('a file with one bad row applies nothing and names the line and column', async () => {
    const products = await count(sql`select count(*) as n from products`);
    const file = [
      'sku,name,ean,MAIN',
      'NEW-1,One,,1',
      'NEW-2,Two,4006381333931,2',
      'NEW-3,Three,4006381333932,3',
      'NEW-4,Four,,x',
    ].join('\n');
    const { result, view } = await importFile('products', 'bad.csv', file);
    expect(result.state).toBe('invalid');
    expect(view.state).toBe('invalid');
    expect(view.errors_total).toBe(2);
    expect(view.errors).toEqual([
      { line: 4, field: 'ean', message: expect.stringContaining('check digit'), said: null },
      {
        line: 5,
        field: 'MAIN',
        message: expect.stringContaining('whole number'),
        said: expect.objectContaining({ key: 'row.quantity' }),
      },
    ]);
    expect(await count(sql`select count(*) as n from products`)).toBe(products);

    // A price with more digits than its currency has, or without a currency: refused by line.
    const prices = await importFile(
      'products',
      'prices.csv',
      ['sku;name;price;currency', 'P-1;One;10.999;RUB', 'P-2;Two;10;', 'P-3;Three;10;JPY'].join('\n'),
    );
    expect(prices.view.errors).toEqual([
      {
        line: 2,
        field: 'price',
        message: expect.stringContaining('at most 2 digit(s)'),
        said: { key: 'row.priceDigits', params: { currency: 'RUB', digits: 2 } },
      },
      {
        line: 3,
        field: 'price',
        message: 'a price needs its currency',
        said: { key: 'row.priceNeedsCurrency', params: {} },
      },
    ]);
    expect(await count(sql`select count(*) as n from products`)).toBe(products);

    // Duplicates and unknown SKUs in a stock file are refused before anything is written.
    const stock = await importFile('stock', 'stock.csv', ['sku;MAIN', 'BULK-1;5', 'bulk-1;6', 'NOPE-1;1'].join('\n'));
    expect(stock.view.errors).toEqual([
      {
        line: 3,
        field: 'sku',
        message: 'SKU bulk-1 is already on line 2',
        said: { key: 'row.duplicateSku', params: { sku: 'bulk-1', line: 2 } },
      },
      {
        line: 4,
        field: 'sku',
        message: 'No product has the SKU NOPE-1',
        said: { key: 'row.unknownSku', params: { sku: 'NOPE-1' } },
      },
    ]);
  });

  test('a count below what is reserved, found while applying, rolls back the whole file and shows its row', async () => {
    const [{ id }] = await rows<{ id: number }>(hub.db, sql`select id from products where sku = 'BULK-9'`);
    await recordMovement(hub.db, { type: 'reserve', productId: id, warehouseId: main, quantity: 5 }, 'test');
    const movements = await count(sql`select count(*) as n from stock_movements`);
    const { result, view } = await importFile(
      'stock',
      'recount.csv',
      ['sku;MAIN', 'BULK-8;100', 'BULK-9;1'].join('\n'),
    );
    expect(result.state).toBe('invalid');
    expect(view.errors).toEqual([
      {
        line: 3,
        field: 'MAIN',
        message: expect.stringContaining('below what is reserved'),
        said: expect.objectContaining({ key: expect.stringMatching(/^code\./) }),
      },
    ]);
    expect(await count(sql`select count(*) as n from stock_movements`)).toBe(movements);
  });

  test('the seller’s mapping wins over the suggested one; a mapping without a SKU or with a mirror warehouse is refused', async () => {
    const file = ['code;label;colour;OZON-FBO', 'MAP-1;Mapped;green;4'].join('\n');
    const id = await createImport(hub.db, { kind: 'products', fileName: 'm.csv', content: Buffer.from(file) }, 'test');
    expect((await getImport(hub.db, id)).mapping).toEqual([
      'attribute:code',
      'attribute:label',
      'attribute:colour',
      'attribute:OZON-FBO',
    ]);
    await expect(prepareImport(hub.db, id, undefined)).rejects.toMatchObject({
      code: 'IMPORT_MAPPING_INVALID',
      message: 'No column is mapped to sku',
    });
    await expect(prepareImport(hub.db, id, ['sku', 'name', 'ignore', 'stock:OZON-FBO'])).rejects.toMatchObject({
      code: 'IMPORT_MAPPING_INVALID',
    });
    await prepareImport(hub.db, id, ['sku', 'name', 'attribute:colour', 'ignore']);
    expect((await runImport(hub, id)).state).toBe('applied');
    const [p] = await rows<{ name: string; attributes: unknown }>(
      hub.db,
      sql`select name, attributes from products where sku = 'MAP-1'`,
    );
    expect(p).toEqual({ name: 'Mapped', attributes: { colour: 'green' } });
  });
});
