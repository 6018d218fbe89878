import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  checkKaspiAnswer,
  checkKaspiRequest,
  createKaspiSimulator,
  kaspiSchemas,
  loadKaspiContract,
} from '../../simulators/kaspi/index.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { orderActionKit } from './action-test-kit.ts';

/**
 * A seller's order actions on Kaspi (docs/decisions/192) against the Kaspi simulator over HTTP:
 * confirm and cancel queued through the outbox, sent as CONTRACT.md §5 describes (POST /orders,
 * a JSON:API document), the order's status and stock following Kaspi's yes, Kaspi's no kept in
 * its own words, a repeat after a lost answer finding the order changed already, and ship, which
 * Kaspi has not for Sklad (its completion takes the buyer's SMS code), a 409.
 */

describeEachDatabase('order actions on Kaspi', (t) => {
  const sim = createKaspiSimulator({ rateLimit: null });
  const shop = sim.state.addShop({ merchantId: '30222333', name: 'Kaspi actions shop' });
  let server: TestServer;
  let simServer: { url: string; close(): Promise<void> };
  let stop: () => Promise<void>;
  let warehouseId: number;
  let accountId: number;

  beforeAll(async () => {
    simServer = await sim.listen();
    server = await startTestServer(t.database);
    ({ warehouseId } = await seedCatalog(server.hub.db, { count: 5, skuPrefix: 'KSP-', stock: () => 20 }));
    accountId = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'kaspi',
          name: 'Kaspi actions',
          baseUrl: `${simServer.url}/shop/api/v2`,
          credentials: { token: shop.token },
          settings: { merchantId: shop.merchantId, stockWarehouseId: warehouseId, requestsPerSecond: 50 },
        },
        'test',
      )
    ).id;
    stop = startWorkers(server.hub, { concurrency: 2, pollMs: 20, types: ['outbox:order.action'] });
  });
  afterAll(async () => {
    await stop?.();
    await server?.close();
    await simServer?.close();
  });

  const kit = orderActionKit(
    () => server,
    () => warehouseId,
  );
  /** A buyer's order on Kaspi, pulled as the support tools' re-import does: the connector's fetchOrder, then core ingestion. */
  async function pulled(sku: string, quantity = 1) {
    const kaspi = shop.addOrder({ entries: [{ sku, price: 5000, quantity }], delivery: 'pickup' });
    return { kaspi, id: await kit.pulled(accountId, kaspi.code) };
  }
  const { order, act, settled, onHand, operations } = kit;
  type Posted = { data?: { id?: string; attributes?: Record<string, unknown> } } | null;
  /** The status changes (POST /orders) the simulator was sent for this Kaspi order. */
  const postsOf = (kaspiId: string) =>
    sim.log.filter((e) => e.method === 'POST' && (e.body as Posted)?.data?.id === kaspiId);
  const changesOf = (kaspiId: string) => postsOf(kaspiId).map((e) => (e.body as Posted)?.data?.attributes);

  test('confirm accepts the order (ACCEPTED_BY_MERCHANT); cancel sends a reason of §5 and returns the stock; no ship', async () => {
    const before = await onHand('KSP-1');
    const { kaspi, id } = await pulled('KSP-1', 2);
    expect(await onHand('KSP-1')).toBe(before - 2);
    expect(await order(id)).toMatchObject({ status: 'new', available_actions: ['confirm', 'cancel'] });

    const queued = await act(id, 'confirm');
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ action: 'confirm', state: 'queued' });
    const confirmed = await settled(id);
    expect(confirmed).toMatchObject({
      status: 'confirmed',
      channel_status: 'ACCEPTED_BY_MERCHANT',
      available_actions: ['cancel'],
    });
    expect(confirmed.actions[0]).toMatchObject({ state: 'done', channel_status: 'ACCEPTED_BY_MERCHANT', error: null });
    expect(kaspi).toMatchObject({ status: 'ACCEPTED_BY_MERCHANT', state: 'PICKUP' });

    // Kaspi's completion needs the buyer's security code: Sklad offers no shipment.
    const ship = await act(id, 'ship', { tracking_number: 'KZ-1' });
    expect(ship.status).toBe(409);
    expect(ship.body.error).toMatchObject({ code: 'ORDER_ACTION_UNSUPPORTED', details: { action: 'ship' } });

    // The seller's text names no reason of §5: MERCHANT_OUT_OF_STOCK, and the text stays in Sklad (§5 gives a comment for CANCELLING orders only).
    expect((await act(id, 'cancel', { reason: 'Закончился на складе' })).status).toBe(202);
    const cancelled = await settled(id);
    expect(cancelled).toMatchObject({ status: 'cancelled', channel_status: 'CANCELLED', available_actions: [] });
    expect(cancelled.actions[0]).toMatchObject({ state: 'done', input: { reason: 'Закончился на складе' } });
    expect(kaspi).toMatchObject({ status: 'CANCELLED', cancellationReason: 'MERCHANT_OUT_OF_STOCK' });
    expect(kaspi.cancellationComment).toBeUndefined();
    expect(await onHand('KSP-1')).toBe(before);
    expect(changesOf(kaspi.id)).toEqual([
      { code: kaspi.code, status: 'ACCEPTED_BY_MERCHANT' },
      { code: kaspi.code, status: 'CANCELLED', cancellationReason: 'MERCHANT_OUT_OF_STOCK' },
    ]);
    expect((await operations(id)).map((o) => `${o.action}:${o.changes.action.after.state}`)).toEqual([
      'confirm:queued',
      'confirm:done',
      'cancel:queued',
      'cancel:done',
    ]);
  });

  test('a reason the seller names exactly is the one Kaspi gets', async () => {
    const { kaspi, id } = await pulled('KSP-2');
    expect((await act(id, 'cancel', { reason: 'BUYER_NOT_REACHABLE: no answer by phone' })).status).toBe(202);
    expect(await settled(id)).toMatchObject({ status: 'cancelled', channel_status: 'CANCELLED' });
    expect(kaspi).toMatchObject({ status: 'CANCELLED', cancellationReason: 'BUYER_NOT_REACHABLE' });
    expect(changesOf(kaspi.id)).toEqual([
      { code: kaspi.code, status: 'CANCELLED', cancellationReason: 'BUYER_NOT_REACHABLE' },
    ]);
  });

  test('a repeat after a lost answer finds the order changed and sends nothing again', async () => {
    const { kaspi, id } = await pulled('KSP-3');
    sim.loseAnswers(1);
    expect((await act(id, 'confirm')).status).toBe(202);
    const confirmed = await settled(id);
    expect(confirmed).toMatchObject({ status: 'confirmed', channel_status: 'ACCEPTED_BY_MERCHANT' });
    expect(confirmed.actions[0]).toMatchObject({ state: 'done', error: null });
    // One change made, its answer lost (a 502), and the next attempt read the order's status first.
    expect(changesOf(kaspi.id)).toEqual([{ code: kaspi.code, status: 'ACCEPTED_BY_MERCHANT' }]);
    expect(postsOf(kaspi.id).map((e) => e.status)).toEqual([502]);

    // Kaspi cancelled it on its own meanwhile (Sklad has not pulled it yet): the seller's cancel is done, not sent.
    sim.state.shop(shop.merchantId).cancelOrder(kaspi.code, 'BUYER_CANCELLATION_BY_MERCHANT');
    expect((await act(id, 'cancel')).status).toBe(202);
    expect(await settled(id)).toMatchObject({ status: 'cancelled', channel_status: 'CANCELLED' });
    expect(changesOf(kaspi.id)).toHaveLength(1);
  });

  test('Kaspi’s refusal is kept in its own words; the order keeps its status', async () => {
    const { kaspi, id } = await pulled('KSP-4');
    // Kaspi completed it meanwhile (the buyer collected it with the code): it cannot be accepted or cancelled.
    shop.acceptOrder(kaspi.code);
    shop.setStatus(kaspi.code, 'COMPLETED');
    expect((await act(id, 'cancel', { reason: 'Передумал' })).status).toBe(202);
    const refused = await settled(id);
    expect(refused).toMatchObject({ status: 'new', available_actions: ['confirm', 'cancel'] });
    expect(refused.actions[0]).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/HTTP 400: Order \d+ cannot become CANCELLED: it is COMPLETED/),
    });
    expect((await operations(id)).at(-1)?.changes.action.after).toMatchObject({ state: 'failed' });

    expect((await act(id, 'confirm')).status).toBe(202);
    expect((await settled(id)).actions[0]).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('only APPROVED_BY_BANK orders are accepted'),
    });
  });

  test('the seller’s text goes as cancellationComment only to a CANCELLING order, which §5 does not let become CANCELLED', async () => {
    const { kaspi, id } = await pulled('KSP-5');
    shop.acceptOrder(kaspi.code);
    shop.setStatus(kaspi.code, 'CANCELLING');
    expect((await act(id, 'cancel', { reason: 'Покупатель отказался' })).status).toBe(202);
    expect((await settled(id)).actions[0]).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/Kaspi refused the status CANCELLED .*HTTP 400: .*it is CANCELLING/),
    });
    expect(changesOf(kaspi.id)).toEqual([
      {
        code: kaspi.code,
        status: 'CANCELLED',
        cancellationReason: 'MERCHANT_OUT_OF_STOCK',
        cancellationComment: 'Покупатель отказался',
      },
    ]);
    expect(kaspi.status).toBe('CANCELLING');
  });

  test('sent only requests Kaspi documents, and the simulator answered in the digest’s shapes', () => {
    const contract = loadKaspiContract();
    const schemas = kaspiSchemas(contract);
    const posts = sim.log.filter((e) => e.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(6);
    expect(posts.every((e) => e.headers['content-type']?.startsWith('application/vnd.api+json'))).toBe(true);
    expect(sim.log.flatMap((e) => checkKaspiRequest(e, contract, schemas))).toEqual([]);
    expect(sim.log.flatMap((e) => checkKaspiAnswer(e, contract, schemas))).toEqual([]);
    expect(
      new Set(sim.log.map((e) => `${e.method} ${e.path.replace(/orders\/[^/]+\/entries/, 'orders/{id}/entries')}`)),
    ).toEqual(new Set(['GET /shop/api/v2/orders', 'GET /shop/api/v2/orders/{id}/entries', 'POST /shop/api/v2/orders']));
  });
});
