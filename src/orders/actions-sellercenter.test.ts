import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLamodaSimulator } from '../../simulators/lamoda/index.ts';
import { createNamshiSimulator } from '../../simulators/namshi/index.ts';
import {
  checkExchange,
  type SellerCenterSeller,
  type SellerCenterSimulator,
} from '../../simulators/sellercenter/index.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { orderActionKit } from './action-test-kit.ts';

/**
 * A seller's order actions on Lamoda and Namshi (docs/decisions/192; SellerCenter CONTRACT.md
 * §4) against their simulators: each queued through the outbox and delivered by the worker as
 * SellerCenter's item status changes (PackedByMarketplace, ReadyToShip with the tracking
 * number and carrier, Canceled with a GetFailureReasons reason), the order's status and stock
 * following SellerCenter's yes, items already where an action leads skipped (a repeat after a
 * lost answer), SellerCenter's refusal kept with its ErrorMessage, and every request signed and
 * shaped as the contract says.
 */

const credentials = { userId: 'actions@sklad.example', apiKey: 'sellercenter-actions-key-1' };

interface Case {
  title: string;
  channel: string;
  sim: SellerCenterSimulator & { addSeller(input: { userId: string; apiKey: string }): SellerCenterSeller };
  /** Lamoda answers a refusal with HTTP 200, Namshi with a 400 (the simulators' flavours). */
  refusal: RegExp;
}

describeEachDatabase('order actions on SellerCenter (Lamoda, Namshi)', (t) => {
  const cases: Case[] = [
    {
      title: 'Lamoda',
      channel: 'lamoda',
      sim: createLamodaSimulator({ rateLimit: null, shop: 'ru' }),
      refusal: /^Lamoda SetStatusToReadyToShip failed: E022: /,
    },
    {
      title: 'Namshi',
      channel: 'namshi',
      sim: createNamshiSimulator({ rateLimit: null }),
      refusal: /^Namshi SetStatusToReadyToShip failed \(HTTP 400\): E022: /,
    },
  ];
  const sellers = new Map<string, SellerCenterSeller>();
  const accounts = new Map<string, number>();
  let server: TestServer;
  let stop: () => Promise<void>;
  const closeSims: (() => Promise<void>)[] = [];
  let warehouseId: number;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const hub = server.hub;
    ({ warehouseId } = await seedCatalog(hub.db, { count: 5, stock: () => 50 }));
    for (const c of cases) {
      const listening = await c.sim.listen();
      closeSims.push(listening.close);
      const seller = c.sim.addSeller(credentials);
      for (let n = 1; n <= 5; n++)
        seller.addProduct({ sellerSku: `SKU-${n}`, name: `Product ${n}`, quantity: 50, price: '990.00' });
      sellers.set(c.channel, seller);
      const { id } = await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: c.channel,
          name: `${c.title} actions`,
          baseUrl: listening.url,
          credentials,
          settings: { stockWarehouseId: warehouseId },
        },
        'test',
      );
      accounts.set(c.channel, id);
    }
    stop = startWorkers(hub, { concurrency: 2, pollMs: 20, types: ['outbox:order.action'] });
  });
  afterAll(async () => {
    await stop?.();
    await server?.close();
    for (const close of closeSims) await close();
  });

  const kit = orderActionKit(
    () => server,
    () => warehouseId,
  );
  const { order, act, settled, onHand, operations } = kit;
  const pulled = (channel: string, number: string) => kit.pulled(accounts.get(channel)!, number);
  /** The write requests the simulator got since `from`: "Action [item ids]". */
  const writes = (c: Case, from: number) =>
    c.sim.log
      .slice(from)
      .filter((e) => e.method === 'POST')
      .map((e) => {
        const q = (name: string) => (e.query[name] as string[] | undefined)?.[0];
        return `${q('Action')} ${q('OrderItemIds') ?? q('OrderItemId')}`;
      });

  for (const c of cases) {
    test(`${c.title}: confirm packs every item, ship sends the tracking number and carrier, through the outbox and logged`, async () => {
      const seller = sellers.get(c.channel)!;
      const placed = seller.addOrder({
        lines: [
          { sku: 'SKU-1', quantity: 2 },
          { sku: 'SKU-2', quantity: 1 },
        ],
      });
      const ids = placed.items.map((i) => i.id);
      const id = await pulled(c.channel, placed.number);
      expect(await order(id)).toMatchObject({
        status: 'new',
        channel_status: 'pending',
        available_actions: ['confirm', 'ship', 'cancel'],
      });

      const from = c.sim.log.length;
      const queued = await act(id, 'confirm');
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ action: 'confirm', state: 'queued' });
      const confirmed = await settled(id);
      expect(confirmed).toMatchObject({
        status: 'confirmed',
        channel_status: 'packed',
        available_actions: ['ship', 'cancel'],
      });
      expect(confirmed.actions[0]).toMatchObject({ state: 'done', channel_status: 'packed', error: null });
      expect(placed.items.map((i) => i.status)).toEqual(['packed', 'packed', 'packed']);
      expect(writes(c, from)).toEqual([`SetStatusToPackedByMarketplace ${JSON.stringify(ids)}`]);

      const shipFrom = c.sim.log.length;
      expect((await act(id, 'ship', {})).status).toBe(400); // a shipment needs its tracking number
      expect((await act(id, 'ship', { tracking_number: 'LM-TRACK-1', carrier: 'Lamoda Express' })).status).toBe(202);
      const shipped = await settled(id);
      expect(shipped).toMatchObject({ status: 'shipped', channel_status: 'ready_to_ship', available_actions: [] });
      for (const item of placed.items)
        expect(item).toMatchObject({
          status: 'ready_to_ship',
          trackingCode: 'LM-TRACK-1',
          shipmentProvider: 'Lamoda Express',
        });
      expect(writes(c, shipFrom)).toEqual([`SetStatusToReadyToShip ${JSON.stringify(ids)}`]);
      const sent = c.sim.log.slice(shipFrom).find((e) => e.query.Action?.[0] === 'SetStatusToReadyToShip')!;
      expect(sent.query).toMatchObject({
        DeliveryType: ['dropship'],
        TrackingNumber: ['LM-TRACK-1'],
        ShippingProvider: ['Lamoda Express'],
      });
      expect((await operations(id)).map((o) => `${o.action}:${o.changes.action.after.state}`)).toEqual([
        'confirm:queued',
        'confirm:done',
        'ship:queued',
        'ship:done',
      ]);
    });

    test(`${c.title}: ship from new packs first; cancel uses a seller's reason of GetFailureReasons and returns the stock`, async () => {
      const seller = sellers.get(c.channel)!;
      const fresh = seller.addOrder({ lines: [{ sku: 'SKU-3', quantity: 1 }] });
      const freshId = await pulled(c.channel, fresh.number);
      const from = c.sim.log.length;
      expect((await act(freshId, 'ship', { tracking_number: 'TRK-NEW-1' })).status).toBe(202);
      expect(await settled(freshId)).toMatchObject({ status: 'shipped', channel_status: 'ready_to_ship' });
      const item = fresh.items[0].id;
      expect(writes(c, from)).toEqual([`SetStatusToPackedByMarketplace [${item}]`, `SetStatusToReadyToShip [${item}]`]);
      // No carrier given: no ShippingProvider sent.
      expect(c.sim.log.slice(from).every((e) => e.query.ShippingProvider === undefined)).toBe(true);
      expect(fresh.items[0]).toMatchObject({ status: 'ready_to_ship', trackingCode: 'TRK-NEW-1' });

      const placed = seller.addOrder({ lines: [{ sku: 'SKU-4', quantity: 2 }] });
      const before = await onHand('SKU-4');
      const id = await pulled(c.channel, placed.number);
      expect(await onHand('SKU-4')).toBe(before - 2);
      const cancelFrom = c.sim.log.length;
      expect((await act(id, 'cancel', { reason: 'Ran out of this colour' })).status).toBe(202);
      const cancelled = await settled(id);
      expect(cancelled).toMatchObject({ status: 'cancelled', channel_status: 'canceled', available_actions: [] });
      expect(cancelled.actions[0]).toMatchObject({ state: 'done', channel_status: 'canceled' });
      for (const i of placed.items)
        expect(i).toMatchObject({
          status: 'canceled',
          reason: "Sourcing team couldn't find items",
          reasonDetail: 'Ran out of this colour',
        });
      expect(writes(c, cancelFrom)).toEqual(placed.items.map((i) => `SetStatusToCanceled ${i.id}`));
      expect(c.sim.log.slice(cancelFrom).map((e) => `${e.method} ${e.query.Action?.[0]}`)).toContain(
        'GET GetFailureReasons',
      );
      expect(await onHand('SKU-4')).toBe(before);
    });

    test(`${c.title}: a repeat after a lost answer skips the items already changed`, async () => {
      const seller = sellers.get(c.channel)!;
      // The first attempt went through but its answer was lost: the items are where it left them.
      const packed = seller.addOrder({ lines: [{ sku: 'SKU-5', quantity: 2 }] });
      const packedId = await pulled(c.channel, packed.number);
      seller.setItemStatus(packed.id, 'packed');
      const from = c.sim.log.length;
      expect((await act(packedId, 'confirm')).status).toBe(202);
      expect(await settled(packedId)).toMatchObject({ status: 'confirmed', channel_status: 'packed' });
      expect(writes(c, from)).toEqual([]);

      const halfway = seller.addOrder({ lines: [{ sku: 'SKU-5', quantity: 2 }] });
      const halfwayId = await pulled(c.channel, halfway.number);
      seller.setItemStatus(halfway.id, 'canceled', {
        itemIds: [halfway.items[0].id],
        reason: "Sourcing team couldn't find items",
      });
      const cancelFrom = c.sim.log.length;
      expect((await act(halfwayId, 'cancel')).status).toBe(202);
      expect(await settled(halfwayId)).toMatchObject({ status: 'cancelled', channel_status: 'canceled' });
      expect(writes(c, cancelFrom)).toEqual([`SetStatusToCanceled ${halfway.items[1].id}`]);
    });

    test(`${c.title}: SellerCenter's refusal is kept with its ErrorMessage; the order keeps its status`, async () => {
      const seller = sellers.get(c.channel)!;
      const placed = seller.addOrder({ lines: [{ sku: 'SKU-2', quantity: 1 }] });
      const id = await pulled(c.channel, placed.number);
      // The buyer cancelled meanwhile: Sklad still says new, SellerCenter refuses to ship it.
      seller.cancelOrder(placed.id);
      expect((await act(id, 'ship', { tracking_number: 'TRK-LATE-1' })).status).toBe(202);
      const refused = await settled(id);
      expect(refused.actions[0]).toMatchObject({
        state: 'failed',
        error: expect.stringMatching(c.refusal),
      });
      expect(refused.actions[0].error).toContain(
        `E022: Order item ${placed.items[0].id} is canceled: it must be pending or packed`,
      );
      expect(refused).toMatchObject({ status: 'new', available_actions: ['confirm', 'ship', 'cancel'] });
      expect((await operations(id)).map((o) => `${o.action}:${o.changes.action.after.state}`)).toEqual([
        'ship:queued',
        'ship:failed',
      ]);
    });

    test(`${c.title}: every request was signed and shaped as the contract says`, () => {
      const keys = new Map([[credentials.userId, credentials.apiKey]]);
      const kinds = new Set(c.sim.log.map((e) => `${e.method} ${e.query.Action?.[0]}`));
      expect([...kinds].sort()).toEqual([
        'GET GetFailureReasons',
        'GET GetMultipleOrderItems',
        'GET GetOrder',
        'GET GetOrderItems',
        'GET GetOrders',
        'POST SetStatusToCanceled',
        'POST SetStatusToPackedByMarketplace',
        'POST SetStatusToReadyToShip',
      ]);
      expect(c.sim.log.flatMap((e) => checkExchange(e, keys))).toEqual([]);
    });
  }
});
