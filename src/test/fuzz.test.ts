import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGenericSimulator } from '../../simulators/generic/index.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { roles, type Role } from '../access/api-keys.ts';
import { permissionFor } from '../access/permissions.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { rows, type Database } from '../db/database.ts';
import { describeEachDatabase } from './databases.ts';
import { startTestServer, type TestServer } from './server.ts';

/**
 * Every operation of /openapi.json, as every role and without a key, with generated path
 * parameters, query strings, headers and bodies (shaped by the operation's own schemas, then
 * broken: NUL, lone surrogates, impossible dates, deep nesting, wrong types, wrong content
 * types). For each request: no 5xx but a service's own failure (502/503 with its code); every
 * 4xx in the one error shape; and a refused request changes nothing in the database.
 *
 * Bounded for `npm test`: a fixed seed and FUZZ_RUNS tries per operation for each role the
 * permission table lets in (3 by default), one for each it refuses and without a key;
 * FUZZ_RUNS=50 FUZZ_SEED=… runs longer or elsewhere. A failure prints the seed and the
 * request fast-check shrank it to.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
const SEED = Number(process.env.FUZZ_SEED ?? 19);

// Rows a refused request may still write: the log of requests made to a service, its rate
// buckets, a key's last use (a hint, written once a minute), and an Idempotency-Key's stored
// refusal (docs/decisions/020: a refusal is the answer to that key).
const unwatched = new Set(['api_calls', 'rate_buckets', 'idempotency_keys', 'schema_migrations']);
// A refusal that is the service's verdict on a key: Sklad records it on the account.
const recordedRefusals = new Set(['CREDENTIALS_REJECTED', 'ACCOUNT_NEEDS_REAUTH']);
const UNREACHABLE = 'http://127.0.0.1:9';

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required?: boolean; schema?: Schema }[];
  body?: { type: 'json' | 'multipart'; schema: Schema };
}

/** A fingerprint of every table but the unwatched: a count and a hash sum per table, in one statement. */
async function fingerprintQuery(database: Database) {
  const tables = await database.query<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const parts = tables
    .filter((t) => !unwatched.has(t.name))
    .map((t) => {
      const row = t.name === 'api_keys' ? '(x.id, x.name, x.role, x.key_hash, x.revoked_at)::text' : 'x::text';
      return `select '${t.name}' as t, count(*)::int as n, coalesce(sum(hashtext(${row})::bigint), 0)::text as h from ${t.name} x`;
    });
  return parts.join(' union all ');
}

// ── values from a JSON schema, and the ways to break them ─────────────────────────────────

const nasty = fc.constantFrom(
  '',
  ' ',
  'a\u0000b',
  'x\ud800',
  '\udfff',
  '2026-13-45',
  '2026-02-30T25:61:00Z',
  '-1',
  '0',
  '1e309',
  'NaN',
  'null',
  'true',
  '../../etc/passwd',
  "' or 1=1 --",
  '%00',
  '%ZZ',
  '<script>x</script>',
  'Ünïcödé ✓ 😀',
  'a'.repeat(5000),
  '{"a":',
  '[[[[[[',
  UNREACHABLE,
  'https://user:secret@example.com/?token=x',
  'a b c',
  '9'.repeat(30),
);
const deepJson = fc.integer({ min: 65, max: 5000 }).map((n) => `${'['.repeat(n)}"\\u0000"${']'.repeat(n)}`);

function resolve(doc: Schema, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++)
    s =
      s.$ref
        .slice(2)
        .split('/')
        .reduce((node: Schema, key: string) => node?.[key], doc) ?? {};
  return s;
}

function arbitraryOf(doc: Schema, input: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, input);
  if (depth > 5) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const options = s.anyOf ?? s.oneOf;
  if (options) return fc.oneof(...options.map((o: Schema) => arbitraryOf(doc, o, depth + 1)));
  if (s.allOf) return arbitraryOf(doc, Object.assign({}, ...s.allOf.map((o: Schema) => resolve(doc, o))), depth + 1);
  const type = Array.isArray(s.type) ? (s.type.filter((t: string) => t !== 'null')[0] ?? 'null') : s.type;
  switch (type) {
    case 'string': {
      if (s.format === 'uri' || s.format === 'url') return fc.constant(UNREACHABLE);
      if (s.format === 'date-time')
        return fc
          .date({ noInvalidDate: true, min: new Date(2000, 0), max: new Date(2100, 0) })
          .map((d) => d.toISOString());
      if (s.format === 'date')
        return fc
          .date({ noInvalidDate: true, min: new Date(2000, 0), max: new Date(2100, 0) })
          .map((d) => d.toISOString().slice(0, 10));
      if (s.format === 'email') return fc.constant('someone@example.com');
      const min = s.minLength ?? 0;
      return fc.oneof(
        {
          weight: 3,
          arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? 20, 40)) }),
        },
        { weight: 1, arbitrary: nasty },
      );
    }
    case 'integer':
    case 'number': {
      const min = s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : -5);
      const max = s.maximum ?? (typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - 1 : 50);
      return fc.oneof(fc.integer({ min: Math.max(min, -1e6), max: Math.min(max, 1e6) }), fc.constantFrom(1, 2, 3));
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arbitraryOf(doc, s.items, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    case 'object': {
      const properties: Record<string, Schema> = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      const fields = Object.fromEntries(
        Object.entries(properties).map(([k, v]) => [k, arbitraryOf(doc, v, depth + 1)]),
      );
      const known = Object.keys(fields).length
        ? fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => required.has(k)) })
        : fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      return known;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value as the schema wants it, most of the time; broken in one of many ways otherwise. */
const shapedOrBroken = (doc: Schema, schema: Schema | undefined) =>
  fc.oneof(
    { weight: 3, arbitrary: arbitraryOf(doc, schema) },
    { weight: 1, arbitrary: fc.oneof(nasty, fc.jsonValue({ maxDepth: 3 }), fc.integer()) },
  );

const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
// A lone surrogate cannot be percent-encoded (it is no UTF-8); the client sends U+FFFD, as a browser would.
const encode = (value: string) => encodeURIComponent(value.replace(/\p{Surrogate}/gu, '\ufffd'));
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);

interface Sent {
  path: string;
  headers: Record<string, string>;
  body?: string | FormData;
}

function requestOf(doc: Schema, op: Operation): fc.Arbitrary<Sent> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const path = fc
    // Mostly the ids of what beforeAll made (1 of each; 2 and 3 of some), sometimes anything.
    .tuple(
      ...pathParams.map((p) =>
        fc.oneof(
          { weight: 6, arbitrary: fc.constant(1) },
          { weight: 2, arbitrary: fc.constantFrom(2, 3) },
          { weight: 1, arbitrary: shapedOrBroken(doc, p.schema) },
        ),
      ),
    )
    .map((values) => pathParams.reduce((at, p, i) => at.replace(`{${p.name}}`, encode(asText(values[i]))), op.path));
  const query = fc
    .tuple(
      ...queryParams.map((p) => fc.option(shapedOrBroken(doc, p.schema), { freq: 2, nil: undefined })),
      fc.option(fc.tuple(fc.constantFrom('unknown', 'limit', 'offset', 'from', 'to', 'q'), nasty), {
        freq: 3,
        nil: undefined,
      }),
    )
    .map((values) => {
      const pairs = queryParams.flatMap((p, i) =>
        values[i] === undefined ? [] : [`${encode(p.name)}=${encode(asText(values[i]))}`],
      );
      const extra = values[queryParams.length] as [string, string] | undefined;
      if (extra) pairs.push(`${extra[0]}=${encode(extra[1])}`);
      return pairs.length ? `?${pairs.join('&')}` : '';
    });
  const headers = fc.record(
    {
      'idempotency-key': headerValue,
      'if-match': fc.oneof(headerValue, fc.constantFrom('"1"', '"999"', '*')),
      origin: fc.constantFrom('https://evil.example', 'null'),
      'x-csrf-token': headerValue,
    },
    { requiredKeys: [] },
  );
  const json = (body: string) => ({ body, type: 'application/json' });
  type Body = { body?: string | FormData; type?: string };
  const broken: fc.Arbitrary<Body>[] = [
    fc.constant({}),
    fc.jsonValue({ maxDepth: 4 }).map((v) => json(JSON.stringify(v))),
    fc.oneof(deepJson, nasty).map(json),
    fc
      .tuple(
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml'),
        fc.oneof(nasty, fc.string()),
      )
      .map(([type, body]) => ({ type, body })),
  ];
  // The operation's own body, as its schema says (its strings sometimes nasty), half of the time.
  const shaped: fc.Arbitrary<Body> | null =
    op.body?.type === 'json'
      ? arbitraryOf(doc, op.body.schema).map((v) => json(JSON.stringify(v)))
      : op.body?.type === 'multipart'
        ? fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('file', 'file', 'image')).map(([bytes, field]) => {
            const form = new FormData();
            form.set(field, new File([bytes], 'x.png', { type: 'image/png' }));
            return { body: form };
          })
        : null;
  const body = shaped
    ? fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 4, arbitrary: fc.oneof(...broken) })
    : fc.oneof(...broken);
  return fc.tuple(path, query, headers, body).map(([p, q, h, b]) => ({
    path: p + q,
    headers: { ...h, ...(b.type ? { 'content-type': b.type } : {}) } as Record<string, string>,
    body: b.body,
  }));
}

function operationsOf(doc: Schema): Operation[] {
  return Object.entries<Schema>(doc.paths).flatMap(([path, item]) =>
    Object.entries<Schema>(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => {
        const content = resolve(doc, operation.requestBody)?.content ?? {};
        const body = content['application/json']
          ? { type: 'json' as const, schema: content['application/json'].schema }
          : content['multipart/form-data']
            ? { type: 'multipart' as const, schema: content['multipart/form-data'].schema }
            : undefined;
        return {
          method: method.toUpperCase(),
          path,
          parameters: (operation.parameters ?? []).map((p: Schema) => resolve(doc, p)),
          body,
        };
      }),
  );
}

describeEachDatabase('every API operation, fuzzed as every role', (t) => {
  const generic = createGenericSimulator({ apiKey: 'generic-key-fuzz' });
  const wb = createWildberriesSimulator({ limits: { ping: { intervalMs: 10, burst: 50 } } });
  const previousWbUrl = process.env.WB_API_BASE_URL;
  const servers: { url: string; close(): Promise<void> }[] = [];
  let server: TestServer;
  let doc: Schema;
  let fingerprint: () => Promise<string>;
  const keys = new Map<Role | null, string | null>([[null, null]]);

  beforeAll(async () => {
    const [genericServer, wbServer] = [await generic.listen(), await wb.listen()];
    servers.push(genericServer, wbServer);
    process.env.WB_API_BASE_URL = wbServer.url;
    server = await startTestServer(t.database);
    // Keys the fuzz may revoke (small ids come up often) come first; its own come after.
    for (let i = 0; i < 20; i++) await server.keyFor('readonly', `decoy-${i}`);
    for (const role of roles) keys.set(role, await server.keyFor(role, `fuzz-${role}`));
    await seedCatalog(server.hub.db, { count: 3, stock: () => 10 });
    await createAccount(
      server.hub.db,
      server.hub.masterKey!,
      { channel: 'generic', name: 'Fuzzed', baseUrl: genericServer.url, credentials: { apiKey: 'generic-key-fuzz' } },
      'test',
    );
    await server.api('/users/', { method: 'POST', key: keys.get('bot'), json: { telegram_id: 1, first_name: 'Fuzz' } });
    const iiko = await server.api('/api/v1/iiko/settings', {
      method: 'POST',
      key: keys.get('admin'),
      json: { name: 'Fuzz iiko', api_login: 'fuzz-login-0000', base_url: UNREACHABLE },
    });
    expect(iiko.status).toBe(201);
    doc = (await server.api('/openapi.json', { key: null })).body;
    const query = await fingerprintQuery(t.database);
    fingerprint = async () => JSON.stringify(await rows(server.hub.db, sql.raw(query)));
  }, 60_000);
  afterAll(async () => {
    process.env.WB_API_BASE_URL = previousWbUrl;
    await server.close();
    for (const s of servers) await s.close();
  });

  test('no 5xx of ours, the error shape on every 4xx, nothing written by a refusal', async () => {
    // Removals last, so what beforeAll made is still there for the rest.
    const operations = operationsOf(doc).sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    expect(operations.length).toBeGreaterThan(100);
    let before = await fingerprint();
    let sent = 0;
    for (const op of operations) {
      for (const [role, key] of keys) {
        await fc.assert(
          fc.asyncProperty(requestOf(doc, op), async (request) => {
            const headers = new Headers(request.headers);
            if (key) headers.set('x-api-secret-key', key);
            const res = await fetch(server.baseUrl + request.path, {
              method: op.method,
              headers,
              body: op.method === 'GET' ? undefined : request.body,
            });
            sent++;
            const type = res.headers.get('content-type') ?? '';
            // A live stream (a job's events) or a file is not read to its end.
            const text = /event-stream|image\/|octet-stream|spreadsheet|csv/.test(type)
              ? (await res.body?.cancel(), '')
              : await res.text();
            const where = `${op.method} ${request.path} as ${role ?? 'anonymous'} → ${res.status} ${text.slice(0, 300)}`;
            const after = await fingerprint();
            const changed = after !== before;
            before = after;
            if (res.status < 400) return;
            let body: { error?: { code?: unknown; message?: unknown } } = {};
            try {
              body = JSON.parse(text);
            } catch {
              // not JSON: the shape check below fails
            }
            expect(
              typeof body.error?.code === 'string' && typeof body.error?.message === 'string',
              `error shape: ${where}`,
            ).toBe(true);
            const code = String(body.error?.code);
            if (res.status >= 500)
              expect([502, 503].includes(res.status) && code !== 'INTERNAL', `a 5xx of ours: ${where}`).toBe(true);
            if (res.status < 500 && !recordedRefusals.has(code))
              expect(changed, `a refusal changed the database: ${where}`).toBe(false);
          }),
          {
            seed: SEED,
            numRuns: role && permissionFor(op.method, op.path).roles.includes(role) ? RUNS : 1,
            endOnFailure: true,
          },
        );
      }
    }
    expect(sent).toBeGreaterThanOrEqual(operations.length * keys.size);
  }, 600_000);
});
