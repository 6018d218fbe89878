import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAllegroSimulator } from '../../simulators/allegro/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { checkWbLog } from '../../simulators/wildberries/contract.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../simulators/wildberries/state.ts';
import { createWixSimulator } from '../../simulators/wix/index.ts';
import { allegroContractCheck } from '../channels/allegro/testing.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { createGenericAccount, seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { checkLog, loadSpec } from '../test/openapi-contract.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { channelPrice } from './prices.ts';
import { markPricesChanged, pushPendingPrices } from './push.ts';

/**
 * Prices (issue 20, docs/decisions/190) against the channels' simulators: a base price and an
 * account's rule reach the channel through the outbox, each change kept in the history; the
 * channel's refusal (below its minimum, a promotion holding the price) is kept on the listing.
 */

test('the channel price: its own, else base × factor, rounded half up to the step', () => {
  const base = { amount: 100_000, currency: 'RUB' };
  expect(channelPrice(base, null)).toEqual(base);
  expect(channelPrice(base, { amount: null, currency: null, factor_permille: 1150 })).toEqual({
    amount: 115_000,
    currency: 'RUB',
  });
  expect(
    channelPrice({ amount: 99_999, currency: 'RUB' }, { amount: null, currency: null, factor_permille: 1005 }, 100),
  ).toEqual({ amount: 100_500, currency: 'RUB' });
  expect(channelPrice({ amount: 12_345, currency: 'RUB' }, null, 100)).toEqual({ amount: 12_300, currency: 'RUB' });
  expect(channelPrice({ amount: 12_350, currency: 'RUB' }, null, 100)).toEqual({ amount: 12_400, currency: 'RUB' });
  expect(channelPrice(base, { amount: 5_000, currency: 'EUR', factor_permille: null })).toEqual({
    amount: 5_000,
    currency: 'EUR',
  });
  expect(channelPrice(null, { amount: null, currency: null, factor_permille: 1500 })).toBeNull();
});

describeEachDatabase('prices', (t) => {
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 4, fboWarehouses: 1, postings: 0, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });
  // SKU-1..4 are on Ozon, SKU-5 and SKU-6 on Allegro, Wix and WB.
  const allegro = createAllegroSimulator({ rateLimit: null });
  const wix = createWixSimulator({ rateLimit: null });
  const wb = createWildberriesSimulator({
    state: seedWildberries(new WbState(), {
      cards: 2,
      orderRows: 0,
      feedbacks: 0,
      claims: 0,
      fbsOrders: 0,
      article: (i) => `SKU-${i + 4}`,
    }),
  });
  let server: TestServer;
  let stop: () => Promise<void>;
  let closeSims: (() => Promise<void>)[] = [];
  let productIds: number[];
  let ozonId: number;
  const other = { allegro: 0, wix: 0, wildberries: 0 };

  beforeAll(async () => {
    const [o, a, w, b] = [await ozon.listen(), await allegro.listen(), await wix.listen(), await wb.listen()];
    closeSims = [o.close, a.close, w.close, b.close];
    // Parsed before the server starts: parsing them between two requests may outlast its keep-alive.
    await Promise.all(['ozon/swagger.json', 'allegro/swagger.yaml', 'wildberries/02-products.yaml'].map(loadSpec));
    server = await startTestServer(t.database);
    const hub = server.hub;
    ({ productIds } = await seedCatalog(hub.db, { count: 6, stock: () => 5 }));
    ozonId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon prices',
          baseUrl: o.url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
        },
        'test',
      )
    ).id;
    for (const sku of ['SKU-5', 'SKU-6'])
      allegro.state.addOffer({ name: `Product ${sku}`, externalId: sku, available: 1 });
    const client = allegro.state.addClient();
    other.allegro = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'allegro',
          name: 'Allegro prices',
          baseUrl: a.url,
          settings: { requestsPerSecond: 500, maxConcurrent: 4 },
          credentials: {
            clientId: client.id,
            clientSecret: client.secret,
            refreshToken: allegro.state.issueRefreshToken(client.id),
          },
        },
        'test',
      )
    ).id;
    const site = wix.state.addSite();
    for (const sku of ['SKU-5', 'SKU-6']) wix.state.addProduct(site.id, { name: `Product ${sku}`, sku, quantity: 1 });
    other.wix = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wix',
          name: 'Wix prices',
          baseUrl: w.url,
          credentials: { apiKey: site.apiKey, siteId: site.id },
          settings: { requestsPerSecond: 500, maxConcurrent: 4 },
        },
        'test',
      )
    ).id;
    other.wildberries = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wildberries',
          name: 'WB prices',
          baseUrl: b.url,
          credentials: { token: wb.token },
        },
        'test',
      )
    ).id;
    for (const id of [ozonId, ...Object.values(other)]) await syncAccount(hub, id);
    stop = startWorkers(hub, { concurrency: 2, pollMs: 20, types: ['outbox:price.changed', 'pricing.push'] });
  });
  afterAll(async () => {
    await stop?.();
    await server?.close();
    for (const close of closeSims) await close();
  });

  const prices = async (productId: number) => (await server.api(`/api/v1/products/${productId}/price`)).body;
  const listingOn = async (productId: number, accountId: number) =>
    (await prices(productId)).listings.find((l: { account_id: number }) => l.account_id === accountId);
  const ozonProduct = (sku: string) => ozon.state.byOfferId.get(sku)!;

  test('Ozon: the base price and the account’s rule reach the simulator through the outbox; the history says who and why', async () => {
    const [p1] = productIds;
    const base = await server.api(`/api/v1/products/${p1}/price`, {
      method: 'PUT',
      json: { amount: 100_000, currency: 'rub', reason: 'launch' },
    });
    expect(base.status).toBe(200);
    expect(base.body.base).toMatchObject({ amount: 100_000, currency: 'RUB' });
    await waitFor('the base price on Ozon', () => ozonProduct('SKU-1').price === '1000.0000');

    const rule = await server.api(`/api/v1/products/${p1}/prices/accounts/${ozonId}`, {
      method: 'PUT',
      json: { factor: '1.15', reason: 'Ozon commission' },
    });
    expect(rule.status).toBe(200);
    expect(rule.body.accounts).toEqual([{ account_id: ozonId, amount: null, currency: null, factor: '1.15' }]);
    await waitFor('the rule’s price on Ozon', () => ozonProduct('SKU-1').price === '1150.0000');
    const listing = await waitFor('the push settled', async () => {
      const l = await listingOn(p1, ozonId);
      return l && !l.needs_push && l.last_pushed_amount === 115_000 ? l : null;
    });
    expect(listing).toMatchObject({ last_pushed_currency: 'RUB', refusal: null });

    // The same price again writes nothing and sends nothing.
    const again = await server.api(`/api/v1/products/${p1}/price`, {
      method: 'PUT',
      json: { amount: 100_000, currency: 'RUB' },
    });
    expect(again.status).toBe(200);

    const history = await server.api(`/api/v1/products/${p1}/price/history`);
    expect(history.body.items).toEqual([
      expect.objectContaining({
        account_id: ozonId,
        before: null,
        after: { amount: null, currency: null, factor: '1.15' },
        actor: 'test-admin',
        reason: 'Ozon commission',
      }),
      expect.objectContaining({
        account_id: null,
        before: null,
        after: { amount: 100_000, currency: 'RUB' },
        actor: 'test-admin',
        reason: 'launch',
      }),
    ]);

    // Dropping the rule gives the account the base price again.
    const cleared = await server.api(`/api/v1/products/${p1}/prices/accounts/${ozonId}?reason=back`, {
      method: 'DELETE',
    });
    expect(cleared.status).toBe(200);
    await waitFor('the base price on Ozon again', () => ozonProduct('SKU-1').price === '1000.0000');

    const spec = await loadSpec('ozon/swagger.json');
    const sent = ozon.log.filter((e) => e.path === '/v1/product/import/prices');
    expect(sent.length).toBeGreaterThan(0);
    expect(checkLog(spec, sent)).toEqual([]);
  });

  test('Ozon: a price below the minimum and one a promotion holds are refused, and the listing says why', async () => {
    const [, p2, p3] = productIds;
    ozonProduct('SKU-2').minPrice = '900';
    ozonProduct('SKU-3').autoActionWithoutMinPrice = true;
    const before3 = ozonProduct('SKU-3').price;
    for (const id of [p2, p3])
      expect(
        (await server.api(`/api/v1/products/${id}/price`, { method: 'PUT', json: { amount: 80_000, currency: 'RUB' } }))
          .status,
      ).toBe(200);

    const refused2 = await waitFor('SKU-2 refused', async () => (await listingOn(p2, ozonId))?.refusal);
    expect(refused2).toMatch(/^PRICE_LESS_THAN_MIN_PRICE: /);
    const refused3 = await waitFor('SKU-3 refused', async () => (await listingOn(p3, ozonId))?.refusal);
    expect(refused3).toMatch(/^action_price_enabled_min_price_missing: /);
    expect(ozonProduct('SKU-3').price).toBe(before3);
    expect(await listingOn(p2, ozonId)).toMatchObject({
      needs_push: false,
      last_pushed_amount: null,
      refused_at: expect.any(String),
    });

    // A price above the minimum goes through and clears the refusal.
    await server.api(`/api/v1/products/${p2}/price`, {
      method: 'PUT',
      json: { amount: 95_000, currency: 'RUB', reason: 'above the minimum' },
    });
    await waitFor('SKU-2 priced', async () => {
      const l = await listingOn(p2, ozonId);
      return l?.last_pushed_amount === 95_000 && l.refusal === null;
    });
    expect(ozonProduct('SKU-2').price).toBe('950.0000');

    const runs = await rows<{ problems: { message: string }[] }>(
      server.hub.db,
      sql`
      select problems from sync_runs where type = 'pricing.push' and account_id = ${ozonId} and jsonb_array_length(problems) > 0`,
    );
    expect(runs.flatMap((r) => r.problems.map((p) => p.message))).toEqual(
      expect.arrayContaining([expect.stringContaining('PRICE_LESS_THAN_MIN_PRICE')]),
    );
  });

  test('Allegro, Wix and WB: the price reaches each simulator as its spec says; Allegro’s promotion and WB’s sale refuse it, and the listing says why', async () => {
    const [, , , , p5, p6] = productIds;
    const put = (path: string, json: unknown) => server.api(`/api/v1/products/${path}`, { method: 'PUT', json });
    expect((await put(`${p5}/prices/accounts/${other.wix}`, { amount: 12_990, currency: 'PLN' })).status).toBe(200);
    // WB takes whole rubles: 1999.50 goes out as 2000.
    expect(
      (
        await put(`${p5}/prices/accounts/${other.wildberries}`, {
          amount: 199_950,
          currency: 'RUB',
          reason: 'WB price',
        })
      ).status,
    ).toBe(200);
    expect((await put(`${p6}/prices/accounts/${other.wildberries}`, { amount: 150_000, currency: 'RUB' })).status).toBe(
      200,
    );
    allegro.state.offers.forEach((o) => {
      if (o.externalId === 'SKU-6') o.campaign = 'Allegro Days';
    });
    wb.state.byArticle.get('SKU-6')!.inSale = true;
    expect((await put(`${p5}/price`, { amount: 10_000, currency: 'PLN' })).status).toBe(200);
    expect((await put(`${p6}/price`, { amount: 5_000, currency: 'PLN' })).status).toBe(200);

    const offer = (sku: string) => [...allegro.state.offers.values()].find((o) => o.externalId === sku)!;
    const wixProduct = (sku: string) =>
      [...[...wix.state.sites.values()][0].products.values()].find((p) => p.sku === sku)!;
    await waitFor(
      'the prices on the simulators',
      () =>
        offer('SKU-5').price === '100.00' &&
        wixProduct('SKU-5').price === 129.9 &&
        wixProduct('SKU-6').price === 50 &&
        wb.state.byArticle.get('SKU-5')!.price === 2000,
    );
    const allegroRefusal = await waitFor(
      'Allegro refused SKU-6',
      async () => (await listingOn(p6, other.allegro))?.refusal,
    );
    expect(allegroRefusal).toMatch(/^HTTP 422: The offer takes part in the promotion "Allegro Days"/);
    expect(offer('SKU-6').price).toBe('49.99');
    const wbRefusal = await waitFor('WB refused SKU-6', async () => (await listingOn(p6, other.wildberries))?.refusal);
    expect(wbRefusal).toMatch(/Item was added to the Sale/);
    expect(wb.state.byArticle.get('SKU-6')!.price).not.toBe(1500);
    expect(
      await waitFor('WB settled', async () => {
        const l = await listingOn(p5, other.wildberries);
        return l?.last_pushed_amount === 200_000 ? l : null;
      }),
    ).toMatchObject({ refusal: null, last_pushed_currency: 'RUB' });

    const allegroCheck = await allegroContractCheck(allegro.log);
    expect(allegroCheck.problems).toEqual([]);
    expect(allegroCheck.kinds).toEqual(expect.arrayContaining(['PATCH /sale/product-offers/{id}']));
    const wbPrices = wb.log.filter((e) => e.path.startsWith('/api/v2/'));
    expect(wbPrices.map((e) => e.path)).toEqual(
      expect.arrayContaining(['/api/v2/upload/task', '/api/v2/history/goods/task']),
    );
    expect(await checkWbLog(wbPrices)).toEqual([]);
    expect(
      wix.log.filter((e) => e.method === 'PATCH' && e.path.startsWith('/stores/v1/products/')).map((e) => e.body),
    ).toEqual(
      expect.arrayContaining([{ product: { priceData: { price: 129.9 } } }, { product: { priceData: { price: 50 } } }]),
    );
  });

  test('changes before a push coalesce into one push of the latest price', async () => {
    const p4 = productIds[3];
    const hub = server.hub;
    const sentBefore = ozon.log.filter((e) => e.path === '/v1/product/import/prices').length;
    // Written as a bulk import would, without the outbox: the push below is the only one.
    for (const amount of [1_000, 2_000, 3_100]) {
      await hub.db.execute(sql`insert into product_prices (product_id, amount, currency) values (${p4}, ${amount}, 'RUB')
        on conflict (product_id) do update set amount = excluded.amount`);
      expect(await markPricesChanged(hub.db, [p4, p4])).toContain(ozonId);
    }
    const summary = await pushPendingPrices(hub, ozonId);
    expect(summary).toMatchObject({ busy: false, pushed: 1, failed: 0, remaining: 0 });
    const sent = ozon.log.filter((e) => e.path === '/v1/product/import/prices').slice(sentBefore);
    expect(sent.map((e) => (e.body as { prices: { price: string }[] }).prices.map((p) => p.price))).toEqual([
      ['31.00'],
    ]);
    // Nothing changed since: nothing is sent.
    await markPricesChanged(hub.db, [p4]);
    expect(await pushPendingPrices(hub, ozonId)).toMatchObject({ pushed: 0, unchanged: 1 });
    await hub.db.execute(sql`delete from product_prices where product_id = ${p4}`);
  });

  test('a rule needs a base price; a channel that takes no prices is a 409; an unknown product a 404', async () => {
    const p4 = productIds[3];
    const noBase = await server.api(`/api/v1/products/${p4}/prices/accounts/${ozonId}`, {
      method: 'PUT',
      json: { factor: '1.2' },
    });
    expect(noBase.status).toBe(409);
    expect(noBase.body.error).toMatchObject({ code: 'PRICE_BASE_MISSING' });
    expect(
      (await server.api(`/api/v1/products/${p4}/price`, { method: 'PUT', json: { amount: 1.5, currency: 'RUB' } }))
        .status,
    ).toBe(400);
    expect(
      (await server.api(`/api/v1/products/987654/price`, { method: 'PUT', json: { amount: 100, currency: 'RUB' } }))
        .status,
    ).toBe(404);
    expect(
      (
        await server.api(`/api/v1/products/${p4}/prices/accounts/987654`, {
          method: 'PUT',
          json: { amount: 100, currency: 'RUB' },
        })
      ).status,
    ).toBe(404);
    const generic = await createGenericAccount(server.hub, {
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'generic-key-prices-1',
    });
    const notTaken = await server.api(`/api/v1/products/${p4}/prices/accounts/${generic}`, {
      method: 'PUT',
      json: { amount: 100, currency: 'RUB' },
    });
    expect(notTaken.status).toBe(409);
    expect(notTaken.body.error).toMatchObject({ code: 'PRICE_NOT_TAKEN', details: { channel: 'generic' } });
  });
});
