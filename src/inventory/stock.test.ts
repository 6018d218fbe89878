import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

describeEachDatabase('stock over HTTP', (t) => {
  let server: TestServer;
  let mug: number;
  let cup: number;
  let main: number;
  let shop: number;

  const newProduct = async (sku: string) =>
    (
      await rows<{ id: number }>(
        t.database.db,
        sql`insert into products (sku, name) values (${sku}, ${`Product ${sku}`}) returning id`,
      )
    )[0].id;

  const move = (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    server.api('/api/v1/stock/movements', { method: 'POST', json, headers });

  const level = async (productId: number, warehouseId: number) => {
    const res = await server.api(`/api/v1/stock?product_id=${productId}&warehouse_id=${warehouseId}`);
    expect(res.status).toBe(200);
    return res.body.items[0] as { on_hand: number; reserved: number; available: number } | undefined;
  };

  const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(t.database.db, query))[0].n;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    mug = await newProduct('MUG-1');
    cup = await newProduct('CUP-1');
    const a = await server.api('/api/v1/warehouses', { method: 'POST', json: { code: 'MAIN', name: 'Main' } });
    const b = await server.api('/api/v1/warehouses', { method: 'POST', json: { code: 'SHOP', name: 'Shop floor' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    main = a.body.id;
    shop = b.body.id;
  });
  afterAll(() => server.close());

  test('warehouses: create, list, a taken code is 409 naming the holder, rename and archive', async () => {
    const taken = await server.api('/api/v1/warehouses', { method: 'POST', json: { code: 'main', name: 'Again' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'WAREHOUSE_CODE_TAKEN', details: { warehouse_id: main } });

    const spare = await server.api('/api/v1/warehouses', { method: 'POST', json: { code: 'SPARE', name: 'Spare' } });
    expect(spare.body).toMatchObject({ kind: 'own', read_only: false, archived_at: null });
    const renamed = await server.api(`/api/v1/warehouses/${spare.body.id}`, {
      method: 'PATCH',
      json: { name: 'Spare room' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Spare room');
    const archived = await server.api(`/api/v1/warehouses/${spare.body.id}`, {
      method: 'PATCH',
      json: { archived: true },
    });
    expect(archived.body.archived_at).toMatch(/Z$/);

    const list = await server.api('/api/v1/warehouses');
    expect(list.body.items.map((w: { code: string }) => w.code)).toEqual(['MAIN', 'SHOP']);
    const all = await server.api('/api/v1/warehouses?include_archived=true');
    expect(all.body.total).toBe(3);

    const refused = await move({ type: 'receipt', product_id: mug, warehouse_id: spare.body.id, quantity: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('WAREHOUSE_ARCHIVED');

    const history = await rows<{ action: string }>(
      t.database.db,
      sql`
      select action from operations where entity_type = 'warehouse' and entity_id = ${String(spare.body.id)} order by id`,
    );
    expect(history.map((h) => h.action)).toEqual(['create', 'update', 'update']);
  });

  test('receipt, write-off and sale move on_hand; the ledger sums to the level', async () => {
    expect(
      (await move({ type: 'receipt', product_id: mug, warehouse_id: main, quantity: 10, reason: 'supplier delivery' }))
        .status,
    ).toBe(201);
    const sold = await move({ type: 'sale', product_id: mug, warehouse_id: main, quantity: 3 });
    expect(sold.status).toBe(201);
    expect(sold.body.movements).toEqual([
      expect.objectContaining({
        type: 'sale',
        quantity: -3,
        reserved_delta: 0,
        on_hand_after: 7,
        available_after: 7,
        actor: 'test-admin',
      }),
    ]);
    expect(
      (await move({ type: 'write_off', product_id: mug, warehouse_id: main, quantity: 2, reason: 'broken' })).status,
    ).toBe(201);
    expect((await move({ type: 'return', product_id: mug, warehouse_id: main, quantity: 1 })).status).toBe(201);
    expect(await level(mug, main)).toMatchObject({ on_hand: 6, reserved: 0, available: 6 });

    const ledger = await server.api(`/api/v1/stock/movements?product_id=${mug}&warehouse_id=${main}`);
    expect(ledger.body.items.map((m: { type: string }) => m.type)).toEqual(['return', 'write_off', 'sale', 'receipt']);
    expect(ledger.body.items.reduce((sum: number, m: { quantity: number }) => sum + m.quantity, 0)).toBe(6);
    const filtered = await server.api(`/api/v1/stock/movements?type=write_off&product_id=${mug}`);
    expect(filtered.body.items).toEqual([expect.objectContaining({ quantity: -2, reason: 'broken' })]);
    const future = await server.api(`/api/v1/stock/movements?product_id=${mug}&from=2999-01-01T00:00:00Z`);
    expect(future.body.total).toBe(0);
  });

  test('more than is available is refused with 409 naming what is available, and nothing is written', async () => {
    const before = await count(sql`select count(*)::int as n from stock_movements`);
    const outboxBefore = await count(sql`select count(*)::int as n from outbox`);
    const res = await move({ type: 'write_off', product_id: cup, warehouse_id: main, quantity: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'STOCK_INSUFFICIENT', details: { available: 0, requested: 1 } });
    expect(await count(sql`select count(*)::int as n from stock_movements`)).toBe(before);
    expect(await count(sql`select count(*)::int as n from outbox`)).toBe(outboxBefore);
  });

  test('reserve and release change reserved and available, never beyond on_hand', async () => {
    await move({ type: 'receipt', product_id: cup, warehouse_id: shop, quantity: 5 });
    expect((await move({ type: 'reserve', product_id: cup, warehouse_id: shop, quantity: 4 })).status).toBe(201);
    expect(await level(cup, shop)).toMatchObject({ on_hand: 5, reserved: 4, available: 1 });

    const tooMuch = await move({ type: 'reserve', product_id: cup, warehouse_id: shop, quantity: 2 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.details).toMatchObject({ available: 1, requested: 2 });
    // reserved units cannot be written off either
    expect((await move({ type: 'write_off', product_id: cup, warehouse_id: shop, quantity: 2 })).status).toBe(409);

    const released = await move({ type: 'release', product_id: cup, warehouse_id: shop, quantity: 3 });
    expect(released.body.movements[0]).toMatchObject({
      quantity: 0,
      reserved_delta: -3,
      reserved_after: 1,
      available_after: 4,
    });
    const overRelease = await move({ type: 'release', product_id: cup, warehouse_id: shop, quantity: 2 });
    expect(overRelease.status).toBe(409);
    expect(overRelease.body.error).toMatchObject({
      code: 'STOCK_INSUFFICIENT',
      details: { reserved: 1, requested: 2 },
    });
    await move({ type: 'release', product_id: cup, warehouse_id: shop, quantity: 1 });
    expect(await level(cup, shop)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
  });

  test('a transfer is one pair of rows with a shared transfer_id; a refused one changes neither side', async () => {
    const box = await newProduct('BOX-1');
    await move({ type: 'receipt', product_id: box, warehouse_id: main, quantity: 4 });
    const moved = await move({
      type: 'transfer',
      product_id: box,
      warehouse_id: main,
      to_warehouse_id: shop,
      quantity: 3,
    });
    expect(moved.status).toBe(201);
    const [out, into] = moved.body.movements;
    expect(out).toMatchObject({ type: 'transfer', warehouse_id: main, quantity: -3, on_hand_after: 1 });
    expect(into).toMatchObject({ type: 'transfer', warehouse_id: shop, quantity: 3, on_hand_after: 3 });
    expect(out.transfer_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(into.transfer_id).toBe(out.transfer_id);

    const tooMany = await move({
      type: 'transfer',
      product_id: box,
      warehouse_id: main,
      to_warehouse_id: shop,
      quantity: 2,
    });
    expect(tooMany.status).toBe(409);

    // the destination refuses (read-only) after the source could give: neither side changes
    await server.api(`/api/v1/warehouses/${shop}`, { method: 'PATCH', json: { read_only: true } });
    const frozen = await move({
      type: 'transfer',
      product_id: box,
      warehouse_id: main,
      to_warehouse_id: shop,
      quantity: 1,
    });
    await server.api(`/api/v1/warehouses/${shop}`, { method: 'PATCH', json: { read_only: false } });
    expect(frozen.status).toBe(409);
    expect(frozen.body.error.code).toBe('WAREHOUSE_READ_ONLY');
    expect(await level(box, main)).toMatchObject({ on_hand: 1 });
    expect(await level(box, shop)).toMatchObject({ on_hand: 3 });
    expect(await count(sql`select count(*)::int as n from stock_movements where product_id = ${box}`)).toBe(3);
  });

  test('an adjustment records the difference to the counted quantity and needs a reason', async () => {
    const jar = await newProduct('JAR-1');
    await move({ type: 'receipt', product_id: jar, warehouse_id: main, quantity: 10 });
    const noReason = await move({ type: 'adjustment', product_id: jar, warehouse_id: main, quantity: 7 });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([expect.objectContaining({ field: 'body.reason' })]);

    const counted = await move({
      type: 'adjustment',
      product_id: jar,
      warehouse_id: main,
      quantity: 7,
      reason: 'stocktake 2026-11',
    });
    expect(counted.status).toBe(201);
    expect(counted.body.movements[0]).toMatchObject({
      type: 'adjustment',
      quantity: -3,
      on_hand_after: 7,
      reason: 'stocktake 2026-11',
    });
    const up = await move({
      type: 'adjustment',
      product_id: jar,
      warehouse_id: main,
      quantity: 9,
      reason: 'found a box',
    });
    expect(up.body.movements[0]).toMatchObject({ quantity: 2, on_hand_after: 9 });
    const none = await move({
      type: 'adjustment',
      product_id: jar,
      warehouse_id: main,
      quantity: 0,
      reason: 'all gone',
    });
    expect(none.body.movements[0]).toMatchObject({ quantity: -9, on_hand_after: 0 });

    await move({ type: 'receipt', product_id: jar, warehouse_id: main, quantity: 5 });
    await move({ type: 'reserve', product_id: jar, warehouse_id: main, quantity: 4 });
    const belowReserved = await move({
      type: 'adjustment',
      product_id: jar,
      warehouse_id: main,
      quantity: 3,
      reason: 'count',
    });
    expect(belowReserved.status).toBe(409);
    expect(belowReserved.body.error.code).toBe('COUNT_BELOW_RESERVED');
  });

  test('a mirror warehouse refuses manual movements', async () => {
    const fbo = await server.api('/api/v1/warehouses', {
      method: 'POST',
      json: { code: 'OZON-FBO', name: 'Ozon FBO', kind: 'mirror', source: 'ozon:fbo' },
    });
    expect(fbo.body).toMatchObject({ kind: 'mirror', read_only: true, source: 'ozon:fbo' });
    for (const type of ['receipt', 'write_off', 'reserve']) {
      const res = await move({ type, product_id: mug, warehouse_id: fbo.body.id, quantity: 1 });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('WAREHOUSE_READ_ONLY');
    }
    const into = await move({
      type: 'transfer',
      product_id: mug,
      warehouse_id: main,
      to_warehouse_id: fbo.body.id,
      quantity: 1,
    });
    expect(into.body.error.code).toBe('WAREHOUSE_READ_ONLY');
    expect(await level(mug, main)).toMatchObject({ on_hand: 6 });
  });

  test('an archived product refuses new movements', async () => {
    const old = await newProduct('OLD-1');
    await move({ type: 'receipt', product_id: old, warehouse_id: main, quantity: 2 });
    await t.database.db.execute(sql`update products set archived_at = now() where id = ${old}`);
    const res = await move({ type: 'write_off', product_id: old, warehouse_id: main, quantity: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('PRODUCT_ARCHIVED');
  });

  test('bad inputs get a 400 or 404 naming the field, and write nothing', async () => {
    const before = await count(sql`select count(*)::int as n from stock_movements`);
    const base = { type: 'receipt', product_id: mug, warehouse_id: main, quantity: 1 };
    for (const quantity of [-1, 1.5, 0, '2', 1e10, null]) {
      const res = await move({ ...base, quantity });
      expect(res.status, `quantity ${quantity}`).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('body.quantity');
    }
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, type: 'steal' }, 'body.type'],
      [{ ...base, colour: 'red' }, 'body.colour'],
      [{ ...base, product_id: 'x' }, 'body.product_id'],
      [{ ...base, type: 'transfer' }, 'body.to_warehouse_id'],
      [{ ...base, type: 'transfer', to_warehouse_id: main }, 'body.to_warehouse_id'],
      [{ ...base, to_warehouse_id: shop }, 'body.to_warehouse_id'],
      [{ type: 'receipt', quantity: 1 }, 'body.product_id'],
    ];
    for (const [json, field] of cases) {
      const res = await move(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const malformed = await server.api('/api/v1/stock/movements', {
      method: 'POST',
      body: '{"type": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);

    const noProduct = await move({ ...base, product_id: 999999 });
    expect(noProduct.status).toBe(404);
    expect(noProduct.body.error.details).toEqual({ product_id: 999999 });
    const noWarehouse = await move({ ...base, warehouse_id: 999999 });
    expect(noWarehouse.status).toBe(404);
    expect(noWarehouse.body.error.details).toEqual({ warehouse_id: 999999 });
    const noDestination = await move({ ...base, type: 'transfer', to_warehouse_id: 999999 });
    expect(noDestination.status).toBe(404);

    const longKey = await move(base, { 'idempotency-key': 'k'.repeat(201) });
    expect(longKey.status).toBe(400);
    expect(longKey.body.error.details[0].field).toMatch(/idempotency-key/);
    const badQuery = await server.api('/api/v1/stock/movements?from=yesterday');
    expect(badQuery.status).toBe(400);
    const badWarehouse = await server.api('/api/v1/warehouses', {
      method: 'POST',
      json: { code: ' ', name: 'x', kind: 'shop' },
    });
    expect(badWarehouse.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'body.code',
      'body.kind',
    ]);
    expect((await server.api('/api/v1/warehouses/999999', { method: 'PATCH', json: { name: 'x' } })).status).toBe(404);
    // PostgreSQL cannot store NUL in text: refused at the border, naming the field (it was a 500).
    const nul: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/stock/movements', { ...base, reason: 'broken\u0000' }, 'body.reason'],
      ['POST', '/api/v1/warehouses', { code: 'N\u0000', name: 'x' }, 'body.code'],
      ['PATCH', `/api/v1/warehouses/${shop}`, { name: 'x\u0000' }, 'body.name'],
    ];
    for (const [method, path, json, field] of nul) {
      const res = await server.api(path, { method, json });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    }
    expect((await server.api('/api/v1/stock?limit=5&warehouse_id=%00')).status).toBe(400);
    const tooBig = await server.api('/api/v1/stock/movements', {
      method: 'POST',
      json: { ...base, reason: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(tooBig.status).toBe(413);
    expect(await count(sql`select count(*)::int as n from stock_movements`)).toBe(before);
  });

  test('a readonly key reads stock but may not move it', async () => {
    const key = await server.keyFor('readonly');
    expect((await server.api('/api/v1/stock', { key })).status).toBe(200);
    expect((await server.api('/api/v1/stock/movements', { key })).status).toBe(200);
    const res = await server.api('/api/v1/stock/movements', {
      method: 'POST',
      key,
      json: { type: 'receipt', product_id: mug, warehouse_id: main, quantity: 1 },
    });
    expect(res.status).toBe(403);
    const create = await server.api('/api/v1/warehouses', { method: 'POST', key, json: { code: 'X', name: 'X' } });
    expect(create.status).toBe(403);
    expect((await server.api('/api/v1/stock', { key: null })).status).toBe(401);
  });

  test('each movement writes one stock.changed outbox row in its transaction', async () => {
    const pot = await newProduct('POT-1');
    const outbox = () =>
      rows<{ payload: { warehouseIds: number[] } }>(
        t.database.db,
        sql`
      select payload from outbox where topic = 'stock.changed' and key = ${String(pot)} order by id`,
      );
    await move({ type: 'receipt', product_id: pot, warehouse_id: main, quantity: 2 });
    await move({ type: 'transfer', product_id: pot, warehouse_id: main, to_warehouse_id: shop, quantity: 1 });
    await move({ type: 'write_off', product_id: pot, warehouse_id: main, quantity: 5 }); // refused
    expect((await outbox()).map((o) => o.payload.warehouseIds)).toEqual([[main], [main, shop]]);
  });

  test('the OpenAPI document describes the stock routes and the Idempotency-Key header', async () => {
    const res = await server.api('/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    for (const path of ['/api/v1/warehouses', '/api/v1/warehouses/{id}', '/api/v1/stock', '/api/v1/stock/movements']) {
      expect(paths[path], path).toBeDefined();
    }
    const post = paths['/api/v1/stock/movements'].post;
    expect(post.tags).toEqual(['Stock']);
    expect(post.parameters.map((p: { name: string }) => p.name)).toContain('idempotency-key');
    expect(post.requestBody.required).toBe(true);
  });

  test('stock lists levels with SKU, name and warehouse code, paged', async () => {
    const res = await server.api(`/api/v1/stock?warehouse_id=${main}&limit=2`);
    expect(res.status).toBe(200);
    expect(res.body.limit).toBe(2);
    expect(res.body.total).toBeGreaterThan(2);
    expect(res.body.items[0]).toMatchObject({
      warehouse_code: 'MAIN',
      sku: expect.any(String),
      product_name: expect.any(String),
    });
    const next = await server.api(`/api/v1/stock?warehouse_id=${main}&limit=2&offset=2`);
    expect(next.body.items[0].sku).not.toBe(res.body.items[0].sku);
  });
});
