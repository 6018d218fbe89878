import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBitrix24Simulator, type BitrixPortal } from '../../simulators/bitrix24/index.ts';
import { createNamshiSimulator } from '../../simulators/namshi/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import type { SellerCenterSeller } from '../../simulators/sellercenter/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { CRM_TOPICS, orderKey } from '../crm/flow.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';

/**
 * The support tools of seed 004 through the API, against the Namshi and Bitrix24 simulators:
 * find an order by any of its ids, its trace, re-export it (no second deal), re-send its status
 * (Namshi then asks for the warehouse comment: appendcomment), re-import one the channel has and
 * Sklad does not (Namshi's notifyOrder), and the clear refusals: unknown ids 404, an action a
 * channel cannot do 409. Each action is in `operations` with the actor.
 */
describeEachDatabase('support tools (API)', (t) => {
  const namshi = createNamshiSimulator({ rateLimit: null });
  const bitrix = createBitrix24Simulator();
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 3, fboWarehouses: 1, postings: 0, offerId: (i) => `SKU-${i}` }),
  });
  let portal: BitrixPortal;
  let seller: SellerCenterSeller;
  let server: TestServer;
  const closers: (() => Promise<void>)[] = [];
  const ids = { namshi: 0, crm: 0, ozon: 0 };
  let first: { number: string; id: number };

  beforeAll(async () => {
    seller = namshi.addSeller({ userId: 'support@namshi.example', apiKey: 'namshi-support-key-0001' });
    for (let n = 1; n <= 3; n++)
      seller.addProduct({ sellerSku: `SKU-${n}`, name: `Product ${n}`, quantity: 0, price: '99.50' });
    portal = bitrix.state.addPortal({ name: 'support.bitrix24.ru', currencies: ['RUB', 'AED'] });
    const [namshiServer, bitrixServer, ozonServer] = [
      await namshi.listen(),
      await bitrix.listen(),
      await ozon.listen(),
    ];
    closers.push(namshiServer.close, bitrixServer.close, ozonServer.close);
    server = await startTestServer(t.database);
    closers.unshift(server.close);
    const hub = server.hub;
    const { warehouseId } = await seedCatalog(hub.db, { count: 3, stock: () => 20, warehouseCode: 'DXB' });
    ids.namshi = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'namshi',
          name: 'Namshi',
          baseUrl: namshiServer.url,
          credentials: { userId: 'support@namshi.example', apiKey: 'namshi-support-key-0001' },
          settings: { stockWarehouseId: warehouseId },
        },
        'test',
      )
    ).id;
    ids.ozon = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon',
          baseUrl: ozonServer.url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
        },
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
          baseUrl: bitrixServer.url,
          credentials: { webhookUrl: portal.webhookUrl(bitrixServer.url) },
        },
        'test',
      )
    ).id;
    const order = seller.addOrder({ lines: [{ sku: 'SKU-1', quantity: 2 }] });
    first = { number: order.number, id: order.id };
    await runConnectorJob(hub, ids.namshi, 'orders');
    closers.unshift(
      startWorkers(hub, { types: CRM_TOPICS.map((topic) => `outbox:${topic}`), pollMs: 20, stopGraceMs: 0 }),
    );
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  const orderOf = async (externalId: string) =>
    (
      await rows<{
        id: number;
        crm_state: string;
        crm_id: string | null;
        channel: string;
        account_id: number;
        external_id: string;
      }>(
        server.hub.db,
        sql`select id, crm_state, crm_id, channel, account_id, external_id from orders where external_id = ${externalId}`,
      )
    )[0];
  const sent = (externalId: string) =>
    waitFor(`order ${externalId} in the CRM`, async () =>
      (await orderOf(externalId))?.crm_state === 'sent' ? orderOf(externalId) : null,
    );

  test('an order is found by any of its ids, and its trace shows every hop, its outbox events and the CRM exchange', async () => {
    const order = await sent(first.number);
    for (const q of [first.number, String(order.id), order.crm_id!]) {
      const found = await server.api(`/api/v1/support/orders?q=${encodeURIComponent(q)}`);
      expect(found.status, q).toBe(200);
      expect(found.body.items.map((o: { id: number }) => o.id)).toEqual([order.id]);
    }
    const missing = await server.api('/api/v1/support/orders?q=NO-SUCH-9');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('NO-SUCH-9');

    const trace = await server.api(`/api/v1/orders/${order.id}/trace`);
    expect(trace.status).toBe(200);
    expect(trace.body.hops.map((h: { hop: string; state: string }) => [h.hop, h.state])).toEqual([
      ['channel', 'ok'],
      ['sklad', 'ok'],
      ['crm', 'ok'],
    ]);
    expect(trace.body.hops[2].detail.deal_id).toBe(order.crm_id);
    expect(trace.body.events.map((e: { name: string; state: string }) => [e.name, e.state])).toEqual([
      [`order.created:${order.id}`, 'done'],
    ]);
    // The webhook's code is cut out of the logged URL: .../rest/1/***/batch.
    const crmCall = trace.body.calls.find((c: { url: string }) => c.url.endsWith('batch'));
    expect(decodeURIComponent(crmCall.request_body)).toContain(orderKey(order));
    // The webhook's code is a secret: never in the URL or a body kept for the trace.
    expect(JSON.stringify(trace.body.calls)).not.toContain(portal.webhook.code);
    expect(trace.body.actions).toEqual({
      reimport: 'notifyOrder',
      reexport: true,
      change_status: true,
      append_comment: true,
    });
    expect((await server.api('/api/v1/orders/999999/trace')).status).toBe(404);
  });

  test('re-export by the posting number, then change_order_status and appendcomment: one deal, its comment names the warehouse', async () => {
    const order = await orderOf(first.number);
    const reexport = await server.api(`/api/v1/support/orders/${encodeURIComponent(first.number)}/re-export`, {
      method: 'POST',
    });
    expect(reexport.status).toBe(202);
    const status = await server.api(`/api/v1/support/orders/${order.id}/change-status`, { method: 'POST' });
    expect(status.status).toBe(202);
    expect(status.body).toMatchObject({ action: 'change_order_status', next: 'appendcomment' });
    await waitFor('the re-exports to be done', async () => {
      const pending = await rows(
        server.hub.db,
        sql`select 1 from outbox where topic = 'crm.export' and key = ${String(order.id)} and processed_at is null`,
      );
      return pending.length === 0;
    });
    expect(portal.deals().filter((d) => d.fields.ORIGIN_ID === orderKey(order))).toHaveLength(1);

    const comment = await server.api(`/api/v1/support/orders/${order.id}/comment`, { method: 'POST', json: {} });
    expect(comment.status).toBe(200);
    expect(comment.body.text).toContain('DXB');
    expect(portal.commentsOn(Number(order.crm_id)).map((c) => c.comment)).toEqual([comment.body.text]);
    const ops = await rows<{ action: string; actor: string }>(
      server.hub.db,
      sql`
      select action, actor from operations where entity_type = 'order' and entity_id = ${String(order.id)} order by id`,
    );
    expect(ops.map((o) => o.action)).toEqual(['re_export', 'change_order_status', 'appendcomment']);
    expect(ops.every((o) => o.actor === 'test-admin')).toBe(true);
  });

  test('notifyOrder re-imports an order the channel has and Sklad missed, and it reaches the CRM', async () => {
    const missed = seller.addOrder({ lines: [{ sku: 'SKU-2' }] });
    const imported = await server.api('/api/v1/support/reimport', {
      method: 'POST',
      json: { account_id: ids.namshi, number: missed.number },
    });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ action: 'notifyOrder', created: true });
    const order = await sent(missed.number);
    expect(order.id).toBe(imported.body.order_id);

    const absent = await server.api('/api/v1/support/reimport', {
      method: 'POST',
      json: { account_id: ids.namshi, number: '999999999' },
    });
    expect(absent.status).toBe(404);
    expect(absent.body.error.message).toContain('999999999');
    const cannot = await server.api('/api/v1/support/reimport', {
      method: 'POST',
      json: { account_id: ids.crm, number: '1' },
    });
    expect(cannot.status).toBe(409);
    expect(cannot.body.error.code).toBe('ORDER_ACTION_UNSUPPORTED');
    expect(
      (await server.api('/api/v1/support/reimport', { method: 'POST', json: { account_id: 424242, number: '1' } }))
        .status,
    ).toBe(404);
    expect(
      (await server.api('/api/v1/support/reimport', { method: 'POST', json: { account_id: ids.namshi } })).status,
    ).toBe(400);
  });

  test('upload_order fetches an Ozon posting by its number', async () => {
    const posting = ozon.state.addPosting({
      warehouseId: ozon.state.warehouses.find((w) => w.type === 'fbs')!.id,
      lines: [{ offerId: 'SKU-3', quantity: 1 }],
    });
    const imported = await server.api('/api/v1/support/reimport', {
      method: 'POST',
      json: { account_id: ids.ozon, number: posting.postingNumber },
    });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ action: 'upload_order', created: true });
    await sent(posting.postingNumber);
    const again = await server.api('/api/v1/support/reimport', {
      method: 'POST',
      json: { account_id: ids.ozon, number: posting.postingNumber },
    });
    expect(again.body).toMatchObject({ action: 'upload_order', created: false, order_id: imported.body.order_id });
    expect(portal.deals().filter((d) => String(d.fields.ORIGIN_ID).startsWith('ozon:'))).toHaveLength(1);
    const absent = await server.api('/api/v1/support/reimport', {
      method: 'POST',
      json: { account_id: ids.ozon, number: '0000-0000-1' },
    });
    expect(absent.status).toBe(404);
  });

  test('CRM links: a channel account is linked to a CRM account only, and unknown ids are named', async () => {
    const linked = await server.api(`/api/v1/crm/links/${ids.namshi}`, {
      method: 'PUT',
      json: { crm_account_id: ids.crm, stage_map: { new: 'NEW', cancelled: 'LOSE' } },
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({
      account_id: ids.namshi,
      crm_account_id: ids.crm,
      stage_map: { new: 'NEW', cancelled: 'LOSE' },
    });
    const notCrm = await server.api(`/api/v1/crm/links/${ids.crm}`, {
      method: 'PUT',
      json: { crm_account_id: ids.namshi },
    });
    expect(notCrm.status).toBe(409);
    expect(notCrm.body.error.code).toBe('NOT_A_CRM_ACCOUNT');
    expect(
      (await server.api(`/api/v1/crm/links/777777`, { method: 'PUT', json: { crm_account_id: ids.crm } })).status,
    ).toBe(404);
    const badStage = await server.api(`/api/v1/crm/links/${ids.namshi}`, {
      method: 'PUT',
      json: { crm_account_id: ids.crm, stage_map: { lost: 'X' } },
    });
    expect(badStage.status).toBe(400);
    expect(JSON.stringify(badStage.body)).toContain('stage_map');
    const readonly = await server.keyFor('readonly');
    expect(
      (await server.api(`/api/v1/support/orders/${first.number}/re-export`, { method: 'POST', key: readonly })).status,
    ).toBe(403);
  });
});
