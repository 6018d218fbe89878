import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createIikoSimulator, seedIiko } from '../../simulators/iiko/index.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { rows } from '../db/database.ts';
import { defineJobType, enqueueJob } from '../engine/jobs.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { csrfToken } from '../web/csrf.ts';
import { createSession, SESSION_COOKIE } from '../web/session.ts';

/**
 * Inputs that once answered 500 (issue 19), each now a 4xx in the one error shape that names
 * what was wrong, with nothing written; and a database error's SQL, which reaches no user:
 * not the answer, not the sync history, not the outbox errors, not the panel, only the log.
 */

const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };
const json = { 'content-type': 'application/json' };

describeEachDatabase('inputs that answered 500 are refused with a 4xx', (t) => {
  const iiko = createIikoSimulator();
  const wb = createWildberriesSimulator({ limits: { ping: { intervalMs: 10, burst: 20 } } });
  const previousWbUrl = process.env.WB_API_BASE_URL;
  let iikoServer: { url: string; close(): Promise<void> };
  let wbServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  const log: Record<string, unknown>[] = [];
  let productId: number;

  beforeAll(async () => {
    seedIiko(iiko.state, { organizations: 1 });
    [iikoServer, wbServer] = [await iiko.listen(), await wb.listen()];
    process.env.WB_API_BASE_URL = wbServer.url;
    // The log is where a database error's raw text goes: kept here to look at.
    const sink = new Writable({ write: (chunk, _enc, done) => (log.push(JSON.parse(String(chunk))), done()) });
    server = await startTestServer(t.database, { logger: pino({ level: 'warn' }, sink) });
    productId = (await server.api('/api/v1/products', { method: 'POST', json: { sku: 'MUG-1', name: 'Mug' } })).body.id;
  });
  afterAll(async () => {
    process.env.WB_API_BASE_URL = previousWbUrl;
    await server.close();
    await iikoServer.close();
    await wbServer.close();
  });

  const product = async () => (await server.api(`/api/v1/products/${productId}`)).body;

  test('JSON nested thousands of levels deep, NUL inside, before any key: 400, no stack overflow', async () => {
    let deep = '"x\\u0000"';
    for (let i = 0; i < 20_000; i++) deep = i % 2 ? `{"a":${deep}}` : `[${deep}]`;
    for (const path of ['/api/v1/keys', '/webhooks/iiko', '/users/']) {
      const res = await server.api(path, { method: 'POST', key: null, body: deep, headers: json });
      expect(res).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body' }] } },
      });
    }
    const flat = await server.api('/api/v1/keys', {
      method: 'POST',
      key: null,
      body: '{"name":"a\\u0000b","role":"admin"}',
      headers: json,
    });
    expect(flat).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.name' }] } } });
  });

  test('a lone UTF-16 surrogate in a text field or a key: 400 naming it, nothing changed', async () => {
    const before = await product();
    for (const body of ['{"name":"Mug \\ud800"}', '{"name":"Mug \\udfff x"}', '{"attributes":{"\\ud83d":"x"}}']) {
      const res = await server.api(`/api/v1/products/${productId}`, { method: 'PATCH', body, headers: json });
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      expect(res.body.error.details[0].field).toMatch(/^body\.(name|attributes)/);
    }
    // A real pair (an emoji) is text like any other.
    expect(
      (
        await server.api(`/api/v1/products/${productId}`, {
          method: 'PATCH',
          body: '{"name":"Mug \\ud83d\\ude00"}',
          headers: json,
        })
      ).status,
    ).toBe(200);
    expect((await product()).version).toBe(before.version + 1);
  });

  test('a multipart upload without a boundary, and an empty image file: 4xx, the product keeps no image', async () => {
    const noBoundary = await server.api(`/api/v1/products/${productId}/image`, {
      method: 'PUT',
      body: 'abc',
      headers: { 'content-type': 'multipart/form-data' },
    });
    expect(noBoundary).toMatchObject({ status: 400, body: errorShape });
    const form = new FormData();
    form.set('file', new File([], 'empty.png', { type: 'image/png' }));
    const empty = await server.api(`/api/v1/products/${productId}/image`, { method: 'PUT', body: form });
    expect(empty).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    expect((await product()).image).toBeNull();

    // The panel's upload form, sent without a boundary: a page that says the form was unreadable.
    const session = await createSession(t.database, server.adminKey);
    if (!session || session === 'bot') throw new Error('no session');
    const page = await fetch(`${server.baseUrl}/products/${productId}/image`, {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${session.id}`,
        origin: server.baseUrl,
        'content-type': 'multipart/form-data',
        'x-csrf-token': csrfToken(session.id),
      },
      body: 'abc',
    });
    expect(page.status).toBe(400);
  });

  test('a bad day in a panel filter filters nothing instead of reaching SQL', async () => {
    const session = await createSession(t.database, server.adminKey);
    if (!session || session === 'bot') throw new Error('no session');
    for (const q of ['from=2026-13-45', 'to=2026-02-30', 'from=9999-99-99&to=0000-00-00']) {
      const page = await fetch(`${server.baseUrl}/stock/movements?${q}`, {
        headers: { cookie: `${SESSION_COOKIE}=${session.id}` },
      });
      expect(page.status).toBe(200);
    }
    const api = await server.api('/api/v1/stock/movements?from=2026-13-45');
    expect(api).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.from' }] } } });
  });

  test('iiko: a webhook URL that is no URL is a 400 naming it; organizations asked with a refused login are a 422', async () => {
    const setting = await server.api('/api/v1/iiko/settings', {
      method: 'POST',
      json: { name: 'Refused', api_login: 'not-a-known-login', base_url: iikoServer.url },
    });
    expect(setting.status).toBe(201);
    const hook = await server.api(`/api/v1/iiko/settings/${setting.body.id}/webhooks`, {
      method: 'POST',
      json: { url: 'a b c' },
    });
    expect(hook).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.url' }] } },
    });
    expect(await rows(server.hub.db, sql`select id from webhook_configs`)).toEqual([]);
    const organizations = await server.api(`/api/v1/iiko/settings/${setting.body.id}/organizations`, {
      method: 'POST',
    });
    expect(organizations).toMatchObject({ status: 422, body: { error: { code: 'CREDENTIALS_REJECTED' } } });
  });

  test('two POST /wb/cabinets/ with one name at once: one makes it, the other is told (409, or joins it)', async () => {
    const bot = await server.keyFor('bot', 'race-bot');
    for (const telegram_id of [701, 702])
      await server.api('/users/', { method: 'POST', key: bot, json: { telegram_id, first_name: 'R' } });
    const add = (telegramId: number) =>
      server.api(`/wb/cabinets/?telegram_id=${telegramId}&api_key=${encodeURIComponent(wb.token)}&name=Race`, {
        method: 'POST',
        key: bot,
      });
    const answers = await Promise.all([add(701), add(702)]);
    const statuses = answers.map((a) => a.status).sort();
    expect([
      [201, 409],
      [200, 201],
    ]).toContainEqual(statuses);
    for (const a of answers) if (a.status === 409) expect(a.body.error.code).toBe('ACCOUNT_NAME_TAKEN');
    expect(
      await rows(server.hub.db, sql`select id from channel_accounts where channel = 'wildberries' and name = 'Race'`),
    ).toHaveLength(1);
  });

  test('validating an account while it is removed is a 404; the SQL of that error is in the log only', async () => {
    const account = await createAccount(
      server.hub.db,
      server.hub.masterKey!,
      { channel: 'wildberries', name: 'Vanishing', baseUrl: wbServer.url, credentials: { token: wb.token } },
      'test',
    );
    // WB asks the check to wait a second (429); the account is removed in that second, so the retry
    // writes the rate bucket of an account that no longer exists.
    wb.resetLog();
    wb.faults.next('429', 1, ['/ping']);
    const checking = server.api(`/api/v1/channels/accounts/${account.id}/validate`, { method: 'POST' });
    await waitFor('WB to ask for a wait', () => wb.log.some((r) => r.path === '/ping' && r.status === 429));
    expect((await server.api(`/api/v1/channels/accounts/${account.id}`, { method: 'DELETE' })).status).toBe(204);
    const res = await checking;
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(JSON.stringify(res.body)).not.toMatch(/insert into|Failed query|rate_buckets/i);
    expect(JSON.stringify(log)).toContain('rate_buckets_account_id_fkey');
  });

  test('a job failing on a database error: sync history, outbox errors and the panel name its SQLSTATE, never its SQL', async () => {
    const type = `test.sql_error.${t.kind}`;
    defineJobType(
      type,
      ({ hub, job }) =>
        withSyncRun(hub, { type, jobId: job.id }, () =>
          hub.db.execute(
            sql`insert into rate_buckets (account_id, limit_group, tokens, capacity, refill_per_second) values (999999999, '', 1, 1, 1)`,
          ),
        ),
      { maxAttempts: 1 },
    );
    const { id } = await enqueueJob(server.hub.db, { type });
    const stop = startWorkers(server.hub, { types: [type], pollMs: 10 });
    try {
      await waitFor(
        'the job to die',
        async () =>
          (await rows<{ status: string }>(server.hub.db, sql`select status from jobs where id = ${id}`))[0]?.status ===
          'dead',
      );
    } finally {
      await stop();
    }
    const sqlText = /insert into|Failed query|params:|rate_buckets/i;
    const history = await server.api(`/api/v1/sync/history?type=${encodeURIComponent(type)}`);
    expect(history.body.items[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('SQLSTATE 23503') });
    expect(JSON.stringify(history.body)).not.toMatch(sqlText);
    const errors = await server.api('/api/v1/outbox/errors');
    const mine = errors.body.items.filter((e: { job_id: number }) => e.job_id === id);
    expect(mine).toHaveLength(1);
    expect(mine[0].error).toContain('SQLSTATE 23503');
    expect(JSON.stringify(mine)).not.toMatch(sqlText);
    const job = await server.api(`/api/v1/jobs/${id}`);
    expect(job.body.last_error).not.toMatch(sqlText);

    const session = await createSession(t.database, server.adminKey);
    if (!session || session === 'bot') throw new Error('no session');
    for (const page of ['/sync', '/sync/errors', '/']) {
      const html = await (
        await fetch(server.baseUrl + page, { headers: { cookie: `${SESSION_COOKIE}=${session.id}` } })
      ).text();
      expect(html).not.toMatch(/Failed query|insert into rate_buckets/);
    }
    // The raw text went to the log, for whoever runs Sklad.
    expect(JSON.stringify(log)).toMatch(/insert into rate_buckets/);
  });
});
