import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGenericSimulator } from '../../../simulators/generic/index.ts';
import { rows } from '../../db/database.ts';
import { createLogger } from '../../shared/logger.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { ChannelHttpError } from './connector.ts';
import { accountRuntime } from './context.ts';
import { redactUrl } from './http-client.ts';
import { readFailure, retryDelayMs } from '../../engine/failures.ts';
import { syncAccount } from './sync.ts';
import { createGenericAccount, seedCatalog } from './testing.ts';

const KEY = 'SECRET-generic-key-9f3a1b2c';

describeEachDatabase('the channel HTTP client', (t) => {
  // The simulator's bucket holds a little more than the client's, so a busy machine's jitter
  // (requests paced right but sent a moment late) is not taken for a broken limiter.
  const sim = createGenericSimulator({ apiKey: KEY, batchSize: 50, requestsPerSecond: 20, burst: 8 });
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  const logLines: string[] = [];
  let accountId: number;

  beforeAll(async () => {
    simServer = await sim.listen();
    const logger = createLogger({ level: 'debug' });
    // Every log line the app writes, captured to grep for the key.
    const capture = new Writable({ write: (chunk, _e, done) => (logLines.push(String(chunk)), done()) });
    server = await startTestServer(t.database, { logger: (await import('pino')).pino({ level: 'debug' }, capture) });
    void logger;
    sim.seed({ count: 120, from: 1 });
    await seedCatalog(server.hub.db, { count: 120, stock: (n) => n % 7 });
    accountId = await createGenericAccount(server.hub, {
      baseUrl: simServer.url,
      apiKey: KEY,
      // The key goes in the query string, the hardest place to keep it out of logs.
      settings: {
        keyIn: 'query',
        requestsPerSecond: 20,
        burst: 1,
        pushBatchSize: 50,
        maxConcurrent: 4,
        timeoutMs: 1_000,
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  it('retries 429 (honouring Retry-After), 5xx, timeouts and malformed answers, and logs every attempt', async () => {
    sim.faults.set({ rate: 0, kinds: ['500'], slowMs: 3_000, retryAfterSeconds: 1 });
    sim.faults.next('429', 1, ['/v1/seller']);
    sim.faults.next('503', 1, ['/v1/seller']);
    sim.faults.next('timeout', 1, ['/v1/seller']);
    sim.faults.next('malformed', 1, ['/v1/seller']);
    const rt = await accountRuntime(server.hub, accountId);
    expect(await rt.connector.validate(rt.ctx)).toMatchObject({ ok: true });
    const calls = await rows<{ status: number | null; error: string | null; url: string }>(
      server.hub.db,
      sql`
      select status, error, url from api_calls where account_id = ${accountId} order by id`,
    );
    expect(calls.map((c) => c.status)).toEqual([429, 503, null, 200, 200]);
    expect(calls[2].error).toMatch(/timed out/);
    expect(calls[3].error).toMatch(/not valid JSON/);
    expect(calls[4].error).toBeNull();
    expect(calls[0].url).toContain('api_key=***');
  });

  it('hands the last Retry-After to the job that failed, so its next attempt waits at least that long', async () => {
    sim.faults.set({ rate: 0, kinds: ['429'], retryAfterSeconds: 7 });
    sim.faults.next('429', 1, ['/v1/seller']);
    const rt = await accountRuntime(server.hub, accountId);
    const error = await rt.ctx.http
      .request({ method: 'GET', path: '/v1/seller', query: { api_key: KEY }, attempts: 1 })
      .catch((e) => e);
    sim.faults.set(null);
    expect(error).toBeInstanceOf(ChannelHttpError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7_000 });
    const failure = readFailure(error);
    expect(failure).toMatchObject({ httpStatus: 429, retryAfterMs: 7_000, permanent: false });
    expect(retryDelayMs(1, 2_000, failure.retryAfterMs)).toBe(7_000);
  });

  it('gives up on a 4xx at once with the service’s message', async () => {
    const rt = await accountRuntime(server.hub, accountId);
    const error = await rt.ctx.http
      .request({ method: 'POST', path: '/v1/stock', query: { api_key: KEY }, body: { items: 'nope' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ChannelHttpError);
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('items must be an array');
    expect(error.message).not.toContain(KEY);
  });

  it('keeps within the rate limit through the shared bucket: no 429 from a simulator with the same limit', async () => {
    sim.faults.set(null);
    sim.resetLog();
    // Two contexts stand for two workers; each reads 30 times at once.
    const [a, b] = await Promise.all([accountRuntime(server.hub, accountId), accountRuntime(server.hub, accountId)]);
    await Promise.all(
      [a, b].flatMap((rt) =>
        Array.from({ length: 15 }, () =>
          rt.ctx.http.request({ method: 'GET', path: '/v1/seller', query: { api_key: KEY } }),
        ),
      ),
    );
    expect(sim.statusCounts()[429] ?? 0).toBe(0);
    expect(sim.statusCounts()[200]).toBe(30);
  });

  it('sends at most maxConcurrent requests of an account at once', async () => {
    sim.faults.set({ rate: 1, kinds: ['slow'], slowMs: 400, paths: ['/v1/seller'] });
    sim.resetLog();
    const rt = await accountRuntime(server.hub, accountId);
    // Paced at 20/s, eight requests of 400 ms each would overlap up to eight deep without the cap of 4.
    await Promise.all(
      Array.from({ length: 8 }, () =>
        rt.ctx.http.request({ method: 'GET', path: '/v1/seller', query: { api_key: KEY } }),
      ),
    );
    sim.faults.set(null);
    expect(sim.statusCounts()[200]).toBe(8);
    expect(sim.peakConcurrency()).toBeLessThanOrEqual(4);
    expect(sim.peakConcurrency()).toBeGreaterThan(1);
  });

  it('never lets the key reach api_calls, the log or an API answer', async () => {
    sim.faults.set({ rate: 0.3, kinds: ['500', '429', 'malformed'], retryAfterSeconds: 1 });
    await syncAccount(server.hub, accountId).catch(() => {});
    sim.faults.set(null);
    await server.api(`/api/v1/channels/accounts/${accountId}/validate`, { method: 'POST' });
    const answers = await Promise.all([
      server.api('/api/v1/channels/accounts'),
      server.api(`/api/v1/channels/accounts/${accountId}`),
      server.api(`/api/v1/api-calls?account_id=${accountId}&limit=500`),
      server.api(`/api/v1/channels/accounts/${accountId}/listings?limit=500`),
      server.api(`/api/v1/channels/accounts/${accountId}/validate`, { method: 'POST' }),
    ]);
    for (const answer of answers) expect(answer.status).toBe(200);
    const apiCalls = await rows(server.hub.db, sql`select * from api_calls`);
    expect(apiCalls.length).toBeGreaterThan(5);
    const haystacks = [JSON.stringify(apiCalls), logLines.join(''), ...answers.map((a) => JSON.stringify(a.body))];
    for (const hay of haystacks) {
      expect(hay).not.toContain(KEY);
      expect(hay).not.toContain(encodeURIComponent(KEY));
    }
    expect(logLines.some((l) => l.includes('channel request'))).toBe(true);
    expect(answers[1].body.credentials.apiKey).toBe('••••1b2c');
  });

  it('cuts secret-named query parameters and known secret values from URLs', () => {
    expect(redactUrl('https://x.test/a?access_token=abc&offset=2&sign=zz')).toBe(
      'https://x.test/a?access_token=***&offset=2&sign=***',
    );
    expect(redactUrl('https://x.test/v1/abcdef123456/items', ['abcdef123456'])).toBe('https://x.test/v1/***/items');
  });
});
