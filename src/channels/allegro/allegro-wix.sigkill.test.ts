import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAllegroSimulator, type AllegroSimulator } from '../../../simulators/allegro/index.ts';
import { createWixSimulator, type WixSimulator } from '../../../simulators/wix/index.ts';
import { rows } from '../../db/database.ts';
import { enqueueJob } from '../../engine/jobs.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import type { Hub } from '../../hub.ts';
import { testKinds, useTestDatabase } from '../../test/databases.ts';
import { channelsHub } from '../core/testing.ts';
import { allegroContractCheck, seedAllegroAndWix } from './testing.ts';
import type { ChildProcess } from 'node:child_process';
import { exited, useWorkerProcesses } from '../../test/worker-processes.ts';

/**
 * The end-to-end path with real `sklad worker` processes (PostgreSQL: PGlite is one process):
 * Allegro orders → orders and write-offs in Sklad → Wix and the other Allegro offers, with a
 * cancellation among them. The worker is killed with SIGKILL while it is in the middle of the
 * order journal's page (checkout forms answer slowly, so the batch is in flight); a new worker
 * takes the job over when its lease runs out and finishes: every order once, every write-off
 * and every return once, every channel showing the stock.
 */

const PRODUCTS = 10;
const STOCK = 50;

describe.skipIf(!testKinds().includes('postgres'))(
  'Allegro → Sklad → Wix with sklad worker processes killed by SIGKILL [postgres]',
  () => {
    const t = useTestDatabase('postgres');
    let allegro: AllegroSimulator;
    let wix: WixSimulator;
    let servers: { url: string; close(): Promise<void> }[] = [];
    let hub: Hub;
    let allegroId: number;
    let siteId: string;
    let productIds: number[];
    let warehouseId: number;
    let offers: { main: string; twin: string }[] = [];

    const workers = useWorkerProcesses(() => ({ url: t.url!, masterKey: hub.masterKey! }));
    const spawnWorker = workers.spawn;

    beforeAll(async () => {
      allegro = createAllegroSimulator({ rateLimit: null });
      wix = createWixSimulator({ rateLimit: null });
      servers = [await allegro.listen(), await wix.listen()];
      hub = channelsHub(t.database);
      const seeded = await seedAllegroAndWix(
        hub,
        { allegro, allegroUrl: servers[0].url, wix, wixUrl: servers[1].url },
        { products: PRODUCTS, stock: STOCK, sites: 1 },
      );
      ({ allegroId, productIds, warehouseId, offers } = seeded);
      siteId = seeded.siteIds[0];
    }, 60_000);

    afterAll(async () => {
      for (const s of servers) await s.close();
    });

    const onHand = async (i: number) =>
      (
        await rows<{ on_hand: number }>(
          hub.db,
          sql`select on_hand from stock_levels where product_id = ${productIds[i]} and warehouse_id = ${warehouseId}`,
        )
      )[0].on_hand;
    const pollOrders = () =>
      enqueueJob(hub.db, {
        type: 'allegro.order-events',
        accountId: allegroId,
        payload: { accountId: allegroId },
        key: `allegro.order-events:${allegroId}`,
      });
    const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(hub.db, query))[0].n;
    /** Every channel and the stock level agree with `expected` for every product. */
    const settled = (expected: (i: number) => number, boundMs: number) =>
      waitFor(
        'every channel to show the stock',
        async () => {
          for (let i = 0; i < PRODUCTS; i++) {
            const want = expected(i);
            const seen = [
              await onHand(i),
              wix.state.quantityOf(siteId, `SKU-${i + 1}`),
              allegro.state.offers.get(offers[i].main)!.available,
              allegro.state.offers.get(offers[i].twin)!.available,
            ];
            if (seen.some((q) => q !== want)) return false;
          }
          return true;
        },
        boundMs,
      );

    const ordersIn = () => count(sql`select count(*)::int as n from orders where channel = 'allegro'`);
    const cancelledIn = () =>
      count(sql`select count(*)::int as n from orders where channel = 'allegro' and status = 'cancelled'`);

    /** Starts the batch already in the journal, kills the worker once `started` holds, and starts a successor. */
    async function killMidBatch(
      worker: ChildProcess,
      started: () => Promise<boolean>,
      done: () => Promise<boolean>,
    ): Promise<ChildProcess> {
      // Slow checkout forms keep the page in flight long enough to kill the worker inside it.
      allegro.faults.set({ rate: 1, kinds: ['slow'], slowMs: 400, paths: ['/order/checkout-forms'] });
      await pollOrders();
      await waitFor('the worker to be in the middle of the batch', started, 60_000);
      worker.kill('SIGKILL');
      await exited(worker);
      expect(await done()).toBe(false);
      allegro.faults.set(null);
      // The successor takes the job over once its lease has run out, and the outbox messages once theirs have.
      const successor = await spawnWorker();
      await pollOrders();
      return successor;
    }

    test('a worker killed mid-batch, twice: each successor finishes the batch, every order, write-off and return once, every channel right', async () => {
      const first = await spawnWorker();
      await settled(() => STOCK, 60_000);

      // Buying: four orders per product (the first of each two units, every other one paid).
      const bought = new Map<number, number>();
      const firstForms = new Map<number, string[]>();
      for (let k = 0; k < PRODUCTS * 4; k++) {
        const i = k % PRODUCTS;
        const quantity = k < PRODUCTS ? 2 : 1;
        const form = allegro.state.placeOrder({ lines: [{ offerId: offers[i].main, quantity }], paid: k % 2 === 0 });
        if (k < PRODUCTS * 2) firstForms.set(i, [...(firstForms.get(i) ?? []), form.id]);
        bought.set(i, (bought.get(i) ?? 0) + quantity);
      }
      const second = await killMidBatch(
        first,
        async () => (await ordersIn()) >= 4,
        async () => (await ordersIn()) === PRODUCTS * 4,
      );
      await settled((i) => STOCK - bought.get(i)!, 150_000);
      expect(await ordersIn()).toBe(PRODUCTS * 4);
      expect(await count(sql`select count(*)::int as n from stock_movements where type = 'sale'`)).toBe(PRODUCTS * 4);

      // Cancelling: every product's first two orders (3 units), and the worker killed again in the middle.
      for (const formIds of firstForms.values()) for (const formId of formIds) allegro.state.cancelOrder(formId);
      await killMidBatch(
        second,
        async () => (await cancelledIn()) >= 2,
        async () => (await cancelledIn()) === PRODUCTS * 2,
      );
      await settled((i) => STOCK - bought.get(i)! + 3, 150_000);

      expect(await ordersIn()).toBe(PRODUCTS * 4);
      expect(await cancelledIn()).toBe(PRODUCTS * 2);
      // One sale per order line and one return per cancelled line: nothing written off or returned twice.
      expect(await count(sql`select count(*)::int as n from stock_movements where type = 'sale'`)).toBe(PRODUCTS * 4);
      expect(await count(sql`select count(*)::int as n from stock_movements where type = 'return'`)).toBe(PRODUCTS * 2);
      expect(
        await count(sql`select coalesce(sum(quantity), 0)::int as n from stock_movements where type = 'return'`),
      ).toBe(PRODUCTS * 3);
      // The killed workers' attempts were taken over, not lost: the journal jobs ran again and succeeded.
      const jobs = await rows<{ status: string; attempts: number }>(
        hub.db,
        sql`
      select status, attempts from jobs where type = 'allegro.order-events' order by id`,
      );
      expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
      expect(jobs.every((j) => j.attempts >= 2)).toBe(true);
      // What the killed workers and their successors sent Allegro, and its answers, against the spec.
      const contract = await allegroContractCheck(allegro.log);
      expect(contract.kinds).toEqual(expect.arrayContaining(['GET /order/checkout-forms/{id}', 'GET /order/events']));
      expect(contract.problems).toEqual([]);
    }, 400_000);
  },
);
