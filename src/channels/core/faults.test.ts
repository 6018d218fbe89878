import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGenericSimulator } from '../../../simulators/generic/index.ts';
import { startWorkers } from '../../engine/worker.ts';
import type { Hub } from '../../hub.ts';
import { recordMovement } from '../../inventory/movements.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import './jobs.ts';
import { syncAccount } from './sync.ts';
import { channelsHub, createGenericAccount, expectedChannelQuantities, seedCatalog } from './testing.ts';

/**
 * The second "must exist" test: with 30% of the channel's answers failing (429, 5xx,
 * timeouts) every stock change still reaches it, and no push has a second effect: quantities
 * are absolute, so the check is that the channel ends equal to the truth and that each
 * listing's pushes (write-offs only, so they only go down) never go back up: a quantity sent
 * again after a lost answer sets the same number, which is no second effect.
 */
describeEachDatabase('stock propagation through a faulty channel', (t) => {
  const sim = createGenericSimulator({ apiKey: 'generic-key-faults-777', batchSize: 20 });
  let simServer: { url: string; close(): Promise<void> };
  let hub: Hub;
  let stopWorkers: (() => Promise<void>) | undefined;
  let productIds: number[];
  let warehouseId: number;
  let accountId: number;

  beforeAll(async () => {
    simServer = await sim.listen();
    hub = channelsHub(t.database);
    sim.seed({ count: 60, from: 1 });
    const catalog = await seedCatalog(hub.db, { count: 60, stock: () => 1_000 });
    productIds = catalog.productIds;
    warehouseId = catalog.warehouseId;
    accountId = await createGenericAccount(hub, {
      baseUrl: simServer.url,
      apiKey: sim.apiKey,
      settings: { pushBatchSize: 20, requestsPerSecond: 1_000, burst: 50, maxConcurrent: 4, timeoutMs: 500 },
    });
    await syncAccount(hub, accountId);
    sim.pushes.clear();
    stopWorkers = startWorkers(hub, { concurrency: 4, pollMs: 50 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    sim.faults.set(null);
    await simServer?.close();
  });

  it('every change arrives, in order, exactly once in effect', async () => {
    sim.faults.set({ rate: 0.3, kinds: ['429', '500', '503', 'timeout'], retryAfterSeconds: 1, slowMs: 1_000 });
    // Besides the 30% at random, each kind surely happens at least twice.
    for (const kind of ['429', '503', 'timeout'] as const) sim.faults.next(kind, 2, ['/v1/stock']);
    const faulted = () => sim.log.filter((r) => r.fault).length;
    // 200 changes, and more until the six forced faults were met: pushes coalesce, so a quick
    // channel may take 200 changes in fewer requests than that.
    const until = Date.now() + 60_000;
    for (let i = 0; i < 200 || (faulted() < 6 && Date.now() < until); i++) {
      const productId = productIds[(i * 7) % productIds.length];
      await hub.db.transaction((tx) =>
        recordMovement(tx, { type: 'write_off', productId, warehouseId, quantity: 1 + (i % 3) }, 'test'),
      );
      // Spread over a few seconds, so there are many pushes (changes within one push coalesce).
      await new Promise((r) => setTimeout(r, i < 200 ? 20 : 100));
    }
    const truth = await expectedChannelQuantities(hub.db, accountId);
    const arrived = () => [...truth].every(([id, q]) => sim.quantityOf(id) === q);
    const deadline = Date.now() + 90_000;
    while (!arrived() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    sim.faults.set(null);

    for (const [id, quantity] of truth) expect(sim.quantityOf(id), `listing ${id}`).toBe(quantity);
    expect(faulted()).toBeGreaterThanOrEqual(6);
    for (const kind of ['429', '503', 'timeout']) expect(sim.log.some((r) => r.fault === kind)).toBe(true);
    for (const [id, history] of sim.pushes) {
      for (let i = 1; i < history.length; i++) {
        expect(history[i], `listing ${id} got ${history.join(' → ')}`).toBeLessThanOrEqual(history[i - 1]);
      }
    }
  }, 120_000);
});
