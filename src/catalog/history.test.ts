import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { ensureWarehouse, recordMovement } from '../inventory/movements.ts';
import { productReferences } from './delete.ts';

describeEachDatabase('catalog: history and delete without loss', (t) => {
  let server: TestServer;
  let clerk: string;
  beforeAll(async () => {
    server = await startTestServer(t.database);
    clerk = await server.keyFor('operator', 'warehouse-clerk');
    // Stands for a table another part adds later (stock, orders, listings): only its foreign key matters.
    await t.database.query(
      `create table test_shelf_labels (id serial primary key, product_id bigint not null references products(id), label text)`,
    );
  });
  afterAll(() => server.close());

  const create = (json: Record<string, unknown>, key?: string) =>
    server.api('/api/v1/products', { method: 'POST', json, key });
  const history = async (id: number, query = '') => (await server.api(`/api/v1/products/${id}/history${query}`)).body;
  const refer = (productId: number) =>
    t.database.query(`insert into test_shelf_labels (product_id, label) values ($1, 'A-1')`, [productId]);

  test('every change is a history row with its actor and each changed field before and after, newest first', async () => {
    const made = await create({ sku: 'PEN-1', name: 'Pen', attributes: { ink: 'blue' } }, clerk);
    const id = made.body.id;
    await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { name: 'Blue pen', ean: '96385074' } });
    await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { name: 'Blue pen' } }); // no change, no row
    await server.api(`/api/v1/products/${id}`, { method: 'PUT', json: { sku: 'PEN-2', name: 'Blue pen' }, key: clerk });

    const page = await history(id);
    expect(page.total).toBe(3);
    expect(page.items.map((o: { action: string }) => o.action)).toEqual(['update', 'update', 'create']);
    const [put, patch, created] = page.items;
    expect(created).toMatchObject({ actor: 'warehouse-clerk', entity_type: 'product', entity_id: String(id) });
    expect(created.changes).toMatchObject({
      sku: { before: null, after: 'PEN-1' },
      name: { before: null, after: 'Pen' },
      attributes: { before: null, after: { ink: 'blue' } },
    });
    expect(patch.actor).toBe('test-admin');
    expect(patch.changes).toEqual({
      name: { before: 'Pen', after: 'Blue pen' },
      ean: { before: null, after: '96385074' },
    });
    expect(put.actor).toBe('warehouse-clerk');
    expect(put.changes).toEqual({
      sku: { before: 'PEN-1', after: 'PEN-2' },
      ean: { before: '96385074', after: null },
      attributes: { before: { ink: 'blue' }, after: {} },
    });
    expect(put.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const second = await history(id, '?limit=1&offset=1');
    expect(second).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(second.items[0].id).toBe(patch.id);
    expect((await server.api('/api/v1/products/999999/history')).status).toBe(404);
  });

  test('the reference check finds any table whose foreign key points at products', async () => {
    const free = await create({ sku: 'REF-0', name: 'Free' });
    const held = await create({ sku: 'REF-1', name: 'Held' });
    await refer(held.body.id);
    expect(await productReferences(t.database.db, free.body.id)).toEqual([]);
    expect(await productReferences(t.database.db, held.body.id)).toEqual(['test_shelf_labels']);
  });

  test('a product nothing refers to is deleted (204), and its history is kept and readable', async () => {
    const made = await create({ sku: 'GONE-1', name: 'Mistake' });
    const id = made.body.id;
    const res = await server.api(`/api/v1/products/${id}`, { method: 'DELETE', key: clerk });
    expect(res.status).toBe(204);
    expect((await server.api(`/api/v1/products/${id}`)).status).toBe(404);
    const page = await history(id);
    expect(page.items.map((o: { action: string }) => o.action)).toEqual(['delete', 'create']);
    expect(page.items[0]).toMatchObject({
      actor: 'warehouse-clerk',
      changes: { sku: { before: 'GONE-1', after: null }, name: { before: 'Mistake', after: null } },
    });
    // the SKU is free again
    expect((await create({ sku: 'gone-1', name: 'Second try' })).status).toBe(201);
  });

  test('a product something refers to is archived: hidden from lists, readable by id, restorable, history kept', async () => {
    const made = await create({ sku: 'KEEP-1', name: 'Sold mug' });
    const id = made.body.id;
    await refer(id);
    const res = await server.api(`/api/v1/products/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      archived: true,
      referenced_by: ['test_shelf_labels'],
      product: { id, archived: true, version: 2 },
    });
    expect(res.body.product.archived_at).toMatch(/Z$/);

    expect((await server.api('/api/v1/products?q=KEEP-1')).body.total).toBe(0);
    expect((await server.api('/api/v1/products?q=KEEP-1&include_archived=true')).body.items[0]).toMatchObject({
      id,
      archived: true,
    });
    expect((await server.api(`/api/v1/products/${id}`)).body).toMatchObject({ sku: 'KEEP-1', archived: true });
    const [label] = await t.database.query<{ n: number }>(
      `select count(*)::int as n from test_shelf_labels where product_id = $1`,
      [id],
    );
    expect(label.n).toBe(1);
    // an archived product still holds its SKU
    const clash = await create({ sku: 'keep-1', name: 'New mug' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toMatch(/archived/);

    // deleting again keeps it archived and writes nothing more
    expect((await server.api(`/api/v1/products/${id}`, { method: 'DELETE' })).status).toBe(200);
    const restored = await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { archived: false } });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ archived: false, archived_at: null, version: 3 });
    expect((await server.api('/api/v1/products?q=KEEP-1')).body.total).toBe(1);
    const page = await history(id);
    expect(page.items.map((o: { action: string }) => o.action)).toEqual(['restore', 'archive', 'create']);
    expect(page.items[1].changes).toEqual({ archived: { before: false, after: true } });
  });

  test('a new SKU keeps everything that refers to the product: references hold its id, not its SKU', async () => {
    const made = await create({ sku: 'OLD-SKU', name: 'Teapot' });
    const id = made.body.id;
    await refer(id);
    const renamed = await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { sku: 'NEW-SKU' } });
    expect(renamed.status).toBe(200);
    const joined = await rows<{ sku: string; label: string }>(
      t.database.db,
      sql`select p.sku, l.label from test_shelf_labels l join products p on p.id = l.product_id where l.product_id = ${id}`,
    );
    expect(joined).toEqual([{ sku: 'NEW-SKU', label: 'A-1' }]);
    expect((await server.api(`/api/v1/products/${id}`, { method: 'DELETE' })).body.archived).toBe(true);
  });

  test('a product with stock movements is archived; a new SKU leaves its stock where it was', async () => {
    const made = await create({ sku: 'STOCKED-1', name: 'Kettle' });
    const id = made.body.id;
    const db = t.database.db;
    const warehouse = await db.transaction(async (tx) => {
      const w = await ensureWarehouse(tx, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false });
      await recordMovement(tx, { type: 'receipt', productId: id, warehouseId: w.id, quantity: 5 }, 'test');
      return w;
    });
    expect(
      (await server.api(`/api/v1/products/${id}`, { method: 'PUT', json: { sku: 'STOCKED-2', name: 'Kettle' } }))
        .status,
    ).toBe(200);
    const [level] = await rows<{ on_hand: number }>(
      db,
      sql`select on_hand from stock_levels where product_id = ${id} and warehouse_id = ${warehouse.id}`,
    );
    expect(level).toEqual({ on_hand: 5 });
    const res = await server.api(`/api/v1/products/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body.referenced_by).toEqual(expect.arrayContaining(['stock_movements']));
  });

  test('history of an archived product stays readable, and PATCH archived:true archives by hand', async () => {
    const made = await create({ sku: 'SEASON-1', name: 'Christmas cup' });
    const id = made.body.id;
    const archived = await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { archived: true } });
    expect(archived.body, JSON.stringify(archived.body)).toMatchObject({ archived: true });
    const page = await history(id);
    expect(page.items.map((o: { action: string }) => o.action)).toEqual(['archive', 'create']);
  });
});
