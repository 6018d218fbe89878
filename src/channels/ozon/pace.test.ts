import { afterAll, beforeAll, expect, test } from 'vitest';
import { createOzonSimulator } from '../../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../../simulators/ozon/state.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { useTwoWorkerHubs } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import { connectorContextFor } from '../core/context.ts';
import { groupWaitsOf } from '../core/http-client.ts';
import { ozonConnector } from './connector.ts';
import { ozonModule } from './module.ts';

const limit = ozonModule.limitGroups!.stockUpdate;
/**
 * How much longer one request's way from its token to Ozon may take than another's on a busy test
 * machine: half an interval. Without the group all the pushes would arrive within a fraction of a
 * second, so the check below still tells pacing from none.
 */
const ARRIVAL_SLACK_MS = limit.intervalMs / 2;

test('the stock update group never lets more than 80 calls through in any minute', () => {
  // A token bucket lets at most burst + span ÷ interval calls through in any span.
  expect(limit.burst + Math.floor(60_000 / limit.intervalMs)).toBeLessThanOrEqual(80);
});

// Two workers pushing one Ozon account: each its own hub (on PostgreSQL its own pool) and its own
// context and HTTP client, so nothing but the database is shared: the stockUpdate group's bucket
// is core's (the module's limitGroups, taken by the client for every /v2/products/stocks call).
describeEachDatabase('Ozon stock updates paced in PostgreSQL', (t) => {
  const sim = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 12, fbsWarehouses: 1, postings: 0 }),
    pairUpdateIntervalMs: 0,
  });
  const workerHubs = useTwoWorkerHubs(t);
  let close: () => Promise<void>;
  let baseUrl: string;

  beforeAll(async () => {
    const server = await sim.listen();
    close = server.close;
    baseUrl = server.url;
  });
  afterAll(async () => {
    await close();
  });

  test('the first few go at once, then one every interval, across both workers: never faster, no slower', async () => {
    const hubs = workerHubs();
    const accountId = (
      await createAccount(
        hubs[0].db,
        hubs[0].masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon shared',
          baseUrl,
          credentials: { clientId: sim.clientId, apiKey: sim.apiKey },
        },
        'test',
      )
    ).id;
    const products = sim.state.products;
    // One push a product, one after another in each worker; the products are split between the workers.
    const worker = async (hub: (typeof hubs)[number], half: number) => {
      const ctx = await connectorContextFor(hub, accountId);
      const outcomes = [];
      for (const [i, p] of products.entries()) {
        if (i % 2 !== half) continue;
        const listing = {
          listingId: i + 1,
          productId: i + 1,
          externalId: String(p.productId),
          sku: p.offerId,
          data: { productId: p.productId, offerId: p.offerId },
        };
        outcomes.push(...(await ozonConnector.pushQuantities!(ctx, [{ listing, quantity: 3 }])));
      }
      return outcomes;
    };
    sim.resetLog();
    // The waits are kept per account id in this process: the other database's run used the same id.
    const waitsBefore = groupWaitsOf(accountId).length;
    const outcomes = (await Promise.all(hubs.map(worker))).flat();

    expect(outcomes.every((o) => o.ok)).toBe(true);
    const pushes = sim.log.filter((e) => e.path === '/v2/products/stocks');
    expect(pushes.map((e) => e.status)).toEqual(Array(products.length).fill(200));
    expect(sim.statusCounts()[429]).toBeUndefined();
    const at = pushes.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    // Never faster than the bucket. The log has arrivals, and a token is taken before the request's
    // way there (a slot, the account's bucket, a new connection for the first): ARRIVAL_SLACK_MS of it may differ.
    for (let i = 0; i < at.length; i++) {
      for (let j = i; j < at.length; j++)
        expect(j - i + 1).toBeLessThanOrEqual(
          limit.burst + Math.floor((at[j] - at[i] + ARRIVAL_SLACK_MS) / limit.intervalMs),
        );
    }
    // … the first burst without waiting, and every push took its turn in the group …
    const waits = groupWaitsOf(accountId)
      .slice(waitsBefore)
      .filter((w) => w.group === 'stockUpdate');
    expect(waits).toHaveLength(products.length);
    expect(waits.filter((w) => w.waitedMs === 0).length).toBeGreaterThanOrEqual(limit.burst);
    // … and no slower than the limit needs: the rest one interval apart (some slack for a busy machine).
    expect(at.at(-1)! - at[0]).toBeLessThanOrEqual((products.length - limit.burst) * limit.intervalMs + 1_500);
  }, 60_000);
});
