import { createAllegroSimulator } from '../simulators/allegro/index.ts';
import { createWixSimulator } from '../simulators/wix/index.ts';
import { ORDER_EVENTS_POLL_SECONDS } from '../src/channels/allegro/connector.ts';
import { createAccount } from '../src/channels/core/accounts.ts';
import { syncAccount } from '../src/channels/core/sync.ts';
import { channelsHub, seedCatalog } from '../src/channels/core/testing.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { startScheduler } from '../src/engine/scheduler.ts';
import { startWorkers } from '../src/engine/worker.ts';
import { scratchPostgres, type Benchmark, type BenchResult } from './harness.ts';

/**
 * Propagation from an Allegro order to the Wix store (issue 4): 1,000 buyers each buy one
 * unit of a different product on the Allegro simulator, ORDERS_PER_SECOND a second; Sklad
 * runs as in production on PostgreSQL (the scheduler firing the `order-events` job on its
 * own cron, workers running it and the stock push), and both simulators keep their real
 * rate limits (Allegro 9,000/min, Wix 200/min per site) with the connectors' default limits.
 * Latency of an order: from its event in Allegro's journal to the Wix decrement that carries
 * its product. Goal: p99 within the poll interval plus 1 s; ratio = goal ÷ p99 (≥ 1 meets it).
 */

const ORDERS = 1000;
const ORDERS_PER_SECOND = 10;
const STOCK = 100;
const GOAL_MS = ORDER_EVENTS_POLL_SECONDS * 1000 + 1000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

// The modules and job types are assembled once by bench/run.ts before any benchmark runs.
async function run(): Promise<BenchResult[]> {
  const scratch = await scratchPostgres('sklad_bench_aw');
  const database = await openDatabase({ url: scratch.url, poolSize: 12 });
  const allegro = createAllegroSimulator();
  const wix = createWixSimulator();
  const servers = [await allegro.listen(), await wix.listen()];
  const stops: (() => Promise<void>)[] = [];
  try {
    await migrate(database);
    const hub = channelsHub(database);
    const catalog = await seedCatalog(hub.db, { count: ORDERS, stock: () => STOCK });

    const client = allegro.state.addClient();
    const offerOf: string[] = [];
    for (let n = 1; n <= ORDERS; n++)
      offerOf.push(allegro.state.addOffer({ name: `Bench product ${n}`, externalId: `SKU-${n}`, available: STOCK }).id);
    const site = wix.state.addSite();
    const skuOfWixProduct = new Map<string, string>();
    for (let n = 1; n <= ORDERS; n++)
      skuOfWixProduct.set(
        wix.state.addProduct(site.id, { name: `Bench product ${n}`, sku: `SKU-${n}`, quantity: STOCK }).id,
        `SKU-${n}`,
      );

    const allegroId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'allegro',
          name: 'Allegro',
          baseUrl: servers[0].url,
          settings: { warehouseId: catalog.warehouseId },
          credentials: {
            clientId: client.id,
            clientSecret: client.secret,
            refreshToken: allegro.state.issueRefreshToken(client.id),
          },
        },
        'bench',
      )
    ).id;
    const wixId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wix',
          name: 'Wix',
          baseUrl: servers[1].url,
          credentials: { apiKey: site.apiKey, siteId: site.id },
        },
        'bench',
      )
    ).id;
    await syncAccount(hub, allegroId);
    await syncAccount(hub, wixId);
    wix.resetLog();

    stops.push(startWorkers(hub, { concurrency: 4 }), startScheduler(hub));

    // Buyers: one unit of product i at ORDERS_PER_SECOND; the journal's occurredAt is the start of each latency.
    const orderedAt = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < ORDERS; i++) {
      const due = started + (i * 1000) / ORDERS_PER_SECOND;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      allegro.state.placeOrder({ lines: [{ offerId: offerOf[i], quantity: 1 }] });
      orderedAt.set(`SKU-${i + 1}`, Date.parse(allegro.state.events.at(-1)!.occurredAt));
    }

    // Wait for Wix to show every sale (bounded: well past the goal).
    const deadline = Date.now() + GOAL_MS * 4;
    const arrived = new Map<string, number>();
    while (arrived.size < ORDERS && Date.now() < deadline) {
      for (const entry of wix.log) {
        if (entry.path !== '/stores/v2/inventoryItems/decrement' || entry.status !== 200) continue;
        for (const item of (entry.body as { decrementData: { productId: string }[] }).decrementData) {
          const sku = skuOfWixProduct.get(item.productId)!;
          if (!arrived.has(sku)) arrived.set(sku, Date.parse(entry.at));
        }
      }
      if (arrived.size < ORDERS) await new Promise((r) => setTimeout(r, 200));
    }
    const wrong = [...skuOfWixProduct.values()].filter(
      (sku) => wix.state.quantityOf(site.id, sku) !== STOCK - 1,
    ).length;
    if (arrived.size < ORDERS || wrong)
      throw new Error(`${ORDERS - arrived.size} sale(s) never reached Wix; ${wrong} quantity(ies) wrong`);

    const latencies = [...arrived].map(([sku, at]) => at - orderedAt.get(sku)!).sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const wixCalls = wix.log.length;
    return [
      {
        // One line, as bench/run.ts prints it: BENCH allegro-wix p50=… p99=… (ms) ratio=… goal=1
        name: 'allegro-wix',
        metrics: { p50: Math.round(p50), p99: Math.round(p99) },
        ratio: GOAL_MS / p99,
        goal: 1,
        summary:
          `Allegro order event → Wix decrement, ${ORDERS} orders at ${ORDERS_PER_SECOND}/s on PostgreSQL with the real scheduler and workers: ` +
          `p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s, max ${(latencies.at(-1)! / 1000).toFixed(2)} s against a goal of ${GOAL_MS / 1000} s ` +
          `(poll every ${ORDER_EVENTS_POLL_SECONDS} s + 1 s; ratio = goal ÷ p99); ${wixCalls} Wix requests, ${wix.statusCounts()[429] ?? 0} of them answered 429`,
      },
    ];
  } finally {
    for (const stop of stops.reverse()) await stop();
    for (const s of servers) await s.close();
    await database.close();
    await scratch.drop();
  }
}

const benchmark: Benchmark = { name: 'allegro-wix', run };
export default benchmark;
