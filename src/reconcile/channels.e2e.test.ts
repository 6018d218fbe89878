import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKaspiSimulator } from '../../simulators/kaspi/index.ts';
import { createLamodaSimulator } from '../../simulators/lamoda/index.ts';
import { createNamshiSimulator } from '../../simulators/namshi/index.ts';
import type { SellerCenterSeller } from '../../simulators/sellercenter/state.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../simulators/wildberries/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub, seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { reconcileOrders } from './run.ts';

/**
 * Each channel's own order list (`listOrders`) against Sklad's orders, on its simulator: the
 * orders the pull stored are no finding (their status and total as the list maps them agree
 * with the pull's), one placed after the pull is found and re-imported, and the next run
 * closes it. Kaspi (creation windows of 3 days), Lamoda and Namshi (GetOrders by CreatedAfter/Before),
 * Wildberries (FBS assembly tasks; no fetch of one order, so its finding waits for the pull).
 */
describeEachDatabase('reconciliation: Kaspi, Lamoda and Namshi order lists', (t) => {
  const kaspi = createKaspiSimulator({ maxWindowDays: 3, rateLimit: null });
  const lamoda = createLamodaSimulator({ rateLimit: null });
  const namshi = createNamshiSimulator({ rateLimit: null });
  const wb = createWildberriesSimulator({
    state: seedWildberries(new WbState(), {
      cards: 3,
      orderRows: 0,
      feedbacks: 0,
      claims: 0,
      fbsOrders: 0,
      article: (i) => `SKU-${i}`,
    }),
    limits: { statistics: { intervalMs: 50, burst: 5 } },
  });
  let wbId = 0;
  let hub: Hub;
  const closers: (() => Promise<void>)[] = [];
  const ids = { kaspi: 0, lamoda: 0, namshi: 0 };
  const place: Record<keyof typeof ids, () => string> = { kaspi: () => '', lamoda: () => '', namshi: () => '' };

  beforeAll(async () => {
    hub = channelsHub(t.database);
    const [kaspiServer, lamodaServer, namshiServer, wbServer] = [
      await kaspi.listen(),
      await lamoda.listen(),
      await namshi.listen(),
      await wb.listen(),
    ];
    closers.push(kaspiServer.close, lamodaServer.close, namshiServer.close, wbServer.close);
    wbId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        { channel: 'wildberries', name: 'WB', baseUrl: wbServer.url, credentials: { token: wb.token } },
        'test',
      )
    ).id;
    const { warehouseId } = await seedCatalog(hub.db, { count: 3, stock: () => 100 });
    const shop = kaspi.state.addShop({ merchantId: '30000001', name: 'Kaspi shop' });
    ids.kaspi = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'kaspi',
          name: 'Kaspi',
          baseUrl: `${kaspiServer.url}/shop/api/v2`,
          credentials: { token: shop.token },
          settings: { merchantId: '30000001', requestsPerSecond: 50 },
        },
        'test',
      )
    ).id;
    // A second ago: the window ends at the run's start (excluded), which may be this very millisecond.
    place.kaspi = () =>
      shop.addOrder({
        entries: [
          { sku: 'SKU-1', price: 1500, quantity: 2 },
          { sku: 'SKU-2', price: 990, quantity: 1 },
        ],
        at: Date.now() - 1000,
      }).code;
    const sellers: [keyof typeof ids, SellerCenterSeller, string][] = [
      [
        'lamoda',
        lamoda.addSeller({ userId: 'recon@lamoda.example', apiKey: 'lamoda-recon-key-0001' }),
        lamodaServer.url,
      ],
      [
        'namshi',
        namshi.addSeller({ userId: 'recon@namshi.example', apiKey: 'namshi-recon-key-0001' }),
        namshiServer.url,
      ],
    ];
    for (const [channel, seller, url] of sellers) {
      for (let n = 1; n <= 3; n++)
        seller.addProduct({ sellerSku: `SKU-${n}`, name: `Product ${n}`, quantity: 0, price: '99.50' });
      ids[channel] = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          {
            channel,
            name: channel,
            baseUrl: url,
            credentials: { userId: `recon@${channel}.example`, apiKey: `${channel}-recon-key-0001` },
            settings: { stockWarehouseId: warehouseId },
          },
          'test',
        )
      ).id;
      place[channel] = () =>
        seller.addOrder({
          lines: [
            { sku: 'SKU-1', quantity: 2 },
            { sku: 'SKU-3', quantity: 1 },
          ],
        }).number;
    }
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  for (const channel of ['kaspi', 'lamoda', 'namshi'] as const) {
    test(`${channel}: what the pull stored agrees with the list; an order placed after it is found, re-imported, then closed`, async () => {
      place[channel]();
      place[channel]();
      await runConnectorJob(hub, ids[channel], 'orders');
      const clean = await reconcileOrders(hub, ids[channel]);
      expect(clean).toMatchObject({ status: 'succeeded', found: 0, read: { channel: 2, sklad: 2 } });

      const missed = place[channel]();
      const found = await reconcileOrders(hub, ids[channel]);
      expect(found).toMatchObject({ status: 'succeeded', found: 1, fixed: 1 });
      const [finding] = await rows<{ kind: string; key: string; state: string }>(
        hub.db,
        sql`select kind, key, state from findings where account_id = ${ids[channel]}`,
      );
      expect(finding).toEqual({ kind: 'missing_in_sklad', key: missed, state: 'fixed' });
      const [order] = await rows<{ id: number }>(
        hub.db,
        sql`select id from orders where account_id = ${ids[channel]} and external_id = ${missed}`,
      );
      expect(order).toBeDefined();
      expect(await reconcileOrders(hub, ids[channel])).toMatchObject({
        status: 'succeeded',
        found: 0,
        closed: 1,
        read: { channel: 3, sklad: 3 },
      });
    });
  }

  test('wildberries: an FBS task the pull has not read is found; WB cannot fetch one order, so it waits; the next pull closes it', async () => {
    wb.state.addFbsOrder({ article: 'SKU-1', at: Date.now() - 2000 });
    await runConnectorJob(hub, wbId, 'sync');
    expect(await reconcileOrders(hub, wbId)).toMatchObject({ status: 'succeeded', found: 0, read: { channel: 1 } });
    const missed = wb.state.addFbsOrder({ article: 'SKU-2', at: Date.now() - 2000 });
    expect(await reconcileOrders(hub, wbId)).toMatchObject({ status: 'succeeded', found: 1, fixed: 0 });
    const [finding] = await rows<{ kind: string; key: string; state: string; fix: string | null }>(
      hub.db,
      sql`select kind, key, state, fix from findings where account_id = ${wbId}`,
    );
    expect(finding).toEqual({ kind: 'missing_in_sklad', key: missed.rid, state: 'open', fix: null });
    await runConnectorJob(hub, wbId, 'sync');
    expect(await reconcileOrders(hub, wbId)).toMatchObject({ status: 'succeeded', found: 0, closed: 1 });
  });
});
