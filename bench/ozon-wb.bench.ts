import { sql } from 'drizzle-orm';
import { createOzonSimulator } from '../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../simulators/ozon/state.ts';
import { createWildberriesSimulator } from '../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../simulators/wildberries/state.ts';
import { assembleSklad } from '../src/assembly.ts';
import { createAccount } from '../src/channels/core/accounts.ts';
import { bucketWaitMs, groupWaitsOf, type GroupWait } from '../src/channels/core/http-client.ts';
import { runConnectorJob } from '../src/channels/core/jobs.ts';
import type { GroupLimit } from '../src/channels/core/module.ts';
import { seedCatalog } from '../src/channels/core/testing.ts';
import { ozonModule } from '../src/channels/ozon/module.ts';
import { wildberriesModule } from '../src/channels/wildberries/module.ts';
import { rows } from '../src/db/database.ts';
import type { Hub } from '../src/hub.ts';
import { channelsBenchHub } from './channels-fixture.ts';
import type { Benchmark } from './harness.ts';

/**
 * Issue 5: a full sync of 10,000 Ozon products with stock in 30 warehouses each (27 FBO,
 * 2 FBS, 1 rFBS: both stock sources, and the postings) and of 100,000 WB order rows (with
 * the sales, stocks, FBS tasks, claims and feedbacks of the same sync), on PostgreSQL, run
 * the way the engine runs them (`runConnectorJob`: a sync run, the shared HTTP client,
 * api_calls). Both simulators keep the documented limits: Ozon 50 requests/s, WB statistics
 * one request a minute per report (80,000 rows an answer), so the second page of the WB
 * orders report has to wait for its minute.
 *
 * wait = what the requests waited on their limit groups (groupWaitsOf: the core HTTP client's
 * buckets per account and group in PostgreSQL) plus what the account bucket (Ozon 40/s, WB 5/s)
 * waited (bucketWaitMs); forced = the wait the documented limits impose on the same requests
 * with the same work between them (a replay of the group waits against token buckets of the
 * modules' limitGroups; the account bucket's waits are all counted as unforced, since it sits
 * below the services' own limits).
 * ratio = forced ÷ wait: 1.0 means no waiting the limits do not force.
 *
 * Sizes: BENCH_OZON_PRODUCTS (10,000), BENCH_WB_ORDERS (100,000) and BENCH_WB_PAGE_ROWS (WB's
 * 80,000 rows a statistics answer; smaller pages make a smaller run meet the minute limit).
 */

const OZON_PRODUCTS = Number(process.env.BENCH_OZON_PRODUCTS ?? 10_000);
const WB_ORDERS = Number(process.env.BENCH_WB_ORDERS ?? 100_000);
const WB_PAGE_ROWS = Number(process.env.BENCH_WB_PAGE_ROWS ?? 80_000);
const WB_CARDS = 2_000;

/** The least wait a group's limit forces on these requests, given the work done between them. */
function forcedWaitMs(waits: readonly GroupWait[], limits: Record<string, GroupLimit>): number {
  let forced = 0;
  const groups = new Set(waits.map((r) => r.group));
  for (const group of groups) {
    const limit = limits[group];
    if (!limit) throw new Error(`No limit group ${group}`);
    const { intervalMs, burst } = limit;
    const records = waits.filter((r) => r.group === group);
    let tokens = burst;
    let at = records[0].askedAt;
    let sent = records[0].askedAt;
    for (let i = 0; i < records.length; i++) {
      // The work before this request took what it took in the run; only the wait is replayed.
      const asked = i === 0 ? records[0].askedAt : sent + (records[i].askedAt - (records[i - 1].askedAt + records[i - 1].waitedMs));
      tokens = Math.min(burst, tokens + (asked - at) / intervalMs);
      const wait = tokens >= 1 ? 0 : (1 - tokens) * intervalMs;
      tokens = tokens + wait / intervalMs - 1;
      at = asked + wait;
      sent = at;
      forced += wait;
    }
  }
  return forced;
}

async function fetchedBy(hub: Hub, types: string[]): Promise<{ fetched: number; runs: { type: string; status: string; fetched: number; problems: unknown }[] }> {
  const runs = await rows<{ type: string; status: string; fetched: number; problems: unknown }>(
    hub.db, sql`select type, status, fetched, problems from sync_runs where type = any(${sql.param(types)}::text[]) order by id`);
  return { fetched: runs.reduce((sum, r) => sum + r.fetched, 0), runs };
}

const benchmark: Benchmark = {
  name: 'ozon-wb',
  async run() {
    assembleSklad();
    const env = await channelsBenchHub('sklad_bench_ozwb');
    const ozon = createOzonSimulator({ state: seedOzon(new OzonState(), { products: OZON_PRODUCTS, fboWarehouses: 27, fbsWarehouses: 2, rfbsWarehouses: 1, postings: 500, offerId: (i) => `SKU-${i}` }) });
    const wb = createWildberriesSimulator({
      state: seedWildberries(new WbState(), { cards: WB_CARDS, orderRows: WB_ORDERS, days: 29, feedbacks: 200, claims: 50, fbsOrders: 100, article: (i) => `SKU-${i}` }),
      reportPageRows: WB_PAGE_ROWS,
    });
    const servers = [await ozon.listen(), await wb.listen()];
    try {
      const { hub } = env;
      await seedCatalog(hub.db, { count: Math.max(OZON_PRODUCTS, WB_CARDS), stock: () => 20 });
      const ozonId = (await createAccount(hub.db, hub.masterKey!, {
        channel: 'ozon', name: 'Ozon', baseUrl: servers[0].url, credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
      }, 'bench')).id;
      const wbId = (await createAccount(hub.db, hub.masterKey!, {
        channel: 'wildberries', name: 'WB', baseUrl: servers[1].url, credentials: { token: wb.token }, settings: { reportPageRows: WB_PAGE_ROWS },
      }, 'bench')).id;
      // The waits are counted per account id in this process: other benchmarks of the same run
      // used the same ids in their own databases, so only what this run adds counts.
      const bucketMsBefore = bucketWaitMs(ozonId) + bucketWaitMs(wbId);
      const groupWaitsBefore = [groupWaitsOf(ozonId).length, groupWaitsOf(wbId).length];
      const started = performance.now();
      await runConnectorJob(hub, ozonId, 'stocks');
      await runConnectorJob(hub, ozonId, 'postings');
      const ozonSeconds = (performance.now() - started) / 1000;
      await runConnectorJob(hub, wbId, 'sync');
      const seconds = (performance.now() - started) / 1000;

      const { fetched, runs } = await fetchedBy(hub, ['ozon.stocks', 'ozon.postings', 'wildberries.sync']);
      const unhappy = runs.filter((r) => r.status !== 'succeeded');
      if (unhappy.length) throw new Error(`sync runs did not succeed: ${JSON.stringify(unhappy)}`);
      const [orders] = await rows<{ n: number }>(hub.db, sql`select count(*)::int as n from orders where account_id = ${wbId} and posting_number is null`);
      if (orders.n !== wb.state.orders.size) throw new Error(`${orders.n} WB orders stored of ${wb.state.orders.size}`);
      const tooMany = (ozon.statusCounts()[429] ?? 0) + (wb.statusCounts()[429] ?? 0);

      const bucketMs = bucketWaitMs(ozonId) + bucketWaitMs(wbId) - bucketMsBefore;
      const groups = [
        { waits: groupWaitsOf(ozonId).slice(groupWaitsBefore[0]), limits: ozonModule.limitGroups ?? {} },
        { waits: groupWaitsOf(wbId).slice(groupWaitsBefore[1]), limits: wildberriesModule.limitGroups ?? {} },
      ];
      const waitMs = groups.reduce((sum, g) => sum + g.waits.reduce((s, w) => s + w.waitedMs, 0), 0) + bucketMs;
      const forcedMs = groups.reduce((sum, g) => sum + forcedWaitMs(g.waits, g.limits), 0);
      const ratio = waitMs > 0 ? forcedMs / waitMs : 1;
      const requests = ozon.log.length + wb.log.length;
      return [
        {
          name: 'ozon-wb',
          metrics: {
            seconds: Number(seconds.toFixed(1)),
            rows_per_s: Math.round(fetched / seconds),
            wait_share: (waitMs / 1000 / seconds).toFixed(3),
            forced_wait_share: (forcedMs / 1000 / seconds).toFixed(3),
            rows: fetched,
            ozon_products: OZON_PRODUCTS,
            wb_orders: WB_ORDERS,
            wb_page_rows: WB_PAGE_ROWS,
            requests,
            http_429: tooMany,
          },
          ratio,
          goal: 1,
          summary:
            `PostgreSQL: Ozon ${OZON_PRODUCTS} products × 30 warehouses + postings in ${ozonSeconds.toFixed(1)} s, then WB ${WB_ORDERS} order rows ` +
            `(with sales, stocks, FBS tasks, claims, feedbacks) in ${(seconds - ozonSeconds).toFixed(1)} s: ${fetched} rows, ${requests} requests, ` +
            `${(waitMs / 1000).toFixed(1)} s waited on the limits (${(bucketMs / 1000).toFixed(1)} s of it on the account buckets) of which ${(forcedMs / 1000).toFixed(1)} s forced; ${tooMany} answers were 429`,
        },
      ];
    } finally {
      for (const s of servers) await s.close();
      await env.close();
    }
  },
};
export default benchmark;
