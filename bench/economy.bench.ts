import { createGenericSimulator } from '../simulators/generic/index.ts';
import { syncAccount } from '../src/channels/core/sync.ts';
import { createGenericAccount, seedCatalog } from '../src/channels/core/testing.ts';
import { startWorkers } from '../src/engine/worker.ts';
import { recordMovement } from '../src/inventory/movements.ts';
import { channelsBenchHub } from './channels-fixture.ts';
import type { Benchmark } from './harness.ts';

/**
 * Issue 3, "Economy": for a set of changes, push requests made ÷ ceil(changed items ÷ B).
 * The set: a stock count that changes 2,450 of 5,000 products, plus 300 products written off
 * and received back (no change the channel must hear of), in one transaction, then carried by
 * the real path (outbox → consumer → pushes). Ideal: ceil(2,450 ÷ 100) = 25 requests.
 * The BENCH ratio is ideal ÷ made (1.0 at best, so the goal reads as a lower bound like the others);
 * `requests_per_ideal` is the figure (made ÷ ideal, 1.0 at best).
 */
const PRODUCTS = 5_000;
const CHANGED = 2_450;
const NET_ZERO = 300;
const B = 100;

const benchmark: Benchmark = {
  name: 'economy',
  async run() {
    const env = await channelsBenchHub('sklad_bench_econ');
    const sim = createGenericSimulator({ apiKey: 'bench-economy-key', batchSize: B });
    const server = await sim.listen();
    let stopWorkers: (() => Promise<void>) | undefined;
    try {
      const { hub } = env;
      sim.seed({ count: PRODUCTS, from: 1 });
      const catalog = await seedCatalog(hub.db, { count: PRODUCTS, stock: () => 100 });
      const accountId = await createGenericAccount(hub, {
        baseUrl: server.url,
        apiKey: sim.apiKey,
        settings: { pushBatchSize: B, requestsPerSecond: 500, burst: 50, maxConcurrent: 4 },
      });
      await syncAccount(hub, accountId);
      stopWorkers = startWorkers(hub, { concurrency: 4 });
      sim.resetLog();

      await hub.db.transaction(async (tx) => {
        for (let i = 0; i < CHANGED; i++) {
          await recordMovement(
            tx,
            {
              type: 'adjustment',
              productId: catalog.productIds[i * 2],
              warehouseId: catalog.warehouseId,
              quantity: 50 + (i % 7),
              reason: 'stock count',
            },
            'bench',
          );
        }
        for (let i = 0; i < NET_ZERO; i++) {
          const productId = catalog.productIds[i * 2 + 1];
          await recordMovement(
            tx,
            { type: 'write_off', productId, warehouseId: catalog.warehouseId, quantity: 3 },
            'bench',
          );
          await recordMovement(
            tx,
            { type: 'receipt', productId, warehouseId: catalog.warehouseId, quantity: 3 },
            'bench',
          );
        }
      });
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [left] = await hub.database.query<{ n: number }>(
          `select count(*)::int as n from outbox where processed_at is null`,
        );
        const [pending] = await hub.database.query<{ n: number }>(
          `select count(*)::int as n from listings where needs_push`,
        );
        const [running] = await hub.database.query<{ n: number }>(
          `select count(*)::int as n from jobs where status in ('queued', 'running', 'failed')`,
        );
        if (!left.n && !pending.n && !running.n) break;
        if (Date.now() > deadline) throw new Error('the changes did not settle within a minute');
        await new Promise((r) => setTimeout(r, 100));
      }
      const wrong = catalog.productIds.filter(
        (_, i) => sim.quantityOf(`L${i + 1}`) !== (i % 2 === 0 && i / 2 < CHANGED ? 50 + ((i / 2) % 7) : 100),
      ).length;
      if (wrong) throw new Error(`${wrong} listings do not show the stock`);
      const requests = sim.log.filter((r) => r.path === '/v1/stock').length;
      const ideal = Math.ceil(CHANGED / B);
      return [
        {
          name: 'economy',
          metrics: {
            db: 'postgres',
            requests,
            ideal,
            requests_per_ideal: Number((requests / ideal).toFixed(2)),
            changed: CHANGED,
            net_zero: NET_ZERO,
            B,
          },
          ratio: ideal / requests,
          goal: 1,
          summary: `${CHANGED} changed quantities (+${NET_ZERO} products changed and changed back) reached the channel in ${requests} push requests; the fewest possible is ${ideal}`,
        },
      ];
    } finally {
      await stopWorkers?.();
      await server.close();
      await env.close();
    }
  },
};
export default benchmark;
