import { createGenericSimulator, type GenericSimulator } from '../simulators/generic/index.ts';
import { syncAccount } from '../src/channels/core/sync.ts';
import { createGenericAccount, seedCatalog } from '../src/channels/core/testing.ts';
import { startWorkers } from '../src/engine/worker.ts';
import { channelsBenchHub, percentile, writeOffUntilSeen } from './channels-fixture.ts';
import type { Benchmark } from './harness.ts';

/**
 * Issue 3, "Propagation": a write-off through the API until the channel shows the new
 * quantity, p50 and p99 over 1,000 write-offs across 10,000 SKUs mapped on 3 accounts (each
 * its own simulator), on PostgreSQL, with the workers as `sklad start` runs them (default
 * poll interval). Each write-off takes a different product, so none coalesces away; they
 * come at ~50 per second. Goal: p99 under 1 s → ratio = 1000 ÷ p99 (ms), goal 1.
 */
const SKUS = 10_000;
const WRITE_OFFS = 1_000;
const PER_SECOND = 50;

const benchmark: Benchmark = {
  name: 'propagation',
  async run() {
    const env = await channelsBenchHub('sklad_bench_prop', { api: true });
    const sims: GenericSimulator[] = [];
    const closers: (() => Promise<void>)[] = [];
    let stopWorkers: (() => Promise<void>) | undefined;
    try {
      const { hub } = env;
      const catalog = await seedCatalog(hub.db, { count: SKUS, stock: () => 1_000_000 });
      for (let i = 0; i < 3; i++) {
        const sim = createGenericSimulator({ apiKey: `bench-propagation-key-${i}`, batchSize: 100 });
        sim.seed({ count: SKUS, from: 1 });
        const server = await sim.listen();
        closers.push(server.close);
        sims.push(sim);
        const accountId = await createGenericAccount(hub, {
          name: `Shop ${i + 1}`,
          baseUrl: server.url,
          apiKey: sim.apiKey,
          settings: { pushBatchSize: 100, requestsPerSecond: 200, burst: 20, maxConcurrent: 4 },
        });
        await syncAccount(hub, accountId);
      }
      stopWorkers = startWorkers(hub, { concurrency: 4 });

      const latencies: number[] = [];
      const write = async (n: number) =>
        void latencies.push(await writeOffUntilSeen(env.api!, sims, catalog, n, { timeoutMs: 30_000, pollMs: 2 }));
      const pending: Promise<void>[] = [];
      for (let n = 0; n < WRITE_OFFS; n++) {
        pending.push(write(n));
        await new Promise((r) => setTimeout(r, 1000 / PER_SECOND));
      }
      await Promise.all(pending);
      latencies.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      return [
        {
          name: 'propagation',
          metrics: {
            db: 'postgres',
            p50: Math.round(p50),
            p99: Math.round(p99),
            write_offs: WRITE_OFFS,
            skus: SKUS,
            accounts: 3,
          },
          ratio: 1000 / p99,
          goal: 1,
          summary: `write-off via the API → all 3 channels show it: p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms, max ${Math.round(latencies[latencies.length - 1])} ms over ${WRITE_OFFS} write-offs (${PER_SECOND}/s) on ${SKUS} SKUs`,
        },
      ];
    } finally {
      await stopWorkers?.();
      for (const close of closers) await close();
      await env.close();
    }
  },
};
export default benchmark;
