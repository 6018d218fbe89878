import { afterAll, beforeAll, beforeEach, afterEach, expect, test } from 'vitest';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

describeEachDatabase('catalog: bad input is refused, naming the field, and writes nothing', (t) => {
  let server: TestServer;
  let id: number;
  let written: { products: number; operations: number; version: number };
  beforeAll(async () => {
    server = await startTestServer(t.database);
    id = (await server.api('/api/v1/products', { method: 'POST', json: { sku: 'BASE-1', name: 'Base' } })).body.id;
  });
  afterAll(() => server.close());

  const counts = async () => {
    const [row] = await t.database.query<typeof written>(
      `select (select count(*)::int from products) as products, (select count(*)::int from operations) as operations,
              (select version from products where id = $1) as version`,
      [id],
    );
    return row;
  };
  beforeEach(async () => {
    written = await counts();
  });
  afterEach(async () => {
    expect(await counts()).toEqual(written);
  });

  const send = (method: string, path: string, body: string, contentType = 'application/json') =>
    server.api(path, { method, body, headers: { 'content-type': contentType } });
  const fields = (res: { body: { error: { details: { field: string }[] } } }) =>
    res.body.error.details.map((d) => d.field).sort();

  test('malformed JSON gets 400 MALFORMED_JSON on POST, PUT and PATCH', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/products'],
      ['PUT', `/api/v1/products/${id}`],
      ['PATCH', `/api/v1/products/${id}`],
    ]) {
      const res = await send(method, path, '{"sku": "X-1", "name": ');
      expect(res.status, method).toBe(400);
      expect(res.body.error.code, method).toBe('MALFORMED_JSON');
    }
  });

  test('wrong types are named field by field', async () => {
    const res = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 123, name: true, ean: 5901234123457, description: 5, attributes: [] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(fields(res)).toEqual(['body.attributes', 'body.description', 'body.ean', 'body.name', 'body.sku']);
    const nested = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'N-1', name: 'n', attributes: { size: { w: 1 } } },
    });
    expect(fields(nested)).toEqual(['body.attributes.size']);
    const nullSku = await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { sku: null, name: '' } });
    expect(fields(nullSku)).toEqual(['body.name', 'body.sku']);
    const notObject = await server.api('/api/v1/products', { method: 'POST', json: ['sku'] });
    expect(notObject.status).toBe(400);
  });

  test('missing, blank and too long values are named', async () => {
    expect(fields(await server.api('/api/v1/products', { method: 'POST', json: {} }))).toEqual([
      'body.name',
      'body.sku',
    ]);
    expect(fields(await server.api('/api/v1/products', { method: 'POST', json: { sku: '   ', name: '  ' } }))).toEqual([
      'body.name',
      'body.sku',
    ]);
    const long = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'S'.repeat(101), name: 'N'.repeat(301) },
    });
    expect(fields(long)).toEqual(['body.name', 'body.sku']);
    expect(long.body.error.message).toMatch(/at most 100/);
  });

  test('unknown fields are refused by name, not silently dropped', async () => {
    const res = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'U-1', name: 'u', price: 10, colour: 'red' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { field: 'body.price', message: 'unknown field' },
      { field: 'body.colour', message: 'unknown field' },
    ]);
    const put = await server.api(`/api/v1/products/${id}`, {
      method: 'PUT',
      json: { sku: 'BASE-1', name: 'b', archived: true },
    });
    expect(fields(put)).toEqual(['body.archived']);
    const patch = await server.api(`/api/v1/products/${id}`, { method: 'PATCH', json: { id: 5 } });
    expect(fields(patch)).toEqual(['body.id']);
  });

  test('a huge body gets 413', async () => {
    const res = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'HUGE-1', name: 'h', description: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const long = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'HUGE-2', name: 'h', description: 'x'.repeat(20_001) },
    });
    expect(fields(long)).toEqual(['body.description']);
  });

  test('a body that is not JSON, or none at all, is refused', async () => {
    const text = await send('POST', '/api/v1/products', 'sku=X&name=Y', 'application/x-www-form-urlencoded');
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
    const none = await server.api('/api/v1/products', { method: 'POST' });
    expect(none.status).toBe(400);
  });

  test('the NUL character, which PostgreSQL cannot store, is refused naming the field (it was a 500)', async () => {
    const post = await server.api('/api/v1/products', {
      method: 'POST',
      json: { sku: 'A\u0000B', name: 'n', attributes: { 'k\u0000': 'v', ok: 'x\u0000' } },
    });
    expect(post.status).toBe(400);
    expect(post.body.error.code).toBe('VALIDATION_FAILED');
    expect(fields(post)).toEqual(['body.attributes.k\\u0000', 'body.attributes.ok', 'body.sku']);
    const patch = await server.api(`/api/v1/products/${id}`, {
      method: 'PATCH',
      json: { description: 'one\u0000two' },
    });
    expect(fields(patch)).toEqual(['body.description']);
    for (const query of ['q=a%00b', 'sku=a%00', 'ean=%00']) {
      const res = await server.api(`/api/v1/products?${query}`);
      expect(res.status, query).toBe(400);
      expect(fields(res), query).toEqual([`query.${query.split('=')[0]}`]);
    }
    expect((await server.api('/api/v1/products/%00')).status).toBe(400);
  });

  test('a JSON body that is not UTF-8 is refused, not stored with its bytes replaced', async () => {
    const bytes = Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await server.api(`/api/v1/products/${id}`, {
      method: 'PATCH',
      body: bytes,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
  });

  test('unknown and malformed ids: 404 naming the product, 400 naming path.id', async () => {
    const unknown = 987654;
    const calls: [string, string, unknown?][] = [
      ['GET', `/api/v1/products/${unknown}`],
      ['PUT', `/api/v1/products/${unknown}`, { sku: 'Z-1', name: 'z' }],
      ['PATCH', `/api/v1/products/${unknown}`, { name: 'z' }],
      ['DELETE', `/api/v1/products/${unknown}`],
      ['GET', `/api/v1/products/${unknown}/history`],
      ['GET', `/api/v1/products/${unknown}/image`],
      ['DELETE', `/api/v1/products/${unknown}/image`],
    ];
    for (const [method, path, json] of calls) {
      const res = await server.api(path, { method, json });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error, `${method} ${path}`).toMatchObject({ code: 'NOT_FOUND', details: { product: unknown } });
    }
    for (const bad of ['abc', '0', '-3', '1.5', '99999999999999999999']) {
      const res = await server.api(`/api/v1/products/${bad}`, { method: 'PATCH', json: { name: 'z' } });
      expect(res.status, bad).toBe(400);
      expect(new Set(fields(res)), bad).toEqual(new Set(['path.id']));
    }
  });

  test('every product route is in the OpenAPI document under Products, with its error answers', async () => {
    const doc = (await server.api('/openapi.json')).body;
    const expected: Record<string, string[]> = {
      '/api/v1/products': ['get', 'post'],
      '/api/v1/products/{id}': ['get', 'put', 'patch', 'delete'],
      '/api/v1/products/{id}/history': ['get'],
      '/api/v1/products/{id}/image': ['put', 'get', 'delete'],
      '/api/v1/products/{id}/image/thumbnail': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      for (const method of methods) {
        const op = doc.paths[path]?.[method];
        expect(op, `${method} ${path}`).toBeDefined();
        expect(op.tags).toEqual(['Products']);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
      }
    }
    expect(doc.paths['/api/v1/products/{id}/image'].put.requestBody.content['multipart/form-data']).toBeDefined();
    expect(doc.components.schemas.ProductInput.properties.ean).toBeDefined();
  });
});
