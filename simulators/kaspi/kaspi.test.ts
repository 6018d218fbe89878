import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKaspiAnswer, kaspiSchemas, loadKaspiContract } from './contract.ts';
import { createKaspiSimulator, type KaspiShop, type KaspiSimulator } from './index.ts';
import { CANCELLATION_REASONS, ORDER_STATES, ORDER_STATUSES } from './state.ts';

/**
 * The simulator against ../shared/specs/kaspi/CONTRACT.md, read at run time by contract.ts:
 * every answer any simulator of this file gave is checked at the end against the schemas
 * written from the digest.
 */

type Server = { url: string; close(): Promise<void> };

const contract = loadKaspiContract();
const schemas = kaspiSchemas(contract);
const started: { sim: KaspiSimulator; server: Server }[] = [];
const DAY = 86_400_000;

async function start(options: Parameters<typeof createKaspiSimulator>[0] = {}) {
  const sim = createKaspiSimulator({ rateLimit: null, ...options });
  const server = await sim.listen();
  started.push({ sim, server });
  return { sim, server };
}

interface CallOptions {
  token?: string | null;
  query?: Record<string, string | number>;
  method?: 'GET' | 'POST';
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

async function call(
  base: string,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; type: string | null; headers: Headers; body: any }> {
  const url = new URL(`${base}/shop/api/v2${path}`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/vnd.api+json',
    ...options.headers,
  };
  if (options.token) headers['x-auth-token'] = options.token;
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: await res.json() };
}

const windowOf = (from: number, to: number) => ({
  'filter[orders][creationDate][$ge]': from,
  'filter[orders][creationDate][$le]': to,
});
const firstPage = (size = 100) => ({ 'page[number]': 0, 'page[size]': size });

describe('Kaspi simulator', () => {
  let sim: KaspiSimulator;
  let server: Server;
  let shop: KaspiShop;
  let other: KaspiShop;
  const now = Date.now();

  beforeAll(async () => {
    ({ sim, server } = await start());
    shop = sim.state.addShop({ merchantId: '30111222', name: 'Demo shop', stores: ['PP1', 'PP2'] });
    other = sim.state.addShop({ merchantId: '30999888' });
    for (let i = 0; i < 250; i++)
      shop.addOrder({
        entries: [{ sku: `SKU-${i % 10}`, price: 1990, quantity: 1 + (i % 3) }],
        at: now - DAY + i * 1000,
      });
    other.addOrder({ entries: [{ sku: 'OTHER-1', price: 500 }], at: now - 1000 });
  });
  afterAll(() => Promise.all(started.map(({ server: s }) => s.close())));

  it('holds to what the digest says', () => {
    expect(contract.baseUrl).toBe('https://kaspi.kz/shop/api/v2');
    expect(contract.authHeader).toBe('X-Auth-Token');
    expect(contract.mediaType).toBe('application/vnd.api+json');
    expect(contract.maxPageSize).toBe(100);
    expect(contract.windowDays).toEqual({ reported: 14, strictest: 3 });
    expect([...ORDER_STATES]).toEqual(contract.states);
    expect([...ORDER_STATUSES]).toEqual(contract.statuses);
    expect([...CANCELLATION_REASONS]).toEqual(contract.cancellationReasons);
    expect(contract.statusChanges).toEqual(
      expect.arrayContaining([
        'ACCEPTED_BY_MERCHANT',
        'COMPLETED',
        'CANCELLED',
        'ARRIVED',
        'ARRIVED_BACKWARD',
        'ASSEMBLE',
      ]),
    );
    expect(contract.deliveryModes).toEqual([
      'DELIVERY_LOCAL',
      'DELIVERY_PICKUP',
      'DELIVERY_REGIONAL_TODOOR',
      'DELIVERY_REGIONAL_PICKUP',
    ]);
  });

  it('answers only a known token, each with its own shop’s orders', async () => {
    const query = { ...firstPage(), ...windowOf(now - 2 * DAY, now) };
    const none = await call(server.url, '/orders', { query });
    expect(none.status).toBe(401);
    expect(schemas.error.parse(none.body).errors[0]).toMatchObject({ status: '401', title: 'Unauthorized' });
    expect((await call(server.url, '/orders', { query, token: 'not-a-token' })).status).toBe(401);

    const mine = await call(server.url, '/orders', { query, token: shop.token });
    expect(mine.status).toBe(200);
    expect(mine.type).toBe('application/vnd.api+json');
    expect(mine.body.meta.totalCount).toBe(250);
    const theirs = await call(server.url, '/orders', { query, token: other.token });
    expect(theirs.body.data.map((o: any) => o.attributes.code)).toEqual([...other.orders.keys()]);
    // Its root is a base URL as well (the demo's accounts use it so).
    const atRoot = await fetch(
      `${server.url}/orders?page[number]=0&page[size]=1&filter[orders][creationDate][$ge]=${now - DAY}&filter[orders][creationDate][$le]=${now}`,
      { headers: { 'x-auth-token': shop.token } },
    );
    expect([atRoot.status, (await atRoot.json()).meta.totalCount]).toEqual([200, mine.body.meta.totalCount]);
    // Another shop's order is not found through this token.
    const foreign = [...other.orders.values()][0];
    expect((await call(server.url, `/orders/${foreign.id}/entries`, { token: shop.token })).status).toBe(404);
  });

  it('pages by page[number] from 0 and page[size] up to 100, both required', async () => {
    const window = windowOf(now - 2 * DAY, now);
    const pages = [];
    for (let n = 0; n < 3; n++)
      pages.push(
        (
          await call(server.url, '/orders', {
            query: { 'page[number]': n, 'page[size]': 100, ...window },
            token: shop.token,
          })
        ).body,
      );
    expect(pages.map((p) => p.data.length)).toEqual([100, 100, 50]);
    expect(pages.every((p) => p.meta.pageCount === 3 && p.meta.totalCount === 250)).toBe(true);
    expect(pages[0].links.next).toMatch(/page%5Bnumber%5D=1/);
    expect(pages[2].links.next).toBeUndefined();
    const codes = pages.flatMap((p) => p.data.map((o: any) => o.attributes.code));
    expect(new Set(codes).size).toBe(250);
    // Oldest first, so a page read later still starts where the last one ended.
    const dates = pages.flatMap((p) => p.data.map((o: any) => o.attributes.creationDate));
    expect(dates).toEqual([...dates].sort((a, b) => a - b));

    for (const query of [
      { 'page[size]': 10, ...window },
      { 'page[number]': 0, ...window },
      { 'page[number]': 0, 'page[size]': 101, ...window },
      { 'page[number]': -1, 'page[size]': 10, ...window },
    ]) {
      const refused = await call(server.url, '/orders', { query, token: shop.token });
      expect(refused.status, JSON.stringify(query)).toBe(400);
      expect(refused.body.errors[0].detail).toMatch(/page\[(number|size)\]/);
    }
  });

  it('needs a creation-date window in milliseconds no wider than 14 days', async () => {
    const refused = await call(server.url, '/orders', { query: firstPage(), token: shop.token });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].detail).toBe('filter[orders][creationDate][$ge] is required');
    const wide = await call(server.url, '/orders', {
      query: { ...firstPage(), ...windowOf(now - 14 * DAY - 1, now) },
      token: shop.token,
    });
    expect(wide.status).toBe(400);
    expect(wide.body).toEqual({
      errors: [{ status: '400', title: 'Bad Request', detail: 'The creationDate window is longer than 14 days' }],
    });
    expect(
      (
        await call(server.url, '/orders', {
          query: { ...firstPage(), ...windowOf(now - 14 * DAY, now) },
          token: shop.token,
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(server.url, '/orders', { query: { ...firstPage(), ...windowOf(now, now - DAY) }, token: shop.token }))
        .status,
    ).toBe(400);
    // Seconds or ISO dates are not milliseconds.
    expect(
      (
        await call(server.url, '/orders', {
          query: {
            ...firstPage(),
            'filter[orders][creationDate][$ge]': new Date(now - DAY).toISOString(),
            'filter[orders][creationDate][$le]': now,
          },
          token: shop.token,
        })
      ).status,
    ).toBe(400);
    // Both bounds hold: an order at either edge is in.
    const edge = [...shop.orders.values()][0];
    const exact = await call(server.url, '/orders', {
      query: { ...firstPage(), ...windowOf(edge.creationDate, edge.creationDate) },
      token: shop.token,
    });
    expect(exact.body.data.map((o: any) => o.attributes.code)).toEqual([edge.code]);

    const { sim: strict, server: strictServer } = await start({ maxWindowDays: 3 });
    const strictShop = strict.state.addShop({ merchantId: '30000003' });
    const four = await call(strictServer.url, '/orders', {
      query: { ...firstPage(), ...windowOf(now - 4 * DAY, now) },
      token: strictShop.token,
    });
    expect(four.body.errors[0].detail).toBe('The creationDate window is longer than 3 days');
  });

  it('filters by state, status and code, and refuses what it does not know', async () => {
    const [a, b, c] = [...shop.orders.values()].slice(-3);
    shop.acceptOrder(a.code);
    shop.cancelOrder(b.code, 'BUYER_NOT_REACHABLE');
    const window = windowOf(now - 2 * DAY, now);
    const codes = async (query: Record<string, string | number>) =>
      (
        await call(server.url, '/orders', { query: { ...firstPage(), ...window, ...query }, token: shop.token })
      ).body.data.map((o: any) => o.attributes.code);
    expect(await codes({ 'filter[orders][state]': 'KASPI_DELIVERY' })).toEqual([a.code]);
    expect(await codes({ 'filter[orders][status]': 'CANCELLED' })).toEqual([b.code]);
    expect(await codes({ 'filter[orders][state]': 'ARCHIVE', 'filter[orders][status]': 'CANCELLED' })).toEqual([
      b.code,
    ]);
    const fresh = await call(server.url, '/orders', {
      query: { ...firstPage(), ...window, 'filter[orders][state]': 'NEW' },
      token: shop.token,
    });
    expect(fresh.body.meta.totalCount).toBe(248);

    // §3: one order by its code, with no window needed.
    const byCode = await call(server.url, '/orders', {
      query: { ...firstPage(1), 'filter[orders][code]': c.code },
      token: shop.token,
    });
    expect(byCode.body.data).toHaveLength(1);
    expect(byCode.body.data[0]).toMatchObject({
      id: c.id,
      attributes: { code: c.code, status: 'APPROVED_BY_BANK', state: 'NEW' },
    });
    expect(byCode.body.meta).toEqual({ pageCount: 1, totalCount: 1 });

    const refused: Record<string, string>[] = [
      { 'filter[orders][state]': 'SHIPPED' },
      { 'filter[orders][status]': 'PAID' },
      { 'filter[orders][colour]': 'red' },
      { 'filter[orders][state]': 'PICKUP', 'filter[orders][deliveryType]': 'PICKUP' },
    ];
    for (const query of refused) {
      expect(
        (await call(server.url, '/orders', { query: { ...firstPage(), ...window, ...query }, token: shop.token }))
          .status,
        JSON.stringify(query),
      ).toBe(400);
    }
  });

  it('includes the buyer on asking, and masks the phone of an archived order', async () => {
    const [order] = [...shop.orders.values()];
    const found = await call(server.url, '/orders', {
      query: { ...firstPage(1), 'filter[orders][code]': order.code, 'include[orders]': 'user' },
      token: shop.token,
    });
    expect(found.body.included).toEqual([
      {
        type: 'customers',
        id: order.customer.id,
        attributes: expect.objectContaining({ cellPhone: order.customer.cellPhone }),
      },
    ]);
    shop.setStatus(order.code, 'COMPLETED');
    const archived = await call(server.url, '/orders', {
      query: { ...firstPage(1), 'filter[orders][code]': order.code },
      token: shop.token,
    });
    expect(archived.body.data[0].attributes.state).toBe('ARCHIVE');
    expect(archived.body.data[0].attributes.customer.cellPhone).toMatch(/^7\*+\d\d$/);
  });

  it('lists an order’s entries with the offer code the seller’s price list names', async () => {
    const order = shop.addOrder({
      entries: [
        { sku: 'MUG-RED', name: 'Mug, red', price: 2590, quantity: 2 },
        { sku: 'TEE-M', price: 4990.5, store: 'PP2' },
      ],
    });
    const entries = await call(server.url, `/orders/${order.id}/entries`, { token: shop.token });
    expect(entries.status).toBe(200);
    expect(
      entries.body.data.map((e: any) => [
        e.attributes.offer.code,
        e.attributes.quantity,
        e.attributes.basePrice,
        e.attributes.totalPrice,
      ]),
    ).toEqual([
      ['MUG-RED', 2, 2590, 5180],
      ['TEE-M', 1, 4990.5, 4990.5],
    ]);
    expect(entries.body.data[1].relationships.deliveryPointOfService.data).toEqual({
      type: 'pointofservices',
      id: '30111222_PP2',
    });
    const one = await call(server.url, `/orderentries/${entries.body.data[0].id}`, { token: shop.token });
    expect(one.body.data.attributes.offer).toEqual({ code: 'MUG-RED', name: 'Mug, red' });
    expect((await call(server.url, '/orders/bm8tc3VjaA/entries', { token: shop.token })).status).toBe(404);
  });

  it('changes a status by POST /orders, only along the documented steps', async () => {
    const order = shop.addOrder({ entries: [{ sku: 'SKU-1', price: 1000 }] });
    const post = (attributes: Record<string, unknown>, contentType?: string) =>
      call(server.url, '/orders', {
        method: 'POST',
        token: shop.token,
        contentType,
        body: { data: { type: 'orders', id: order.id, attributes: { code: order.code, ...attributes } } },
      });

    expect((await post({ status: 'ACCEPTED_BY_MERCHANT' }, 'application/json')).status).toBe(415);
    const accepted = await post({ status: 'ACCEPTED_BY_MERCHANT' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.data.attributes).toMatchObject({ status: 'ACCEPTED_BY_MERCHANT', state: 'KASPI_DELIVERY' });
    expect(accepted.body.included).toEqual([]);
    expect((await post({ status: 'ACCEPTED_BY_MERCHANT' })).status).toBe(400);
    expect((await post({ status: 'ASSEMBLE' })).body.errors[0].detail).toMatch(/numberOfSpace/);
    const assembled = await post({ status: 'ASSEMBLE', numberOfSpace: 2 });
    expect(assembled.body.data.attributes.kaspiDelivery.waybill).toMatch(/^https:\/\//);
    expect((await post({ status: 'CANCELLED' })).body.errors[0].detail).toMatch(/cancellationReason/);
    expect(
      (
        await post({
          status: 'CANCELLED',
          cancellationReason: 'MERCHANT_OUT_OF_STOCK',
          cancellationComment: 'x'.repeat(1001),
        })
      ).status,
    ).toBe(400);
    const cancelled = await post({ status: 'CANCELLED', cancellationReason: 'MERCHANT_OUT_OF_STOCK' });
    expect(cancelled.body.data.attributes).toMatchObject({
      status: 'CANCELLED',
      state: 'ARCHIVE',
      cancellationReason: 'MERCHANT_OUT_OF_STOCK',
    });
    expect((await post({ status: 'COMPLETED' })).status).toBe(400);
    expect((await post({ code: '1', status: 'COMPLETED' })).body.errors[0].detail).toMatch(/attributes\.code/);

    // A return the buyer asked for ends in RETURNED once the goods are back.
    const returned = shop.addOrder({ entries: [{ sku: 'SKU-2', price: 1000 }] });
    shop.setStatus(returned.code, 'KASPI_DELIVERY_RETURN_REQUESTED');
    const back = await call(server.url, '/orders', {
      method: 'POST',
      token: shop.token,
      body: {
        data: { type: 'orders', id: returned.id, attributes: { code: returned.code, status: 'ARRIVED_BACKWARD' } },
      },
    });
    expect(back.body.data.attributes).toMatchObject({ status: 'RETURNED', state: 'ARCHIVE' });
  });

  it('completes an order only with the security code Kaspi texted the buyer, in two steps', async () => {
    const order = shop.addOrder({ entries: [{ sku: 'SKU-3', price: 1000 }] });
    shop.acceptOrder(order.code);
    const complete = (headers: Record<string, string>) =>
      call(server.url, '/orders', {
        method: 'POST',
        token: shop.token,
        headers,
        body: { data: { type: 'orders', id: order.id, attributes: { code: order.code, status: 'COMPLETED' } } },
      });
    expect((await complete({})).body.errors[0].detail).toMatch(/X-Security-Code/);
    expect((await complete({ 'x-security-code': '' })).body.errors[0].detail).toMatch(/X-Send-Code/);
    const sent = await complete({ 'x-security-code': '', 'x-send-code': 'true' });
    expect(sent.body.data.attributes.status).toBe('ACCEPTED_BY_MERCHANT');
    expect(order.securityCode).toMatch(/^\d{6}$/);
    expect((await complete({ 'x-security-code': '000000' })).body.errors[0].detail).toMatch(/security code is wrong/);
    const done = await complete({ 'x-security-code': order.securityCode! });
    expect(done.body.data.attributes).toMatchObject({ status: 'COMPLETED', state: 'ARCHIVE' });
  });

  it('can lose the answer of a status change it made', async () => {
    const order = shop.addOrder({ entries: [{ sku: 'SKU-4', price: 1000 }] });
    const accept = () =>
      call(server.url, '/orders', {
        method: 'POST',
        token: shop.token,
        body: {
          data: { type: 'orders', id: order.id, attributes: { code: order.code, status: 'ACCEPTED_BY_MERCHANT' } },
        },
      });
    sim.loseAnswers(1);
    const lost = await accept();
    expect(lost.status).toBe(502);
    expect(lost.body.errors[0]).toMatchObject({ status: '502' });
    expect(order.status).toBe('ACCEPTED_BY_MERCHANT');
    // The repeat meets Kaspi's refusal: the order is accepted already.
    expect((await accept()).body.errors[0].detail).toMatch(/it is ACCEPTED_BY_MERCHANT/);
  });

  it('answers faults and its rate limit in the same error document', async () => {
    sim.faults.next('503', 1);
    const failed = await call(server.url, '/orders', {
      query: { ...firstPage(), ...windowOf(now - DAY, now) },
      token: shop.token,
    });
    expect(failed.status).toBe(503);
    expect(failed.body.errors[0]).toMatchObject({ status: '503' });

    const { sim: limited, server: limitedServer } = await start({ rateLimit: { perSecond: 1, burst: 2 } });
    const a = limited.state.addShop({ merchantId: '30000001' });
    const b = limited.state.addShop({ merchantId: '30000002' });
    const query = { ...firstPage(), ...windowOf(now - DAY, now) };
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await call(limitedServer.url, '/orders', { query, token: a.token })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await call(limitedServer.url, '/orders', { query, token: a.token });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.errors[0]).toMatchObject({ status: '429', title: 'Too Many Requests' });
    // The limit is the token's: another shop is not held up.
    expect((await call(limitedServer.url, '/orders', { query, token: b.token })).status).toBe(200);
  });

  it('plays its test controls for other processes', async () => {
    const made = await (
      await fetch(`${server.url}/__sim/kaspi/shops`, {
        method: 'POST',
        body: JSON.stringify({ merchantId: '30444555', token: 'control-made-token' }),
      })
    ).json();
    expect(made).toMatchObject({ merchantId: '30444555', token: 'control-made-token', stores: ['PP1'] });
    const order = (
      await (
        await fetch(`${server.url}/__sim/kaspi/shops/30444555/orders`, {
          method: 'POST',
          body: JSON.stringify({ entries: [{ sku: 'A1', price: 100, quantity: 3 }] }),
        })
      ).json()
    ).order;
    expect(order.attributes).toMatchObject({ status: 'APPROVED_BY_BANK', totalPrice: 300 });
    const cancelled = await (
      await fetch(`${server.url}/__sim/kaspi/shops/30444555/orders/${order.attributes.code}/status`, {
        method: 'POST',
        body: JSON.stringify({ status: 'CANCELLED', cancellationReason: 'BUYER_NOT_REACHABLE' }),
      })
    ).json();
    expect(cancelled.order.attributes).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'BUYER_NOT_REACHABLE',
    });
    const listed = await (await fetch(`${server.url}/__sim/kaspi/shops/30444555/orders`)).json();
    expect(listed.orders).toHaveLength(1);
    // The control calls are not in the request log the contract is checked on.
    expect(sim.log.some((r) => r.path.startsWith('/__sim'))).toBe(false);
  });

  describe('the price list Kaspi downloads', () => {
    let feeds: Server;
    const files = new Map<string, { status?: number; xml: string }>();
    const xml = (offers: string, merchant = '30111222') =>
      `<?xml version="1.0" encoding="utf-8"?>\n<kaspi_catalog date="2025-01-01T10:00:00Z" xmlns="kaspiShopping" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="kaspiShopping http://kaspi.kz/kaspishopping.xsd">
  <company>Demo shop</company><merchantid>${merchant}</merchantid><offers>${offers}</offers></kaspi_catalog>`;

    beforeAll(async () => {
      const app = new Hono();
      app.get('/:name', (c) => {
        const file = files.get(c.req.param('name'));
        return file
          ? c.body(file.xml, (file.status ?? 200) as 200, { 'content-type': 'application/xml' })
          : c.text('no', 404);
      });
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => s.once('listening', () => resolve()));
      feeds = {
        url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => s.close(() => r())),
      };
    });
    afterAll(() => feeds.close());

    it('keeps each offer’s stock per store and price, and names the offers it refused', async () => {
      files.set('good.xml', {
        xml: xml(`
          <offer sku="MUG-RED"><model>Mug, red &amp; white</model><brand>Demo</brand>
            <availabilities><availability available="yes" storeId="PP1" stockCount="7"/><availability available="no" storeId="PP2" stockCount="0"/></availabilities>
            <price>2590</price></offer>
          <offer sku="TEE-M"><model>T-shirt</model><availabilities><availability available="yes" storeId="PP1" preOrder="5"/></availabilities>
            <cityprices><cityprice cityId="750000000">4990</cityprice><cityprice cityId="710000000">5190</cityprice></cityprices></offer>
          <offer sku="ТОВАР-1"><model>Cyrillic sku</model><availabilities><availability available="yes" storeId="PP1" stockCount="1"/></availabilities><price>1</price></offer>
          <offer sku="SKU-TOO-LONG-FOR-KASPI"><model>Long</model><availabilities><availability available="yes" storeId="PP1"/></availabilities><price>1</price></offer>
          <offer sku="NO-PRICE"><model>Free</model><availabilities><availability available="yes" storeId="PP1"/></availabilities></offer>
          <offer sku="CENTS"><model>Cents</model><availabilities><availability available="yes" storeId="PP1"/></availabilities><price>10.50</price></offer>
          <offer sku="PP9"><model>Unknown store</model><availabilities><availability available="yes" storeId="PP9"/></availabilities><price>1</price></offer>
          <offer sku="MUG-RED"><model>Again</model><availabilities><availability available="yes" storeId="PP1"/></availabilities><price>1</price></offer>`),
      });
      const list = await sim.downloadPriceList(`${feeds.url}/good.xml`);
      expect(shop.priceList).toBe(list);
      expect(list).toMatchObject({ merchantId: '30111222', company: 'Demo shop', date: '2025-01-01T10:00:00Z' });
      expect([...list.offers.keys()]).toEqual(['MUG-RED', 'TEE-M']);
      const mug = list.offers.get('MUG-RED')!;
      expect(mug).toMatchObject({ model: 'Mug, red & white', brand: 'Demo', price: 2590 });
      expect(Object.fromEntries(mug.availabilities)).toEqual({
        PP1: { available: true, stockCount: 7, preOrder: null },
        PP2: { available: false, stockCount: 0, preOrder: null },
      });
      expect(Object.fromEntries(list.offers.get('TEE-M')!.cityPrices)).toEqual({ 750000000: 4990, 710000000: 5190 });
      expect(list.problems).toEqual([
        'offer 3 (sku ТОВАР-1): sku has characters other than latin letters, digits, - and _',
        'offer 4 (sku SKU-TOO-LONG-FOR-KASPI): sku is longer than 20 characters',
        'offer 5 (sku NO-PRICE): no <price> and no <cityprices>',
        'offer 6 (sku CENTS): price "10.50" is not a whole number of tenge',
        'offer 7 (sku PP9): availability names store "PP9", which the shop does not have (PP1, PP2)',
        'offer 8: sku MUG-RED is listed twice; the first one is kept',
      ]);
    });

    it('refuses a list it cannot take whole, and the shop keeps the last one', async () => {
      const kept = shop.priceList;
      files.set('broken.xml', { xml: '<kaspi_catalog xmlns="kaspiShopping"><offers><offer sku="A">' });
      files.set('foreign.xml', { xml: '<yml_catalog><shop/></yml_catalog>' });
      files.set('unknown.xml', { xml: xml('', '11111111') });
      files.set('gone.xml', { status: 500, xml: 'down' });
      await expect(sim.downloadPriceList(`${feeds.url}/broken.xml`)).rejects.toThrow(/not well-formed XML/);
      await expect(sim.downloadPriceList(`${feeds.url}/foreign.xml`)).rejects.toThrow(/no <kaspi_catalog> root/);
      await expect(sim.downloadPriceList(`${feeds.url}/unknown.xml`)).rejects.toThrow(
        /No Kaspi shop has merchant id 11111111/,
      );
      await expect(sim.downloadPriceList(`${feeds.url}/gone.xml`)).rejects.toThrow(/HTTP 500/);
      await expect(sim.downloadPriceList(`${feeds.url}/missing.xml`)).rejects.toThrow(/HTTP 404/);
      await expect(sim.downloadPriceList(`${feeds.url}/good.xml`, '30999888')).rejects.toThrow(/not 30999888/);
      expect(shop.priceList).toBe(kept);

      const viaControl = await (
        await fetch(`${server.url}/__sim/kaspi/price-list`, {
          method: 'POST',
          body: JSON.stringify({ url: `${feeds.url}/good.xml` }),
        })
      ).json();
      expect(viaControl.offers.map((o: { sku: string }) => o.sku)).toEqual(['MUG-RED', 'TEE-M']);
      expect(viaControl.offers[0].availabilities.PP1).toEqual({ available: true, stockCount: 7, preOrder: null });
    });
  });

  it('answered every request of this file in the shapes the digest describes', () => {
    const log = started.flatMap(({ sim: s }) => s.log);
    expect(log.length).toBeGreaterThan(30);
    expect(log.flatMap((entry) => checkKaspiAnswer(entry, contract, schemas))).toEqual([]);
  });
});
