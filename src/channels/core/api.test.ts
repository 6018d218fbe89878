import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGenericSimulator } from '../../../simulators/generic/index.ts';
import { rows } from '../../db/database.ts';
import { enqueueJob } from '../../engine/jobs.ts';
import { fireDueSchedules } from '../../engine/schedules.ts';
import { startWorkers } from '../../engine/worker.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { apiCallsRetentionDays, deleteOldApiCalls } from './api-calls.ts';
import './jobs.ts';
import { seedCatalog } from './testing.ts';

/**
 * The sync machinery as a client sees it over HTTP: connect an account, start a sync, follow
 * its job (GET and SSE), read the history and the failed attempts, retry a dead job, and what
 * a rejected key does to the account and its schedules.
 */
describeEachDatabase('the sync API', (t) => {
  const KEY = 'generic-key-api-test-4d5e';
  const sim = createGenericSimulator({ apiKey: KEY, batchSize: 25 });
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let stopWorkers: () => Promise<void>;
  let accountId: number;

  const job = async (id: number) => (await server.api(`/api/v1/jobs/${id}`)).body;
  const ended = (id: number) =>
    waitFor(
      `job ${id} to end`,
      async () => {
        const found = await job(id);
        return ['succeeded', 'dead', 'cancelled'].includes(found.status) ? found : null;
      },
      30_000,
    );

  /** Reads a job's event stream to its end: [event, data] pairs. */
  const events = async (id: number): Promise<[string, any][]> => {
    const res = await fetch(`${server.baseUrl}/api/v1/jobs/${id}/events`, {
      headers: { 'x-api-secret-key': server.adminKey },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text();
    return text
      .split('\n\n')
      .filter((block) => block.includes('data:'))
      .map((block) => {
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
        return [event, JSON.parse(data)];
      });
  };

  beforeAll(async () => {
    simServer = await sim.listen();
    server = await startTestServer(t.database);
    sim.seed({ count: 60, from: 1 });
    await seedCatalog(server.hub.db, { count: 50, stock: (n) => n });
    stopWorkers = startWorkers(server.hub, { concurrency: 2, pollMs: 20, stopGraceMs: 200 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    await server?.close();
    await simServer?.close();
  });

  it('connects an account with its key sealed: the answer shows it masked', async () => {
    // The channels list each credential field as the panel's and the bot's forms draw it.
    const generic = (await server.api('/api/v1/channels')).body.items.find(
      (c: { channel: string }) => c.channel === 'generic',
    );
    expect(generic.credential_fields).toEqual([
      {
        key: 'apiKey',
        label: { ru: 'API-ключ', en: 'API key' },
        help: { ru: 'Ключ, который выдал магазин', en: 'The key the shop issued' },
        secret: true,
      },
    ]);
    // And each settings field, in the order of the settings schema.
    expect(generic.setting_fields.map((f: { key: string }) => f.key)).toEqual([
      'keyIn',
      'requestsPerSecond',
      'burst',
      'pushBatchSize',
      'maxConcurrent',
      'timeoutMs',
    ]);
    expect(generic.setting_fields[0]).toEqual({
      key: 'keyIn',
      label: { ru: 'Куда передавать ключ', en: 'Where the key goes' },
      help: {
        ru: 'В заголовке Authorization (по умолчанию) или в параметре api_key адреса',
        en: 'The Authorization header (default) or the api_key query parameter',
      },
    });
    expect(
      (await server.api('/api/v1/channels')).body.items.find((c: { channel: string }) => c.channel === 'iiko')
        .setting_fields,
    ).toEqual([]);
    const created = await server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: {
        channel: 'generic',
        name: 'API shop',
        base_url: simServer.url,
        credentials: { apiKey: KEY },
        settings: { requestsPerSecond: 500, pushBatchSize: 25 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ channel: 'generic', status: 'active', credentials: { apiKey: '••••4d5e' } });
    accountId = created.body.id;
    const [stored] = await rows<{ credentials_sealed: string }>(
      server.hub.db,
      sql`select credentials_sealed from channel_accounts where id = ${accountId}`,
    );
    expect(stored.credentials_sealed).not.toContain(KEY);
    // Many accounts per channel, each name once.
    const second = await server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: { channel: 'generic', name: 'Second shop', credentials: { apiKey: 'another-key-5678' } },
    });
    expect(second.status).toBe(201);
    const same = await server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: { channel: 'generic', name: 'api SHOP', credentials: { apiKey: KEY } },
    });
    expect(same.status).toBe(409);
    expect(same.body.error).toMatchObject({
      code: 'ACCOUNT_NAME_TAKEN',
      details: { channel: 'generic', name: 'api SHOP' },
    });
    expect((await server.api('/api/v1/channels/accounts?channel=generic')).body.items).toHaveLength(2);
    const bad = await server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: { channel: 'generic', name: 'Bad', credentials: { apiKey: 'short' } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('credentials.apiKey');
  });

  it('a manual sync answers {job_id}; the job is followed by GET and by server-sent events to its end', async () => {
    const started = await server.api(`/api/v1/channels/accounts/${accountId}/sync`, { method: 'POST' });
    expect(started.status).toBe(202);
    const jobId = started.body.job_id;
    expect(Number.isInteger(jobId)).toBe(true);

    const stream = await events(jobId);
    const statuses = stream.filter(([e]) => e === 'status').map(([, d]) => d.status);
    expect(statuses.at(-1)).toBe('succeeded');
    const progress = stream.filter(([e]) => e === 'progress').map(([, d]) => d);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1).message).toMatch(/listings/);

    const done = await job(jobId);
    expect(done).toMatchObject({
      id: jobId,
      type: 'channels.sync',
      status: 'succeeded',
      attempts: 1,
      account_id: accountId,
      errors: [],
    });
    // 50 listings match a product with stock n > 0 while the simulator starts at 0: all pushed.
    for (let n = 1; n <= 50; n++) expect(sim.quantityOf(`L${n}`)).toBe(n);

    const history = await server.api(`/api/v1/sync/history?account_id=${accountId}&type=channels.sync`);
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]).toMatchObject({
      job_id: jobId,
      status: 'partial',
      fetched: 60,
      created: 60,
      pushed: 50,
      failed: 0,
    });
    expect(history.body.items[0].duration_ms).toBeGreaterThanOrEqual(0);
    expect(history.body.items[0].problems[0].message).toMatch(/10 listing\(s\) match no product/);
    expect((await server.api(`/api/v1/sync/history?account_id=${accountId}&status=failed`)).body.total).toBe(0);
    expect(
      (await server.api(`/api/v1/sync/history?from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z`)).body.total,
    ).toBe(0);
    expect((await server.api(`/api/v1/sync/history?from=yesterday`)).status).toBe(400);

    const unmatched = await server.api(`/api/v1/channels/accounts/${accountId}/listings?state=unmatched`);
    expect(unmatched.body.items.map((l: { external_id: string }) => l.external_id).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `L${51 + i}`).sort(),
    );
    // Every request is in api_calls, tied to the sync run, with the key cut out.
    const calls = await server.api(`/api/v1/api-calls?sync_run_id=${history.body.items[0].id}`);
    expect(calls.body.total).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(calls.body)).not.toContain(KEY);
  });

  it('every failed attempt is shown by /outbox/errors; a dead job runs again when retried by the API', async () => {
    sim.faults.set({ rate: 1, kinds: ['503'] });
    const { id } = await enqueueJob(server.hub.db, {
      type: 'generic.seller',
      accountId,
      payload: { accountId },
      maxAttempts: 2,
    });
    const dead = await ended(id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, last_http_status: 503 });
    expect(dead.last_error).toMatch(/HTTP 503/);
    const errors = await server.api(`/api/v1/outbox/errors?job_id=${id}`);
    expect(
      errors.body.items.map((e: { attempt: number; http_status: number; job_type: string }) => [
        e.attempt,
        e.http_status,
        e.job_type,
      ]),
    ).toEqual([
      [2, 503, 'generic.seller'],
      [1, 503, 'generic.seller'],
    ]);
    expect(errors.body.items[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);

    sim.faults.set(null);
    const retried = await server.api(`/api/v1/jobs/${id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await ended(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect((await server.api(`/api/v1/jobs/${id}/retry`, { method: 'POST' })).body.error.code).toBe(
      'JOB_NOT_RETRYABLE',
    );
    expect((await server.api('/api/v1/jobs/999999/events')).status).toBe(404);
  });

  it('a rejected key turns the account needs_reauth, stops its schedules and says why; new keys bring it back', async () => {
    const schedules = async () =>
      (
        (await server.api('/api/v1/schedules')).body.items as {
          name: string;
          account_id: number;
          enabled: boolean;
          reason: string | null;
        }[]
      ).filter((s) => s.account_id === accountId);
    expect(await schedules()).toEqual([
      expect.objectContaining({ name: 'generic.reconcile', enabled: true, reason: null }),
    ]);

    // The key was revoked on the channel's side: here, the account is given one the channel does not know.
    await server.api(`/api/v1/channels/accounts/${accountId}`, {
      method: 'PATCH',
      json: { credentials: { apiKey: 'revoked-key-0000' } },
    });
    const check = await server.api(`/api/v1/channels/accounts/${accountId}/validate`, { method: 'POST' });
    expect(check.body).toMatchObject({ ok: false, status: 'needs_reauth', reason: 'Unknown or revoked API key' });
    expect((await server.api(`/api/v1/channels/accounts/${accountId}`)).body).toMatchObject({
      status: 'needs_reauth',
      status_reason: 'Unknown or revoked API key',
    });
    const [stopped] = await schedules();
    expect(stopped).toMatchObject({ enabled: false, next_run: null });
    expect(stopped.reason).toMatch(/needs new credentials: Unknown or revoked API key/);
    const refused = await server.api(`/api/v1/channels/accounts/${accountId}/sync`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'ACCOUNT_NEEDS_REAUTH',
      message: expect.stringContaining('Unknown or revoked API key'),
    });
    const before = await rows(
      server.hub.db,
      sql`select id from jobs where account_id = ${accountId} and type = 'channels.reconcile'`,
    );
    await fireDueSchedules(server.hub.db, new Date(Date.now() + 30 * 86_400_000));
    expect(
      await rows(
        server.hub.db,
        sql`select id from jobs where account_id = ${accountId} and type = 'channels.reconcile'`,
      ),
    ).toEqual(before);

    await server.api(`/api/v1/channels/accounts/${accountId}`, {
      method: 'PATCH',
      json: { credentials: { apiKey: KEY } },
    });
    expect(
      (await server.api(`/api/v1/channels/accounts/${accountId}/validate`, { method: 'POST' })).body,
    ).toMatchObject({ ok: true, status: 'active' });
    expect(await schedules()).toEqual([expect.objectContaining({ enabled: true, reason: null })]);
  });

  it('a key refused in the middle of a job makes the job dead at once and the account needs_reauth', async () => {
    await server.api(`/api/v1/channels/accounts/${accountId}`, {
      method: 'PATCH',
      json: { credentials: { apiKey: 'revoked-key-1111' } },
    });
    const started = await server.api(`/api/v1/channels/accounts/${accountId}/sync`, { method: 'POST' });
    const dead = await ended(started.body.job_id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead.last_error).toMatch(/refused the API key/);
    expect((await server.api(`/api/v1/channels/accounts/${accountId}`)).body).toMatchObject({
      status: 'needs_reauth',
      status_reason: expect.stringMatching(/HTTP 401/),
    });
    await server.api(`/api/v1/channels/accounts/${accountId}`, {
      method: 'PATCH',
      json: { credentials: { apiKey: KEY } },
    });
    expect((await server.api(`/api/v1/channels/accounts/${accountId}`)).body.status).toBe('active');
  });

  it('api_calls are kept for SKLAD_API_CALLS_RETENTION_DAYS days, then removed', async () => {
    expect(apiCallsRetentionDays({})).toBe(14);
    expect(apiCallsRetentionDays({ SKLAD_API_CALLS_RETENTION_DAYS: '3' })).toBe(3);
    expect(apiCallsRetentionDays({ SKLAD_API_CALLS_RETENTION_DAYS: 'soon' })).toBe(14);
    await server.hub.db.execute(sql`
      insert into api_calls (at, account_id, method, url, status, duration_ms)
      values (now() - interval '4 days', ${accountId}, 'GET', 'http://old', 200, 1), (now() - interval '2 days', ${accountId}, 'GET', 'http://recent', 200, 1)`);
    expect(await deleteOldApiCalls(server.hub.db, apiCallsRetentionDays({ SKLAD_API_CALLS_RETENTION_DAYS: '3' }))).toBe(
      1,
    );
    const urls = await rows<{ url: string }>(
      server.hub.db,
      sql`select url from api_calls where url like 'http://%' and url not like ${`${simServer.url}%`}`,
    );
    expect(urls.map((u) => u.url)).toEqual(['http://recent']);
  });
});
