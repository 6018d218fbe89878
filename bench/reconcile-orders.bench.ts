import { sql } from 'drizzle-orm';
import { createLamodaSimulator } from '../simulators/lamoda/index.ts';
import { createNamshiSimulator } from '../simulators/namshi/index.ts';
import { createOzonSimulator } from '../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../simulators/ozon/state.ts';
import { createAccount } from '../src/channels/core/accounts.ts';
import { moduleFor } from '../src/channels/core/module.ts';
import { runConnectorJob } from '../src/channels/core/jobs.ts';
import { seedCatalog } from '../src/channels/core/testing.ts';
import { rows } from '../src/db/database.ts';
import { reconcileOrders } from '../src/reconcile/run.ts';
import { channelsBenchHub } from './channels-fixture.ts';
import type { Benchmark, BenchResult } from './harness.ts';

/**
 * Issue 22, `reconcile-orders`: 10,000 orders on three channels (Ozon, Lamoda, Namshi), pulled
 * into Sklad by their own jobs; then 1 % differ — half placed on the channel after the pull
 * (missing in Sklad), half cancelled there (status differs). One reconciliation per account:
 * every seeded difference found (recall 1.0), nothing else (precision 1.0), and the run's time
 * ÷ the least wait the channels' limits force on its calls ((calls − burst) ÷ rate per
 * account) ≤ 1.5 (ratio = wait ÷ time, goal ≥ 0.67). The calls counted are the run's own to the
 * account: its listing and the fetches of the re-imports it applies at once.
 */
const ORDERS = Number(process.env.SKLAD_BENCH_RECONCILE_ORDERS) || 10_000;
const SHARE = 0.01;

const benchmark: Benchmark = {
  name: 'reconcile-orders',
  async run() {
    const env = await channelsBenchHub('sklad_bench_reconcile');
    const { hub } = env;
    const per = Math.ceil(ORDERS / 3);
    const ozon = createOzonSimulator({
      state: seedOzon(new OzonState(), {
        products: 10,
        fboWarehouses: 1,
        postings: per,
        postingDays: 5,
        offerId: (i) => `SKU-${i}`,
      }),
      requestsPerSecond: 10_000,
    });
    const lamoda = createLamodaSimulator({ rateLimit: null });
    const namshi = createNamshiSimulator({ rateLimit: null });
    const servers = [await ozon.listen(), await lamoda.listen(), await namshi.listen()];
    try {
      const { warehouseId } = await seedCatalog(hub.db, { count: 10, stock: () => 10_000_000 });
      const ozonId = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          {
            channel: 'ozon',
            name: 'Ozon',
            baseUrl: servers[0].url,
            credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
          },
          'bench',
        )
      ).id;
      const sellers = [
        {
          channel: 'lamoda',
          seller: lamoda.addSeller({ userId: 'bench@lamoda.example', apiKey: 'lamoda-bench-key-0001' }),
          url: servers[1].url,
          id: 0,
        },
        {
          channel: 'namshi',
          seller: namshi.addSeller({ userId: 'bench@namshi.example', apiKey: 'namshi-bench-key-0001' }),
          url: servers[2].url,
          id: 0,
        },
      ];
      const hourAgo = Date.now() - 3_600_000;
      for (const s of sellers) {
        for (let n = 1; n <= 10; n++)
          s.seller.addProduct({ sellerSku: `SKU-${n}`, name: `Product ${n}`, quantity: 0, price: '99.50' });
        for (let i = 0; i < per; i++)
          s.seller.addOrder({
            lines: [{ sku: `SKU-${1 + (i % 10)}`, quantity: 1 + (i % 2) }],
            at: new Date(hourAgo + i * 100),
          });
        s.id = (
          await createAccount(
            hub.db,
            hub.masterKey!,
            {
              channel: s.channel,
              name: s.channel,
              baseUrl: s.url,
              credentials: { userId: `bench@${s.channel}.example`, apiKey: `${s.channel}-bench-key-0001` },
              settings: { stockWarehouseId: warehouseId },
            },
            'bench',
          )
        ).id;
      }
      await runConnectorJob(hub, ozonId, 'postings');
      for (const s of sellers) await runConnectorJob(hub, s.id, 'orders');

      // The seeded differences, by account: keys expected as `kind:key`.
      const expected = new Map<number, Set<string>>();
      const differ = Math.max(2, Math.round(per * SHARE));
      const ozonWanted = new Set<string>();
      const fbs = ozon.state.warehouses.find((w) => w.type === 'fbs')!.id;
      const postings = [...ozon.state.postings.values()].filter((p) => p.status !== 'cancelled');
      for (let i = 0; i < differ / 2; i++) {
        ozonWanted.add(
          `missing_in_sklad:${ozon.state.addPosting({ warehouseId: fbs, lines: [{ offerId: 'SKU-1', quantity: 1 }], at: new Date(Date.now() - 1000) }).postingNumber}`,
        );
        const p = postings[i * 7];
        ozon.state.setPostingStatus(p.postingNumber, 'cancelled', { cancelReason: 'bench' });
        ozonWanted.add(`status_differs:${p.postingNumber}`);
      }
      expected.set(ozonId, ozonWanted);
      for (const s of sellers) {
        const wanted = new Set<string>();
        const orders = [...s.seller.orders.values()];
        for (let i = 0; i < differ / 2; i++) {
          wanted.add(
            `missing_in_sklad:${s.seller.addOrder({ lines: [{ sku: 'SKU-2' }], at: new Date(Date.now() - 2000) }).number}`,
          );
          const o = orders[i * 7];
          s.seller.cancelOrder(o.id);
          wanted.add(`status_differs:${o.number}`);
        }
        expected.set(s.id, wanted);
      }

      let seconds = 0;
      let forced = 0;
      let hits = 0;
      let found = 0;
      let seeded = 0;
      let calls = 0;
      const notes: string[] = [];
      for (const [accountId, wanted] of expected) {
        const [{ last }] = await rows<{ last: number }>(
          hub.db,
          sql`select coalesce(max(id), 0)::bigint as last from api_calls`,
        );
        const started = performance.now();
        const summary = await reconcileOrders(hub, accountId);
        seconds += (performance.now() - started) / 1000;
        if (summary.status !== 'succeeded') throw new Error(`account ${accountId}: ${summary.problems.join('; ')}`);
        const got = await rows<{ kind: string; key: string }>(
          hub.db,
          sql`select kind, key from findings where account_id = ${accountId} and run_id = ${summary.run_id}`,
        );
        const keys = new Set(got.map((f) => `${f.kind}:${f.key}`));
        found += keys.size;
        seeded += wanted.size;
        for (const k of wanted) if (keys.has(k)) hits++;
        for (const k of keys) if (!wanted.has(k)) notes.push(`false finding ${k}`);
        // The run's calls to the account — its listing, and the fetches of its safe re-imports — and the least wait the account's limits force on them.
        const [{ n }] = await rows<{ n: number }>(
          hub.db,
          sql`select count(*)::int as n from api_calls where account_id = ${accountId} and id > ${last}`,
        );
        const [account] = await rows<{ channel: string }>(
          hub.db,
          sql`select channel from channel_accounts where id = ${accountId}`,
        );
        const limits = moduleFor(account.channel)!.connector.limits;
        calls += n;
        forced += Math.max(0, n - limits.burst) / limits.requestsPerSecond;
      }
      const recall = seeded ? hits / seeded : 1;
      const precision = found ? hits / found : 1;
      const results: BenchResult[] = [
        {
          name: 'reconcile-orders-recall',
          metrics: { db: 'postgres', orders: per * 3, seeded, found, hits },
          ratio: recall,
          goal: 1,
          summary: `${hits} of ${seeded} seeded differences found among ${per * 3} orders on 3 channels (recall ${recall.toFixed(3)})`,
        },
        {
          name: 'reconcile-orders-precision',
          metrics: { db: 'postgres', found, false_findings: found - hits },
          ratio: precision,
          goal: 1,
          summary: `${found - hits} false findings of ${found} (precision ${precision.toFixed(3)})${notes.length ? `: ${notes.slice(0, 5).join(', ')}` : ''}`,
        },
        {
          name: 'reconcile-orders-time',
          metrics: {
            db: 'postgres',
            seconds: Number(seconds.toFixed(1)),
            forced_wait_s: Number(forced.toFixed(1)),
            calls,
            time_over_wait: Number((seconds / Math.max(forced, 0.001)).toFixed(2)),
          },
          ratio: forced / seconds,
          goal: 0.67,
          summary: `3 runs took ${seconds.toFixed(1)} s; the limits force ${forced.toFixed(1)} s on their ${calls} calls (time ÷ wait ${(seconds / Math.max(forced, 0.001)).toFixed(2)}, goal ≤ 1.5)`,
        },
      ];
      return results;
    } finally {
      for (const s of servers) await s.close();
      await env.close();
    }
  },
};

export default benchmark;
