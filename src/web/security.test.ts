import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAccount } from '../channels/core/accounts.ts';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { safeNext } from './context.ts';
import { csrfToken } from './csrf.ts';
import { createSession, SESSION_COOKIE } from './session.ts';

/**
 * The panel's sessions over plain HTTP, as a browser or a page elsewhere would send them: only
 * our own paths are followed after a redirect; a session cookie changes nothing without our
 * origin and its CSRF token (API keys are unaffected); cookies and pages carry the headers that
 * keep them to this site.
 */

const evil = 'https://evil.example';

describe('safeNext: only a path of ours', () => {
  test.each([
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['/.//evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/\r\nSet-Cookie: x=1', '/'],
    ['', '/'],
    ['/products?q=a b#top', '/products?q=a%20b#top'],
    ['/stock/movements?from=2026-01-01', '/stock/movements?from=2026-01-01'],
  ])('%j goes to %j', (next, expected) => expect(safeNext(next)).toBe(expected));
});

describeEachDatabase('the panel’s sessions: redirects, CSRF, cookies and headers', (t) => {
  let server: TestServer;
  let session: string;
  let accountId: number;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const made = await createSession(t.database, server.adminKey);
    if (!made || made === 'bot') throw new Error('no session');
    session = made.id;
    accountId = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'generic',
          name: 'Shop',
          baseUrl: 'http://127.0.0.1:9',
          credentials: { apiKey: 'generic-key-csrf' },
        },
        'test',
      )
    ).id;
  });
  afterAll(() => server.close());

  const cookie = (id = session) => `${SESSION_COOKIE}=${id}`;
  const send = (path: string, init: RequestInit = {}) => fetch(server.baseUrl + path, { redirect: 'manual', ...init });
  const syncJobs = async () =>
    (await rows<{ n: number }>(server.hub.db, sql`select count(*)::int as n from jobs where type = 'channels.sync'`))[0]
      .n;
  // A waiting sync job takes a second request for itself (its key): each test starts with none waiting.
  const endSyncJobs = () =>
    server.hub.db.execute(sql`update jobs set status = 'succeeded' where type = 'channels.sync' and status = 'queued'`);
  const liveKeys = async () =>
    (await rows<{ n: number }>(server.hub.db, sql`select count(*)::int as n from api_keys where revoked_at is null`))[0]
      .n;

  describe('open redirects', () => {
    test.each([
      ['/%09/evil.example'],
      ['/%0a/evil.example'],
      ['//evil.example'],
      ['/%5Cevil.example'],
      ['https://evil.example'],
      ['/%0d%0aSet-Cookie:%20x=1'],
    ])('/lang/ru?next=%s stays on the site', async (next) => {
      const res = await send(`/lang/ru?next=${next}`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
    });

    test('/lang keeps a path of ours, with its query', async () => {
      const res = await send(`/lang/en?next=${encodeURIComponent('/orders?status=new&q=A-1')}`);
      expect(res.headers.get('location')).toBe('/orders?status=new&q=A-1');
    });

    test.each([['/\t/evil.example'], ['//evil.example'], [`${evil}/`]])(
      'signing in with next=%j lands on the dashboard',
      async (next) => {
        const res = await send('/login', {
          method: 'POST',
          headers: { origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ key: server.adminKey, next }).toString(),
        });
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/');
      },
    );

    test('the sign-in page does not carry a foreign next into its form', async () => {
      const html = await (await send('/login?next=%2F%09%2Fevil.example')).text();
      expect(html).toContain('name="next" value="/"');
      expect(html).not.toContain('evil.example');
    });
  });

  describe('CSRF on the API: the panel’s cookie is not a key', () => {
    test('a body-less write from a foreign origin with the cookie starts no sync', async () => {
      await endSyncJobs();
      const before = await syncJobs();
      const res = await server.api(`/api/v1/channels/accounts/${accountId}/sync`, {
        method: 'POST',
        key: null,
        headers: { cookie: cookie(), origin: evil },
      });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'CSRF_REFUSED' } } });
      expect(await syncJobs()).toBe(before);
    });

    test('even from our origin, the cookie without the session’s token deletes no API key', async () => {
      const victim = await server.api('/api/v1/keys', { method: 'POST', json: { name: 'victim', role: 'readonly' } });
      const before = await liveKeys();
      const bare = await server.api(`/api/v1/keys/${victim.body.id}`, {
        method: 'DELETE',
        key: null,
        headers: { cookie: cookie(), origin: server.baseUrl },
      });
      expect(bare).toMatchObject({ status: 403, body: { error: { code: 'CSRF_REFUSED' } } });
      const forged = await server.api(`/api/v1/keys/${victim.body.id}`, {
        method: 'DELETE',
        key: null,
        headers: { cookie: cookie(), origin: server.baseUrl, 'x-csrf-token': csrfToken('another-session') },
      });
      expect(forged.status).toBe(403);
      const crossSite = await server.api(`/api/v1/keys/${victim.body.id}`, {
        method: 'DELETE',
        key: null,
        headers: { cookie: cookie(), 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrfToken(session) },
      });
      expect(crossSite.status).toBe(403);
      expect(await liveKeys()).toBe(before);
      // Our page, with the token: done.
      const ours = await server.api(`/api/v1/keys/${victim.body.id}`, {
        method: 'DELETE',
        key: null,
        headers: { cookie: cookie(), 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrfToken(session) },
      });
      expect(ours.status).toBe(204);
      expect(await liveKeys()).toBe(before - 1);
    });

    test('the deprecated GET validate-all, which queues work, needs the token too', async () => {
      const res = await server.api('/api/v1/wb/cabinets/validation/validate-all', {
        key: null,
        headers: { cookie: cookie(), origin: evil },
      });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'CSRF_REFUSED' } } });
    });

    test('reads with the cookie work from anywhere, and API keys need no origin or token', async () => {
      expect(
        (
          await server.api(`/api/v1/channels/accounts/${accountId}`, {
            key: null,
            headers: { cookie: cookie(), origin: evil },
          })
        ).status,
      ).toBe(200);
      await endSyncJobs();
      const before = await syncJobs();
      expect(
        (await server.api(`/api/v1/channels/accounts/${accountId}/sync`, { method: 'POST', headers: { origin: evil } }))
          .status,
      ).toBe(202);
      expect(await syncJobs()).toBe(before + 1);
    });
  });

  describe('CSRF in the panel', () => {
    const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      send(path, {
        method: 'POST',
        headers: {
          cookie: cookie(),
          origin: server.baseUrl,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: new URLSearchParams(form).toString(),
      });
    const syncForm = () => `/channels/${accountId}/sync`;

    test('every POST form of a page carries the session’s token, and htmx sends it as a header', async () => {
      const html = await (await send('/products/new', { headers: { cookie: cookie() } })).text();
      const forms = html.match(/<form\b[^>]*method="post"[^>]*>/g) ?? [];
      expect(forms.length).toBeGreaterThanOrEqual(2); // the product form and sign-out
      const tokens =
        html.match(/<form\b[^>]*method="post"[^>]*><input type="hidden" name="_csrf" value="([^"]+)">/g) ?? [];
      expect(tokens).toHaveLength(forms.length);
      expect(html).toContain(`value="${csrfToken(session)}"`);
      expect(html).toContain(`<body hx-headers='{"x-csrf-token":"${csrfToken(session)}"}'`);
    });

    test('a form without the token, or with another session’s, is refused; with it, it is done', async () => {
      await endSyncJobs();
      const before = await syncJobs();
      expect((await post(syncForm(), {})).status).toBe(403);
      expect((await post(syncForm(), { _csrf: csrfToken('another-session') })).status).toBe(403);
      expect(await syncJobs()).toBe(before);
      expect((await post(syncForm(), { _csrf: csrfToken(session) })).status).toBe(303);
      expect(await syncJobs()).toBe(before + 1);
      await endSyncJobs();
      expect((await post(syncForm(), {}, { 'x-csrf-token': csrfToken(session), 'hx-request': 'true' })).status).toBe(
        200,
      );
      expect(await syncJobs()).toBe(before + 2);
    });

    test('a form from another site is refused even with the token', async () => {
      await endSyncJobs();
      const before = await syncJobs();
      expect((await post(syncForm(), { _csrf: csrfToken(session) }, { origin: evil })).status).toBe(403);
      expect(
        (
          await post(
            syncForm(),
            { _csrf: csrfToken(session) },
            { origin: server.baseUrl, 'sec-fetch-site': 'same-site' },
          )
        ).status,
      ).toBe(403);
      expect(await syncJobs()).toBe(before);
    });

    test('signing out needs the token: a page elsewhere cannot end the session', async () => {
      const other = await createSession(t.database, server.adminKey);
      if (!other || other === 'bot') throw new Error('no session');
      const out = (form: Record<string, string>) =>
        send('/logout', {
          method: 'POST',
          headers: {
            cookie: cookie(other.id),
            origin: server.baseUrl,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams(form).toString(),
        });
      expect((await out({})).status).toBe(403);
      expect((await send('/', { headers: { cookie: cookie(other.id) } })).status).toBe(200);
      expect((await out({ _csrf: csrfToken(other.id) })).status).toBe(303);
      expect((await send('/', { headers: { cookie: cookie(other.id) } })).status).toBe(303);
    });
  });

  describe('cookies and headers', () => {
    const signIn = (headers: Record<string, string> = {}) =>
      send('/login', {
        method: 'POST',
        headers: { origin: server.baseUrl, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ key: server.adminKey, next: '/' }).toString(),
      });

    test('the session cookie is HttpOnly and SameSite=Strict, and Secure behind an HTTPS proxy', async () => {
      const plain = (await signIn()).headers.get('set-cookie') ?? '';
      expect(plain).toMatch(/HttpOnly/);
      expect(plain).toMatch(/SameSite=Strict/);
      expect(plain).not.toMatch(/Secure/);
      const proxied = (await signIn({ 'x-forwarded-proto': 'https' })).headers.get('set-cookie') ?? '';
      expect(proxied).toMatch(/Secure/);
      const lang =
        (await send('/lang/en?next=/', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('set-cookie') ?? '';
      expect(lang).toMatch(/HttpOnly/);
      expect(lang).toMatch(/SameSite=Lax/);
      expect(lang).toMatch(/Secure/);
    });

    test.each([['/'], ['/products'], ['/login'], ['/no-such-page']])(
      '%s has CSP, frame and sniffing headers',
      async (path) => {
        const res = await send(path, { headers: { cookie: cookie(), accept: 'text/html' } });
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toMatch(/script-src[^;]*unsafe/);
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('same-origin');
      },
    );
  });

  describe('credentials never in an account’s base URL', () => {
    test.each([
      ['https://user:secret@api.example.com', 'user name or password'],
      ['https://api.example.com/v1?token=secret', 'query'],
      ['https://api.example.com/#token=secret', 'query or fragment'],
      ['ftp://api.example.com', 'http or https'],
    ])('%s is refused, naming the field, and nothing is stored', async (baseUrl, words) => {
      const before = await rows(server.hub.db, sql`select id, base_url from channel_accounts order by id`);
      const made = await server.api('/api/v1/channels/accounts', {
        method: 'POST',
        json: {
          channel: 'generic',
          name: `B ${baseUrl}`,
          base_url: baseUrl,
          credentials: { apiKey: 'generic-key-base-url' },
        },
      });
      expect(made).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.base_url' }] } },
      });
      expect(made.body.error.message).toContain(words);
      const changed = await server.api(`/api/v1/channels/accounts/${accountId}`, {
        method: 'PATCH',
        json: { base_url: baseUrl },
      });
      expect(changed.status).toBe(400);
      expect(JSON.stringify(changed.body)).not.toContain('secret@');
      expect(await rows(server.hub.db, sql`select id, base_url from channel_accounts order by id`)).toEqual(before);
    });
  });
});
