import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkWbLog } from '../../../simulators/wildberries/contract.ts';
import { createWildberriesSimulator } from '../../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../../simulators/wildberries/state.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { testHub } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import type { SyncRunCounter } from '../core/connector.ts';
import { connectorContextFor } from '../core/context.ts';
import { seedCatalog } from '../core/testing.ts';
import { syncCron, wildberriesConnector } from './connector.ts';
import { syncWildberries } from './sync.ts';

function runCounter() {
  const counts = { fetched: 0, created: 0, updated: 0, pushed: 0, failed: 0 };
  const problems: string[] = [];
  const run: SyncRunCounter = {
    id: 0,
    add: (c) => {
      for (const [k, v] of Object.entries(c)) counts[k as keyof typeof counts] += v ?? 0;
    },
    problem: (message) => void problems.push(message),
  };
  return { run, counts, problems };
}

describeEachDatabase('the Wildberries connector', (t) => {
  // Statistics allow one request a minute per report; the simulator says 150 ms and the connector follows its headers.
  const sim = createWildberriesSimulator({
    state: seedWildberries(new WbState(), {
      cards: 30,
      orderRows: 400,
      days: 29,
      feedbacks: 15,
      claims: 6,
      fbsOrders: 8,
      article: (i) => `SKU-${i}`,
    }),
    limits: { statistics: { intervalMs: 150, burst: 1 } },
    reportPageRows: 150,
  });
  let close: () => Promise<void>;
  let hub: Hub;
  let accountId: number;
  const count = async (table: string) =>
    (await rows<{ n: number }>(hub.db, sql.raw(`select count(*)::int as n from ${table}`)))[0].n;

  beforeAll(async () => {
    const server = await sim.listen();
    close = server.close;
    hub = testHub(t.database);
    await seedCatalog(hub.db, { count: 30, stock: () => 20 });
    accountId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wildberries',
          name: 'WB main',
          baseUrl: server.url,
          credentials: { token: sim.token },
          settings: { reportPageRows: 150 },
        },
        'test',
      )
    ).id;
  });
  afterAll(() => close());

  test('checks the token with /ping', async () => {
    expect(await wildberriesConnector.validate(await connectorContextFor(hub, accountId))).toMatchObject({ ok: true });
    const wrong = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'wildberries',
        name: 'WB wrong',
        baseUrl: (await connectorContextFor(hub, accountId)).account.baseUrl,
        credentials: { token: 'x'.repeat(40) },
      },
      'test',
    );
    expect(await wildberriesConnector.validate(await connectorContextFor(hub, wrong.id))).toMatchObject({ ok: false });
  });

  test('a month of orders, cancellations, buyouts, returns, claims, feedbacks and WB stock', async () => {
    const { run, problems } = runCounter();
    const logStart = sim.log.length;
    const started = Date.now();
    await syncWildberries(await connectorContextFor(hub, accountId), run);
    expect(problems).toEqual([]);
    // The first sync reaches one month back (Moscow time, as WB reads dateFrom).
    for (const report of ['orders', 'sales']) {
      const first = sim.log.slice(logStart).find((e) => e.path === `/api/v1/supplier/${report}`)!;
      const from = Date.parse(`${first.query.dateFrom}`.replace(/\+03:00$/, '') + '+03:00');
      expect(Math.abs(from - (started - 30 * 86_400_000))).toBeLessThan(60_000);
    }
    const cancelled = sim.state.orders.rows.filter((r) => r.row.isCancel).length;
    const [orders] = await rows<{ total: number; cancelled: number }>(
      hub.db,
      sql`
      select count(*)::int as total, count(*) filter (where status = 'cancelled')::int as cancelled from orders where channel = 'wildberries' and posting_number is null`,
    );
    expect(orders).toEqual({ total: sim.state.orders.size, cancelled });
    const [sales] = await rows<{ buyouts: number; returns: number }>(
      hub.db,
      sql`
      select count(*) filter (where kind = 'buyout')::int as buyouts, count(*) filter (where kind = 'return')::int as returns from sales`,
    );
    const simSales = sim.state.sales.rows.map((r) => String(r.row.saleID));
    expect(sales).toEqual({
      buyouts: simSales.filter((s) => s.startsWith('S')).length,
      returns: simSales.filter((s) => s.startsWith('R')).length,
    });
    expect(await count('claims')).toBe(6);
    expect(await count('reviews')).toBe(15);
    const [rating] = await rows<{ r: number }>(
      hub.db,
      sql`select rating as r from reviews where external_id = ${sim.state.feedbacks[0].id}`,
    );
    expect(rating.r).toBe(sim.state.feedbacks[0].productValuation);
    const mirrors = await rows<{ source: string }>(
      hub.db,
      sql`select source from warehouses where kind = 'mirror' and source like 'wildberries:%'`,
    );
    expect(mirrors).toHaveLength(5);
    // Stock per WB warehouse: one card checked against the simulator's stocks report.
    const card = sim.state.cards[6];
    const levels = await rows<{ source: string; on_hand: number }>(
      hub.db,
      sql`
      select w.source, l.on_hand from stock_levels l join warehouses w on w.id = l.warehouse_id join products p on p.id = l.product_id
       where p.sku = ${card.article} and w.source like 'wildberries:%' order by w.source`,
    );
    const expected = sim.state.stocks.rows
      .filter((r) => r.row.supplierArticle === card.article)
      .map((r) => ({
        source: `wildberries:${r.row.warehouseName}`,
        on_hand: Number(r.row.quantity) + Number(r.row.inWayToClient),
      }))
      .sort((a, b) => a.source.localeCompare(b.source));
    expect(levels).toEqual(expected);
    expect(await count(`orders where posting_number is not null`)).toBe(8);
  });

  test('a re-run changes nothing; a new cancellation and a return arrive on the next', async () => {
    const before = {
      history: await count('order_status_history'),
      sales: await count('sales'),
      movements: await count('stock_movements'),
    };
    const again = runCounter();
    await syncWildberries(await connectorContextFor(hub, accountId), again.run);
    expect(again.counts).toMatchObject({ created: 0, updated: 0 });
    expect({
      history: await count('order_status_history'),
      sales: await count('sales'),
      movements: await count('stock_movements'),
    }).toEqual(before);

    const srid = sim.state.addOrder({ article: 'SKU-3' });
    sim.state.cancelOrder(srid);
    const sold = String(sim.state.sales.rows.find((r) => String(r.row.saleID).startsWith('S'))!.row.srid);
    sim.state.returnOrder(sold);
    const next = runCounter();
    await syncWildberries(await connectorContextFor(hub, accountId), next.run);
    const [order] = await rows<{ status: string }>(hub.db, sql`select status from orders where external_id = ${srid}`);
    expect(order.status).toBe('cancelled');
    expect(await count('sales')).toBe(before.sales + 1);
  });

  test('pushes FBS quantities by chrtId; a 409 fails only the items it names', async () => {
    const ctx = await connectorContextFor(hub, accountId);
    const listings = [];
    for await (const page of wildberriesConnector.fetchListings!(ctx)) listings.push(...page);
    expect(listings).toHaveLength(30);
    const mapped = listings.slice(0, 2).map((l, i) => ({
      listingId: i + 1,
      productId: i + 1,
      externalId: l.externalId,
      sku: l.sku ?? null,
      data: l.data ?? {},
    }));
    mapped.push({ listingId: 3, productId: 3, externalId: '1', sku: 'GONE', data: { chrtId: 1 } });
    const outcomes = await wildberriesConnector.pushQuantities!(
      ctx,
      mapped.map((listing) => ({ listing, quantity: 7 })),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]); // the unknown chrtId refused, the rest sent again
    expect(sim.state.fbsStocks.get(`507:${mapped[0].data.chrtId}`)).toBe(7);
  });

  test('a run failing mid-report resumes at that page on the next run; the re-run changes nothing', async () => {
    const resumed = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wildberries',
          name: 'WB resumed',
          baseUrl: (await connectorContextFor(hub, accountId)).account.baseUrl,
          credentials: { token: sim.token },
          settings: { reportPageRows: 150 },
        },
        'test',
      )
    ).id;
    const ordersOf = async () => count(`orders where account_id = ${resumed} and posting_number is null`);
    const ordersPath = '/api/v1/supplier/orders';
    let logStart = 0;
    const ordersAsked = () =>
      sim.log
        .slice(logStart)
        .filter((e) => e.path === ordersPath)
        .map((e) => ({ dateFrom: e.query?.dateFrom, fault: e.fault }));

    // After the first page of the orders report is saved, the next request fails every attempt (5: the client's default).
    let pages = 0;
    const failing = runCounter();
    logStart = sim.log.length;
    await syncWildberries(
      await connectorContextFor(hub, resumed, {
        progress: async (p) => {
          if (p.message?.startsWith('Wildberries orders') && ++pages === 1) sim.faults.next('500', 5, [ordersPath]);
        },
      }),
      failing.run,
    );
    expect(failing.problems).toEqual([expect.stringMatching(/orders report failed; the other parts were still saved/)]);
    // The pages read ahead before the faults came were answered; the next page failed every attempt.
    const asked = ordersAsked();
    const failedAt = asked.findIndex((a) => a.fault);
    expect(failedAt).toBeGreaterThan(0);
    expect(asked.slice(failedAt).map((a) => a.fault)).toEqual(['500', '500', '500', '500', '500']);
    const failedPage = asked[failedAt].dateFrom;
    // The first page is stored; orders the sales report bought out or returned are stored from it too (seed 001: sales move orders).
    expect(await ordersOf()).toBeGreaterThanOrEqual(150);
    expect(await ordersOf()).toBeLessThan(sim.state.orders.size);

    // The next run asks for that page first, and ends with every order once.
    logStart = sim.log.length;
    const resuming = runCounter();
    await syncWildberries(await connectorContextFor(hub, resumed), resuming.run);
    expect(resuming.problems).toEqual([]);
    expect(ordersAsked()[0]).toEqual({ dateFrom: failedPage, fault: undefined });
    expect(await ordersOf()).toBe(sim.state.orders.size);

    const before = {
      orders: await ordersOf(),
      history: await count('order_status_history'),
      sales: await count('sales'),
      movements: await count('stock_movements'),
    };
    const again = runCounter();
    await syncWildberries(await connectorContextFor(hub, resumed), again.run);
    expect(again.counts).toMatchObject({ created: 0, updated: 0 });
    expect({
      orders: await ordersOf(),
      history: await count('order_status_history'),
      sales: await count('sales'),
      movements: await count('stock_movements'),
    }).toEqual(before);
  });

  test('every request and answer conforms to the WB specs, with no 429', async () => {
    // Injected 5xx answers are left out: WB's specs document none.
    expect(await checkWbLog(sim.log.filter((e) => !e.fault || e.fault === '429'))).toEqual([]);
    expect(sim.statusCounts()[429]).toBeUndefined();
  });

  test('a 429 is retried after the X-Ratelimit-Retry WB sends with it, not sooner', async () => {
    // Claims allow one request per 2.5 s here: the second at once is refused with X-Ratelimit-Retry 2.5.
    // (The shared client's own 429 default is 1 s: a retry then would be refused again.)
    const strict = createWildberriesSimulator({
      state: sim.state,
      token: sim.token,
      limits: { claims: { intervalMs: 2_500, burst: 1 } },
    });
    const server = await strict.listen();
    try {
      const id = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          { channel: 'wildberries', name: 'WB strict', baseUrl: server.url, credentials: { token: sim.token } },
          'test',
        )
      ).id;
      const ctx = await connectorContextFor(hub, id);
      const ask = (limitGroup?: string) =>
        ctx.http.request({
          method: 'GET',
          path: '/api/v1/claims',
          query: { is_archive: false },
          headers: { Authorization: sim.token },
          limitGroup,
        });
      // The first request goes outside the group (as the seller's own tools with the same token do), so
      // the group's bucket still holds WB's documented burst and the second goes at once into WB's refusal.
      await ask();
      const second = await ask('claims');
      expect(second.status).toBe(200);
      expect(strict.log.map((e) => e.status)).toEqual([200, 429, 200]);
      expect(await checkWbLog(strict.log)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test('SYNC_INTERVAL takes seconds or a cron expression', () => {
    expect(syncCron(undefined)).toBe('*/3 * * * *');
    expect(syncCron('180')).toBe('*/3 * * * *');
    expect(syncCron('30')).toBe('*/30 * * * * *');
    expect(syncCron('0 * * * *')).toBe('0 * * * *');
    expect(() => syncCron('7')).toThrow(/SYNC_INTERVAL/);
    expect(() => syncCron('90')).toThrow(/SYNC_INTERVAL/);
  });
});
