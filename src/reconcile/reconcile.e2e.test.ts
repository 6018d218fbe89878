import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBitrix24Simulator, type BitrixPortal } from '../../simulators/bitrix24/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { CRM_TOPICS, orderKey } from '../crm/flow.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { applyFix } from './findings.ts';
import { reconcileOrders } from './run.ts';

/**
 * The reconciler against the Ozon and Bitrix24 simulators over real HTTP: a run with nothing
 * differing writes nothing; a posting Sklad's pull missed is found and re-imported, a deal
 * deleted in the portal is found and re-exported (both as the reconciler, in operations); a
 * line or a deal amount seeded to differ is found (and the deal fixed by a click); a
 * status changed on Ozon is a finding that waits, and closes once the pull fixed it; a run
 * whose Ozon list fails is partial and closes nothing it could not check. Then the API.
 */

const stageMap = {
  new: 'NEW',
  confirmed: 'PREPARATION',
  shipped: 'EXECUTING',
  delivered: 'WON',
  cancelled: 'LOSE',
  returned: 'LOSE',
};

describeEachDatabase('reconciliation: Ozon ↔ Sklad ↔ Bitrix24', (t) => {
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), {
      products: 4,
      fboWarehouses: 1,
      postings: 3,
      postingDays: 3,
      offerId: (i) => `SKU-${i}`,
    }),
  });
  const bitrix = createBitrix24Simulator();
  let portal: BitrixPortal;
  let server: TestServer;
  const closers: (() => Promise<void>)[] = [];
  const ids = { ozon: 0, crm: 0 };

  beforeAll(async () => {
    portal = bitrix.state.addPortal({ name: 'reconcile.bitrix24.ru' });
    const [ozonServer, bitrixServer] = [await ozon.listen(), await bitrix.listen()];
    closers.push(ozonServer.close, bitrixServer.close);
    server = await startTestServer(t.database);
    closers.unshift(server.close);
    const hub = server.hub;
    await seedCatalog(hub.db, { count: 4, stock: () => 50 });
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
          settings: { stageMap },
        },
        'test',
      )
    ).id;
    await runConnectorJob(hub, ids.ozon, 'postings');
    closers.unshift(
      startWorkers(hub, {
        types: [...CRM_TOPICS.map((topic) => `outbox:${topic}`), 'reconcile.account'],
        pollMs: 20,
        stopGraceMs: 0,
      }),
    );
    await allSent();
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  interface OrderRow {
    id: number;
    channel: string;
    account_id: number;
    external_id: string;
    status: string;
    crm_state: string;
    crm_id: string | null;
  }
  const orders = () =>
    rows<OrderRow>(
      server.hub.db,
      sql`select id, channel, account_id, external_id, status, crm_state, crm_id from orders order by id`,
    );
  const allSent = () =>
    waitFor('every order in the CRM', async () => {
      const list = await orders();
      return list.length > 0 && list.every((o) => o.crm_state === 'sent') ? list : null;
    });
  const findings = (state?: string) =>
    rows<{
      id: number;
      kind: string;
      key: string;
      state: string;
      fix: string | null;
      safe: boolean;
      order_id: number | null;
    }>(
      server.hub.db,
      sql`select id, kind, key, state, fix, safe, order_id from findings where ${state ?? null}::text is null or state = ${state ?? null} order by id`,
    );
  const fbs = () => ozon.state.warehouses.find((w) => w.type === 'fbs')!.id;
  // A run's window ends at its start, excluded: a posting of this very millisecond is the next run's.
  const aSecondAgo = () => new Date(Date.now() - 1000);

  test('a run with nothing differing writes no finding, and says what it read', async () => {
    const summary = await reconcileOrders(server.hub, ids.ozon);
    expect(summary).toMatchObject({ status: 'succeeded', found: 0, new: 0, problems: [] });
    expect(summary.read.channel).toBe(3);
    expect(summary.read.sklad).toBe(3);
    expect(summary.read.deals).toBe(3);
    expect(await findings()).toEqual([]);
    const [run] = await rows<{ status: string; type: string; fetched: number; waited_ms: number }>(
      server.hub.db,
      sql`select status, type, fetched, waited_ms from sync_runs where id = ${summary.run_id}`,
    );
    expect(run).toEqual({ status: 'succeeded', type: 'reconcile.account', fetched: 3, waited_ms: summary.waited_ms });
  });

  test('a posting created while the pull is off is found and re-imported by the reconciler; the next run closes it', async () => {
    const posting = ozon.state.addPosting({
      warehouseId: fbs(),
      lines: [{ offerId: 'SKU-2', quantity: 1 }],
      at: aSecondAgo(),
    });
    const summary = await reconcileOrders(server.hub, ids.ozon);
    expect(summary).toMatchObject({ status: 'succeeded', found: 1, new: 1, fixed: 1 });
    const [found] = await findings();
    expect(found).toMatchObject({
      kind: 'missing_in_sklad',
      key: posting.postingNumber,
      state: 'fixed',
      fix: 'reimport',
      safe: true,
    });
    const [order] = await rows<{ id: number }>(
      server.hub.db,
      sql`select id from orders where external_id = ${posting.postingNumber}`,
    );
    expect(order).toBeDefined();
    const ops = await rows<{ action: string; actor: string }>(
      server.hub.db,
      sql`select action, actor from operations where entity_type = 'order' and entity_id = ${String(order.id)}`,
    );
    expect(ops).toEqual([{ action: 'upload_order', actor: 'reconciler' }]);
    await allSent();
    const again = await reconcileOrders(server.hub, ids.ozon);
    expect(again).toMatchObject({ status: 'succeeded', found: 0, closed: 1 });
    expect(await findings('closed')).toHaveLength(1);
  });

  test('a deal deleted in the portal is found and re-exported: the order has its deal again', async () => {
    const [order] = await orders();
    const key = orderKey(order);
    expect(portal.deleteDeal(Number(order.crm_id))).toBe(true);
    const summary = await reconcileOrders(server.hub, ids.ozon);
    expect(summary).toMatchObject({ status: 'succeeded', found: 1, fixed: 1 });
    expect((await findings('fixed')).map((f) => [f.kind, f.key, f.order_id])).toEqual([['no_deal', key, order.id]]);
    await waitFor('the deal made again', () => portal.deals().some((d) => d.fields.ORIGIN_ID === key));
    expect(portal.deals().filter((d) => d.fields.ORIGIN_ID === key)).toHaveLength(1);
    const ops = await rows<{ action: string; actor: string }>(
      server.hub.db,
      sql`select action, actor from operations where entity_type = 'order' and entity_id = ${String(order.id)}`,
    );
    expect(ops).toEqual([{ action: 're_export', actor: 'reconciler' }]);
    await allSent();
    expect(await reconcileOrders(server.hub, ids.ozon)).toMatchObject({ found: 0, closed: 1 });
  });

  test("a line differing from Ozon's and a deal amount differing from the order's total are found; the re-export fixes the deal, and both close", async () => {
    const [order] = await orders();
    const key = orderKey(order);
    const [line] = await rows<{ line_no: number; quantity: number }>(
      server.hub.db,
      sql`select line_no, quantity from order_lines where order_id = ${order.id} order by line_no limit 1`,
    );
    await server.hub.db.execute(
      sql`update order_lines set quantity = quantity + 1 where order_id = ${order.id} and line_no = ${line.line_no}`,
    );
    const deal = portal.deal(Number(order.crm_id))!;
    const amount = deal.fields.OPPORTUNITY;
    deal.fields.OPPORTUNITY = '1.00';

    const summary = await reconcileOrders(server.hub, ids.ozon);
    expect(summary).toMatchObject({ status: 'succeeded', found: 2, new: 2, fixed: 0 });
    const open = await rows<{ id: number; kind: string; key: string; fix: string; safe: boolean; detail: string }>(
      server.hub.db,
      sql`select id, kind, key, fix, safe, detail from findings where state = 'open' order by kind`,
    );
    expect(open.map((f) => [f.kind, f.key, f.fix, f.safe])).toEqual([
      ['deal_amount_differs', key, 're_export', false],
      ['lines_differ', order.external_id, 'reimport', false],
    ]);
    expect(open[0].detail).toContain('1.00');
    expect(open[1].detail).toMatch(new RegExp(`× ${line.quantity + 1} @`));

    // The click: the deal gets the order's total again; the line is put back as Ozon has it.
    await applyFix(server.hub, open[0].id, 'test');
    await waitFor("the deal's amount back", () => portal.deal(Number(order.crm_id))?.fields.OPPORTUNITY === amount);
    await allSent();
    await server.hub.db.execute(
      sql`update order_lines set quantity = ${line.quantity} where order_id = ${order.id} and line_no = ${line.line_no}`,
    );
    expect(await reconcileOrders(server.hub, ids.ozon)).toMatchObject({ status: 'succeeded', found: 0, closed: 2 });
  });

  test('a status changed on Ozon waits as a finding; a run under faults is partial and closes nothing; the pull fixes it and the next run closes it', async () => {
    const [order] = (await orders()).filter((o) => o.status !== 'cancelled');
    ozon.state.setPostingStatus(order.external_id, 'cancelled', { cancelReason: 'buyer changed their mind' });
    const summary = await reconcileOrders(server.hub, ids.ozon);
    expect(summary).toMatchObject({ status: 'succeeded', found: 1, fixed: 0 });
    const open = await findings('open');
    expect(open.map((f) => [f.kind, f.key, f.safe])).toEqual([['status_differs', order.external_id, false]]);

    ozon.faults.set({ rate: 1, kinds: ['500'] });
    const faulted = await reconcileOrders(server.hub, ids.ozon);
    ozon.faults.set(null);
    expect(faulted.status).toBe('partial');
    expect(faulted.problems.join(' ')).toContain('Ozon');
    expect(await findings('open')).toEqual(open);
    const [run] = await rows<{ status: string }>(
      server.hub.db,
      sql`select status from sync_runs where id = ${faulted.run_id}`,
    );
    expect(run.status).toBe('partial');

    await runConnectorJob(server.hub, ids.ozon, 'postings');
    await waitFor(
      'the deal in the cancelled stage',
      () => portal.deals().find((d) => d.fields.ORIGIN_ID === orderKey(order))?.fields.STAGE_ID === 'LOSE',
    );
    await allSent();
    expect(await reconcileOrders(server.hub, ids.ozon)).toMatchObject({ status: 'succeeded', found: 0, closed: 1 });
    expect(await findings('open')).toEqual([]);
  });

  test('the API: a run on demand, the findings, a fix, fix-all; a CRM account is not reconciled', async () => {
    const posting = ozon.state.addPosting({
      warehouseId: fbs(),
      lines: [{ offerId: 'SKU-3', quantity: 1 }],
      at: aSecondAgo(),
    });
    const started = await server.api(`/api/v1/reconcile/${ids.ozon}`, { method: 'POST' });
    expect(started.status).toBe(202);
    await waitFor('the run to be done', async () => {
      const [job] = await rows<{ status: string }>(
        server.hub.db,
        sql`select status from jobs where id = ${started.body.job_id}`,
      );
      return job?.status === 'succeeded';
    });
    const listed = await server.api(`/api/v1/findings?kind=missing_in_sklad&account_id=${ids.ozon}&state=fixed`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((f: { key: string }) => f.key)).toEqual([posting.postingNumber]);
    expect((await server.api('/api/v1/findings?kind=nonsense')).status).toBe(400);

    const fixed = await server.api(`/api/v1/findings/${listed.body.items[0].id}/fix`, { method: 'POST' });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ state: 'fixed', result: { action: 'upload_order', created: false } });
    const all = await server.api('/api/v1/findings/fix-all', {
      method: 'POST',
      json: { kind: 'no_deal', account_id: ids.ozon },
    });
    expect(all.body).toMatchObject({ kind: 'no_deal', fixed: 0, failed: [] });
    expect((await server.api('/api/v1/findings/999999/fix', { method: 'POST' })).status).toBe(404);
    const crm = await server.api(`/api/v1/reconcile/${ids.crm}`, { method: 'POST' });
    expect(crm.status).toBe(409);
    expect(crm.body.error.code).toBe('RECONCILE_UNSUPPORTED');
  });
});
