import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAllegroSimulator, type AllegroSimulator } from '../../simulators/allegro/index.ts';
import { createBitrix24Simulator, type Bitrix24Simulator, type BitrixPortal } from '../../simulators/bitrix24/index.ts';
import { checkBitrixAnswer } from '../../simulators/bitrix24/contract.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../simulators/wildberries/state.ts';
import { createWixSimulator } from '../../simulators/wix/index.ts';
import { seedAllegroAndWix } from '../channels/allegro/testing.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { exportBacklog } from './backlog.ts';
import { CRM_TOPICS, orderKey } from './flow.ts';

/**
 * Orders of three channels, pulled from their simulators by their own jobs, become deals on
 * the Bitrix24 simulator through the outbox (real HTTP, real workers): one deal per order,
 * with the exact amount, both ids and the stage its status maps to; a status change moves the
 * stage; 30 % injected faults (the bucket's 503, 5xx, time-outs) leave every order sent once
 * with no second deal.
 */

const stageMap = {
  new: 'NEW',
  confirmed: 'PREPARATION',
  shipped: 'EXECUTING',
  delivered: 'WON',
  cancelled: 'LOSE',
  returned: 'LOSE',
};

describeEachDatabase('orders of every channel → Bitrix24 deals (end to end)', (t) => {
  let bitrix: Bitrix24Simulator;
  let portal: BitrixPortal;
  let allegro: AllegroSimulator;
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 10, fboWarehouses: 1, postings: 4, offerId: (i) => `SKU-${i}` }),
  });
  const wb = createWildberriesSimulator({
    state: seedWildberries(new WbState(), {
      cards: 10,
      orderRows: 6,
      days: 3,
      feedbacks: 0,
      claims: 0,
      fbsOrders: 2,
      article: (i) => `SKU-${i}`,
    }),
    limits: { statistics: { intervalMs: 50, burst: 5 } },
  });
  const closers: (() => Promise<void>)[] = [];
  let hub: Hub;
  const ids = { allegro: 0, ozon: 0, wildberries: 0, crm: 0 };

  beforeAll(async () => {
    bitrix = createBitrix24Simulator();
    portal = bitrix.state.addPortal({ name: 'shop.bitrix24.ru' });
    allegro = createAllegroSimulator({ rateLimit: null });
    const wix = createWixSimulator({ rateLimit: null });
    const servers = [
      await bitrix.listen(),
      await allegro.listen(),
      await wix.listen(),
      await ozon.listen(),
      await wb.listen(),
    ];
    closers.push(...servers.map((s) => s.close));
    hub = channelsHub(t.database);
    const seeded = await seedAllegroAndWix(
      hub,
      { allegro, allegroUrl: servers[1].url, wix, wixUrl: servers[2].url },
      { products: 10, stock: 100, sites: 1 },
    );
    ids.allegro = seeded.allegroId;
    ids.ozon = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon',
          baseUrl: servers[3].url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
        },
        'test',
      )
    ).id;
    ids.wildberries = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        { channel: 'wildberries', name: 'WB', baseUrl: servers[4].url, credentials: { token: wb.token } },
        'test',
      )
    ).id;
    ids.crm = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'bitrix24',
          name: 'Portal',
          baseUrl: servers[0].url,
          credentials: { webhookUrl: portal.webhookUrl(servers[0].url) },
          settings: { stageMap },
        },
        'test',
      )
    ).id;
    closers.unshift(
      startWorkers(hub, { types: CRM_TOPICS.map((topic) => `outbox:${topic}`), pollMs: 20, stopGraceMs: 0 }),
    );
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  interface OrderRow {
    id: number;
    channel: string;
    account_id: number;
    external_id: string;
    posting_number: string | null;
    status: string;
    currency: string;
    total_minor: number;
    crm_state: string;
    crm_id: string | null;
  }
  const orders = () =>
    rows<OrderRow>(
      hub.db,
      sql`select id, channel, account_id, external_id, posting_number, status, currency, total_minor, crm_state, crm_id from orders order by id`,
    );
  const allSent = () =>
    waitFor(
      'every order to be sent to the CRM',
      async () => {
        const list = await orders();
        return list.length > 0 && list.every((o) => o.crm_state === 'sent') ? list : null;
      },
      90_000,
    );
  const dealsByKey = () => {
    const by = new Map<string, number>();
    for (const d of portal.deals()) by.set(String(d.fields.ORIGIN_ID), (by.get(String(d.fields.ORIGIN_ID)) ?? 0) + 1);
    return by;
  };
  const decimal = (minor: number) => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

  test('an Allegro, an Ozon and a WB order each become one deal with the exact amount, both ids and the mapped stage', async () => {
    allegro.state.placeOrder({ lines: [{ offerId: [...allegro.state.offers.keys()][0], quantity: 2 }], paid: true });
    await runConnectorJob(hub, ids.allegro, 'order-events');
    await runConnectorJob(hub, ids.ozon, 'postings');
    await runConnectorJob(hub, ids.wildberries, 'sync');
    const sent = await allSent();
    expect(new Set(sent.map((o) => o.channel))).toEqual(new Set(['allegro', 'ozon', 'wildberries']));
    for (const o of sent) {
      const deal = portal.deal(Number(o.crm_id));
      expect(deal, `the deal of order ${o.id}`).toBeDefined();
      expect(deal!.fields).toMatchObject({
        ORIGIN_ID: orderKey(o),
        ORIGINATOR_ID: 'sklad',
        CURRENCY_ID: o.currency,
        STAGE_ID: stageMap[o.status as keyof typeof stageMap],
      });
      expect(String(deal!.fields.OPPORTUNITY)).toBe(decimal(o.total_minor));
      expect(String(deal!.fields.TITLE)).toContain(o.posting_number ?? o.external_id);
    }
    expect([...dealsByKey().values()].every((n) => n === 1)).toBe(true);
    expect(portal.deals().length).toBe(sent.length);
  });

  test('a status change on the channel moves the deal to the mapped stage', async () => {
    const [posting] = [...ozon.state.postings.values()].filter((p) => p.status !== 'cancelled');
    ozon.state.setPostingStatus(posting.postingNumber, 'cancelled', { cancelReason: 'buyer changed their mind' });
    await runConnectorJob(hub, ids.ozon, 'postings');
    const [order] = await rows<OrderRow>(
      hub.db,
      sql`select id, crm_id, status from orders where channel = 'ozon' and posting_number = ${posting.postingNumber}`,
    );
    expect(order.status).toBe('cancelled');
    await waitFor(
      'the deal to be in the cancelled stage',
      () => portal.deal(Number(order.crm_id))?.fields.STAGE_ID === 'LOSE',
    );
    expect([...dealsByKey().values()].every((n) => n === 1)).toBe(true);
  });

  test('30 % faults (503 bucket, 5xx, time-outs): every order sent exactly once, no second deal', async () => {
    bitrix.faults.set({ rate: 0.3, kinds: ['503', '500', '502', 'timeout'], slowMs: 800 });
    // And surely one of each, whatever the draw.
    for (const kind of ['503', '500', 'timeout'] as const) bitrix.faults.next(kind, 1);
    const before = (await orders()).filter((o) => o.channel === 'ozon').length;
    for (let i = 0; i < 12; i++)
      ozon.state.addPosting({
        warehouseId: ozon.state.warehouses.find((w) => w.type === 'fbs')!.id,
        lines: [{ offerId: `SKU-${1 + (i % 10)}`, quantity: 1 }],
      });
    await runConnectorJob(hub, ids.ozon, 'postings');
    const sent = await allSent();
    bitrix.faults.set(null);
    expect(sent.filter((o) => o.channel === 'ozon').length).toBeGreaterThanOrEqual(before + 12);
    const keys = dealsByKey();
    for (const o of sent) expect(keys.get(orderKey(o)), `deals of ${orderKey(o)}`).toBe(1);
    expect(portal.deals().length).toBe(sent.length);
    // The faults were met (and retried past), not missed.
    expect(bitrix.log.filter((entry) => entry.fault).length).toBeGreaterThanOrEqual(3);
    // What Sklad sent and what the simulator answered, against the digest (faults injected on purpose aside).
    const problems = bitrix.log.filter((entry) => !entry.fault).flatMap((entry) => checkBitrixAnswer(entry));
    expect(problems).toEqual([]);
  });

  test('a backlog of orders stored before the CRM existed goes out in batches of 50 deals a request', async () => {
    // Forget every deal: as if the portal had been connected after the orders were stored.
    for (const d of portal.deals()) portal.deleteDeal(d.id);
    await hub.db.execute(sql`update orders set crm_state = 'not_sent', crm_id = null, crm_requested_at = null`);
    bitrix.resetLog();
    const { queued } = await exportBacklog(hub, 'test');
    const sent = await allSent();
    expect(queued).toBe(sent.length);
    expect(portal.deals().length).toBe(sent.length);
    // No order of the backlog was ever exported before, so no lookup is needed: one batch request per 50 deals.
    expect(bitrix.log.filter((e) => e.path.endsWith('/crm.deal.list')).length).toBe(0);
    expect(bitrix.log.filter((e) => e.path.endsWith('/batch')).length).toBe(Math.ceil(sent.length / 50));
  });
});
