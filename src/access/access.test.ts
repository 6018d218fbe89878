import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

describeEachDatabase('API keys and the error shape', (t) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(t.database);
  });
  afterAll(() => server.close());

  test('no key, an unknown key and a revoked key get 401 in the one error shape', async () => {
    expect(await server.api('/api/v1/keys', { key: null })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    expect((await server.api('/api/v1/keys', { key: 'sk_nope' })).status).toBe(401);
    const made = await server.api('/api/v1/keys', { method: 'POST', json: { name: 'temp', role: 'readonly' } });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^sk_/);
    expect((await server.api('/api/v1/keys', { key: made.body.key })).status).toBe(403);
    expect((await server.api(`/api/v1/keys/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await server.api('/api/v1/keys', { key: made.body.key })).status).toBe(401);
  });

  test('Bearer works as well as X-API-SECRET-KEY, and the list never shows a whole key', async () => {
    const res = await fetch(`${server.baseUrl}/api/v1/keys`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(server.adminKey);
    expect(JSON.parse(text).items[0]).toMatchObject({ name: 'test-admin', role: 'admin' });
  });

  test('a readonly key cannot write and an operator cannot manage keys', async () => {
    const operator = await server.keyFor('operator');
    const res = await server.api('/api/v1/keys', { method: 'POST', json: { name: 'x', role: 'admin' }, key: operator });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  test('bad bodies get 400 naming the field, and nothing is written', async () => {
    const before = (await server.api('/api/v1/keys')).body.items.length;
    const unknown = await server.api('/api/v1/keys', { method: 'POST', json: { name: 'x', role: 'admin', extra: 1 } });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(unknown.body.error.message).toContain('body.extra');
    const wrongRole = await server.api('/api/v1/keys', { method: 'POST', json: { name: 'x', role: 'root' } });
    expect(wrongRole.body.error.details[0].field).toBe('body.role');
    const malformed = await server.api('/api/v1/keys', {
      method: 'POST',
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
    const huge = await server.api('/api/v1/keys', {
      method: 'POST',
      json: { name: 'x'.repeat(2_000_000), role: 'admin' },
    });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const noBody = await server.api('/api/v1/keys', { method: 'POST' });
    expect(noBody.status).toBe(400);
    expect((await server.api('/api/v1/keys')).body.items.length).toBe(before);
  });

  test('health, readiness, metrics and the OpenAPI document answer without a key', async () => {
    expect((await server.api('/healthz', { key: null })).status).toBe(200);
    expect(await server.api('/readyz', { key: null })).toMatchObject({
      status: 200,
      body: { status: 'ready', database: t.kind },
    });
    expect((await server.api('/metrics', { key: null })).body).toContain('sklad_http_request_duration_seconds');
    const doc = await server.api('/openapi.json', { key: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/api/v1/keys'].post).toBeDefined();
    expect((await server.api('/docs', { key: null })).body).toContain('swagger-ui-bundle.js');
    expect((await server.api('/docs/assets/swagger-ui-bundle.js', { key: null })).status).toBe(200);
  });
});
