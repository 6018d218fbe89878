import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAllegroSimulator, seedAllegro, type AllegroSimulator } from '../../../simulators/allegro/index.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { createAccount, getAccount, loadState, saveState } from '../core/accounts.ts';
import { CredentialsRejected, type SyncRunCounter } from '../core/connector.ts';
import { connectorContextFor, guardCredentials } from '../core/context.ts';
import { listListings } from '../core/listings.ts';
import { syncAccount } from '../core/sync.ts';
import { channelsHub, seedCatalog } from '../core/testing.ts';
import { assembleSklad } from '../../assembly.ts';
import { runConnectorJob } from '../core/jobs.ts';
import { listScheduleTargets } from '../../engine/schedules.ts';
import type { AllegroState } from './auth.ts';
import { allegroConnector } from './connector.ts';
import { allegroContractCheck } from './testing.ts';

/** Collects what a job run reports, as the engine's sync run would store it. */
function collectingRun(): SyncRunCounter & { counts: Record<string, number>; problems: string[] } {
  const counts: Record<string, number> = {};
  const problems: string[] = [];
  return {
    id: 0,
    counts,
    problems,
    add: (c) => {
      for (const [k, v] of Object.entries(c)) counts[k] = (counts[k] ?? 0) + (v ?? 0);
    },
    problem: (message) => void problems.push(message),
  };
}

describeEachDatabase('Allegro connector against the simulator', (t) => {
  let sim: AllegroSimulator;
  let server: { url: string; close(): Promise<void> };
  let hub: Hub;
  let accountId: number;
  let warehouseId: number;
  let productIds: number[];
  let client: { id: string; secret: string };

  const ean = (n: number) => String(5_900_000_000_000 + n);
  const orderEvents = allegroConnector.jobs!.find((j) => j.name === 'order-events')!;
  const runOrderEvents = async () => {
    const run = collectingRun();
    await orderEvents.run!(await connectorContextFor(hub, accountId), run);
    return run;
  };
  const level = async (productId: number) =>
    (
      await rows<{ on_hand: number }>(
        hub.db,
        sql`select on_hand from stock_levels where product_id = ${productId} and warehouse_id = ${warehouseId}`,
      )
    )[0]?.on_hand;

  beforeAll(async () => {
    sim = createAllegroSimulator({ rateLimit: null });
    client = sim.state.addClient();
    // 30 offers: SKU-1..30 by external.id, except every 10th which carries only its EAN.
    seedAllegro(sim.state, { offers: 30, eanOnlyEvery: 10, eanFor: ean, available: 0 });
    server = await sim.listen();
    hub = channelsHub(t.database);
    // Stock: 5 for every third product (a quantity-change command), n for the rest (PATCHes).
    const catalog = await seedCatalog(hub.db, { count: 30, stock: (n) => (n % 3 === 0 ? 5 : n), ean });
    warehouseId = catalog.warehouseId;
    productIds = catalog.productIds;
    const account = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'allegro',
        name: 'Allegro test',
        baseUrl: server.url,
        credentials: {
          clientId: client.id,
          clientSecret: client.secret,
          refreshToken: sim.state.issueRefreshToken(client.id),
        },
        settings: { requestsPerSecond: 500, maxConcurrent: 8 },
      },
      'test',
    );
    accountId = account.id;
  });
  afterAll(async () => server?.close());

  it('matches offers by external.id, then by EAN, and pushes quantities per offer and by one command', async () => {
    const summary = await syncAccount(hub, accountId);
    const listings = await listListings(hub.db, accountId, { limit: 100, offset: 0 });
    expect(listings.items.filter((l) => l.match_state === 'matched')).toHaveLength(30);
    expect(listings.items.filter((l) => l.matched_by === 'ean').map((l) => l.sku)).toEqual([null, null, null]);
    expect(summary.pushed).toBe(30);
    for (const [i, offer] of [...sim.state.offers.values()].entries())
      expect(offer.available).toBe((i + 1) % 3 === 0 ? 5 : i + 1);
    // The eleven offers taking 5 (every third, and SKU-5) went as one command, the other nineteen as PATCHes.
    expect(
      sim.log.filter((r) => r.method === 'PUT' && r.path.startsWith('/sale/offer-quantity-change-commands/')),
    ).toHaveLength(1);
    expect(sim.log.filter((r) => r.method === 'PATCH')).toHaveLength(19);
  });

  it('refreshes an expired access token once and carries on', async () => {
    sim.state.expireAccessTokens();
    const from = sim.log.length; // the log is kept whole for the contract check below
    const result = await allegroConnector.validate(await connectorContextFor(hub, accountId));
    expect(result).toEqual({ ok: true, details: '30 offers' });
    expect(sim.log.slice(from).map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([
      '401 GET /sale/offers',
      '200 POST /auth/oauth/token',
      '200 GET /sale/offers',
    ]);

    // Six requests meeting the same expired token at once: one refresh between them. The refresh
    // answers slowly, so a request that waited for its rate token still leaves with the old token.
    sim.state.expireAccessTokens();
    const start = sim.log.length;
    const ctx = await connectorContextFor(hub, accountId);
    sim.faults.set({ rate: 0, kinds: ['slow'], slowMs: 500 });
    sim.faults.next('slow', 1, ['/auth/oauth/token']);
    await Promise.all(Array.from({ length: 6 }, () => allegroConnector.validate(ctx))).finally(() =>
      sim.faults.set(null),
    );
    const calls = sim.log.slice(start);
    expect(calls.filter((r) => r.path === '/auth/oauth/token')).toHaveLength(1);
    expect(calls.filter((r) => r.status === 401)).toHaveLength(6);
    expect(calls.filter((r) => r.path === '/sale/offers' && r.status === 200)).toHaveLength(6);
  });

  it('imports a bought order once, writes its stock off once, and returns it on cancellation', async () => {
    const [offer1, offer2] = [...sim.state.offers.values()];
    const before = [await level(productIds[0]), await level(productIds[1])];
    const form = sim.state.placeOrder({
      lines: [
        { offerId: offer1.id, quantity: 1 },
        { offerId: offer2.id, quantity: 2 },
      ],
      paid: true,
    });

    const first = await runOrderEvents();
    expect(first.problems).toEqual([]);
    expect(first.counts.created).toBe(1);
    const [order] = await rows<{ id: number; status: string; total_minor: number; warehouse_id: number }>(
      hub.db,
      sql`select id, status, total_minor, warehouse_id from orders where channel = 'allegro' and external_id = ${form.id}`,
    );
    expect(order).toMatchObject({ status: 'confirmed', total_minor: 3 * 4999, warehouse_id: warehouseId });
    expect([await level(productIds[0]), await level(productIds[1])]).toEqual([before[0] - 1, before[1] - 2]);

    // The same journal read again from its start (a restart that lost its cursor) changes nothing.
    const state = (await loadState<AllegroState>(hub.db, hub.masterKey!, accountId))!;
    expect(state.eventCursor).toBe(sim.state.events.at(-1)!.id);
    await saveState(hub.db, hub.masterKey!, accountId, { ...state, eventCursor: '0' });
    const replay = await runOrderEvents();
    expect(replay.counts.created ?? 0).toBe(0);
    expect((await rows(hub.db, sql`select id from orders where external_id = ${form.id}`)).length).toBe(1);
    expect([await level(productIds[0]), await level(productIds[1])]).toEqual([before[0] - 1, before[1] - 2]);

    sim.state.cancelOrder(form.id);
    const cancelled = await runOrderEvents();
    expect(cancelled.counts.updated).toBe(1);
    expect(
      (await rows<{ status: string }>(hub.db, sql`select status from orders where id = ${order.id}`))[0].status,
    ).toBe('cancelled');
    expect([await level(productIds[0]), await level(productIds[1])]).toEqual(before);
    // Nothing new: nothing happens.
    expect((await runOrderEvents()).counts.fetched ?? 0).toBe(0);
  });

  it('keeps the cursor where it was when a run fails part-way; the next run handles the rest, each order once', async () => {
    const offers = [...sim.state.offers.values()].slice(3, 6);
    const products = productIds.slice(3, 6);
    const before = await Promise.all(products.map(level));
    const cursorBefore = (await loadState<AllegroState>(hub.db, hub.masterKey!, accountId))!.eventCursor;
    const forms = offers.map((offer) => sim.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 1 }] }));
    // The middle order's checkout form fails every attempt of this run (an outage of that call).
    sim.faults.next('503', 5, [`/order/checkout-forms/${forms[1].id}`]);

    await expect(runOrderEvents()).rejects.toThrow(/503/);
    expect((await loadState<AllegroState>(hub.db, hub.masterKey!, accountId))!.eventCursor).toBe(cursorBefore);
    const imported = async () =>
      (
        await rows<{ external_id: string }>(
          hub.db,
          sql`select external_id from orders where external_id = any(${sql.param(forms.map((f) => f.id))}::text[])`,
        )
      ).map((r) => r.external_id);
    expect((await imported()).sort()).toEqual([forms[0].id, forms[2].id].sort());

    const again = await runOrderEvents();
    expect(again.problems).toEqual([]);
    expect(again.counts.created).toBe(1);
    expect((await imported()).sort()).toEqual(forms.map((f) => f.id).sort());
    expect(await Promise.all(products.map(level))).toEqual(before.map((q) => q - 1));
    expect((await loadState<AllegroState>(hub.db, hub.masterKey!, accountId))!.eventCursor).toBe(
      sim.state.events.at(-1)!.id,
    );
    const [sales] = await rows<{ n: number }>(
      hub.db,
      sql`
      select count(*)::int as n from stock_movements where type = 'sale' and product_id = any(${sql.param(products)}::bigint[])`,
    );
    expect(sales.n).toBe(3);
  });

  it('records events and checkout forms of unexpected shape as problems naming the field, and goes on', async () => {
    const [, , offer3] = [...sim.state.offers.values()];
    const before = await level(productIds[2]);
    sim.state.injectRawEvent((id) => ({ id, type: 'BOUGHT', occurredAt: new Date().toISOString(), order: null }));
    sim.state.injectRawEvent((id) => ({
      id,
      type: 'BOUGHT',
      occurredAt: new Date().toISOString(),
      order: {
        buyer: { id: '1' },
        checkoutForm: { id: crypto.randomUUID() },
        lineItems: [{ id: 'x', offer: null, quantity: 1, price: { amount: '1.00', currency: 'PLN' } }],
      },
    }));
    const broken = sim.state.placeOrder({ lines: [{ offerId: offer3.id, quantity: 1 }] });
    broken.rawOverride = { id: broken.id, status: 'BOUGHT', buyer: null, lineItems: null };
    const good = sim.state.placeOrder({ lines: [{ offerId: offer3.id, quantity: 1 }] });

    const run = await runOrderEvents();
    // Orders are handled several at once, so the problems come in any order.
    expect(run.problems).toHaveLength(3);
    expect(run.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/order event \d+: order: /),
        expect.stringMatching(/order\.lineItems\[0\]\.offer/),
        expect.stringMatching(new RegExp(`checkout form ${broken.id}: .*buyer`)),
      ]),
    );
    expect(run.counts.failed).toBe(3);
    expect(run.counts.created).toBe(1);
    expect((await rows(hub.db, sql`select id from orders where external_id = ${good.id}`)).length).toBe(1);
    expect(await level(productIds[2])).toBe(before - 1);
  });

  it('keeps those problems with the sync run in the database, naming the field, and marks the run partial', async () => {
    const [offer] = [...sim.state.offers.values()];
    sim.state.injectRawEvent((id) => ({
      id,
      type: 'BOUGHT',
      occurredAt: new Date().toISOString(),
      order: { buyer: null, checkoutForm: { id: crypto.randomUUID() }, lineItems: [] },
    }));
    const good = sim.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 1 }] });
    await runConnectorJob(hub, accountId, 'order-events');
    const [run] = await rows<{
      status: string;
      failed: number;
      created: number;
      problems: { message: string }[];
      problem_count: number;
    }>(
      hub.db,
      sql`
      select status, failed, created, problems, problem_count from sync_runs where type = 'allegro.order-events' and account_id = ${accountId} order by id desc limit 1`,
    );
    expect(run).toMatchObject({ status: 'partial', failed: 1, created: 1, problem_count: 1 });
    expect(run.problems[0].message).toMatch(/order event \d+: order\.buyer: /);
    expect((await rows(hub.db, sql`select id from orders where external_id = ${good.id}`)).length).toBe(1);
  });

  it('seed 000: finds the offers of given SKUs by external.id, one request per 100 SKUs, without listing every offer', async () => {
    const ctx = await connectorContextFor(hub, accountId);
    const start = sim.log.length;
    const one = await allegroConnector.findListings!(ctx, ['SKU-3']);
    expect(one.map((l) => [l.sku, l.externalId])).toEqual([
      ['SKU-3', [...sim.state.offers.values()].find((o) => o.externalId === 'SKU-3')!.id],
    ]);
    const calls = sim.log.slice(start).filter((r) => r.path === '/sale/offers');
    expect(calls).toHaveLength(1);
    expect(calls[0].query['external.id']).toEqual(['SKU-3']);
    // Several at once; an offer that has no external.id (SKU-10 carries only its EAN) is not found by one.
    expect((await allegroConnector.findListings!(ctx, ['SKU-1', 'SKU-2', 'SKU-10'])).map((l) => l.sku).sort()).toEqual([
      'SKU-1',
      'SKU-2',
    ]);
    expect(await allegroConnector.findListings!(ctx, ['NO-SUCH-SKU'])).toEqual([]);
  });

  it("lists the orders bought in a window for the reconciler, 100 a page, the window's end excluded, and fetches one by its id", async () => {
    const [offer] = [...sim.state.offers.values()];
    offer.available = 1000;
    const base = Date.now() - 30 * 86_400_000;
    const placed = Array.from({ length: 151 }, (_, i) =>
      sim.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 1 + (i % 2) }], at: base + i * 1000 }),
    );
    const ctx = await connectorContextFor(hub, accountId);
    const start = sim.log.length;
    const pages: string[][] = [];
    for await (const page of allegroConnector.listOrders!(ctx, {
      from: new Date(base).toISOString(),
      to: new Date(base + 150_000).toISOString(),
    })) {
      pages.push(page.map((f) => f.externalId));
    }
    // The 151st was bought at the window's end: Allegro lists it (lte), the connector leaves it to the next window.
    expect(pages.map((p) => p.length)).toEqual([100, 50]);
    expect(pages.flat()).toEqual(placed.slice(0, 150).map((f) => f.id));
    expect(
      sim.log
        .slice(start)
        .filter((r) => r.path === '/order/checkout-forms')
        .map((r) => String(r.query.offset)),
    ).toEqual(['0', '100']);

    const fact = await allegroConnector.fetchOrder!(ctx, placed[1].id);
    expect(fact).toMatchObject({
      externalId: placed[1].id,
      status: 'new',
      channelStatus: 'BOUGHT',
      totalMinor: 2 * 4999,
      lines: [{ sku: offer.externalId, quantity: 2, priceMinor: 4999 }],
    });
    expect(await allegroConnector.fetchOrder!(ctx, crypto.randomUUID())).toBeNull();
    expect(await allegroConnector.fetchOrder!(ctx, 'not-an-order')).toBeNull();
  });

  it('sends only requests the Allegro spec documents, and the simulator answers in its shapes', async () => {
    // The malformed events and checkout forms above were injected on purpose: their requests are checked, not their answers.
    const injected = (e: { path: string }) => e.path === '/order/events' || e.path.startsWith('/order/checkout-forms/');
    const { exchanges, kinds, problems } = await allegroContractCheck(sim.log, { injectedAnswers: injected });
    // Every kind of request the connector makes is in the log.
    expect(kinds).toEqual([
      'GET /order/checkout-forms',
      'GET /order/checkout-forms/{id}',
      'GET /order/event-stats',
      'GET /order/events',
      'GET /sale/offer-quantity-change-commands/{id}/tasks',
      'GET /sale/offers',
      'GET /sale/product-offers/{id}',
      'PATCH /sale/product-offers/{id}',
      'PUT /sale/offer-quantity-change-commands/{id}',
    ]);
    expect(exchanges.length).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it("starts a newly connected account after the journal's latest event: earlier orders were handled before Sklad", async () => {
    const second = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'allegro',
        name: 'Allegro later',
        baseUrl: server.url,
        credentials: {
          clientId: client.id,
          clientSecret: client.secret,
          refreshToken: sim.state.issueRefreshToken(client.id),
        },
      },
      'test',
    );
    const orders = async () => (await rows(hub.db, sql`select id from orders where account_id = ${second.id}`)).length;
    const job = runConnectorJob;
    await job(hub, second.id, 'order-events');
    expect(await orders()).toBe(0);
    expect((await loadState<AllegroState>(hub.db, hub.masterKey!, second.id))!.eventCursor).toBe(
      sim.state.events.at(-1)!.id,
    );
    const [offer] = [...sim.state.offers.values()];
    sim.state.placeOrder({ lines: [{ offerId: offer.id, quantity: 1 }] });
    await job(hub, second.id, 'order-events');
    expect(await orders()).toBe(1);
  });

  it('refreshes once and stops when Allegro refuses the freshly refreshed token too: the call fails, recorded, and the account is needs_reauth', async () => {
    assembleSklad();
    const third = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'allegro',
        name: 'Allegro refused',
        baseUrl: server.url,
        credentials: {
          clientId: client.id,
          clientSecret: client.secret,
          refreshToken: sim.state.issueRefreshToken(client.id),
        },
      },
      'test',
    );
    await runConnectorJob(hub, third.id, 'order-events'); // a token and a cursor
    const ctx = await connectorContextFor(hub, third.id);
    // The token expires; the one the refresh gives is refused as well (the second 401 right after a refresh).
    sim.state.expireAccessTokens();
    sim.state.refuseNextRefreshedTokens();
    const from = sim.log.length;
    await expect(runConnectorJob(hub, third.id, 'order-events')).rejects.toThrow(
      /refused a freshly refreshed access token/,
    );
    // One refresh, no loop: the call, the refresh, the call again, and nothing after.
    expect(sim.log.slice(from).map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([
      '401 GET /order/events',
      '200 POST /auth/oauth/token',
      '401 GET /order/events',
    ]);
    expect(sim.state.refuseRefreshedTokens).toBe(0);

    const account = await getAccount(hub.db, third.id);
    expect(account.status).toBe('needs_reauth');
    expect(account.status_reason).toMatch(/freshly refreshed access token/);
    const [run] = await rows<{ status: string; error: string }>(
      hub.db,
      sql`
      select status, error from sync_runs where type = 'allegro.order-events' and account_id = ${third.id} order by id desc limit 1`,
    );
    expect(run).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/freshly refreshed access token: connect the account again/),
    });
    expect((await listScheduleTargets(hub.db)).filter((t) => t.accountId === third.id).every((t) => !t.enabled)).toBe(
      true,
    );
    // Any other call (here a check through a context made before) meets it the same way: one refresh, then the refusal.
    const before = sim.log.length;
    sim.state.refuseNextRefreshedTokens();
    await expect(allegroConnector.validate(ctx)).rejects.toBeInstanceOf(CredentialsRejected);
    expect(sim.log.slice(before).map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([
      '401 GET /sale/offers',
      '200 POST /auth/oauth/token',
      '401 GET /sale/offers',
    ]);
  });

  it('turns the account needs_reauth when Allegro refuses the refresh token, and its schedules stop', async () => {
    assembleSklad();
    sim.state.revokeClientGrants(client.id);
    // The order loop meets it: the access token is refused, the refresh is refused.
    await expect(runConnectorJob(hub, accountId, 'order-events')).rejects.toBeInstanceOf(CredentialsRejected);
    const account = await getAccount(hub.db, accountId);
    expect(account.status).toBe('needs_reauth');
    expect(account.status_reason).toMatch(/refresh token.*invalid_grant/);
    const [run] = await rows<{ status: string; error: string }>(
      hub.db,
      sql`
      select status, error from sync_runs where type = 'allegro.order-events' and account_id = ${accountId} order by id desc limit 1`,
    );
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/connect the account again/) });
    const targets = (await listScheduleTargets(hub.db)).filter((t) => t.accountId === accountId);
    expect(targets.every((t) => !t.enabled)).toBe(true);
    // A later check says the same and changes nothing.
    const ctx = await connectorContextFor(hub, accountId, { allowInactive: true });
    await expect(guardCredentials(hub, accountId, () => allegroConnector.validate(ctx))).rejects.toBeInstanceOf(
      CredentialsRejected,
    );
  });
});
