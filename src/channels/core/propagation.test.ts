import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGenericSimulator } from '../../../simulators/generic/index.ts';
import { rows } from '../../db/database.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import { startWorkers } from '../../engine/worker.ts';
import type { Hub } from '../../hub.ts';
import { recordMovement } from '../../inventory/movements.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { setStockRule } from './availability.ts';
import { listListings, mapListing } from './listings.ts';
import { markStockChanged, pushPending, reconcileAccount, withPushLease } from './propagation.ts';
import { syncAccount } from './sync.ts';
import { channelsHub, createGenericAccount, expectedChannelQuantities, seedCatalog } from './testing.ts';

describeEachDatabase('channel propagation', (t) => {
  const sim = createGenericSimulator({ apiKey: 'generic-key-propagation-1', batchSize: 10 });
  let server: { url: string; close(): Promise<void> };
  let hub: Hub;
  let accountId: number;
  let warehouseId: number;
  let productIds: number[];

  beforeAll(async () => {
    server = await sim.listen();
    hub = channelsHub(t.database);
    // 25 listings: SKU-1..20 match products, SKU-21..25 match none.
    sim.seed({ count: 25, from: 1 });
    const catalog = await seedCatalog(hub.db, { count: 20, stock: (n) => n });
    warehouseId = catalog.warehouseId;
    productIds = catalog.productIds;
    // Two products share an EAN; a listing carrying only that EAN is ambiguous.
    const twins = await seedCatalog(hub.db, {
      count: 2,
      from: 1,
      skuPrefix: 'TWIN-',
      stock: () => 5,
      ean: () => '4006381333931',
    });
    sim.add({ id: 'L-twin', sku: 'NOT-OURS', ean: '4006381333931', name: 'Twin', quantity: 0 });
    productIds.push(...twins.productIds);
    accountId = await createGenericAccount(hub, {
      baseUrl: server.url,
      apiKey: sim.apiKey,
      settings: { requestsPerSecond: 200, maxConcurrent: 4, pushBatchSize: 10 },
    });
  });
  afterAll(async () => server?.close());

  const leased = async () =>
    (await rows(hub.db, sql`select 1 from channel_accounts where id = ${accountId} and push_lease_owner is not null`))
      .length;

  it('a full sync matches listings and pushes only the quantities that differ', async () => {
    sim.resetLog();
    const summary = await syncAccount(hub, accountId);
    const states = await listListings(hub.db, accountId, { limit: 100, offset: 0 });
    const byState = (s: string) => states.items.filter((l) => l.match_state === s);
    expect(byState('matched')).toHaveLength(20);
    expect(byState('unmatched')).toHaveLength(5);
    expect(byState('ambiguous').map((l) => l.external_id)).toEqual(['L-twin']);
    // The simulator starts at 0; every matched product has stock n > 0, so all 20 differ: 2 pushes of 10.
    expect(summary.pushed).toBe(20);
    for (const [externalId, quantity] of await expectedChannelQuantities(hub.db, accountId))
      expect(sim.quantityOf(externalId)).toBe(quantity);
    expect(sim.log.filter((r) => r.path === '/v1/stock')).toHaveLength(2);
    expect(sim.quantityOf('L21')).toBe(0);
  });

  it('a stock change reaches the channel once, and an unchanged quantity is not pushed again', async () => {
    sim.resetLog();
    await hub.db.transaction(async (tx) => {
      await recordMovement(tx, { type: 'write_off', productId: productIds[2], warehouseId, quantity: 2 }, 'test');
      await recordMovement(tx, { type: 'write_off', productId: productIds[2], warehouseId, quantity: 1 }, 'test');
    });
    const accounts = await markStockChanged(hub.db, [productIds[2], productIds[2], productIds[4]]);
    expect(accounts).toEqual([accountId]);
    const summary = await pushPending(hub, accountId);
    expect(summary).toMatchObject({ pushed: 1, unchanged: 1, busy: false, remaining: 0 });
    expect(sim.quantityOf('L3')).toBe(0);
    expect(sim.pushes.get('L3')).toEqual([3, 0]);
    expect(sim.log.filter((r) => r.path === '/v1/stock')).toHaveLength(1);
  });

  it('changes that come while a push is in flight coalesce into one more push of the latest quantity', async () => {
    sim.resetLog();
    sim.pushes.clear();
    const writeOff = async (quantity: number) => {
      await hub.db.transaction((tx) =>
        recordMovement(tx, { type: 'write_off', productId: productIds[9], warehouseId, quantity }, 'test'),
      );
      await markStockChanged(hub.db, [productIds[9]]);
    };
    await writeOff(1); // 10 → 9
    sim.faults.set({ rate: 0, kinds: ['slow'], slowMs: 1_500 });
    sim.faults.next('slow', 1, ['/v1/stock']);
    const first = pushPending(hub, accountId);
    await waitFor('the push to hold the account', leased);
    // Five more changes while 9 is on its way; a second pusher meanwhile finds the account busy.
    for (let i = 0; i < 5; i++) await writeOff(1); // 9 → 4
    expect(await pushPending(hub, accountId)).toMatchObject({ busy: true, pushed: 0 });
    const summary = await first;
    sim.faults.set(null);
    // Six changes, at most two pushes: the one in flight (9, or a later quantity if it read the
    // stock after some changes) and one of the latest, 4; never each step 8, 7, 6, 5.
    const after = summary.remaining ? await pushPending(hub, accountId) : summary;
    expect(after.busy).toBe(false);
    const history = sim.pushes.get('L10')!;
    expect(history.at(-1)).toBe(4);
    expect(history.length).toBeLessThanOrEqual(2);
    expect(sim.log.filter((r) => r.path === '/v1/stock').length).toBeLessThanOrEqual(2);
  });

  it('the availability rule applies a safety buffer and a cap', async () => {
    await setStockRule(hub.db, accountId, { warehouse_ids: [warehouseId], safety_buffer: 2, max_quantity: 10 }, 'test');
    await pushPending(hub, accountId);
    expect(sim.quantityOf('L1')).toBe(0); // 1 − 2 → 0
    expect(sim.quantityOf('L5')).toBe(3); // 5 − 2
    expect(sim.quantityOf('L20')).toBe(10); // 18 capped at 10
    await setStockRule(hub.db, accountId, { warehouse_ids: [], safety_buffer: 0, max_quantity: null }, 'test');
    await pushPending(hub, accountId);
    expect(sim.quantityOf('L20')).toBe(20);
  });

  it('an ambiguous listing blocks its products until it is mapped by hand', async () => {
    const [twinA, twinB] = productIds.slice(20);
    // A listing of twin A that is matched by SKU; its push waits while L-twin is ambiguous.
    sim.add({ id: 'L-twin-a', sku: 'TWIN-1', ean: null, name: 'Twin A', quantity: 0 });
    await syncAccount(hub, accountId);
    expect(sim.quantityOf('L-twin-a')).toBe(0);
    const [ambiguous] = (await listListings(hub.db, accountId, { state: 'ambiguous', limit: 10, offset: 0 })).items;
    expect(ambiguous.candidate_product_ids.sort()).toEqual([twinA, twinB].sort());
    await mapListing(hub.db, accountId, ambiguous.id, twinB, 'test');
    await pushPending(hub, accountId);
    expect(sim.quantityOf('L-twin-a')).toBe(5);
    expect(sim.quantityOf('L-twin')).toBe(5);
    // A manual mapping survives the next import.
    await syncAccount(hub, accountId);
    const [mapped] = await rows<{ product_id: number; matched_by: string }>(
      hub.db,
      sql`select product_id, matched_by from listings where external_id = 'L-twin'`,
    );
    expect(mapped).toEqual({ product_id: twinB, matched_by: 'manual' });
  });

  it('a reconcile reads the channel and pushes only the differences', async () => {
    sim.listings.get('L7')!.quantity = 99;
    sim.listings.get('L8')!.quantity = 0;
    sim.resetLog();
    const summary = await reconcileAccount(hub, accountId);
    expect(summary.different).toBe(2);
    expect(sim.quantityOf('L7')).toBe(7);
    expect(sim.quantityOf('L8')).toBe(8);
    const pushes = sim.log.filter((r) => r.path === '/v1/stock');
    expect(pushes).toHaveLength(1);
    expect((pushes[0].body as { items: unknown[] }).items).toHaveLength(2);
  });

  it('a sync that finds the account held by another pusher hands its push to a job', async () => {
    // A price push holds the account (stock and price pushes share the lease) while a sync
    // matches a new listing: the sync cannot push it, so a push job must, once the lease is free.
    await seedCatalog(hub.db, { count: 1, from: 26, stock: () => 7 });
    sim.add({ id: 'L26', sku: 'SKU-26', ean: null, name: 'Listed later', quantity: 0 });
    let release: () => void = () => {};
    const held = withPushLease(hub, accountId, () => new Promise<void>((resolve) => (release = resolve)));
    await waitFor('the other pusher to hold the account', leased);
    const summary = await syncAccount(hub, accountId);
    expect(summary.busy).toBe(true);
    expect(sim.quantityOf('L26')).toBe(0);
    const jobs = await rows<{ status: string }>(
      hub.db,
      sql`select status from jobs where type = 'channels.push' and key = ${`channels.push:${accountId}`} and status = 'queued'`,
    );
    expect(jobs).toHaveLength(1);
    release();
    await held;
    const stop = startWorkers(hub, { pollMs: 20, stopGraceMs: 0 });
    try {
      await waitFor('the push job to push the new listing', () => sim.quantityOf('L26') === 7);
    } finally {
      await stop();
    }
  });
});
