import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { createProduct, getProduct } from './products.ts';

describeEachDatabase('catalog: bulk edit of selected products', (t) => {
  let server: TestServer;
  let ids: number[];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    ids = [];
    for (let i = 1; i <= 4; i++)
      ids.push(
        (
          await createProduct(
            t.database.db,
            { sku: `BLK-${i}`, name: `Bulk ${i}`, attributes: { colour: 'red' } },
            'seed',
          )
        ).id,
      );
  });
  afterAll(() => server.close());

  const bulk = (json: unknown, key?: string) => server.api('/api/v1/products/bulk', { method: 'POST', json, key });
  const operations = (id: number) =>
    rows<{ action: string; actor: string; changes: Record<string, { before: unknown; after: unknown }> }>(
      t.database.db,
      sql`
      select action, actor, changes from operations where entity_type = 'product' and entity_id = ${String(id)} order by id`,
    );

  test('sets an attribute on each selected product, one operations row each; a product already so writes nothing', async () => {
    await bulk({ products: [{ id: ids[3] }], action: { type: 'set_attribute', name: 'material', value: 'clay' } });
    const res = await bulk({
      products: ids.map((id) => ({ id })),
      action: { type: 'set_attribute', name: 'material', value: 'clay' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ changed: ids.slice(0, 3), unchanged: [ids[3]] });
    for (const id of ids) {
      const product = await getProduct(t.database.db, id);
      expect(product.attributes).toEqual({ colour: 'red', material: 'clay' });
      expect(product.version).toBe(2);
      const ops = await operations(id);
      expect(ops).toHaveLength(2);
      expect(ops[1]).toMatchObject({
        action: 'update',
        actor: 'test-admin',
        changes: { attributes: { before: { colour: 'red' }, after: { colour: 'red', material: 'clay' } } },
      });
    }
    const removed = await bulk({ products: [{ id: ids[0] }], action: { type: 'remove_attribute', name: 'colour' } });
    expect(removed.body.changed).toEqual([ids[0]]);
    expect((await getProduct(t.database.db, ids[0])).attributes).toEqual({ material: 'clay' });
  });

  test('archives and restores; archived ones leave the list', async () => {
    const archived = await bulk({ products: [{ id: ids[0] }, { id: ids[1] }], action: { type: 'archive' } });
    expect(archived.body.changed).toEqual([ids[0], ids[1]]);
    const listed = await server.api('/api/v1/products?q=BLK');
    expect(listed.body.items.map((p: { sku: string }) => p.sku)).toEqual(['BLK-3', 'BLK-4']);
    expect((await operations(ids[0])).at(-1)).toMatchObject({
      action: 'archive',
      changes: { archived: { before: false, after: true } },
    });
    const restored = await bulk({
      products: [{ id: ids[0] }, { id: ids[1] }, { id: ids[2] }],
      action: { type: 'restore' },
    });
    expect(restored.body).toEqual({ changed: [ids[0], ids[1]], unchanged: [ids[2]] });
    expect((await operations(ids[1])).at(-1)).toMatchObject({ action: 'restore' });
  });

  test('sets the base price through pricing: a price_changes row, an outbox message and an operations row per product', async () => {
    const res = await bulk({
      products: ids.slice(0, 2).map((id) => ({ id })),
      action: { type: 'set_base_price', amount: 129_900, currency: 'rub' },
      reason: 'autumn prices',
    });
    expect(res.body.changed).toEqual(ids.slice(0, 2));
    const prices = await rows<{ product_id: number; amount: number; currency: string }>(
      t.database.db,
      sql`
      select product_id, amount::int as amount, currency from product_prices where product_id = any(${sql.param(ids)}::bigint[]) order by product_id`,
    );
    expect(prices.map((p) => [Number(p.product_id), p.amount, p.currency])).toEqual([
      [ids[0], 129_900, 'RUB'],
      [ids[1], 129_900, 'RUB'],
    ]);
    const history = await rows<{ reason: string; actor: string }>(
      t.database.db,
      sql`
      select reason, actor from price_changes where product_id = ${ids[0]}`,
    );
    expect(history).toEqual([{ reason: 'autumn prices', actor: 'test-admin' }]);
    const messages = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from outbox where topic = 'price.changed' and key = ${String(ids[1])}`,
    );
    expect(messages[0].n).toBe(1);
    expect((await operations(ids[0])).at(-1)).toMatchObject({
      action: 'update',
      changes: { base_price: { before: null, after: { amount: 129_900, currency: 'RUB' } } },
    });
    const again = await bulk({
      products: ids.slice(0, 2).map((id) => ({ id })),
      action: { type: 'set_base_price', amount: 129_900, currency: 'RUB' },
    });
    expect(again.body).toEqual({ changed: [], unchanged: ids.slice(0, 2) });
  });

  test('all or nothing: one product missing or changed since it was seen refuses the whole edit, each named', async () => {
    const seen = await getProduct(t.database.db, ids[2]);
    await server.api(`/api/v1/products/${ids[2]}`, { method: 'PATCH', json: { name: 'Renamed meanwhile' } });
    const before = await rows(t.database.db, sql`select count(*)::int as n from operations`);
    const res = await bulk({
      products: [
        { id: ids[0], version: (await getProduct(t.database.db, ids[0])).version },
        { id: ids[2], version: seen.version },
        { id: 99_999 },
      ],
      action: { type: 'archive' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('PRODUCTS_BULK_REFUSED');
    expect(res.body.error.message).toContain('nothing was changed');
    expect(res.body.error.details.errors).toEqual([
      expect.objectContaining({ product_id: ids[2], code: 'VERSION_CONFLICT' }),
      expect.objectContaining({ product_id: 99_999, code: 'PRODUCT_NOT_FOUND' }),
    ]);
    expect((await getProduct(t.database.db, ids[0])).archived).toBe(false);
    expect(await rows(t.database.db, sql`select count(*)::int as n from operations`)).toEqual(before);
  });

  test('bad input is a 400 naming the field; a read-only key is refused', async () => {
    const cases: [unknown, string][] = [
      [{ products: [], action: { type: 'archive' } }, 'body.products'],
      [{ products: [{ id: ids[0] }, { id: ids[0] }], action: { type: 'archive' } }, 'body.products'],
      [{ products: [{ id: ids[0] }], action: { type: 'paint' } }, 'body.action.type'],
      [{ products: [{ id: ids[0] }], action: { type: 'set_attribute', name: ' ', value: 'x' } }, 'body.action.name'],
      [
        { products: [{ id: ids[0] }], action: { type: 'set_base_price', amount: 12.5, currency: 'RUB' } },
        'body.action.amount',
      ],
      [
        { products: [{ id: ids[0] }], action: { type: 'set_base_price', amount: 100, currency: 'RUBLE' } },
        'body.action.currency',
      ],
    ];
    for (const [json, field] of cases) {
      const res = await bulk(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(
        res.body.error.details.map((d: { field: string }) => d.field),
        JSON.stringify(json),
      ).toContain(field);
    }
    const readonly = await bulk(
      { products: [{ id: ids[0] }], action: { type: 'archive' } },
      await server.keyFor('readonly'),
    );
    expect(readonly.status).toBe(403);
    expect((await getProduct(t.database.db, ids[0])).archived).toBe(false);
  });
});
