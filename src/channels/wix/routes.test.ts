import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWixSimulator, seedWix, type WixSimulator } from '../../../simulators/wix/index.ts';
import { rows } from '../../db/database.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import { startWorkers } from '../../engine/worker.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { createAccount, setAccountStatus } from '../core/accounts.ts';
import { expectedChannelQuantities, seedCatalog } from '../core/testing.ts';

describeEachDatabase('POST /api/v1/allegro_sync/wix-sync', (t) => {
  let server: TestServer;
  const wixIds: number[] = [];
  let genericId: number;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const { hub } = server;
    for (const n of [1, 2]) {
      const site = `6b7c0a4e-0000-4000-8000-00000000000${n}`;
      wixIds.push(
        (
          await createAccount(
            hub.db,
            hub.masterKey!,
            {
              channel: 'wix',
              name: `Wix ${n}`,
              baseUrl: 'http://127.0.0.1:9',
              credentials: { apiKey: `IST.key-number-${n}`, siteId: site },
            },
            'test',
          )
        ).id,
      );
    }
    genericId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        { channel: 'generic', name: 'Other', baseUrl: 'http://127.0.0.1:9', credentials: { apiKey: 'generic-key-1' } },
        'test',
      )
    ).id;
  });
  afterAll(async () => server?.close());

  it('refuses an account that is not a Wix one', async () => {
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account_id: genericId } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_A_WIX_ACCOUNT');
  });

  it('starts one sync job per active Wix account without a body, and returns the job ids', async () => {
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST' });
    expect(res.status).toBe(202);
    expect(res.body.account_ids).toEqual(wixIds);
    expect(res.body.job_ids).toHaveLength(2);
    expect(res.body.job_id).toBe(res.body.job_ids[0]);
    const jobs = await rows<{ type: string; account_id: number }>(
      server.hub.db,
      sql`select type, account_id from jobs where id = any(${sql.param(res.body.job_ids)}::bigint[]) order by id`,
    );
    expect(jobs).toEqual(wixIds.map((id) => ({ type: 'wix.stock-sync', account_id: id })));
    // Asked again while they wait: the same jobs, not a second sync of each account.
    const again = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST' });
    expect(again.body.job_ids).toEqual(res.body.job_ids);
  });

  it('starts one account when asked, validates the body, and needs an operator key', async () => {
    const one = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account_id: wixIds[1] } });
    expect(one.status).toBe(202);
    expect(one.body.account_ids).toEqual([wixIds[1]]);
    expect(
      (await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account_id: 999_999 } })).status,
    ).toBe(404);
    const bad = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account: 1 } });
    expect(bad.status).toBe(400);
    const readonly = await server.api('/api/v1/allegro_sync/wix-sync', {
      method: 'POST',
      key: await server.keyFor('readonly'),
    });
    expect(readonly.status).toBe(403);
  });

  it('says how to configure Wix when no Wix account is active', async () => {
    for (const id of wixIds) await setAccountStatus(server.hub.db, id, 'disabled', 'test', 'test');
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'WIX_NOT_CONFIGURED',
      message: expect.stringContaining('WIX_API_KEY'),
    });
  });
});

describeEachDatabase('Wix sync started by the seed path, run by the workers, hourly by schedule', (t) => {
  let server: TestServer;
  let sim: WixSimulator;
  let simServer: { url: string; close(): Promise<void> };
  let stopWorkers: () => Promise<void>;
  const sites: { id: string; apiKey: string }[] = [];
  const accounts: number[] = [];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    sim = createWixSimulator({ rateLimit: null });
    simServer = await sim.listen();
    // Two sites selling the same 120 products (more than a page of Wix's 100), all at 0 on Wix.
    sites.push(sim.state.addSite(), sim.state.addSite());
    for (const site of sites) seedWix(sim.state, site.id, { products: 120, quantity: 0 });
    await seedCatalog(server.hub.db, { count: 120, stock: (n) => n % 9 });
    for (const [i, site] of sites.entries()) {
      accounts.push(
        (
          await createAccount(
            server.hub.db,
            server.hub.masterKey!,
            {
              channel: 'wix',
              name: `Wix site ${i + 1}`,
              baseUrl: simServer.url,
              credentials: { apiKey: site.apiKey, siteId: site.id },
              settings: { requestsPerSecond: 500, maxConcurrent: 4 },
            },
            'test',
          )
        ).id,
      );
    }
    stopWorkers = startWorkers(server.hub, { concurrency: 2, pollMs: 50 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    await server?.close();
    await simServer?.close();
  });

  it('answers with job ids whose jobs read Wix, map the variants and push every quantity to every site', async () => {
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST' });
    expect(res.status).toBe(202);
    expect(res.body.account_ids).toEqual(accounts);
    for (const jobId of res.body.job_ids as number[]) {
      const job = await waitFor(
        `job ${jobId} to end`,
        async () => {
          const found = await server.api(`/api/v1/jobs/${jobId}`);
          return ['succeeded', 'dead'].includes(found.body.status) ? found.body : null;
        },
        60_000,
      );
      expect(job).toMatchObject({ type: 'wix.stock-sync', status: 'succeeded' });
    }
    for (const [i, site] of sites.entries()) {
      const expected = await expectedChannelQuantities(server.hub.db, accounts[i]);
      expect(expected.size).toBe(120);
      for (const [externalId, quantity] of expected) {
        const [productId] = externalId.split(':');
        expect(sim.state.site(site.id).products.get(productId)!.variants[0].quantity).toBe(quantity);
      }
    }
    const history = await server.api(`/api/v1/sync/history?type=wix.stock-sync&account_id=${accounts[0]}`);
    expect(history.body.items[0]).toMatchObject({ status: 'succeeded', fetched: 120, pushed: expect.any(Number) });
    expect(history.body.items[0].pushed).toBeGreaterThan(90);
  }, 90_000);

  it('is scheduled hourly for every active Wix account', async () => {
    const res = await server.api('/api/v1/schedules');
    const wix = (
      res.body.items as { name: string; job_type: string; account_id: number; cron: string; enabled: boolean }[]
    ).filter((s) => s.name === 'wix.stock-sync');
    expect(wix.map((s) => s.account_id).sort()).toEqual([...accounts].sort());
    for (const s of wix) expect(s).toMatchObject({ job_type: 'wix.stock-sync', cron: '0 * * * *', enabled: true });
  });
});
