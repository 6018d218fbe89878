import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  checkKaspiAnswer,
  checkKaspiRequest,
  createKaspiSimulator,
  kaspiSchemas,
  loadKaspiContract,
  type KaspiShop,
} from '../../../simulators/kaspi/index.ts';
import type { LoggedRequest } from '../../../simulators/toolkit/index.ts';
import { rows } from '../../db/database.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { createAccount, getAccount, loadState, setAccountStatus } from '../core/accounts.ts';
import { setStockRule } from '../core/availability.ts';
import { CredentialsRejected } from '../core/connector.ts';
import { connectorContextFor } from '../core/context.ts';
import { runConnectorJob } from '../core/jobs.ts';
import { importListings, matchListings } from '../core/listings.ts';
import { seedCatalog, type SeededCatalog } from '../core/testing.ts';
import { clearAccountPrice, setAccountPrice, setBasePrice } from '../../pricing/prices.ts';
import { kaspiConnector } from './connector.ts';

/**
 * Kaspi end to end: the simulator over HTTP (keeping to the strictest window integrators
 * report, 3 days), Sklad's HTTP app for the price list, the orders job as the engine runs it,
 * and the database underneath, on PGlite and PostgreSQL.
 */
describeEachDatabase('Kaspi: orders in, the price list out', (t) => {
  const MERCHANT = '30111222';
  const sim = createKaspiSimulator({ maxWindowDays: 3, rateLimit: { perSecond: 100, burst: 100 } });
  const shop: KaspiShop = sim.state.addShop({ merchantId: MERCHANT, name: 'Kaspi test shop' });
  let server: TestServer;
  let simServer: { url: string; close(): Promise<void> };
  let catalog: SeededCatalog;
  let accountId: number;
  const DAY = 86_400_000;
  const injected = new Set<LoggedRequest>();

  const baseUrl = () => `${simServer.url}/shop/api/v2`;
  const level = async (sku: string) =>
    (
      await rows<{ on_hand: number }>(
        server.hub.db,
        sql`select l.on_hand from stock_levels l join products p on p.id = l.product_id where p.sku = ${sku} and l.warehouse_id = ${catalog.warehouseId}`,
      )
    )[0]?.on_hand;
  const lastRun = async (id: number) =>
    (
      await rows<{
        status: string;
        error: string | null;
        created: number;
        updated: number;
        failed: number;
        problems: { message: string }[];
      }>(
        server.hub.db,
        sql`
      select status, error, created, updated, failed, problems from sync_runs where type = 'kaspi.orders' and account_id = ${id} order by id desc limit 1`,
      )
    )[0];
  const priceListUrl = async (id: number) => {
    const res = await server.api(`/api/v1/kaspi/${id}/price-list`);
    expect(res.status).toBe(200);
    return res.body as { url: string; merchant_id: string | null; store_id: string; problems: string[] };
  };
  const kaspiAccount = async (
    name: string,
    token: string,
    settings: Record<string, unknown> = { merchantId: MERCHANT },
  ) =>
    (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        { channel: 'kaspi', name, baseUrl: baseUrl(), credentials: { token }, settings },
        'test',
      )
    ).id;

  beforeAll(async () => {
    simServer = await sim.listen();
    server = await startTestServer(t.database);
    catalog = await seedCatalog(server.hub.db, { count: 5, skuPrefix: 'KSP-', stock: () => 10 });
    // Prices the seller set for Kaspi; KSP-5 has none yet.
    await server.hub.db.execute(
      sql`update products set attributes = jsonb_build_object('kaspi_price', 1000 * id, 'brand', 'Sklad') where sku <> 'KSP-5'`,
    );
    // Faster than the connector's cautious default, so 120 first-seen orders do not take half a minute.
    accountId = await kaspiAccount('Kaspi', shop.token, { merchantId: MERCHANT, requestsPerSecond: 50 });
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  it('serves the price list Kaspi downloads, with every product at its stock truth', async () => {
    const link = await priceListUrl(accountId);
    expect(link).toMatchObject({ merchant_id: MERCHANT, store_id: 'PP1', problems: [] });
    expect(link.url).toMatch(
      new RegExp(`^${server.baseUrl}/feeds/kaspi/${accountId}/price-list\\.xml\\?token=[A-Za-z0-9_-]{32}$`),
    );
    // Asked again: the same URL, the secret was made once.
    expect((await priceListUrl(accountId)).url).toBe(link.url);

    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    // Streamed: no length known in advance.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(await res.text()).toContain(
      '<!-- Left out: 1 product(s) without a price (set a price in Sklad), 0 with a SKU Kaspi does not take -->',
    );

    const list = await sim.downloadPriceList(link.url, MERCHANT);
    expect(list.problems).toEqual([]);
    expect(list.company).toBe('Kaspi');
    expect([...list.offers.keys()]).toEqual(['KSP-1', 'KSP-2', 'KSP-3', 'KSP-4']);
    const first = list.offers.get('KSP-1')!;
    expect(first).toMatchObject({ model: 'Product KSP-1', brand: 'Sklad', price: 1000 * catalog.productIds[0] });
    expect(Object.fromEntries(first.availabilities)).toEqual({
      PP1: { available: true, stockCount: 10, preOrder: null },
    });
  });

  it('imports an order with its entries, writes the stock off, and the next price list shows the new quantity', async () => {
    const order = shop.addOrder({
      entries: [
        { sku: 'KSP-1', name: 'Kaspi name of KSP-1', price: 12990.5, quantity: 3 },
        { sku: 'KSP-5', price: 4990 },
      ],
      delivery: 'kaspi',
    });
    await runConnectorJob(server.hub, accountId, 'orders');
    expect(await lastRun(accountId)).toMatchObject({ status: 'succeeded', created: 1, problems: [] });

    const [stored] = await rows<{
      id: number;
      status: string;
      channel_status: string;
      currency: string;
      total_minor: number;
      customer: { name: string; phone: string };
    }>(
      server.hub.db,
      sql`
      select id, status, channel_status, currency, total_minor, customer from orders where account_id = ${accountId} and external_id = ${order.code}`,
    );
    // 3 × 12 990.50 ₸ + 4 990 ₸ = 43 961.50 ₸, in tiyn, with no float in between.
    expect(stored).toMatchObject({
      status: 'new',
      channel_status: 'APPROVED_BY_BANK',
      currency: 'KZT',
      total_minor: 4_396_150,
    });
    expect(stored.customer).toMatchObject({ name: 'Айгерим Сапарова', phone: order.customer.cellPhone });
    const lines = await rows<{ sku: string; quantity: number; price_minor: number; product_id: number }>(
      server.hub.db,
      sql`
      select sku, quantity, price_minor, product_id from order_lines where order_id = ${stored.id} order by line_no`,
    );
    expect(lines).toEqual([
      { sku: 'KSP-1', quantity: 3, price_minor: 1_299_050, product_id: catalog.productIds[0] },
      { sku: 'KSP-5', quantity: 1, price_minor: 499_000, product_id: catalog.productIds[4] },
    ]);
    expect([await level('KSP-1'), await level('KSP-5')]).toEqual([7, 9]);

    const list = await sim.downloadPriceList((await priceListUrl(accountId)).url);
    expect(list.offers.get('KSP-1')!.availabilities.get('PP1')).toEqual({
      available: true,
      stockCount: 7,
      preOrder: null,
    });
    // KSP-5 has a price now: the one it sold at on Kaspi.
    expect(list.offers.get('KSP-5')).toMatchObject({
      price: 4990,
      availabilities: new Map([['PP1', { available: true, stockCount: 9, preOrder: null }]]),
    });
  });

  it('follows an order’s status: unchanged orders cost no entries request, a cancellation brings the stock back', async () => {
    const [order] = [...shop.orders.values()];
    const from = sim.log.length;
    await runConnectorJob(server.hub, accountId, 'orders');
    expect(sim.log.slice(from).filter((r) => r.path.endsWith('/entries'))).toEqual([]);

    shop.acceptOrder(order.code);
    shop.handToCourier(order.code);
    await runConnectorJob(server.hub, accountId, 'orders');
    expect(await lastRun(accountId)).toMatchObject({ status: 'succeeded', updated: 1 });
    const status = async () =>
      (
        await rows<{ status: string }>(server.hub.db, sql`select status from orders where external_id = ${order.code}`)
      )[0].status;
    expect(await status()).toBe('shipped');

    shop.cancelOrder(order.code, 'BUYER_CANCELLATION_BY_MERCHANT');
    await runConnectorJob(server.hub, accountId, 'orders');
    expect(await status()).toBe('cancelled');
    expect([await level('KSP-1'), await level('KSP-5')]).toEqual([10, 10]);
    const list = await sim.downloadPriceList((await priceListUrl(accountId)).url);
    expect(list.offers.get('KSP-1')!.availabilities.get('PP1')!.stockCount).toBe(10);
    expect(list.offers.get('KSP-5')!.availabilities.get('PP1')!.stockCount).toBe(10);
  });

  it('reads the followed days window by window, page by page, and an order created days ago is found', async () => {
    const old = shop.addOrder({ entries: [{ sku: 'KSP-2', price: 2000 }], at: Date.now() - 10 * DAY });
    for (let i = 0; i < 120; i++)
      shop.addOrder({ entries: [{ sku: 'KSP-3', price: 100 }], at: Date.now() - 2 * DAY + i * 60_000 });
    const from = sim.log.length;
    await runConnectorJob(server.hub, accountId, 'orders');
    expect(await lastRun(accountId)).toMatchObject({ status: 'succeeded', created: 121 });
    const lists = sim.log.slice(from).filter((r) => r.path === '/shop/api/v2/orders');
    const param = (r: LoggedRequest, key: string) => [r.query[key]].flat()[0];
    const windows = lists.map((r) => [
      Number(param(r, 'filter[orders][creationDate][$ge]')),
      Number(param(r, 'filter[orders][creationDate][$le]')),
    ]);
    expect(windows.every(([a, b]) => b - a <= loadKaspiContract().windowDays.strictest * DAY)).toBe(true);
    // 14 days in windows of 3 (the simulator refuses wider), the one with 120 orders read in two pages of 100.
    expect(new Set(windows.map(([a]) => a)).size).toBe(5);
    expect(lists.map((r) => param(r, 'page[size]'))).toEqual(lists.map(() => '100'));
    expect(lists.filter((r) => param(r, 'page[number]') === '1')).toHaveLength(1);
    expect((await rows(server.hub.db, sql`select id from orders where external_id = ${old.code}`)).length).toBe(1);
    expect(await level('KSP-3')).toBe(0);
    const state = await loadState<{ orders: { readUntil: number; run?: unknown; seen: Record<string, unknown> } }>(
      server.hub.db,
      server.hub.masterKey!,
      accountId,
    );
    expect(state!.orders.run).toBeUndefined();
    expect(Object.keys(state!.orders.seen)).toHaveLength(shop.orders.size);
    // The price list's secret is still there: the job merged its part into the state.
    expect(await priceListUrl(accountId)).toMatchObject({
      url: expect.stringContaining((await priceListUrl(accountId)).url.split('token=')[1]),
    });
    const list = await sim.downloadPriceList((await priceListUrl(accountId)).url);
    expect(list.offers.get('KSP-3')!.availabilities.get('PP1')).toEqual({
      available: false,
      stockCount: 0,
      preOrder: null,
    });
  });

  it('fetches one order by its code for the support tools, even one older than the followed days', async () => {
    const ancient = shop.addOrder({ entries: [{ sku: 'KSP-4', price: 777, quantity: 2 }], at: Date.now() - 40 * DAY });
    shop.acceptOrder(ancient.code);
    const ctx = await connectorContextFor(server.hub, accountId);
    const fact = await kaspiConnector.fetchOrder!(ctx, ancient.code);
    expect(fact).toMatchObject({
      externalId: ancient.code,
      status: 'confirmed',
      currency: 'KZT',
      totalMinor: 155_400,
      lines: [{ ref: { sku: 'KSP-4' }, quantity: 2, priceMinor: 77_700 }],
    });
    const [result] = await ctx.ingest.orders([fact!]);
    expect(result).toMatchObject({ created: true, unmatched: [] });
    expect(await level('KSP-4')).toBe(8);
    expect(await kaspiConnector.fetchOrder!(ctx, '999999999')).toBeNull();
  });

  it('records an order of unexpected shape as a problem naming the field, imports the rest, and fails a run on broken JSON', async () => {
    const from = sim.log.length;
    const bad = shop.addOrder({ entries: [{ sku: 'KSP-2', price: 100 }] });
    bad.override = { attributes: { totalPrice: '12 990' } };
    const badEntries = shop.addOrder({ entries: [{ sku: 'KSP-2', price: 100 }] });
    badEntries.override = {
      entries: (e) => ({
        ...(e as object),
        attributes: { ...(e as { attributes: object }).attributes, quantity: 1.5 },
      }),
    };
    const good = shop.addOrder({ entries: [{ sku: 'KSP-2', price: 100 }] });
    await runConnectorJob(server.hub, accountId, 'orders');
    for (const r of sim.log.slice(from))
      if (JSON.stringify(r.responseBody).includes(bad.code) || r.path.includes(badEntries.id)) injected.add(r);
    const run = await lastRun(accountId);
    expect(run).toMatchObject({ status: 'partial', created: 1, failed: 2 });
    expect(run.problems.map((p) => p.message).sort()).toEqual(
      [
        `Kaspi order ${bad.code}: attributes.totalPrice: Invalid input: expected number, received string`,
        expect.stringMatching(
          new RegExp(
            `^Kaspi order ${badEntries.code}: Kaspi answered GET /orders/.+/entries in an unexpected shape: data\\[0\\]\\.attributes\\.quantity: `,
          ),
        ),
      ].sort(),
    );
    const imported = async (code: string) =>
      (await rows(server.hub.db, sql`select id from orders where external_id = ${code}`)).length;
    expect([await imported(bad.code), await imported(badEntries.code), await imported(good.code)]).toEqual([0, 0, 1]);

    // Fixed on Kaspi's side: the next run imports them, as they were never marked seen.
    bad.override = undefined;
    badEntries.override = undefined;
    await runConnectorJob(server.hub, accountId, 'orders');
    expect(await lastRun(accountId)).toMatchObject({ status: 'succeeded', created: 2 });

    sim.faults.next('malformed', 5, ['/shop/api/v2/orders']);
    await expect(runConnectorJob(server.hub, accountId, 'orders')).rejects.toThrow(/not valid JSON/);
    expect(await lastRun(accountId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/GET .*\/shop\/api\/v2\/orders.* failed: the answer is not valid JSON/),
    });
    expect(await lastRun(accountId).then((r) => r.error)).not.toContain(shop.token);
  });

  it('turns an account needs_reauth with Kaspi’s reason when its token is refused', async () => {
    const refused = await kaspiAccount('Kaspi refused', 'a-token-kaspi-never-made');
    const ctx = await connectorContextFor(server.hub, refused, { allowInactive: true });
    expect(await kaspiConnector.validate(ctx)).toEqual({
      ok: false,
      reason: 'Kaspi refused the API token (HTTP 401: Invalid or missing X-Auth-Token)',
    });
    await expect(runConnectorJob(server.hub, refused, 'orders')).rejects.toBeInstanceOf(CredentialsRejected);
    const account = await getAccount(server.hub.db, refused);
    expect(account).toMatchObject({
      status: 'needs_reauth',
      status_reason: 'Kaspi refused the API token (HTTP 401: Invalid or missing X-Auth-Token)',
    });
    expect(await lastRun(refused)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Kaspi refused the API token'),
    });
    const fine = await kaspiConnector.validate(await connectorContextFor(server.hub, accountId));
    expect(fine).toMatchObject({
      ok: true,
      details: expect.stringMatching(/^Kaspi answered: \d+ order\(s\) in the last 24 hours$/),
    });
  });

  it('answers 404 to a wrong token, another account or no merchant id, the same each time', async () => {
    const { url } = await priceListUrl(accountId);
    const wrong = await fetch(url.replace(/token=.*/, 'token=guessed-token-guessed-token-gue'));
    expect(wrong.status).toBe(404);
    const body = await wrong.json();
    expect(body.error).toMatchObject({ code: 'NOT_FOUND', message: 'No such price list' });
    const noToken = await fetch(url.replace(/\?token=.*/, ''));
    expect(noToken.status).toBe(404);
    const otherId = await fetch(url.replace(`/kaspi/${accountId}/`, '/kaspi/999999/'));
    expect([otherId.status, await otherId.json()]).toEqual([404, body]);

    const unnamed = await kaspiAccount('Kaspi without merchant', shop.token, {});
    const link = await priceListUrl(unnamed);
    expect(link.problems).toEqual([
      'settings.merchantId is not set: the price list names the shop by it, and is not served without it',
    ]);
    expect((await fetch(link.url)).status).toBe(404);
    // Another account's token does not open this one's list.
    expect((await fetch(url.replace(/token=.*/, link.url.split('?')[1]))).status).toBe(404);

    await setAccountStatus(server.hub.db, unnamed, 'disabled', 'test', 'test');
    expect((await priceListUrl(unnamed)).problems).toContain('the account is disabled: its price list is not served');
    const generic = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'generic',
          name: 'Generic',
          baseUrl: 'http://127.0.0.1:9',
          credentials: { apiKey: 'generic-key-1' },
        },
        'test',
      )
    ).id;
    const notKaspi = await server.api(`/api/v1/kaspi/${generic}/price-list`);
    expect(notKaspi.status).toBe(404);
    expect((await server.api(`/api/v1/kaspi/${accountId}/price-list`, { key: null })).status).toBe(401);
    expect((await server.api('/openapi.json')).body.paths['/api/v1/kaspi/{id}/price-list'].get.summary).toMatch(
      /price list/,
    );
  });

  it('lists the account’s listings when it has some, at the stock rule’s quantities', async () => {
    const ruled = await kaspiAccount('Kaspi ruled', shop.token);
    await setStockRule(
      server.hub.db,
      ruled,
      { warehouse_ids: [catalog.warehouseId], safety_buffer: 3, max_quantity: 5 },
      'test',
    );
    const everything = await sim.downloadPriceList((await priceListUrl(ruled)).url);
    // What the main warehouse holds now (10, 6, 0, 8), less 3 kept back, at most 5; KSP-5 never sold on this shop, so it has no price here.
    expect([...everything.offers.values()].map((o) => [o.sku, o.availabilities.get('PP1')!.stockCount])).toEqual([
      ['KSP-1', 5],
      ['KSP-2', 3],
      ['KSP-3', 0],
      ['KSP-4', 5],
    ]);
    await importListings(server.hub.db, ruled, [{ externalId: 'kaspi-KSP-2', sku: 'KSP-2' }]);
    await matchListings(server.hub.db, ruled);
    const listed = await sim.downloadPriceList((await priceListUrl(ruled)).url);
    expect([...listed.offers.keys()]).toEqual(['KSP-2']);
  });

  it('carries Sklad’s price for the account: its own price or rule, else the base price, in whole tenge; the old sources only as fallbacks', async () => {
    const [p1, p2, p3] = catalog.productIds;
    const actor = 'test';
    // KSP-1: a base price in tenge (1 299.50 ₸ rounds half up to 1 300 ₸); KSP-2: the base × 1.15 on this account; KSP-3: the account's own price.
    await setBasePrice(server.hub.db, p1, { amount: 129_950, currency: 'KZT' }, actor);
    await setBasePrice(server.hub.db, p2, { amount: 200_000, currency: 'KZT' }, actor);
    await setAccountPrice(server.hub.db, p2, accountId, { factor: 1150 }, actor);
    await setBasePrice(server.hub.db, p3, { amount: 500_000, currency: 'KZT' }, actor);
    await setAccountPrice(server.hub.db, p3, accountId, { amount: 450_000, currency: 'KZT' }, actor);
    // KSP-4: priced in rubles only: not Kaspi's currency, so its kaspi_price attribute still goes.
    await setBasePrice(server.hub.db, catalog.productIds[3], { amount: 99_900, currency: 'RUB' }, actor);
    const price = async () => {
      const res = await fetch((await priceListUrl(accountId)).url);
      const xml = await res.text();
      const list = await sim.downloadPriceList((await priceListUrl(accountId)).url, MERCHANT);
      expect(list.problems).toEqual([]);
      return { xml, prices: Object.fromEntries([...list.offers.values()].map((o) => [o.sku, o.price])) };
    };
    const first = await price();
    expect(first.prices).toMatchObject({
      'KSP-1': 1300,
      'KSP-2': 2300,
      'KSP-3': 4500,
      'KSP-4': 1000 * catalog.productIds[3],
    });
    expect(first.xml).toContain(
      '<!-- 1 product(s) priced in Sklad in another currency than KZT: their fallback price went out -->',
    );

    // A change is in the next download; another Kaspi account has no rule and gets the base price.
    await setBasePrice(server.hub.db, p1, { amount: 150_000, currency: 'KZT', reason: 'Kaspi price up' }, actor);
    await clearAccountPrice(server.hub.db, p3, accountId, actor);
    expect((await price()).prices).toMatchObject({ 'KSP-1': 1500, 'KSP-2': 2300, 'KSP-3': 5000 });
    const other = await kaspiAccount('Kaspi second shop', shop.token);
    const list = await sim.downloadPriceList((await priceListUrl(other)).url, MERCHANT);
    expect(list.offers.get('KSP-2')!.price).toBe(2000);
  });

  it('sent only requests Kaspi documents, and the simulator answered in the digest’s shapes', () => {
    const contract = loadKaspiContract();
    const schemas = kaspiSchemas(contract);
    expect(sim.log.length).toBeGreaterThan(20);
    // The account's pace (50 a second) stayed under the simulator's limit.
    expect(sim.statusCounts()[429]).toBeUndefined();
    expect(sim.log.flatMap((r) => checkKaspiRequest(r, contract, schemas))).toEqual([]);
    // The answers made malformed on purpose above are checked as requests only (the toolkit's 'malformed' ones are skipped by the check).
    expect(injected.size).toBe(2);
    expect(sim.log.filter((r) => !injected.has(r)).flatMap((r) => checkKaspiAnswer(r, contract, schemas))).toEqual([]);
    expect(
      new Set(sim.log.map((r) => `${r.method} ${r.path.replace(/orders\/[^/]+\/entries/, 'orders/{id}/entries')}`)),
    ).toEqual(new Set(['GET /shop/api/v2/orders', 'GET /shop/api/v2/orders/{id}/entries']));
  });
});
