import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAllegroSimulator } from '../../simulators/allegro/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { checkWbLog } from '../../simulators/wildberries/contract.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../simulators/wildberries/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { connectorContextFor } from '../channels/core/context.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { allegroContractCheck } from '../channels/allegro/testing.ts';
import { rows } from '../db/database.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { checkLog, loadSpec } from '../test/openapi-contract.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { orderActionKit } from './action-test-kit.ts';
import { upsertOrder } from './service.ts';

/**
 * A seller's order actions (issue 20, docs/decisions/192) against the Ozon and Allegro
 * simulators: each queued through the outbox, sent as the channel's spec describes, the order's
 * status and stock following the channel's yes, the channel's no kept with its reason, each in
 * `operations`; a channel without the action, or an order in a status that does not allow it, is a 409.
 */

describeEachDatabase('order actions', (t) => {
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 5, fboWarehouses: 1, postings: 0, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });
  const allegro = createAllegroSimulator({ rateLimit: null });
  const wb = createWildberriesSimulator({
    state: seedWildberries(new WbState(), {
      cards: 5,
      orderRows: 0,
      feedbacks: 0,
      claims: 0,
      fbsOrders: 0,
      article: (i) => `SKU-${i}`,
    }),
  });
  let server: TestServer;
  let stop: () => Promise<void>;
  let closeSims: (() => Promise<void>)[] = [];
  let warehouseId: number;
  let ozonId: number;
  let allegroId: number;
  let wixId: number;
  let wbId: number;

  beforeAll(async () => {
    const [o, a, w] = [await ozon.listen(), await allegro.listen(), await wb.listen()];
    closeSims = [o.close, a.close, w.close];
    server = await startTestServer(t.database);
    const hub = server.hub;
    ({ warehouseId } = await seedCatalog(hub.db, { count: 5, stock: () => 20 }));
    ozonId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon actions',
          baseUrl: o.url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
          settings: { stockWarehouseId: warehouseId },
        },
        'test',
      )
    ).id;
    const client = allegro.state.addClient();
    allegroId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'allegro',
          name: 'Allegro actions',
          baseUrl: a.url,
          settings: { warehouseId, requestsPerSecond: 500, maxConcurrent: 4 },
          credentials: {
            clientId: client.id,
            clientSecret: client.secret,
            refreshToken: allegro.state.issueRefreshToken(client.id),
          },
        },
        'test',
      )
    ).id;
    wbId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wildberries',
          name: 'WB actions',
          baseUrl: w.url,
          credentials: { token: wb.token },
          settings: { stockWarehouseId: warehouseId },
        },
        'test',
      )
    ).id;
    wixId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wix',
          name: 'Wix actions',
          baseUrl: 'http://127.0.0.1:9',
          credentials: { apiKey: 'wix-key-'.padEnd(30, 'x'), siteId: '6f1c2b7e-3a4d-4c5e-9f80-1a2b3c4d5e6f' },
        },
        'test',
      )
    ).id;
    stop = startWorkers(hub, { concurrency: 2, pollMs: 20, types: ['outbox:order.action'] });
  });
  afterAll(async () => {
    await stop?.();
    await server?.close();
    for (const close of closeSims) await close();
  });

  const { pulled, order, act, settled, onHand, operations } = orderActionKit(
    () => server,
    () => warehouseId,
  );

  test('Ozon: confirm assembles the posting, ship sets the tracking number and delivering, each through the outbox and logged', async () => {
    const posting = ozon.state.addPosting({
      warehouseId: ozon.state.warehouses.find((w) => w.type === 'fbs')!.id,
      lines: [{ offerId: 'SKU-2', quantity: 2 }],
    });
    const id = await pulled(ozonId, posting.postingNumber);
    const before = await order(id);
    expect(before).toMatchObject({ status: 'new', available_actions: ['confirm', 'ship', 'cancel'] });
    expect(before.movements).toEqual([expect.objectContaining({ type: 'sale', sku: 'SKU-2', quantity: -2 })]);

    const queued = await act(id, 'confirm');
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ action: 'confirm', state: 'queued', actor: 'test-admin' });
    const confirmed = await settled(id);
    expect(confirmed).toMatchObject({
      status: 'confirmed',
      channel_status: 'awaiting_deliver',
      available_actions: ['ship', 'cancel'],
    });
    expect(confirmed.actions[0]).toMatchObject({ state: 'done', channel_status: 'awaiting_deliver' });
    expect(posting.status).toBe('awaiting_deliver');

    expect((await act(id, 'ship', {})).status).toBe(400); // a shipment needs its tracking number
    expect((await act(id, 'ship', { tracking_number: 'TRK-OZ-1' })).status).toBe(202);
    const shipped = await settled(id);
    expect(shipped).toMatchObject({ status: 'shipped', channel_status: 'delivering', available_actions: [] });
    expect(posting).toMatchObject({ status: 'delivering', trackingNumber: 'TRK-OZ-1' });
    expect((await act(id, 'cancel')).body.error).toMatchObject({
      code: 'ORDER_ACTION_NOT_NOW',
      details: { status: 'shipped' },
    });
    expect((await operations(id)).map((o) => `${o.action}:${o.changes.action.after.state}`)).toEqual([
      'confirm:queued',
      'confirm:done',
      'ship:queued',
      'ship:done',
    ]);
  });

  test('Ozon: cancel returns the stock the posting wrote off; a refusal is kept with its reason', async () => {
    const fbs = ozon.state.warehouses.find((w) => w.type === 'fbs')!.id;
    const posting = ozon.state.addPosting({ warehouseId: fbs, lines: [{ offerId: 'SKU-3', quantity: 3 }] });
    const before = await onHand('SKU-3');
    const id = await pulled(ozonId, posting.postingNumber);
    expect(await onHand('SKU-3')).toBe(before - 3);
    expect((await act(id, 'cancel', { reason: 'Out of stock' })).status).toBe(202);
    const cancelled = await settled(id);
    expect(cancelled).toMatchObject({ status: 'cancelled', channel_status: 'cancelled' });
    expect(posting).toMatchObject({ status: 'cancelled', cancelReason: 'Out of stock' });
    expect(await onHand('SKU-3')).toBe(before);
    expect(cancelled.movements.map((m: { type: string; quantity: number }) => `${m.type}:${m.quantity}`)).toEqual([
      'sale:-3',
      'return:3',
    ]);

    // Ozon delivered it meanwhile: Sklad still says new, Ozon says no.
    const late = ozon.state.addPosting({ warehouseId: fbs, lines: [{ offerId: 'SKU-4', quantity: 1 }] });
    const lateId = await pulled(ozonId, late.postingNumber);
    ozon.state.setPostingStatus(late.postingNumber, 'delivering');
    expect((await act(lateId, 'cancel')).status).toBe(202);
    const refused = await settled(lateId);
    expect(refused).toMatchObject({ status: 'new', available_actions: ['confirm', 'ship', 'cancel'] });
    expect(refused.actions[0]).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('cannot be cancelled'),
    });

    const spec = await loadSpec('ozon/swagger.json');
    const sent = ozon.log.filter((e) => !e.path.startsWith('/__sim/'));
    expect(sent.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        '/v4/posting/fbs/ship',
        '/v2/fbs/posting/tracking-number/set',
        '/v2/fbs/posting/delivering',
        '/v2/posting/fbs/cancel',
      ]),
    );
    expect(checkLog(spec, sent)).toEqual([]);
  });

  test('Allegro: confirm, ship with a tracking number and cancel set the seller status, as the spec says', async () => {
    const offer = allegro.state.addOffer({ name: 'Product SKU-1', externalId: 'SKU-1', available: 10 });
    const first = allegro.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 1 }], paid: false });
    const id = await pulled(allegroId, first.id);
    expect(await order(id)).toMatchObject({ status: 'new', available_actions: ['confirm', 'ship', 'cancel'] });
    expect((await act(id, 'confirm')).status).toBe(202);
    const confirmed = await settled(id);
    expect(confirmed.actions[0]).toMatchObject({ state: 'done', error: null });
    expect(confirmed).toMatchObject({ status: 'confirmed', channel_status: 'PROCESSING' });
    expect(first.fulfillment).toBe('PROCESSING');
    expect((await act(id, 'ship', { tracking_number: 'AD-1239134', carrier: 'InPost' })).status).toBe(202);
    expect(await settled(id)).toMatchObject({ status: 'shipped', channel_status: 'SENT' });
    expect(first).toMatchObject({
      fulfillment: 'SENT',
      shipments: [expect.objectContaining({ waybill: 'AD-1239134', carrierId: 'OTHER', carrierName: 'InPost' })],
    });

    const second = allegro.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 2 }], paid: true });
    const secondId = await pulled(allegroId, second.id);
    const before = await onHand('SKU-1');
    expect((await act(secondId, 'cancel')).status).toBe(202);
    expect(await settled(secondId)).toMatchObject({ status: 'cancelled', channel_status: 'CANCELLED' });
    expect(second.fulfillment).toBe('CANCELLED');
    expect(await onHand('SKU-1')).toBe(before + 2);

    // The buyer cancelled meanwhile: Allegro refuses to ship it, and the refusal is kept.
    const third = allegro.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 1 }], paid: true });
    const thirdId = await pulled(allegroId, third.id);
    allegro.state.cancelOrder(third.id);
    expect((await act(thirdId, 'ship', { tracking_number: 'AD-2' })).status).toBe(202);
    expect((await settled(thirdId)).actions[0]).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('HTTP 422'),
    });
    expect(await order(thirdId)).toMatchObject({ status: 'confirmed', available_actions: ['ship', 'cancel'] });

    const check = await allegroContractCheck(allegro.log);
    expect(check.problems).toEqual([]);
    expect(check.kinds).toEqual(
      expect.arrayContaining([
        'PUT /order/checkout-forms/{id}/fulfillment',
        'POST /order/checkout-forms/{id}/shipments',
        'GET /order/checkout-forms/{id}/shipments',
      ]),
    );
  });

  test('Wildberries: an FBS assembly task is cancelled (stock returned); a task WB has handed over is refused with its words; only cancel is offered', async () => {
    const wbOrder = async (article: string, hoursAgo = 1) => {
      const task = wb.state.addFbsOrder({ article, at: Date.now() - hoursAgo * 3_600_000 });
      const ctx = await connectorContextFor(server.hub, wbId);
      const { connector } = (await import('../channels/core/module.ts')).requireModule('wildberries');
      const now = new Date();
      for await (const page of connector.listOrders!(ctx, {
        from: new Date(now.getTime() - 86_400_000).toISOString(),
        to: now.toISOString(),
      })) {
        const fact = page.find((f) => f.postingNumber === String(task.id));
        if (fact) return { task, id: (await ctx.ingest.orders([fact]))[0].orderId };
      }
      throw new Error(`WB listed no task ${task.id}`);
    };
    const { task, id } = await wbOrder('SKU-1');
    const before = await onHand('SKU-1');
    expect(await order(id)).toMatchObject({ status: 'new', available_actions: ['cancel'] });
    expect((await act(id, 'confirm')).body.error).toMatchObject({
      code: 'ORDER_ACTION_UNSUPPORTED',
      details: { action: 'confirm' },
    });
    expect((await act(id, 'cancel')).status).toBe(202);
    expect(await settled(id)).toMatchObject({ status: 'cancelled', channel_status: 'cancel', available_actions: [] });
    expect(wb.state.fbsOrders.get(task.id)).toMatchObject({ supplierStatus: 'cancel' });
    expect(await onHand('SKU-1')).toBe(before + 1);

    // WB took the parcel meanwhile: its 409 is kept as the action's reason.
    const late = await wbOrder('SKU-2', 2);
    wb.state.setFbsStatus(late.task.id, 'complete', 'sold');
    expect((await act(late.id, 'cancel')).status).toBe(202);
    expect((await settled(late.id)).actions[0]).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('HTTP 409'),
    });
    expect(await order(late.id)).toMatchObject({ status: 'new' });

    // An order from the statistics reports (no assembly task) takes no action.
    const { orderId: reported } = await server.hub.db.transaction((tx) =>
      upsertOrder(
        tx,
        {
          accountId: wbId,
          channel: 'wildberries',
          externalId: 'srid-report-1',
          status: 'new',
          orderedAt: new Date().toISOString(),
          currency: 'RUB',
          totalMinor: 1000,
          lines: [{ productId: null, sku: 'SKU-3', name: 'Product 3', quantity: 1, priceMinor: 1000 }],
        },
        'test',
      ),
    );
    expect((await order(reported)).available_actions).toEqual([]);
    expect((await act(reported, 'cancel')).body.error).toMatchObject({ code: 'ORDER_ACTION_UNSUPPORTED' });
    expect(wb.log.map((e) => `${e.method} ${e.path}`)).toEqual(
      expect.arrayContaining([`PATCH /api/v3/orders/${task.id}/cancel`]),
    );
    expect(await checkWbLog(wb.log)).toEqual([]);
  });

  test('409 where the channel has no such action, 404 for no order, 400 for an unknown action', async () => {
    const { orderId } = await server.hub.db.transaction((tx) =>
      upsertOrder(
        tx,
        {
          accountId: wixId,
          channel: 'wix',
          externalId: 'wix-order-1',
          status: 'new',
          orderedAt: new Date().toISOString(),
          currency: 'EUR',
          totalMinor: 1000,
          lines: [{ productId: null, sku: 'SKU-5', name: 'Product 5', quantity: 1, priceMinor: 1000 }],
        },
        'test',
      ),
    );
    expect((await order(orderId)).available_actions).toEqual([]);
    for (const action of ['confirm', 'ship', 'cancel']) {
      const refused = await act(orderId, action, action === 'ship' ? { tracking_number: 'T-1' } : undefined);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'ORDER_ACTION_UNSUPPORTED', details: { action } });
    }
    expect((await act(987_654, 'cancel')).status).toBe(404);

    // One action of an order waits at a time (a request whose message the workers have not taken yet).
    const posting = ozon.state.addPosting({
      warehouseId: ozon.state.warehouses.find((w) => w.type === 'fbs')!.id,
      lines: [{ offerId: 'SKU-5', quantity: 1 }],
    });
    const ozonOrder = await pulled(ozonId, posting.postingNumber);
    await server.hub.db.execute(
      sql`insert into order_actions (order_id, action, actor) values (${ozonOrder}, 'confirm', 'test')`,
    );
    expect((await order(ozonOrder)).available_actions).toEqual([]);
    expect((await act(ozonOrder, 'cancel')).body.error).toMatchObject({
      code: 'ORDER_ACTION_NOT_NOW',
      details: { pending: true },
    });
    expect((await act(orderId, 'refund')).status).toBe(400);
    expect((await rows(server.hub.db, sql`select 1 from order_actions where order_id = ${orderId}`)).length).toBe(0);
  });
});
