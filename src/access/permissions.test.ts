import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { rows } from '../db/database.ts';
import { createApp } from '../http/app.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { csrfToken } from '../web/csrf.ts';
import { createSession, SESSION_COOKIE } from '../web/session.ts';
import { roles, type Role } from './api-keys.ts';
import { isWrite, permissionFor } from './permissions.ts';

/**
 * The permission table (src/access/permissions.ts) against the running app: every route that
 * changes something, of the API, the seeds' root routes and the panel, tried with every role.
 * A role the table does not list gets 403 and nothing else does, so no route enforces less (or
 * more) than the table says. Path ids point at nothing, so an allowed try changes nothing.
 */

// Routes that check their own token, not a key or a session.
const ownToken = new Set(['POST /login', 'POST /webhooks/iiko', 'POST /telegram/webhook']);
const isApi = (path: string) => /^\/(api|wb|users)\//.test(path);
const concrete = (path: string) =>
  path
    .replace(/:ref\b/g, 'NO-SUCH-ORDER')
    .replace(/:name\b/g, 'no.such.schedule')
    .replace(/:\w+/g, '999999999');

describeEachDatabase('the permission table, on every write route with every role', (t) => {
  let server: TestServer;
  const keys = {} as Record<Role, string>;
  const sessions = {} as Record<Exclude<Role, 'bot'>, string>;
  let writes: { method: string; path: string }[];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    for (const role of roles) keys[role] = await server.keyFor(role, `table-${role}`);
    for (const role of ['readonly', 'operator', 'admin'] as const) {
      const session = await createSession(t.database, keys[role]);
      if (!session || session === 'bot') throw new Error(`no session for ${role}`);
      sessions[role] = session.id;
    }
    const seen = new Set<string>();
    writes = createApp(server.hub).routes.flatMap((r) => {
      const key = `${r.method} ${r.path}`;
      if (
        seen.has(key) ||
        ownToken.has(key) ||
        r.path.includes('*') ||
        r.method === 'ALL' ||
        !isWrite(r.method, r.path)
      )
        return [];
      seen.add(key);
      return [{ method: r.method, path: r.path }];
    });
  });
  afterAll(() => server.close());

  const tryApi = (method: string, path: string, key: string | null) =>
    server.api(concrete(path), { method, key, ...(method === 'GET' ? {} : { json: {} }) });
  const tryPanel = (method: string, path: string, session: string) =>
    fetch(server.baseUrl + concrete(path), {
      method,
      redirect: 'manual',
      headers: {
        cookie: `${SESSION_COOKIE}=${session}`,
        origin: server.baseUrl,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrfToken(session) }).toString(),
    });

  test('the table decides what matters as docs/decisions/150 says', () => {
    const who = (method: string, path: string) => [...permissionFor(method, path).roles].sort();
    expect(who('POST', '/api/v1/keys')).toEqual(['admin']);
    expect(who('GET', '/api/v1/keys')).toEqual(['admin']);
    expect(who('POST', '/api/v1/channels/accounts')).toEqual(['admin']);
    expect(who('PATCH', '/api/v1/channels/accounts/1')).toEqual(['admin']);
    expect(who('POST', '/channels/new')).toEqual(['admin']);
    expect(who('POST', '/wb/cabinets/')).toEqual(['admin', 'bot']);
    expect(who('POST', '/users/')).toEqual(['admin', 'bot']);
    expect(who('POST', '/api/v1/notifications/settings')).toEqual(['admin', 'bot']);
    expect(who('POST', '/notifications/users/7')).toEqual(['admin']);
    expect(who('POST', '/api/v1/stock/movements')).toEqual(['admin', 'operator']);
    expect(who('GET', '/api/v1/products')).toEqual(['admin', 'operator', 'readonly']);
    expect(who('GET', '/api/v1/bot/orders/recent')).toEqual(['admin', 'bot', 'operator', 'readonly']);
    expect(isWrite('GET', '/api/v1/wb/cabinets/validation/validate-all')).toBe(true);
  });

  test('every write route of the API answers 403 exactly to the roles the table leaves out, 401 without a key', async () => {
    const api = writes.filter((w) => isApi(w.path));
    expect(api.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const { method, path } of api) {
      const allowed = permissionFor(method, path).roles;
      const anonymous = await tryApi(method, path, null);
      if (anonymous.status !== 401) wrong.push(`${method} ${path} without a key: ${anonymous.status}`);
      // The roles refused first: an allowed try may change something a later refusal would then mask.
      for (const role of [...roles].sort((a, b) => Number(allowed.includes(a)) - Number(allowed.includes(b)))) {
        const res = await tryApi(method, path, keys[role]);
        const refused = res.status === 403;
        if (refused !== !allowed.includes(role) || res.status >= 500)
          wrong.push(`${method} ${path} as ${role}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every write route of the panel refuses exactly the roles the table leaves out; the bot’s key opens no session', async () => {
    const panel = writes.filter((w) => !isApi(w.path) && w.path !== '/logout');
    expect(panel.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const { method, path } of panel) {
      const allowed = permissionFor(method, path).roles;
      for (const role of ['readonly', 'operator', 'admin'] as const) {
        const res = await tryPanel(method, path, sessions[role]);
        if ((res.status === 403) !== !allowed.includes(role) || res.status >= 500)
          wrong.push(`${method} ${path} as ${role}: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await createSession(t.database, keys.bot)).toBe('bot');
    const signIn = await fetch(`${server.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: keys.bot, next: '/' }).toString(),
    });
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('set-cookie')).toBeNull();
    expect(await signIn.text()).toContain('Telegram');
  });
});

describeEachDatabase('accounts are made and brought back by admins; the bot adds its users’ own WB cabinets', (t) => {
  const wb = createWildberriesSimulator({ limits: { ping: { intervalMs: 20, burst: 10 } } });
  const previousWbUrl = process.env.WB_API_BASE_URL;
  let wbServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let bot: string;
  let operator: string;

  beforeAll(async () => {
    wbServer = await wb.listen();
    process.env.WB_API_BASE_URL = wbServer.url;
    server = await startTestServer(t.database);
    bot = await server.keyFor('bot', 'seed-001 bot');
    operator = await server.keyFor('operator');
    for (const telegram_id of [501, 502])
      expect(
        (await server.api('/users/', { method: 'POST', key: bot, json: { telegram_id, first_name: 'U' } })).status,
      ).toBe(201);
  });
  afterAll(async () => {
    process.env.WB_API_BASE_URL = previousWbUrl;
    await server.close();
    await wbServer.close();
  });

  const addCabinet = (key: string, telegramId: number, token: string, name = 'Shop') =>
    server.api(
      `/wb/cabinets/?telegram_id=${telegramId}&api_key=${encodeURIComponent(token)}&name=${encodeURIComponent(name)}`,
      { method: 'POST', key },
    );

  test('an operator can neither create users, nor cabinets, nor change a user’s switches', async () => {
    expect(
      (await server.api('/users/', { method: 'POST', key: operator, json: { telegram_id: 599, first_name: 'X' } }))
        .status,
    ).toBe(403);
    expect((await addCabinet(operator, 501, wb.token)).status).toBe(403);
    const settings = await server.api('/api/v1/notifications/settings?telegram_id=501', {
      method: 'POST',
      key: operator,
      json: { new_orders_enabled: false },
    });
    expect(settings).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(
      (await server.api('/api/v1/notifications/settings?telegram_id=501', { key: bot })).body.new_orders_enabled,
    ).toBe(true);
    expect(await rows(server.hub.db, sql`select id from channel_accounts`)).toEqual([]);
  });

  test('the bot adds a user’s cabinet; a disabled one is not brought back by its key, an admin brings it back', async () => {
    const added = await addCabinet(bot, 501, wb.token);
    expect(added).toMatchObject({ status: 201, body: { created: true } });
    const id = added.body.cabinet.id;
    expect(
      (
        await server.api(`/api/v1/channels/accounts/${id}`, {
          method: 'PATCH',
          key: operator,
          json: { status: 'disabled' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await server.api(`/api/v1/channels/accounts/${id}`, { method: 'PATCH', json: { status: 'disabled' } })).body
        .status,
    ).toBe('disabled');

    const joined = await addCabinet(bot, 502, wb.token, 'Team');
    expect(joined).toMatchObject({ status: 409, body: { error: { code: 'ACCOUNT_DISABLED' } } });
    const [account] = await rows<{ status: string }>(
      server.hub.db,
      sql`select status from channel_accounts where id = ${id}`,
    );
    expect(account.status).toBe('disabled');
    expect((await server.api('/wb/cabinets/?telegram_id=502', { key: bot })).body.cabinets).toEqual([]);

    expect(
      (await server.api(`/api/v1/channels/accounts/${id}`, { method: 'PATCH', json: { status: 'active' } })).body
        .status,
    ).toBe('active');
    expect(await addCabinet(bot, 502, wb.token, 'Team')).toMatchObject({
      status: 200,
      body: { created: false, joined: true },
    });
  });

  test('two cabinets with one name at once: one is made, the other is told 409', async () => {
    // Two accounts with the same name and different keys, written at the same moment.
    const make = (n: number) =>
      server.hub.db.transaction((tx) =>
        createAccount(
          tx,
          server.hub.masterKey!,
          {
            channel: 'generic',
            name: 'Same name',
            baseUrl: 'http://127.0.0.1:9',
            credentials: { apiKey: `generic-key-race-${n}` },
          },
          'test',
        ),
      );
    const outcomes = await Promise.allSettled([make(1), make(2)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refusal = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refusal.reason).toMatchObject({ code: 'ACCOUNT_NAME_TAKEN', status: 409 });
  });
});
