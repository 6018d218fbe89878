import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAllegroSimulator, seedAllegro } from '../../simulators/allegro/index.ts';
import { allegroContractCheck } from '../channels/allegro/testing.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { channelsHub, seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { reconcileOrders } from './run.ts';

/**
 * Allegro's order list by date (GET /order/checkout-forms) against Sklad's orders, on the
 * simulator: what the event journal's pull stored agrees (status, total and lines); an order
 * bought while the pull is off is found and re-imported by its checkout form; the next run
 * closes it; a line changed in Sklad is found. The traffic keeps to the Allegro spec.
 */
describeEachDatabase('reconciliation: Allegro checkout forms', (t) => {
  const sim = createAllegroSimulator({ rateLimit: null });
  let hub: Hub;
  let accountId = 0;
  let close: () => Promise<void> = async () => {};
  let offers: string[] = [];
  // A second ago: the window ends at the run's start (excluded), which may be this very millisecond.
  const buy = (lines: [number, number][]) =>
    sim.state.placeOrder({
      lines: lines.map(([offer, quantity]) => ({ offerId: offers[offer], quantity })),
      paid: true,
      at: Date.now() - 1000,
    });

  beforeAll(async () => {
    hub = channelsHub(t.database);
    const server = await sim.listen();
    close = server.close;
    const client = sim.state.addClient();
    offers = seedAllegro(sim.state, { offers: 3, available: 100 }).map((o) => o.id);
    const { warehouseId } = await seedCatalog(hub.db, { count: 3, stock: () => 100 });
    accountId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'allegro',
          name: 'Allegro',
          baseUrl: server.url,
          settings: { requestsPerSecond: 500, warehouseId },
          credentials: {
            clientId: client.id,
            clientSecret: client.secret,
            refreshToken: sim.state.issueRefreshToken(client.id),
          },
        },
        'test',
      )
    ).id;
    // The first sync matches the offers and marks where the journal starts for this account.
    await syncAccount(hub, accountId);
  }, 60_000);
  afterAll(() => close());

  test('the pull agrees with the list; an order bought while the pull is off is found, re-imported and closed; a line changed in Sklad is found', async () => {
    buy([
      [0, 2],
      [1, 1],
    ]);
    buy([[2, 3]]);
    await runConnectorJob(hub, accountId, 'order-events');
    const clean = await reconcileOrders(hub, accountId);
    expect(clean).toMatchObject({ status: 'succeeded', found: 0, read: { channel: 2, sklad: 2 } });

    const missed = buy([[1, 4]]);
    const found = await reconcileOrders(hub, accountId);
    expect(found).toMatchObject({ status: 'succeeded', found: 1, fixed: 1 });
    const [finding] = await rows<{ kind: string; key: string; state: string; fix: string }>(
      hub.db,
      sql`select kind, key, state, fix from findings where account_id = ${accountId}`,
    );
    expect(finding).toEqual({ kind: 'missing_in_sklad', key: missed.id, state: 'fixed', fix: 'reimport' });
    const [order] = await rows<{ id: number; status: string; total_minor: number }>(
      hub.db,
      sql`select id, status, total_minor from orders where account_id = ${accountId} and external_id = ${missed.id}`,
    );
    expect(order).toMatchObject({ status: 'confirmed', total_minor: 4 * 4999 });
    const ops = await rows<{ actor: string }>(
      hub.db,
      sql`select actor from operations where entity_type = 'order' and entity_id = ${String(order.id)}`,
    );
    expect(ops).toEqual([{ actor: 'reconciler' }]);
    expect(await reconcileOrders(hub, accountId)).toMatchObject({
      status: 'succeeded',
      found: 0,
      closed: 1,
      read: { channel: 3, sklad: 3 },
    });

    await hub.db.execute(sql`update order_lines set price_minor = 100 where order_id = ${order.id}`);
    expect(await reconcileOrders(hub, accountId)).toMatchObject({ status: 'succeeded', found: 1, fixed: 0 });
    const [lines] = await rows<{ kind: string; key: string; detail: string }>(
      hub.db,
      sql`select kind, key, detail from findings where account_id = ${accountId} and state = 'open'`,
    );
    expect(lines).toMatchObject({ kind: 'lines_differ', key: missed.id });
    expect(lines.detail).toContain('channel: SKU-2 × 4 @ 4999; Sklad: SKU-2 × 4 @ 100');

    const { problems, kinds } = await allegroContractCheck(sim.log);
    expect(kinds).toContain('GET /order/checkout-forms');
    expect(problems).toEqual([]);
  }, 90_000);
});
