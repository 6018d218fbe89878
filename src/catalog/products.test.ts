import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { createProduct, listProducts, updateProduct } from './products.ts';

describeEachDatabase('catalog: products', (t) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(t.database);
  });
  afterAll(() => server.close());

  const create = (json: Record<string, unknown>) => server.api('/api/v1/products', { method: 'POST', json });

  test('create, read, list: the SKU is trimmed and the answer carries the stored product', async () => {
    const res = await create({
      sku: '  MUG-1 ',
      name: ' Red mug ',
      ean: '5901234123457',
      description: 'Holds tea',
      attributes: { colour: 'red', ml: 350 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      sku: 'MUG-1',
      name: 'Red mug',
      ean: '5901234123457',
      description: 'Holds tea',
      attributes: { colour: 'red', ml: 350 },
      archived: false,
      archived_at: null,
      version: 1,
      image: null,
    });
    expect(res.headers.get('location')).toBe(`/api/v1/products/${res.body.id}`);
    const read = await server.api(`/api/v1/products/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  test('search finds by part of the SKU, the name or the EAN; exact sku and ean filters; paging with a total', async () => {
    await create({ sku: 'TEA-GREEN-100', name: 'Green tea 100 g', ean: '4006381333931' });
    await create({ sku: 'TEA-BLACK-100', name: 'Black tea 100 g' });
    await create({ sku: 'CUP-TEA', name: 'Cup for 50% tea_lovers' });
    const sku = (r: { body: { items: { sku: string }[] } }) => r.body.items.map((p) => p.sku);

    expect(sku(await server.api('/api/v1/products?q=tea'))).toEqual(['CUP-TEA', 'TEA-BLACK-100', 'TEA-GREEN-100']);
    expect(sku(await server.api('/api/v1/products?q=green'))).toEqual(['TEA-GREEN-100']);
    expect(sku(await server.api('/api/v1/products?q=40063813'))).toEqual(['TEA-GREEN-100']);
    // % and _ are letters in a search, not wildcards
    expect(sku(await server.api('/api/v1/products?q=50%25'))).toEqual(['CUP-TEA']);
    expect(sku(await server.api('/api/v1/products?q=a_l'))).toEqual(['CUP-TEA']);
    // an exact SKU hit comes first
    expect(sku(await server.api('/api/v1/products?q=cup-tea'))[0]).toBe('CUP-TEA');
    expect(sku(await server.api('/api/v1/products?sku=tea-black-100'))).toEqual(['TEA-BLACK-100']);
    expect(sku(await server.api('/api/v1/products?sku=TEA'))).toEqual([]);
    expect(sku(await server.api('/api/v1/products?ean=4006381333931'))).toEqual(['TEA-GREEN-100']);

    const first = await server.api('/api/v1/products?q=tea&limit=2');
    expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.body.items).toHaveLength(2);
    const second = await server.api('/api/v1/products?q=tea&limit=2&offset=2');
    expect(sku(second)).toEqual(['TEA-GREEN-100']);
    expect(second.body.total).toBe(3);
  });

  test('paging parameters are checked: limit 1..500, offset not negative', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'offset=-1', 'include_archived=yes']) {
      const res = await server.api(`/api/v1/products?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.details[0].field, query).toBe(`query.${query.split('=')[0]}`);
    }
    expect((await server.api('/api/v1/products?limit=500')).status).toBe(200);
  });

  test('a taken SKU, in any case and with spaces around it, is refused naming the product that holds it', async () => {
    const holder = await create({ sku: 'LAMP-1', name: 'Desk lamp' });
    for (const sku of ['LAMP-1', 'lamp-1', '  Lamp-1  ']) {
      const res = await create({ sku, name: 'Another lamp' });
      expect(res.status, sku).toBe(409);
      expect(res.body.error.code).toBe('SKU_TAKEN');
      expect(res.body.error.message).toContain(`product ${holder.body.id} "Desk lamp"`);
      expect(res.body.error.details.product).toMatchObject({ id: holder.body.id, sku: 'LAMP-1', name: 'Desk lamp' });
    }
    const other = await create({ sku: 'LAMP-2', name: 'Floor lamp' });
    const renamed = await server.api(`/api/v1/products/${other.body.id}`, { method: 'PATCH', json: { sku: 'lamp-1' } });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.details.product.id).toBe(holder.body.id);
    // a product may change the case of its own SKU
    const recased = await server.api(`/api/v1/products/${holder.body.id}`, {
      method: 'PATCH',
      json: { sku: 'Lamp-1' },
    });
    expect(recased.status).toBe(200);
    expect(recased.body.sku).toBe('Lamp-1');
    expect((await server.api('/api/v1/products?sku=LAMP-1')).body.total).toBe(1);
  });

  test('the same new SKU sent by many at once: one is created, the others get SKU_TAKEN, none a 500', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => create({ sku: 'RACE-1', name: `Racer ${i}` })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    for (const a of answers.filter((a) => a.status === 409)) expect(a.body.error.code).toBe('SKU_TAKEN');
  });

  test('EAN-8, EAN-13 and UPC-A with right check digits are kept; wrong ones are refused naming body.ean', async () => {
    for (const ean of ['96385074', '73513537', '4006381333931', '5901234123457', '036000291452']) {
      const res = await create({ sku: `EAN-OK-${ean}`, name: 'Scanned', ean });
      expect(res.status, ean).toBe(201);
      expect(res.body.ean).toBe(ean);
    }
    const wrong: [string, RegExp][] = [
      ['4006381333932', /should be 1/],
      ['96385075', /should be 4/],
      ['036000291453', /should be 2/],
      ['12345', /8 \(EAN-8\), 12 \(UPC-A\) or 13/],
      ['40063813339a1', /digits only/],
    ];
    for (const [ean, message] of wrong) {
      const res = await create({ sku: `EAN-BAD-${ean}`, name: 'Scanned', ean });
      expect(res.status, ean).toBe(400);
      expect(res.body.error.details).toEqual([{ field: 'body.ean', message: expect.stringMatching(message) }]);
    }
    expect((await server.api('/api/v1/products?q=EAN-BAD')).body.total).toBe(0);
    // empty or null clears it
    const withEan = await create({ sku: 'EAN-CLEAR', name: 'Scanned', ean: '96385074' });
    const cleared = await server.api(`/api/v1/products/${withEan.body.id}`, { method: 'PATCH', json: { ean: '' } });
    expect(cleared.body.ean).toBeNull();
    expect((await create({ sku: 'EAN-NULL', name: 'x', ean: null })).body.ean).toBeNull();
  });

  test('PUT replaces the whole product (left-out fields are cleared); PATCH changes only what it names', async () => {
    const made = await create({
      sku: 'BOWL-1',
      name: 'Bowl',
      ean: '96385074',
      description: 'Deep',
      attributes: { colour: 'blue' },
    });
    const id = made.body.id;
    const patched = await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { name: 'Big bowl' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      sku: 'BOWL-1',
      name: 'Big bowl',
      ean: '96385074',
      description: 'Deep',
      attributes: { colour: 'blue' },
      version: 2,
    });

    const cleared = await server.api(`/api/v1/products/${id}`, {
      method: 'PATCH',
      json: { description: null, attributes: { size: 'L' } },
    });
    expect(cleared.body).toMatchObject({ description: null, attributes: { size: 'L' }, version: 3 });

    const put = await server.api(`/api/v1/products/${id}`, { method: 'PUT', json: { sku: 'BOWL-2', name: 'Bowl' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      sku: 'BOWL-2',
      name: 'Bowl',
      ean: null,
      description: null,
      attributes: {},
      version: 4,
    });

    // PUT needs the whole product
    const partial = await server.api(`/api/v1/products/${id}`, { method: 'PUT', json: { name: 'Only a name' } });
    expect(partial.status).toBe(400);
    expect(partial.body.error.details).toEqual([{ field: 'body.sku', message: expect.any(String) }]);

    // the same values again change nothing, so the version stays
    const same = await server.api(`/api/v1/products/${id}`, { method: 'PUT', json: { sku: 'BOWL-2', name: 'Bowl' } });
    expect(same.body.version).toBe(4);
  });

  test('If-Match: a stale version is refused with 409 and nothing changes; the current one goes through', async () => {
    const made = await create({ sku: 'VASE-1', name: 'Vase' });
    const id = made.body.id;
    await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { name: 'Tall vase' } });
    const stale = await server.api(`/api/v1/products/${id}`, {
      method: 'PATCH',
      json: { name: 'Short vase' },
      headers: { 'if-match': '1' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: 'VERSION_CONFLICT',
      details: { expected_version: 1, current_version: 2 },
    });
    expect((await server.api(`/api/v1/products/${id}`)).body.name).toBe('Tall vase');

    const fresh = await server.api(`/api/v1/products/${id}`, {
      method: 'PUT',
      json: { sku: 'VASE-1', name: 'Short vase' },
      headers: { 'if-match': '"2"' },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"3"');

    const bad = await server.api(`/api/v1/products/${id}`, {
      method: 'PATCH',
      json: { name: 'x' },
      headers: { 'if-match': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('header.if-match');

    const staleDelete = await server.api(`/api/v1/products/${id}`, { method: 'DELETE', headers: { 'if-match': '1' } });
    expect(staleDelete.status).toBe(409);
    expect((await server.api(`/api/v1/products/${id}`)).status).toBe(200);
  });

  test('a readonly key reads but cannot write; an operator key can', async () => {
    const readonly = await server.keyFor('readonly', 'viewer');
    expect((await server.api('/api/v1/products', { key: readonly })).status).toBe(200);
    const refused = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'RO-1', name: 'x' },
      key: readonly,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const made = await create({ sku: 'RO-2', name: 'x' });
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      const res = await server.api(`/api/v1/products/${made.body.id}`, {
        method,
        json: { sku: 'RO-2', name: 'y' },
        key: readonly,
      });
      expect(res.status, method).toBe(403);
    }
    expect((await server.api('/api/v1/products?sku=RO-1')).body.total).toBe(0);
    const operator = await server.keyFor('operator', 'shop-assistant');
    expect(
      (await server.api('/api/v1/products', { method: 'POST', json: { sku: 'RO-3', name: 'x' }, key: operator }))
        .status,
    ).toBe(201);
    expect((await server.api('/api/v1/products', { key: null })).status).toBe(401);
  });

  test('seed 000 conformance: products by a list of SKUs, with paging (GET ?skus= and POST /products/lookup with what is missing)', async () => {
    for (const n of [1, 2, 3, 4, 5]) await create({ sku: `BULK-${n}`, name: `Bulk ${n}` });
    const skus = (r: { body: { items: { sku: string }[] } }) => r.body.items.map((p) => p.sku);
    const page1 = await server.api('/api/v1/products?skus=bulk-3,BULK-1,BULK-5,NOPE-1&limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(skus(page1)).toEqual(['BULK-1', 'BULK-3']);
    expect(skus(await server.api('/api/v1/products?skus=bulk-3,BULK-1,BULK-5,NOPE-1&limit=2&offset=2'))).toEqual([
      'BULK-5',
    ]);
    expect(
      (await server.api(`/api/v1/products?skus=${Array.from({ length: 501 }, (_, i) => `S-${i}`).join(',')}`)).status,
    ).toBe(400);

    const list = ['BULK-4', 'bulk-2', 'NOPE-1', 'BULK-4', ...Array.from({ length: 600 }, (_, i) => `MISSING-${i}`)];
    const first = await server.api('/api/v1/products/lookup', { method: 'POST', json: { skus: list, limit: 1 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(skus(first)).toEqual(['BULK-2']);
    expect(first.body.missing).toHaveLength(601);
    expect(first.body.missing.slice(0, 2)).toEqual(['NOPE-1', 'MISSING-0']);
    expect(
      skus(await server.api('/api/v1/products/lookup', { method: 'POST', json: { skus: list, limit: 1, offset: 1 } })),
    ).toEqual(['BULK-4']);
    expect((await server.api('/api/v1/products/lookup', { method: 'POST', json: { skus: [] } })).status).toBe(400);
    // A read: a readonly key may look products up.
    const readonly = await server.keyFor('readonly', 'bulk-reader');
    expect(
      (await server.api('/api/v1/products/lookup', { method: 'POST', json: { skus: ['BULK-1'] }, key: readonly })).body
        .total,
    ).toBe(1);
  });

  test('the services the panel and the bot call check input the same way and take a transaction', async () => {
    const db = t.database.db;
    await expect(createProduct(db, { sku: ' ', name: 'x' }, 'bot')).rejects.toThrow(/SKU is required/);
    await expect(createProduct(db, { sku: 'SVC-1', name: 'x', ean: '4006381333932' }, 'bot')).rejects.toThrow(
      /should be 1/,
    );
    // one transaction spanning two calls: the second fails, so neither is kept
    await expect(
      db.transaction(async (tx) => {
        const made = await createProduct(tx, { sku: 'SVC-2', name: 'Kept?' }, 'bot');
        await updateProduct(tx, made.id, { sku: 'lamp-1' }, 'bot');
      }),
    ).rejects.toMatchObject({ code: 'SKU_TAKEN' });
    expect((await listProducts(db, { sku: 'SVC-2' })).total).toBe(0);
  });
});
