import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkKaspiAnswer,
  checkKaspiRequest,
  createKaspiSimulator,
  kaspiSchemas,
  loadKaspiContract,
  type KaspiShop,
  type KaspiSimulator,
} from '../../../simulators/kaspi/index.ts';
import { rows, type Database } from '../../db/database.ts';
import { enqueueJob, getJob } from '../../engine/jobs.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import { startWorkers } from '../../engine/worker.ts';
import { describeEachDatabase, testKinds, useTestDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import { seedCatalog } from '../core/testing.ts';
import { exited, useWorkerProcesses } from '../../test/worker-processes.ts';

/**
 * Kaspi orders end to end under trouble: 30 orders spread over the followed days (so the job
 * reads them in five creation-date windows) pulled by the `kaspi.orders` job as the engine runs
 * it, with 30 % of Kaspi's answers failing (5xx, and timeouts that end in a 504; Kaspi documents
 * no rate limit, §8, so no 429), then a third of them cancelled. Then, on PostgreSQL, the same
 * with a real `sklad worker` process killed by SIGKILL while the job is between its windows
 * (Kaspi answers slowly), and a successor taking the job over when its lease runs out. Each
 * time: every order once in Sklad, one sale per order line, one return per cancelled line, and
 * the price list Kaspi downloads shows the stock.
 */

const MERCHANT = '30777888';
const PRODUCTS = 10;
const STOCK = 100;
const ORDERS = 30;
const CANCELLED = 10;
const DAY = 86_400_000;

interface Placed {
  code: string;
  /** Units by product index. */
  lines: [product: number, quantity: number][];
}

/** The simulator, Sklad's HTTP app (it serves the price list) and a Kaspi account with priced products. */
async function kaspiRig(database: Database) {
  const sim = createKaspiSimulator({ maxWindowDays: 3, rateLimit: null });
  const shop = sim.state.addShop({ merchantId: MERCHANT, name: 'Kaspi faults shop' });
  const simServer = await sim.listen();
  const server = await startTestServer(database);
  const catalog = await seedCatalog(server.hub.db, { count: PRODUCTS, skuPrefix: 'KSP-', stock: () => STOCK });
  await server.hub.db.execute(sql`update products set attributes = jsonb_build_object('kaspi_price', 1500)`);
  const accountId = (
    await createAccount(
      server.hub.db,
      server.hub.masterKey!,
      {
        channel: 'kaspi',
        name: 'Kaspi',
        baseUrl: `${simServer.url}/shop/api/v2`,
        credentials: { token: shop.token },
        settings: { merchantId: MERCHANT, requestsPerSecond: 50 },
      },
      'test',
    )
  ).id;
  // Asked for before any job runs: the URL's secret is then in the state the job merges into.
  const link = await server.api(`/api/v1/kaspi/${accountId}/price-list`);
  expect(link.status).toBe(200);
  return {
    sim,
    shop,
    simServer,
    server,
    accountId,
    warehouseId: catalog.warehouseId,
    priceListUrl: link.body.url as string,
  };
}

/** 30 orders, six in each three-day window of the last fortnight; every third has a second entry. */
function placeOrders(shop: KaspiShop): Placed[] {
  const now = Date.now();
  return Array.from({ length: ORDERS }, (_, k): Placed => {
    const lines: Placed['lines'] = [[k % PRODUCTS, 1 + (k % 2)]];
    if (k % 3 === 0) lines.push([(k + 3) % PRODUCTS, 1]);
    const at = now - (13 - 3 * (k % 5)) * DAY + k * 60_000;
    const order = shop.addOrder({
      entries: lines.map(([i, quantity]) => ({ sku: `KSP-${i + 1}`, price: 1500, quantity })),
      at,
    });
    return { code: order.code, lines };
  });
}

/** What each product's stock is once these orders were written off and the cancelled ones returned. */
function expectedStock(placed: Placed[], cancelled: number) {
  const stock = Array.from({ length: PRODUCTS }, () => STOCK);
  placed.forEach((o, k) => {
    if (k >= cancelled) for (const [i, q] of o.lines) stock[i] -= q;
  });
  return stock;
}

async function ledger(server: TestServer) {
  const [counts] = await rows<{
    orders: number;
    distinct_orders: number;
    lines: number;
    cancelled: number;
    cancelled_lines: number;
  }>(
    server.hub.db,
    sql`
    select (select count(*)::int from orders where channel = 'kaspi') as orders,
           (select count(distinct external_id)::int from orders where channel = 'kaspi') as distinct_orders,
           (select count(*)::int from order_lines l join orders o on o.id = l.order_id where o.channel = 'kaspi') as lines,
           (select count(*)::int from orders where channel = 'kaspi' and status = 'cancelled') as cancelled,
           (select count(*)::int from order_lines l join orders o on o.id = l.order_id where o.channel = 'kaspi' and o.status = 'cancelled') as cancelled_lines`,
  );
  // Per order line, by the reference core writes its movements under: never none, never two.
  const [movements] = await rows<{ sales_off: number; returns_off: number; sales: number; returns: number }>(
    server.hub.db,
    sql`
    select count(*) filter (where sales <> 1)::int as sales_off,
           count(*) filter (where returns <> case when status = 'cancelled' then 1 else 0 end)::int as returns_off,
           coalesce(sum(sales), 0)::int as sales, coalesce(sum(returns), 0)::int as returns
      from (select o.status,
                   (select count(*) from stock_movements m where m.type = 'sale' and m.reference like 'order:' || o.id || ':line:' || l.line_no || ':%') as sales,
                   (select count(*) from stock_movements m where m.type = 'return' and m.reference like 'order:' || o.id || ':line:' || l.line_no || ':%') as returns
              from order_lines l join orders o on o.id = l.order_id where o.channel = 'kaspi') per_line`,
  );
  return { ...counts, ...movements };
}

/** The stock of every product as the database and the price list Kaspi downloads both say. */
async function stockSeen(rig: Awaited<ReturnType<typeof kaspiRig>>) {
  const levels = await rows<{ sku: string; on_hand: number }>(
    rig.server.hub.db,
    sql`
    select p.sku, l.on_hand::int as on_hand from stock_levels l join products p on p.id = l.product_id
     where l.warehouse_id = ${rig.warehouseId} order by p.id`,
  );
  const list = await rig.sim.downloadPriceList(rig.priceListUrl, MERCHANT);
  return {
    database: levels.map((l) => l.on_hand),
    priceList: levels.map((l) => list.offers.get(l.sku)?.availabilities.get('PP1')?.stockCount),
  };
}

const pullOrders = (rig: Awaited<ReturnType<typeof kaspiRig>>) =>
  enqueueJob(rig.server.hub.db, {
    type: 'kaspi.orders',
    accountId: rig.accountId,
    payload: { accountId: rig.accountId },
    key: `kaspi.orders:${rig.accountId}`,
  });

async function jobEnd(rig: Awaited<ReturnType<typeof kaspiRig>>, id: number, boundMs = 60_000) {
  return waitFor(
    'kaspi.orders to end',
    async () => {
      const job = await getJob(rig.server.hub.db, id);
      return job.status === 'succeeded' || job.status === 'dead' ? job : null;
    },
    boundMs,
  );
}

/** Kaspi's requests and answers against the digest, leaving out the answers a fault replaced. */
function contractProblems(sim: KaspiSimulator) {
  const contract = loadKaspiContract();
  const schemas = kaspiSchemas(contract);
  const answered = sim.log.filter((r) => !r.fault || r.fault === 'slow');
  return [
    ...sim.log.flatMap((r) => checkKaspiRequest(r, contract, schemas)),
    ...answered.flatMap((r) => checkKaspiAnswer(r, contract, schemas)),
  ];
}

describeEachDatabase('Kaspi orders through 30 % faults (end to end)', (t) => {
  let rig: Awaited<ReturnType<typeof kaspiRig>>;
  let stopWorkers: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    rig = await kaspiRig(t.database);
    stopWorkers = startWorkers(rig.server.hub, { concurrency: 4, pollMs: 50, stopGraceMs: 0 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    await rig?.server.close();
    await rig?.simServer.close();
  });

  it('every order once, one sale per line, one return per cancelled line, and the price list at the stock', async () => {
    rig.sim.faults.set({
      rate: 0.3,
      kinds: ['500', '502', '503', 'timeout'],
      slowMs: 300,
      paths: ['/shop/api/v2/orders'],
    });
    // The random faults may miss a kind in a short run: each comes at least once for sure.
    for (const kind of ['503', 'timeout', '500'] as const) rig.sim.faults.next(kind, 1, ['/shop/api/v2/orders']);
    try {
      const placed = placeOrders(rig.shop);
      expect((await jobEnd(rig, (await pullOrders(rig)).id)).status).toBe('succeeded');
      expect(await ledger(rig.server)).toMatchObject({
        orders: ORDERS,
        distinct_orders: ORDERS,
        sales_off: 0,
        returns_off: 0,
        returns: 0,
      });
      expect(await stockSeen(rig)).toEqual({ database: expectedStock(placed, 0), priceList: expectedStock(placed, 0) });

      for (const o of placed.slice(0, CANCELLED)) rig.shop.cancelOrder(o.code);
      expect((await jobEnd(rig, (await pullOrders(rig)).id)).status).toBe('succeeded');
      const after = await ledger(rig.server);
      expect(after).toMatchObject({ orders: ORDERS, cancelled: CANCELLED, sales_off: 0, returns_off: 0 });
      expect(after.returns).toBe(after.cancelled_lines);
      expect(after.sales).toBe(after.lines);
      expect(await stockSeen(rig)).toEqual({
        database: expectedStock(placed, CANCELLED),
        priceList: expectedStock(placed, CANCELLED),
      });
    } finally {
      rig.sim.faults.set(null);
    }
    for (const kind of ['500', '503', 'timeout'])
      expect(
        rig.sim.log.some((r) => r.fault === kind),
        kind,
      ).toBe(true);
    expect(contractProblems(rig.sim)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!testKinds().includes('postgres'))(
  'Kaspi orders with a sklad worker killed by SIGKILL mid-run [postgres]',
  () => {
    const t = useTestDatabase('postgres');
    let rig: Awaited<ReturnType<typeof kaspiRig>>;

    const workers = useWorkerProcesses(() => ({ url: t.url!, masterKey: rig.server.hub.masterKey! }));
    const spawnWorker = workers.spawn;

    beforeAll(async () => {
      rig = await kaspiRig(t.database);
    }, 60_000);
    afterAll(async () => {
      await rig?.server.close();
      await rig?.simServer.close();
    });

    const ordersIn = async () => (await ledger(rig.server)).orders;

    it('a worker killed between the windows: its successor finishes the run, every order and every write-off once', async () => {
      const first = await spawnWorker();
      const placed = placeOrders(rig.shop);
      // Slow answers keep the run going window after window, long enough to kill the worker inside it.
      rig.sim.faults.set({ rate: 1, kinds: ['slow'], slowMs: 400, paths: ['/shop/api/v2/orders'] });
      const { id } = await pullOrders(rig);
      await waitFor('the worker to be in the middle of the run', async () => (await ordersIn()) >= 6, 60_000);
      first.kill('SIGKILL');
      await exited(first);
      expect(await ordersIn()).toBeLessThan(ORDERS);
      rig.sim.faults.set(null);

      // The successor takes the job over once the killed worker's lease has run out, and resumes at the saved window.
      await spawnWorker();
      expect((await jobEnd(rig, id, 90_000)).status).toBe('succeeded');
      expect(await ledger(rig.server)).toMatchObject({
        orders: ORDERS,
        distinct_orders: ORDERS,
        sales_off: 0,
        returns: 0,
      });
      expect(await stockSeen(rig)).toEqual({ database: expectedStock(placed, 0), priceList: expectedStock(placed, 0) });
      expect((await getJob(rig.server.hub.db, id)).attempts).toBeGreaterThanOrEqual(2);

      // Cancellations, read by the successor: each returns its lines once.
      for (const o of placed.slice(0, CANCELLED)) rig.shop.cancelOrder(o.code);
      expect((await jobEnd(rig, (await pullOrders(rig)).id)).status).toBe('succeeded');
      const after = await ledger(rig.server);
      expect(after).toMatchObject({ orders: ORDERS, cancelled: CANCELLED, sales_off: 0, returns_off: 0 });
      expect([after.sales, after.returns]).toEqual([after.lines, after.cancelled_lines]);
      expect(await stockSeen(rig)).toEqual({
        database: expectedStock(placed, CANCELLED),
        priceList: expectedStock(placed, CANCELLED),
      });
      expect(contractProblems(rig.sim)).toEqual([]);
    }, 180_000);
  },
);
