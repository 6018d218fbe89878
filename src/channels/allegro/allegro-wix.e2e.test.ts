import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAllegroSimulator, type AllegroSimulator } from '../../../simulators/allegro/index.ts';
import { createWixSimulator, type WixSimulator } from '../../../simulators/wix/index.ts';
import { rows } from '../../db/database.ts';
import { enqueueJob } from '../../engine/jobs.ts';
import { startWorkers } from '../../engine/worker.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { assembleSklad } from '../../assembly.ts';
import { channelsHub } from '../core/testing.ts';
import { allegroContractCheck, seedAllegroAndWix } from './testing.ts';

/**
 * One stock, three accounts on two channels, real HTTP, real workers: an Allegro order in the
 * simulator → the order and its write-off in Sklad → the new quantity on both Wix sites and on
 * the other Allegro offer of the same product; a cancellation undoes it. Then the same with
 * faults injected into both services, and with the workers stopped abruptly in the middle of
 * a batch (in-process: stop with no grace, start new ones). The same with `sklad worker`
 * processes killed by SIGKILL: allegro-wix.sigkill.test.ts.
 */

const PRODUCTS = 20;
const STOCK = 50;

describeEachDatabase('Allegro order → Sklad → Wix and Allegro (end to end)', (t) => {
  let allegro: AllegroSimulator;
  let wix: WixSimulator;
  let servers: { url: string; close(): Promise<void> }[] = [];
  let hub: Hub;
  let allegroId: number;
  /** Two Wix sites (two accounts), both fed from the one stock. */
  let siteIds: string[] = [];
  let productIds: number[];
  let warehouseId: number;
  let stopWorkers: (() => Promise<void>) | null = null;

  /** Offer SKU-n (the one bought) and SKU-n's second offer (the "other" one) per product. */
  const offers = new Map<string, { main: string; twin: string }>();

  beforeAll(async () => {
    allegro = createAllegroSimulator({ rateLimit: null });
    wix = createWixSimulator({ rateLimit: null });
    servers = [await allegro.listen(), await wix.listen()];
    hub = channelsHub(t.database);
    assembleSklad();

    const seeded = await seedAllegroAndWix(
      hub,
      { allegro, allegroUrl: servers[0].url, wix, wixUrl: servers[1].url },
      { products: PRODUCTS, stock: STOCK, sites: 2 },
    );
    ({ allegroId, siteIds, productIds, warehouseId } = seeded);
    for (const [i, o] of seeded.offers.entries()) offers.set(`SKU-${i + 1}`, o);
    stopWorkers = startWorkers(hub, { concurrency: 4, pollMs: 50, stopGraceMs: 0 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    for (const s of servers) await s.close();
  });

  const onHand = async (i: number) =>
    (
      await rows<{ on_hand: number }>(
        hub.db,
        sql`select on_hand from stock_levels where product_id = ${productIds[i]} and warehouse_id = ${warehouseId}`,
      )
    )[0].on_hand;
  const channelView = (i: number) => {
    const o = offers.get(`SKU-${i + 1}`)!;
    return {
      wix: siteIds.map((site) => wix.state.quantityOf(site, `SKU-${i + 1}`)),
      main: allegro.state.offers.get(o.main)!.available,
      twin: allegro.state.offers.get(o.twin)!.available,
    };
  };
  const pollOrders = () =>
    enqueueJob(hub.db, {
      type: 'allegro.order-events',
      accountId: allegroId,
      payload: { accountId: allegroId },
      key: `allegro.order-events:${allegroId}`,
    });

  /** Waits (without asserting on time) until the condition holds; the test's own timeout bounds it. */
  async function eventually(check: () => Promise<boolean> | boolean, what: string) {
    for (;;) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
      if (!stopWorkers) throw new Error(`workers stopped while waiting for ${what}`);
    }
  }

  async function settled(expected: (i: number) => number) {
    await eventually(async () => {
      for (let i = 0; i < PRODUCTS; i++) {
        const view = channelView(i);
        const want = expected(i);
        if ((await onHand(i)) !== want || view.wix.some((q) => q !== want) || view.main !== want || view.twin !== want)
          return false;
      }
      return true;
    }, 'every channel to show the stock');
  }

  it('an order writes stock off once and every channel follows; a cancellation undoes it', async () => {
    await settled(() => STOCK);
    const o = offers.get('SKU-1')!;
    const form = allegro.state.placeOrder({ lines: [{ offerId: o.main, quantity: 3 }], paid: true });
    await pollOrders();
    await settled((i) => (i === 0 ? STOCK - 3 : STOCK));
    const [order] = await rows<{ status: string }>(
      hub.db,
      sql`select status from orders where channel = 'allegro' and external_id = ${form.id}`,
    );
    expect(order.status).toBe('confirmed');

    allegro.state.cancelOrder(form.id);
    await pollOrders();
    await settled(() => STOCK);
    expect(
      (await rows<{ status: string }>(hub.db, sql`select status from orders where external_id = ${form.id}`))[0].status,
    ).toBe('cancelled');
  }, 60_000);

  it('gets there under injected 429s and 5xx on both services', async () => {
    const faults = { rate: 0.25, kinds: ['429', '500', '503'] as const, retryAfterSeconds: 1 };
    allegro.faults.set({ ...faults, kinds: [...faults.kinds], paths: ['/sale', '/order'] });
    wix.faults.set({ ...faults, kinds: [...faults.kinds] });
    // The random faults may all miss a short run: the first answers of each service fail for sure.
    allegro.faults.next('503', 1, ['/order']);
    wix.faults.next('429', 1);
    try {
      const forms = [2, 3, 4].map((n) =>
        allegro.state.placeOrder({ lines: [{ offerId: offers.get(`SKU-${n}`)!.main, quantity: n }] }),
      );
      await pollOrders();
      await settled((i) => (i >= 1 && i <= 3 ? STOCK - (i + 1) : STOCK));
      allegro.state.cancelOrder(forms[1].id);
      await pollOrders();
      await settled((i) => (i === 1 ? STOCK - 2 : i === 3 ? STOCK - 4 : STOCK));
      expect(Object.keys(allegro.statusCounts()).some((s) => Number(s) >= 429)).toBe(true);
      expect(Object.keys(wix.statusCounts()).some((s) => Number(s) >= 429)).toBe(true);
    } finally {
      allegro.faults.set(null);
      wix.faults.set(null);
    }
  }, 120_000);

  it('after the workers are stopped abruptly mid-batch, new workers finish it: every order once, every channel right', async () => {
    const before = await Promise.all(Array.from({ length: PRODUCTS }, (_, i) => onHand(i)));
    // Slow answers keep the batch in flight when the workers go.
    allegro.faults.set({ rate: 1, kinds: ['slow'], slowMs: 150, paths: ['/order/checkout-forms'] });
    const bought = new Map<number, number>();
    for (let k = 0; k < 30; k++) {
      const i = k % PRODUCTS;
      allegro.state.placeOrder({ lines: [{ offerId: offers.get(`SKU-${i + 1}`)!.main, quantity: 1 }] });
      bought.set(i, (bought.get(i) ?? 0) + 1);
    }
    await pollOrders();
    await eventually(
      async () => (await rows(hub.db, sql`select id from orders where channel = 'allegro'`)).length > 5,
      'some orders to be in',
    );
    const stop = stopWorkers!;
    stopWorkers = null;
    await stop(); // no grace (stopGraceMs: 0): the running job is aborted and handed back to the queue
    const [atStop] = await rows<{ n: number }>(
      hub.db,
      sql`select count(*)::int as n from orders where channel = 'allegro'`,
    );
    expect(atStop.n).toBeLessThan(34);
    allegro.faults.set(null);
    stopWorkers = startWorkers(hub, { concurrency: 4, pollMs: 50, stopGraceMs: 0 });
    await pollOrders();
    await settled((i) => before[i] - (bought.get(i) ?? 0));
    const [counts] = await rows<{ orders: number; sales: number }>(
      hub.db,
      sql`
      select (select count(*)::int from orders where channel = 'allegro') as orders,
             (select count(*)::int from stock_movements where type = 'sale') as sales`,
    );
    // 1 + 3 + 30 orders; sales: one per order line written off, never twice.
    expect(counts.orders).toBe(34);
    expect(counts.sales).toBe(34);
  }, 120_000);

  it('sent Allegro only requests its spec documents, and the simulator answered in its shapes, all the way through', async () => {
    // The whole run's Allegro traffic (workers, syncs, the aborted batch); the 429s and 5xx injected above are skipped, the slow answers are checked.
    const { exchanges, kinds, problems } = await allegroContractCheck(allegro.log);
    expect(kinds).toEqual(
      expect.arrayContaining(['GET /order/checkout-forms/{id}', 'GET /order/events', 'GET /sale/offers']),
    );
    expect(
      kinds.some(
        (k) => k.startsWith('PATCH /sale/product-offers/') || k.startsWith('PUT /sale/offer-quantity-change-commands/'),
      ),
    ).toBe(true);
    expect(exchanges.some((e) => e.fault === 'slow')).toBe(true);
    expect(exchanges.length).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });
});
