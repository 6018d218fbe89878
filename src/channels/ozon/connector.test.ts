import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createOzonSimulator } from '../../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../../simulators/ozon/state.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { checkLog, loadSpec } from '../../test/openapi-contract.ts';
import { testHub } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import type { SyncRunCounter } from '../core/connector.ts';
import { connectorContextFor } from '../core/context.ts';
import { seedCatalog } from '../core/testing.ts';
import { ozonConnector } from './connector.ts';
import { syncOzonPostings } from './postings.ts';
import { syncOzonStocks } from './stocks.ts';

/** The counts a sync run keeps (the engine's sync_runs row holds the same). */
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

describeEachDatabase('the Ozon connector', (t) => {
  const sim = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 120, fboWarehouses: 6, postings: 25, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });
  let close: () => Promise<void>;
  let hub: Hub;
  let accountId: number;

  const context = async (options: Parameters<typeof connectorContextFor>[2] = {}) =>
    connectorContextFor(hub, accountId, options);
  // The requests since a mark (the whole log stays for the contract test at the end).
  let mark = 0;
  const markLog = () => void (mark = sim.log.length);
  const since = () => sim.log.slice(mark);
  const movementCount = async () =>
    (await rows<{ n: number }>(hub.db, sql`select count(*)::int as n from stock_movements`))[0].n;

  beforeAll(async () => {
    const server = await sim.listen();
    close = server.close;
    hub = testHub(t.database);
    await seedCatalog(hub.db, { count: 100, stock: () => 50 }); // SKU-1..SKU-100: 20 Ozon products stay unmatched
    const account = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'ozon',
        name: 'Ozon main',
        baseUrl: server.url,
        credentials: { clientId: sim.clientId, apiKey: sim.apiKey },
        settings: { pageSize: 40 },
      },
      'test',
    );
    accountId = account.id;
  });
  afterAll(() => close());

  test('validates the keys with a real call and refuses wrong ones', async () => {
    expect(await ozonConnector.validate(await context())).toMatchObject({ ok: true });
    const wrong = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'ozon',
        name: 'Ozon wrong',
        baseUrl: (await context()).account.baseUrl,
        credentials: { clientId: sim.clientId, apiKey: 'wrong-key-123' },
      },
      'test',
    );
    const result = await ozonConnector.validate(await connectorContextFor(hub, wrong.id));
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/Ozon refused/) });
  });

  test('mirrors stock per type and per FBO warehouse, with source and stock type', async () => {
    const { run, problems } = runCounter();
    await syncOzonStocks(await context(), run);
    expect(problems).toEqual([]);
    const warehouses = await rows<{
      id: number;
      code: string;
      source: string;
      stock_type: string;
      kind: string;
      read_only: boolean;
    }>(
      hub.db,
      sql`select id, code, source, stock_type, kind, read_only from warehouses where kind = 'mirror' order by code`,
    );
    // Seed 002: the stock API's rows are source 'ozon' by type, the analytics' 'ozon:analytics' per FBO warehouse.
    const fboNames = sim.state.warehouses.filter((w) => w.type === 'fbo').map((w) => w.name);
    expect(warehouses.map((w) => [w.code, w.source, w.stock_type]).sort()).toEqual(
      [
        [`ozon-${accountId}-fbo`, 'ozon', 'FBO'],
        [`ozon-${accountId}-fbs`, 'ozon', 'FBS'],
        [`ozon-${accountId}-realFbs`, 'ozon', 'realFBS'],
        ...fboNames.map((name) => [`ozon-${accountId}-fbo-${name}`, 'ozon:analytics', 'analytics']),
      ].sort(),
    );
    expect(warehouses.every((w) => w.read_only)).toBe(true);

    // One product checked against the simulator, per FBO warehouse and for the FBS total.
    const product = sim.state.products[4];
    const [{ id: productId }] = await rows<{ id: number }>(
      hub.db,
      sql`select id from products where sku = ${product.offerId}`,
    );
    for (const w of sim.state.warehouses.filter((x) => x.type === 'fbo')) {
      const cell = sim.state.stock(product.productId, w.id)!;
      const [level] = await rows<{ on_hand: number; reserved: number; promised: number }>(
        hub.db,
        sql`
        select on_hand, reserved, promised from stock_levels l join warehouses wh on wh.id = l.warehouse_id
         where l.product_id = ${productId} and wh.code = ${`ozon-${accountId}-fbo-${w.name}`}`,
      );
      expect(level ?? { on_hand: 0, reserved: 0, promised: 0 }).toEqual({
        on_hand: cell.present,
        reserved: cell.reserved,
        promised: cell.promised,
      });
    }
    const fbsPresent = sim.state.warehouses
      .filter((w) => w.type === 'fbs')
      .reduce((s, w) => s + sim.state.stock(product.productId, w.id)!.present, 0);
    const [fbs] = await rows<{ on_hand: number }>(
      hub.db,
      sql`
      select on_hand from stock_levels l join warehouses wh on wh.id = l.warehouse_id where l.product_id = ${productId} and wh.code = ${`ozon-${accountId}-fbs`}`,
    );
    expect(fbs?.on_hand ?? 0).toBe(fbsPresent);
  });

  test('a re-run changes nothing', async () => {
    const before = await movementCount();
    const { run, counts } = runCounter();
    await syncOzonStocks(await context(), run);
    expect(counts.updated).toBe(0);
    expect(await movementCount()).toBe(before);
  });

  test('when the warehouse detail fails, the totals are still saved and the run says so', async () => {
    const product = sim.state.products[0];
    const fbs = sim.state.warehouses.find((w) => w.type === 'fbs')!;
    sim.state.setStock(product.productId, fbs.id, { present: 33, reserved: 0 });
    sim.faults.next('500', 20, ['/v1/analytics/stocks']);
    const { run, problems } = runCounter();
    await syncOzonStocks(await context({ timeoutMs: 2_000 }), run);
    sim.faults.set(null);
    expect(problems).toEqual([
      expect.stringMatching(/per-warehouse analytics failed; the other source was still saved/),
    ]);
    const [level] = await rows<{ on_hand: number }>(
      hub.db,
      sql`
      select on_hand from stock_levels l join warehouses wh on wh.id = l.warehouse_id join products p on p.id = l.product_id
       where p.sku = ${product.offerId} and wh.code = ${`ozon-${accountId}-fbs`}`,
    );
    expect(level.on_hand).toBe(
      33 +
        sim.state.warehouses
          .filter((w) => w.type === 'fbs' && w.id !== fbs.id)
          .reduce((s, w) => s + sim.state.stock(product.productId, w.id)!.present, 0),
    );
  });

  test('when the totals fail on a page, the pages before it and the warehouse detail are saved, and the next run starts at that page', async () => {
    const [w] = sim.state.warehouses.filter((x) => x.type === 'fbo');
    const product = sim.state.products[10];
    sim.state.setStock(product.productId, w.id, { present: 41, reserved: 1 });
    const typesPath = '/v4/product/info/stocks';
    let pages = 0;
    markLog();
    const failing = runCounter();
    await syncOzonStocks(
      await context({
        // After the second page is saved, every attempt at the third fails (5: the client's default).
        progress: async (p) =>
          void (p.message === 'Ozon stocks by type' && ++pages === 2 && sim.faults.next('500', 5, [typesPath])),
      }),
      failing.run,
    );
    expect(failing.problems).toEqual([
      expect.stringMatching(/\/v4\/product\/info\/stocks failed; the other source was still saved/),
    ]);
    const asked = since().filter((e) => e.path === typesPath);
    expect(asked.map((e) => e.fault)).toEqual([undefined, undefined, '500', '500', '500', '500', '500']);
    const failedCursor = (asked[2].body as { cursor: string }).cursor;
    expect(failedCursor).not.toBe('');
    const [level] = await rows<{ on_hand: number; reserved: number }>(
      hub.db,
      sql`
      select on_hand, reserved from stock_levels l join warehouses wh on wh.id = l.warehouse_id join products p on p.id = l.product_id
       where p.sku = ${product.offerId} and wh.code = ${`ozon-${accountId}-fbo-${w.name}`}`,
    );
    expect(level).toEqual({ on_hand: 41, reserved: 1 });

    markLog();
    const resumed = runCounter();
    await syncOzonStocks(await context(), resumed.run);
    expect(resumed.problems).toEqual([]);
    expect((since().find((e) => e.path === typesPath)!.body as { cursor: string }).cursor).toBe(failedCursor);
  });

  test('a run stopped mid-way resumes at the page it stopped on', async () => {
    const controller = new AbortController();
    let pages = 0;
    const ctx = await context({
      signal: controller.signal,
      progress: async (p) => {
        if (p.message === 'Ozon stocks by type' && ++pages === 2) controller.abort(new Error('stopped'));
      },
    });
    await expect(syncOzonStocks(ctx, runCounter().run)).rejects.toThrow();
    markLog();
    await syncOzonStocks(await context(), runCounter().run);
    const first = since().find((e) => e.path === '/v4/product/info/stocks')!;
    expect((first.body as { cursor: string }).cursor).not.toBe('');
    // …and the pass after it starts from the beginning again.
    markLog();
    await syncOzonStocks(await context(), runCounter().run);
    expect((since().find((e) => e.path === '/v4/product/info/stocks')!.body as { cursor: string }).cursor).toBe('');
  });

  test('imports FBS postings as orders keyed by posting number, and their cancellations', async () => {
    const { run, counts } = runCounter();
    await syncOzonPostings(await context(), run);
    expect(counts.created).toBe(sim.state.postings.size);
    const posting = [...sim.state.postings.values()][3];
    sim.state.setPostingStatus(posting.postingNumber, 'cancelled', { cancelReason: 'Покупатель отменил' });
    const again = runCounter();
    await syncOzonPostings(await context(), again.run);
    expect(again.counts).toMatchObject({ created: 0, updated: 1 });
    const [order] = await rows<{ status: string; posting_number: string }>(
      hub.db,
      sql`
      select status, posting_number from orders where channel = 'ozon' and external_id = ${posting.postingNumber}`,
    );
    expect(order).toEqual({ status: 'cancelled', posting_number: posting.postingNumber });
    const third = runCounter();
    await syncOzonPostings(await context(), third.run);
    expect(third.counts).toMatchObject({ created: 0, updated: 0 });
  });

  test('a posting a delivery service ships carries its method, the buyer and the address as the order’s shipping', async () => {
    const fbs = sim.state.warehouses.find((w) => w.type === 'fbs')!;
    const cdek = {
      id: 1_020_000_089_903_000,
      name: 'СДЭК Курьер',
      tplProvider: 'СДЭК',
      tplProviderId: 1_020_000_000_000,
      integration: 'non_integrated',
    };
    const posting = sim.state.addPosting({
      warehouseId: fbs.id,
      lines: [{ offerId: 'SKU-2', quantity: 1 }],
      deliveryMethod: cdek,
      customer: {
        id: 42,
        name: 'Анна Смирнова',
        address: {
          country: 'Россия',
          region: 'Москва',
          city: 'Москва',
          addressTail: 'ул. Тверская, д. 7, кв. 12',
          zipCode: '125009',
          providerPvzCode: 'MSK123',
        },
      },
    });
    markLog();
    await syncOzonPostings(await context(), runCounter().run);
    expect((since().find((e) => e.path === '/v3/posting/fbs/list')!.body as { with: unknown }).with).toMatchObject({
      analytics_data: true,
    });
    const [order] = await rows<{ shipping: unknown; customer: unknown }>(
      hub.db,
      sql`
      select shipping, customer from orders where channel = 'ozon' and external_id = ${posting.postingNumber}`,
    );
    expect(order.shipping).toEqual({
      methodId: String(cdek.id),
      methodName: 'СДЭК Курьер',
      warehouseId: String(fbs.id),
      provider: 'СДЭК',
      // Ozon's spec: the phone "always returns an empty string".
      recipient: { name: 'Анна Смирнова', phone: null, email: null },
      address: {
        countryCode: 'RU',
        region: 'Москва',
        city: 'Москва',
        address: 'ул. Тверская, д. 7, кв. 12',
        postalCode: '125009',
      },
      deliveryPoint: 'MSK123',
      weightGrams: null,
      dimensionsCm: null,
    });
    expect(order.customer).toEqual({ name: 'Анна Смирнова', address: 'ул. Тверская, д. 7, кв. 12' });
    // One Ozon delivers itself: its method, an FBS posting's city from analytics, no buyer.
    const own = [...sim.state.postings.values()][0];
    const [plain] = await rows<{ shipping: { methodName: string; recipient: unknown; provider: string } }>(
      hub.db,
      sql`
      select shipping from orders where channel = 'ozon' and external_id = ${own.postingNumber}`,
    );
    expect(plain.shipping).toMatchObject({
      methodName: 'Ozon Логистика',
      provider: 'Ozon Логистика',
      recipient: { name: null, phone: null },
    });
  });

  test('pushes FBS quantities with per-item errors, at most 100 a call', async () => {
    const ctx = await context();
    const listings = [];
    for await (const page of ozonConnector.fetchListings!(ctx)) listings.push(...page);
    expect(listings).toHaveLength(120);
    const mapped = listings.slice(0, 3).map((l, i) => ({
      listingId: i + 1,
      productId: i + 1,
      externalId: l.externalId,
      sku: l.sku ?? null,
      data: l.data ?? {},
    }));
    mapped.push({
      listingId: 99,
      productId: 99,
      externalId: '1',
      sku: 'GONE',
      data: { productId: 1, offerId: 'GONE' },
    });
    const outcomes = await ozonConnector.pushQuantities!(
      ctx,
      mapped.map((listing, i) => ({ listing, quantity: 10 + i })),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false]);
    expect(outcomes[3]).toMatchObject({ retryable: false, error: expect.stringMatching(/NOT_FOUND/) });
    // The read is of the warehouse pushed to (the first FBS one), not of Ozon's FBS total over all of them.
    expect(sim.state.warehouses.filter((w) => w.type === 'fbs').length).toBeGreaterThan(1);
    const read = await ozonConnector.readQuantities!(ctx, mapped.slice(0, 3));
    expect([...read.entries()]).toEqual([
      [1, 10],
      [2, 11],
      [3, 12],
    ]);
    // A listing read before its Ozon SKU was known: the FBS total of /v4/product/info/stocks.
    const p = sim.state.products[0];
    const total = sim.state.warehouses
      .filter((w) => w.type === 'fbs')
      .reduce(
        (sum, w) => sum + sim.state.stock(p.productId, w.id)!.present - sim.state.stock(p.productId, w.id)!.reserved,
        0,
      );
    const withoutSku = await ozonConnector.readQuantities!(ctx, [
      { ...mapped[0], data: { productId: p.productId, offerId: p.offerId } },
    ]);
    expect(withoutSku.get(1)).toBe(total);
  });

  test('a full sync through the channel machinery pushes at most 100 items a call, and a re-run pushes nothing', async () => {
    const { syncAccount } = await import('../core/sync.ts');
    markLog();
    const first = await syncAccount(hub, accountId);
    const pushes = since()
      .filter((e) => e.path === '/v2/products/stocks')
      .map((e) => (e.body as { stocks: unknown[] }).stocks.length);
    // 100 matched listings (SKU-1..SKU-100); the 3 pushed above already hold their quantities.
    expect(first).toMatchObject({ failed: 0, rejected: 0 });
    expect(pushes.every((n) => n <= 100)).toBe(true);
    expect(pushes.reduce((a, b) => a + b, 0)).toBe(first.pushed);
    expect(first.pushed).toBeGreaterThan(90);
    markLog();
    const again = await syncAccount(hub, accountId);
    expect(again).toMatchObject({ pushed: 0, failed: 0 });
    expect(since().filter((e) => e.path === '/v2/products/stocks')).toEqual([]);
  });

  // Last of the stock tests: its account's mirrors have the same sources as the main account's.
  test("the seed's /v2/analytics/stock_on_warehouses gives the same per-warehouse mirrors", async () => {
    await syncOzonStocks(await context(), runCounter().run);
    const v2 = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon v2',
          baseUrl: (await context()).account.baseUrl,
          credentials: { clientId: sim.clientId, apiKey: sim.apiKey },
          settings: { pageSize: 250, warehouseDetail: 'v2' },
        },
        'test',
      )
    ).id;
    markLog();
    const { run, problems } = runCounter();
    await syncOzonStocks(await connectorContextFor(hub, v2), run);
    expect(problems).toEqual([]);
    expect(since().some((e) => e.path === '/v2/analytics/stock_on_warehouses')).toBe(true);
    expect(since().some((e) => e.path === '/v1/analytics/stocks')).toBe(false);
    // Both analytics methods keep the three numbers: free to sell (available), reserved and promised.
    const levels = (accountId: number) =>
      rows<{ warehouse: string; sku: string; on_hand: number; reserved: number; promised: number }>(
        hub.db,
        sql`
      select regexp_replace(w.code, '^ozon-[0-9]+-', '') as warehouse, p.sku, l.on_hand, l.reserved, l.promised from stock_levels l
        join warehouses w on w.id = l.warehouse_id join products p on p.id = l.product_id
       where w.code like ${`ozon-${accountId}-fbo-%`} order by 1, 2`,
      );
    const fromV2 = await levels(v2);
    expect(fromV2.length).toBeGreaterThan(100);
    expect(fromV2).toEqual(await levels(accountId));
    expect(fromV2.some((l) => l.promised > 0)).toBe(true);
  });

  test('a postings import that fails on a page resumes at that page; nothing is imported twice', async () => {
    const small = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon small pages',
          baseUrl: (await context()).account.baseUrl,
          credentials: { clientId: sim.clientId, apiKey: sim.apiKey },
          settings: { pageSize: 10 },
        },
        'test',
      )
    ).id;
    const listPath = '/v3/posting/fbs/list';
    let pages = 0;
    markLog();
    const failing = runCounter();
    await expect(
      syncOzonPostings(
        await connectorContextFor(hub, small, {
          progress: async (p) =>
            void (p.message === 'Ozon postings' && ++pages === 1 && sim.faults.next('500', 5, [listPath])),
        }),
        failing.run,
      ),
    ).rejects.toThrow(/HTTP 500/);
    expect(failing.counts.created).toBe(10);
    const offsets = () =>
      since()
        .filter((e) => e.path === listPath && !e.fault)
        .map((e) => (e.body as { offset: number }).offset);
    expect(offsets()).toEqual([0]);
    markLog();
    const resumed = runCounter();
    await syncOzonPostings(await connectorContextFor(hub, small), resumed.run);
    expect(offsets()).toEqual([10, 20]);
    expect(resumed.counts.created).toBe(sim.state.postings.size - 10);
    const [{ n }] = await rows<{ n: number }>(
      hub.db,
      sql`select count(*)::int as n from orders where account_id = ${small}`,
    );
    expect(n).toBe(sim.state.postings.size);
  });

  test('numeric offer_ids (and numeric Ozon SKUs) are matched like any other', async () => {
    const [fbo] = sim.state.warehouses.filter((w) => w.type === 'fbo');
    const p = sim.state.addProduct({
      productId: 399_000_001,
      offerId: '4607001',
      sku: 1_699_000_001,
      name: 'Числовой артикул',
      price: '10.0000',
      barcode: '4607001000017',
      archived: false,
    });
    sim.state.setStock(p.productId, fbo.id, { present: 17, reserved: 2, promised: 0 });
    await seedCatalog(hub.db, { count: 1, from: 4607001, skuPrefix: '', warehouseCode: 'MAIN' });
    const { run, problems } = runCounter();
    await syncOzonStocks(await context(), run);
    expect(problems).toEqual([]);
    const levels = await rows<{ source: string; stock_type: string; on_hand: number; reserved: number }>(
      hub.db,
      sql`
      select w.source, w.stock_type, l.on_hand, l.reserved from stock_levels l join warehouses w on w.id = l.warehouse_id join products pr on pr.id = l.product_id
       where pr.sku = '4607001' and w.code like ${`ozon-${accountId}-%`} order by w.source`,
    );
    expect(levels).toEqual([
      { source: 'ozon', stock_type: 'FBO', on_hand: 17, reserved: 2 },
      { source: 'ozon:analytics', stock_type: 'analytics', on_hand: 17, reserved: 2 },
    ]);
  });

  test('every request sent and every answer conforms to the Ozon spec, with no 429', async () => {
    const spec = await loadSpec('ozon/swagger.json');
    // Injected 500s are Ozon's documented error answer and are checked too; a dropped or garbled answer has nothing to check.
    expect(
      checkLog(
        spec,
        sim.log.filter((e) => e.fault !== 'timeout' && e.fault !== 'malformed'),
      ),
    ).toEqual([]);
    expect(sim.statusCounts()[429]).toBeUndefined();
  });
});
