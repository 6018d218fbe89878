import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGenericSimulator } from '../../simulators/generic/index.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { createGenericAccount, seedCatalog } from '../channels/core/testing.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { enqueueJob, getJob } from './jobs.ts';
import { startWorkers } from './worker.ts';

/**
 * Error groups against a real channel: the generic simulator answers 500 to stock pushes and
 * listing reads (its fault injection), so a push job and a sync job really fail; the groups say
 * which channel, account, SKU, status and message, and a retry after the fault is gone resolves them.
 */
describeEachDatabase('error groups: outbox and sync errors per problem, retried as one', (t) => {
  let server: TestServer;
  let stopWorkers: () => Promise<void>;
  const sim = createGenericSimulator({ apiKey: 'generic-key-error-groups-1', batchSize: 10 });
  let simulator: { url: string; close(): Promise<void> };
  let accountId: number;
  let warehouseId: number;
  let productIds: number[];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    simulator = await sim.listen();
    sim.seed({ count: 3, from: 1 });
    ({ warehouseId, productIds } = await seedCatalog(server.hub.db, { count: 3, stock: () => 10 }));
    accountId = await createGenericAccount(server.hub, {
      name: 'Лавка на углу',
      baseUrl: simulator.url,
      apiKey: sim.apiKey,
    });
    stopWorkers = startWorkers(server.hub, { concurrency: 2, pollMs: 50 });
    await syncAccount(server.hub, accountId);
  });
  afterAll(async () => {
    await stopWorkers?.();
    await simulator?.close();
    await server?.close();
  });

  const groups = async (query = '') =>
    (await server.api(`/api/v1/outbox/error-groups${query}`)).body.items as Record<string, any>[];

  test('a failed push is one group with the channel, account, SKU, HTTP status and the channel’s words', async () => {
    sim.faults.set({ rate: 1, kinds: ['500'], paths: ['/v1/stock'] });
    const moved = await server.api('/api/v1/stock/movements', {
      method: 'POST',
      json: { type: 'write_off', product_id: productIds[0], warehouse_id: warehouseId, quantity: 1, reason: 'broken' },
    });
    expect(moved.status).toBe(201);
    await expect
      .poll(async () => (await groups()).find((g) => g.job_type === 'channels.push'), { timeout: 30_000 })
      .toBeTruthy();
    const push = (await groups()).find((g) => g.job_type === 'channels.push')!;
    expect(push).toMatchObject({
      channel: 'generic',
      account_id: accountId,
      account: 'Лавка на углу',
      sku: 'SKU-1',
      http_status: 500,
      open: true,
    });
    expect(push.message).toMatch(/\S/);
    expect(push.message).not.toMatch(/^HTTP/);
    expect(push.message).not.toMatch(/JobError|account \d|could not be pushed|http:\/\//);
    expect(push.attempts).toBeGreaterThanOrEqual(1);
    expect(Date.parse(push.first_seen)).toBeLessThanOrEqual(Date.parse(push.last_seen));

    const detail = await server.api(`/api/v1/outbox/error-groups/${push.key}`);
    expect(detail.status).toBe(200);
    expect(detail.body.items.length).toBe(detail.body.attempts);
    expect(detail.body.items[0]).toMatchObject({ http_status: 500, resolved: false });

    // The fault is gone: the push goes through (by its own retry or this one) and the group is resolved.
    sim.faults.set(null);
    const retried = await server.api(`/api/v1/outbox/error-groups/${push.key}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    await expect.poll(async () => (await groups()).some((g) => g.key === push.key), { timeout: 30_000 }).toBe(false);
    expect((await groups('?state=resolved')).find((g) => g.key === push.key)).toMatchObject({
      open: false,
      open_subjects: 0,
    });
    expect(sim.quantityOf('L1')).toBe(9);
  }, 90_000);

  test('a dead sync job stays open until its group is retried; a later success resolves it', async () => {
    sim.faults.set({ rate: 1, kinds: ['503'], paths: ['/v1/listings'] });
    const jobs = [];
    for (let i = 0; i < 2; i++) {
      const job = await enqueueJob(server.hub.db, {
        type: 'channels.sync',
        accountId,
        payload: { accountId },
        maxAttempts: 1,
      });
      await expect.poll(async () => (await getJob(server.hub.db, job.id)).status, { timeout: 30_000 }).toBe('dead');
      jobs.push(job.id);
    }
    const sync = await groups(`?account_id=${accountId}&job_type=channels.sync`);
    // Two jobs, one problem.
    expect(sync).toHaveLength(1);
    expect(sync[0]).toMatchObject({
      channel: 'generic',
      account: 'Лавка на углу',
      sku: null,
      http_status: 503,
      attempts: 2,
      subjects: 2,
      open_subjects: 2,
      retryable: 2,
    });
    expect(sync[0].message).not.toMatch(/ChannelHttpError|http:\/\//);
    expect((await groups('?channel=generic')).map((g) => g.key)).toContain(sync[0].key);
    expect(await groups('?channel=ozon')).toEqual([]);

    const readonly = await server.keyFor('readonly', 'groups-reader');
    expect((await server.api(`/api/v1/outbox/error-groups/${sync[0].key}`, { key: readonly })).status).toBe(200);
    const refused = await server.api(`/api/v1/outbox/error-groups/${sync[0].key}/retry`, {
      method: 'POST',
      key: readonly,
    });
    expect(refused.status).toBe(403);
    expect((await getJob(server.hub.db, jobs[0])).status).toBe('dead');

    sim.faults.set(null);
    const retried = await server.api(`/api/v1/outbox/error-groups/${sync[0].key}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    // Both jobs share the account's dedup key? No: they were enqueued without one, so both run again.
    expect(retried.body).toMatchObject({ key: sync[0].key, jobs: jobs.sort((a, b) => a - b), outbox: [], skipped: [] });
    for (const id of jobs)
      await expect.poll(async () => (await getJob(server.hub.db, id)).status, { timeout: 30_000 }).toBe('succeeded');
    expect(await groups(`?account_id=${accountId}`)).toEqual([]);
    const again = await server.api(`/api/v1/outbox/error-groups/${sync[0].key}/retry`, { method: 'POST' });
    expect(again.body).toMatchObject({ jobs: [], outbox: [] });
  }, 90_000);

  test('answers 404 for an unknown group and 400 for a malformed key', async () => {
    expect((await server.api('/api/v1/outbox/error-groups/0123456789abcdef0123456789abcdef')).status).toBe(404);
    expect((await server.api('/api/v1/outbox/error-groups/nope/retry', { method: 'POST' })).status).toBe(400);
    expect((await server.api('/api/v1/outbox/error-groups?state=maybe')).status).toBe(400);
  });
});
