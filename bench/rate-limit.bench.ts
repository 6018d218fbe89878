import { createGenericSimulator } from '../simulators/generic/index.ts';
import { analyzeListings, importListings, matchListings } from '../src/channels/core/listings.ts';
import { reconcileAccount } from '../src/channels/core/propagation.ts';
import { createGenericAccount, seedCatalog } from '../src/channels/core/testing.ts';
import { channelsBenchHub } from './channels-fixture.ts';
import type { Benchmark } from './harness.ts';

/**
 * Issue 3, "Rate-limit use": reconcile 100,000 SKUs against a simulator that allows R
 * requests per second of B items each (a token bucket holding one second, answering 429 with
 * Retry-After beyond it). Every channel quantity differs from the stock, so the reconcile
 * reads 100,000 items and pushes 100,000: items/s = (read + pushed) ÷ seconds, against the
 * ceiling R·B. Goal: at least 0.9 of it, with zero 429 answers. The account declares the
 * simulator's rate; the HTTP client's shared bucket (PostgreSQL) paces the requests.
 */
const SKUS = Number(process.env.SKLAD_BENCH_RATE_SKUS) || 100_000;
const R = 50;
const B = 100;

const benchmark: Benchmark = {
  name: 'rate-limit',
  async run() {
    const env = await channelsBenchHub('sklad_bench_rate');
    const sim = createGenericSimulator({
      apiKey: 'bench-rate-limit-key',
      batchSize: B,
      requestsPerSecond: R,
      burst: R,
    });
    const server = await sim.listen();
    try {
      const { hub } = env;
      sim.seed({ count: SKUS, from: 1, quantity: 0 });
      await seedCatalog(hub.db, { count: SKUS, stock: (n) => 1 + (n % 40) });
      const accountId = await createGenericAccount(hub, {
        baseUrl: server.url,
        apiKey: sim.apiKey,
        settings: { pushBatchSize: B, requestsPerSecond: R, burst: 10, maxConcurrent: 8 },
      });
      // Fixture: the listings as a full sync would import them (their reading is not measured).
      const all = [...sim.listings.values()].map((l) => ({ externalId: l.id, sku: l.sku, name: l.name }));
      for (let i = 0; i < all.length; i += 5_000) await importListings(hub.db, accountId, all.slice(i, i + 5_000));
      await matchListings(hub.db, accountId);
      await analyzeListings(hub.db);
      await new Promise((r) => setTimeout(r, 1_100)); // the simulator's bucket refills after the set-up

      sim.resetLog();
      const started = performance.now();
      const summary = await reconcileAccount(hub, accountId);
      const seconds = (performance.now() - started) / 1000;
      const wrong = [...sim.listings.values()].filter((l) => l.quantity !== 1 + (Number(l.id.slice(1)) % 40)).length;
      if (wrong) throw new Error(`${wrong} listings do not show the stock after the reconcile`);
      const items = summary.read + summary.pushed;
      const perSecond = items / seconds;
      const tooMany = sim.statusCounts()[429] ?? 0;
      return [
        {
          name: 'rate-limit',
          metrics: {
            db: 'postgres',
            items_per_s: Math.round(perSecond),
            ceiling_per_s: R * B,
            R,
            B,
            requests: sim.log.length,
            http_429: tooMany,
            seconds: Number(seconds.toFixed(1)),
          },
          ratio: tooMany ? 0 : perSecond / (R * B),
          goal: 0.9,
          summary: `reconcile of ${SKUS} SKUs (${summary.read} read, ${summary.pushed} pushed) in ${seconds.toFixed(1)} s = ${Math.round(perSecond)} items/s of a ${R * B} ceiling (R=${R} req/s × B=${B}); ${tooMany} answers were 429`,
        },
      ];
    } finally {
      await server.close();
      await env.close();
    }
  },
};
export default benchmark;
