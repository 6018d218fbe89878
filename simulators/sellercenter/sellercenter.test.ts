import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLamodaSimulator, type LamodaSimulator } from '../lamoda/index.ts';
import { createNamshiSimulator, type NamshiSimulator } from '../namshi/index.ts';
import {
  checkAnswer,
  checkExchange,
  loadSellerCenterContract,
  parseXml,
  sellerCenterSchemas,
  SPEC_DIR,
  type SellerCenterSimulator,
  SellerCenterState,
  type SellerCenterSeller,
} from './index.ts';
import type { LoggedRequest } from '../toolkit/index.ts';
import { expectedSignature } from './signature.ts';

/**
 * The SellerCenter simulator against ../shared/specs/sellercenter-lamoda-namshi: the recorded
 * samples parse with the contract's schemas (and the broken ones fail naming the element),
 * the signature is checked exactly as §2 says, and every answer any simulator of this file
 * gave fits the schemas (checked at the end).
 */

type Server = { url: string; close(): Promise<void> };
const started: { sim: SellerCenterSimulator; server: Server; keys: Map<string, string> }[] = [];
/** Answers broken on purpose (malform.next): left out of the contract check. */
const broken = new Set<LoggedRequest>();

async function start<T extends SellerCenterSimulator>(sim: T) {
  const server = await sim.listen();
  const keys = new Map<string, string>();
  started.push({ sim, server, keys });
  return { sim, server, keys };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** A signed call, as a client following §2 makes it: sorted, RFC 3986-encoded, HMAC-SHA256 in lower-case hex. */
async function call(
  base: string,
  seller: { userId: string; apiKey: string },
  action: string,
  params: Record<string, string> = {},
  options: { xml?: string; post?: boolean; at?: number; sign?: (p: Record<string, string>) => string } = {},
) {
  const all: Record<string, string> = {
    Action: action,
    Format: 'XML',
    Timestamp: iso(options.at ?? Date.now()),
    UserID: seller.userId,
    Version: '1.0',
    ...params,
  };
  all.Signature = options.sign?.(all) ?? expectedSignature(all, seller.apiKey);
  const res = await fetch(
    `${base}/?${new URLSearchParams(all)}`,
    options.xml
      ? { method: 'POST', headers: { 'content-type': 'text/xml; charset=UTF8' }, body: options.xml }
      : options.post
        ? { method: 'POST' }
        : {},
  );
  const text = await res.text();
  const tree = parseXml(text) as any;
  return { status: res.status, text, tree, success: tree.SuccessResponse, error: tree.ErrorResponse?.Head };
}

const asList = <T>(v: T | T[] | '' | undefined): T[] => (v === '' || v === undefined ? [] : Array.isArray(v) ? v : [v]);
const feedXml = (records: Record<string, string>[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><Request>${records
    .map(
      (r) =>
        `<Product>${Object.entries(r)
          .map(([k, v]) => `<${k}>${v}</${k}>`)
          .join('')}</Product>`,
    )
    .join('')}</Request>`;

const sample = (file: string) => fs.readFileSync(path.join(SPEC_DIR, file), 'utf8');
/** The SDK's templates carry printf placeholders: filled in order with sample values. */
const fill = (xml: string, ...values: string[]) => xml.replace(/%[sd]/g, () => values.shift() ?? '1');

describe('the SellerCenter contract', () => {
  const contract = loadSellerCenterContract();

  it('reads what it holds the simulator to from the digest itself', () => {
    expect(contract.mandatory).toEqual(['Action', 'UserID', 'Version', 'Timestamp', 'Signature']);
    expect(contract.errors.get('E007')).toBe('Login failed');
    expect(contract.errors.get('E003')).toBe('Timestamp has expired');
    expect(contract.errors.get('E012')).toBe('Invalid Feed ID');
    expect(contract.itemStatuses).toEqual([
      'pending',
      'canceled',
      'ready_to_ship',
      'delivered',
      'returned',
      'shipped',
      'failed',
    ]);
    expect(contract.statusChanges.get('SetStatusToCanceled')).toEqual({
      required: ['OrderItemId', 'Reason'],
      optional: ['ReasonDetail'],
    });
    for (const action of [
      'GetFailureReasons',
      'SetStatusToPackedByMarketplace',
      'SetStatusToReadyToShip',
      'GetOrders',
      'GetOrder',
      'GetOrderItems',
      'GetMultipleOrderItems',
      'SetStatusToCanceled',
      'ProductCreate',
      'ProductUpdate',
      'FeedStatus',
      'GetProducts',
    ]) {
      expect(contract.actions.has(action), action).toBe(true);
    }
  });

  it('parses every recorded answer with its action’s schema', () => {
    const fits: [string, string, string?][] = [
      ['GetOrder', 'Order/OrderResponse.xml'],
      ['GetOrderItems', 'Order/OrderItemsResponse.xml'],
      ['GetMultipleOrderItems', 'Order/OrdersItemsResponse.xml'],
      ['GetProducts', 'Product/ProductsResponse.xml'],
      ['FeedStatus', 'Feed/FeedProductCreate.xml'],
      ['FeedStatus', 'Feed/FeedProductUpdate.xml'],
      ['FeedList', 'Feed/FeedListSuccessResponse.xml'],
      ['ProductCreate', 'Product/ProductCreate.xml'],
      [
        'ProductUpdate',
        'Feed/ProductActionFeedResponse.xml',
        fill(sample('Feed/ProductActionFeedResponse.xml'), 'ProductUpdate'),
      ],
      ['GetFailureReasons', 'Order/FailureReasonsSuccessResponse.xml'],
      [
        'SetStatusToCanceled',
        'Order/SetOrderStatusSuccessResponse.xml',
        fill(sample('Order/SetOrderStatusSuccessResponse.xml'), 'SetStatusToCanceled', '', '1'),
      ],
      [
        'SetStatusToReadyToShip',
        'Order/SetOrderStatusSuccessResponse.xml',
        fill(sample('Order/SetOrderStatusSuccessResponse.xml'), 'SetStatusToReadyToShip', 'OrderItems', '6653173'),
      ],
      ['Action', 'Response/ErrorResponse.xml'],
      [
        'GetOrders',
        'Order/ErrorResponse.xml',
        fill(sample('Order/ErrorResponse.xml'), 'GetOrders', 'Sender', '19', 'E019: Invalid Limit'),
      ],
      [
        'ProductUpdate',
        'Feed/ProductActionFeedResponseError.xml',
        fill(
          sample('Feed/ProductActionFeedResponseError.xml'),
          'ProductUpdate',
          'Sender',
          '1',
          'E001: Parameter Request is mandatory',
        ),
      ],
    ];
    for (const [action, file, xml] of fits) expect(checkAnswer(action, xml ?? sample(file), file)).toEqual([]);
    // The SDK's GetOrders sample names another action in its Head; its Body is GetOrders'. Orders.xml is that Body alone.
    const orders = parseXml(sample('Order/OrdersResponse.xml')) as any;
    expect(sellerCenterSchemas.ordersBody.safeParse(orders.SuccessResponse.Body).success).toBe(true);
    expect(sellerCenterSchemas.ordersBody.safeParse((parseXml(sample('Order/Orders.xml')) as any).Body).success).toBe(
      true,
    );
  });

  it('refuses the broken samples, naming the element', () => {
    // The second product lacks its Name; the second feed its Status.
    expect(checkAnswer('GetProducts', sample('Product/ErrorProductsResponse.xml'))).toEqual([
      expect.stringContaining('SuccessResponse/Body/Products/Product/1/Name'),
    ]);
    expect(checkAnswer('FeedList', sample('Feed/FeedInvalidStatusPending.xml'))).toEqual([
      expect.stringContaining('SuccessResponse/Body/Feed/1/Status'),
    ]);
    expect(checkAnswer('GetOrders', '<SuccessResponse><Head>')[0]).toMatch(/not well-formed XML/);
  });
});

describe('SellerCenter simulator', () => {
  let lamoda: LamodaSimulator;
  let namshi: NamshiSimulator;
  let lamodaUrl: string;
  let namshiUrl: string;
  let seller: SellerCenterSeller;
  let gulf: SellerCenterSeller;

  beforeAll(async () => {
    const l = await start(createLamodaSimulator({ rateLimit: null }));
    const n = await start(createNamshiSimulator({ rateLimit: { requests: 3, intervalMs: 60_000 } }));
    ({ sim: lamoda } = l);
    ({ sim: namshi } = n);
    lamodaUrl = l.server.url;
    namshiUrl = n.server.url;
    seller = lamoda.addSeller({ userId: 'shop@example.ru', apiKey: 'lamoda-key-0001' });
    lamoda.addSeller({ userId: 'other@example.ru', apiKey: 'lamoda-key-0002' });
    gulf = namshi.addSeller({ userId: 'shop@example.ae', apiKey: 'namshi-key-0001' });
    for (const s of [...lamoda.state.sellers.values()]) l.keys.set(s.userId, s.apiKey);
    n.keys.set(gulf.userId, gulf.apiKey);
    for (let i = 1; i <= 5; i++)
      seller.addProduct({
        sellerSku: `SKU-${i}`,
        name: `Product ${i}`,
        quantity: 10,
        price: '590.00',
        productId: `200000000000${i}`,
      });
  });
  afterAll(() => Promise.all(started.map(({ server }) => server.close())));

  it('signs as §2 says: the sorted, RFC 3986-encoded query, HMAC-SHA256 with the key, in lower-case hex', () => {
    // The parameters of the Falabella docs' example request, encoded as its URL shows them.
    const params = {
      Action: 'GetProducts',
      Filter: 'sold-out',
      Format: 'XML',
      Timestamp: '2015-07-21T05:14:49+02:00',
      UserID: 'maintenance@sellercenter.net',
      Version: '1.0',
    };
    const message =
      'Action=GetProducts&Filter=sold-out&Format=XML&Timestamp=2015-07-21T05%3A14%3A49%2B02%3A00&UserID=maintenance%40sellercenter.net&Version=1.0';
    expect(expectedSignature({ ...params, Signature: 'left out' }, 'key')).toBe(
      crypto.createHmac('sha256', 'key').update(message).digest('hex'),
    );
    // rawurlencode, not form encoding: a space is %20, and !'()* are encoded too.
    expect(expectedSignature({ Search: "a b!'()*~" }, 'k')).toBe(
      crypto.createHmac('sha256', 'k').update('Search=a%20b%21%27%28%29%2A~').digest('hex'),
    );
  });

  it('answers a right signature, and refuses a wrong one (E007), an old or unreadable Timestamp (E003), a missing parameter (E001), an unknown action (E008)', async () => {
    const ok = await call(lamodaUrl, seller, 'GetProducts', { Limit: '2' });
    expect(ok.status).toBe(200);
    expect(ok.success.Head).toMatchObject({
      RequestAction: 'GetProducts',
      ResponseType: 'Products',
      Timestamp: expect.stringMatching(/\+0300$/),
    });

    const cases: [Promise<Awaited<ReturnType<typeof call>>>, string, string][] = [
      [
        call(lamodaUrl, seller, 'GetProducts', {}, { sign: (p) => expectedSignature(p, 'not-the-key') }),
        '7',
        'E007: Login failed',
      ],
      [call(lamodaUrl, { ...seller, userId: 'nobody@example.ru' }, 'GetProducts'), '7', 'E007: Login failed'],
      // Another seller's key does not open this seller.
      [call(lamodaUrl, { userId: seller.userId, apiKey: 'lamoda-key-0002' }, 'GetProducts'), '7', 'E007: Login failed'],
      [call(lamodaUrl, seller, 'GetProducts', {}, { at: Date.now() - 3_600_000 }), '3', 'E003: Timestamp has expired'],
      [call(lamodaUrl, seller, 'GetProducts', { Timestamp: 'yesterday' }), '3', 'E003: Timestamp has expired'],
      [call(lamodaUrl, seller, 'GetProducts', {}, { sign: () => '' }), '1', 'E001: Parameter Signature is mandatory'],
      [call(lamodaUrl, seller, 'MakeMeRich'), '8', 'E008: Invalid Action'],
    ];
    for (const [answer, code, message] of cases) {
      const a = await answer;
      // Lamoda's flavour answers errors with 200: the envelope is the signal.
      expect({
        status: a.status,
        code: a.error?.ErrorCode,
        message: a.error?.ErrorMessage,
        type: a.error?.ErrorType,
      }).toEqual({ status: 200, code, message, type: 'Sender' });
    }
    // A tampered query (a parameter changed after signing) fails too.
    const all: Record<string, string> = {
      Action: 'GetProducts',
      Format: 'XML',
      Timestamp: iso(Date.now()),
      UserID: seller.userId,
      Version: '1.0',
      Limit: '1',
    };
    all.Signature = expectedSignature(all, seller.apiKey);
    const tampered = await fetch(`${lamodaUrl}/?${new URLSearchParams({ ...all, Limit: '1000' })}`);
    expect((parseXml(await tampered.text()) as any).ErrorResponse.Head.ErrorCode).toBe('7');

    // Namshi's flavour sends the same envelope with a 4xx.
    const refused = await call(namshiUrl, gulf, 'GetOrders', {}, { sign: () => 'f'.repeat(64) });
    expect({ status: refused.status, code: refused.error.ErrorCode }).toEqual({ status: 400, code: '7' });
  });

  it('pages GetOrders by Limit and Offset with TotalCount, filters by date and status, and refuses bad filters with their codes', async () => {
    const t0 = Date.now() - 10 * 60_000;
    const orders = Array.from({ length: 7 }, (_, i) =>
      seller.addOrder({ lines: [{ sku: `SKU-${(i % 5) + 1}`, quantity: 1 + (i % 2) }], at: new Date(t0 + i * 60_000) }),
    );
    seller.cancelOrder(orders[2].number);
    const seen: string[] = [];
    let total = -1;
    for (let offset = 0; ; offset += 3) {
      const page = await call(lamodaUrl, seller, 'GetOrders', {
        CreatedAfter: iso(t0 - 1000),
        SortBy: 'created_at',
        SortDirection: 'ASC',
        Limit: '3',
        Offset: String(offset),
      });
      total = Number(page.success.Head.TotalCount);
      const list = asList(page.success.Body.Orders.Order ?? '') as { OrderNumber: string }[];
      seen.push(...list.map((o) => o.OrderNumber));
      if (list.length < 3) break;
    }
    expect(total).toBe(7);
    expect(seen).toEqual(orders.map((o) => o.number));

    // The cancellation moved UpdatedAt: only that order changed after the last creation.
    const changed = await call(lamodaUrl, seller, 'GetOrders', { UpdatedAfter: iso(t0 + 7 * 60_000) });
    expect(
      asList(changed.success.Body.Orders.Order).map((o: any) => [o.OrderNumber, asList(o.Statuses.Status)]),
    ).toEqual([[orders[2].number, ['canceled']]]);
    const canceled = await call(lamodaUrl, seller, 'GetOrders', { Status: 'canceled' });
    expect(canceled.success.Head.TotalCount).toBe('1');
    // Dates come in Moscow time without a zone; Head/Timestamp names the offset.
    const [first] = asList(changed.success.Body.Orders.Order) as any[];
    expect(first.CreatedAt).toBe(
      new Date(orders[2].createdAt + 3 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '),
    );

    for (const [params, code] of [
      [{ Limit: 'ten' }, '19'],
      [{ Offset: '-1' }, '14'],
      [{ UpdatedAfter: 'last week' }, '17'],
      [{ Status: 'lost' }, '36'],
      [{ SortDirection: 'UP' }, '74'],
      [{ SortBy: 'price' }, '75'],
    ] as const) {
      expect((await call(lamodaUrl, seller, 'GetOrders', params)).error?.ErrorCode, JSON.stringify(params)).toBe(code);
    }
  });

  it('answers GetOrder, GetOrderItems and GetMultipleOrderItems shaped like the samples, one item per unit', async () => {
    const order = seller.addOrder({
      lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2' }],
      shippingAmount: '150.00',
    });
    const one = await call(lamodaUrl, seller, 'GetOrder', { OrderId: String(order.id) });
    expect(asList(one.success.Body.Orders.Order)[0]).toMatchObject({
      OrderNumber: order.number,
      Price: '1920.00',
      ItemsCount: '3',
      AddressShipping: { City: 'Москва' },
    });
    const items = await call(lamodaUrl, seller, 'GetOrderItems', { OrderId: String(order.id) });
    expect(
      asList(items.success.Body.OrderItems.OrderItem).map((i: any) => [i.Sku, i.PaidPrice, i.Currency, i.Status]),
    ).toEqual([
      ['SKU-1', '590.00', 'RUB', 'pending'],
      ['SKU-1', '590.00', 'RUB', 'pending'],
      ['SKU-2', '590.00', 'RUB', 'pending'],
    ]);
    const other = seller.addOrder({ lines: [{ sku: 'SKU-3' }] });
    const multiple = await call(lamodaUrl, seller, 'GetMultipleOrderItems', {
      OrderIdList: JSON.stringify([order.id, other.id]),
    });
    expect(
      asList(multiple.success.Body.Orders.Order).map((o: any) => [
        o.OrderNumber,
        asList(o.OrderItems.OrderItem).length,
      ]),
    ).toEqual([
      [order.number, 3],
      [other.number, 1],
    ]);
    expect((await call(lamodaUrl, seller, 'GetMultipleOrderItems')).error.ErrorMessage).toBe(
      'E001: Parameter OrderIdList is mandatory',
    );
    // An unknown order is an empty list.
    expect((await call(lamodaUrl, seller, 'GetOrder', { OrderId: '1' })).success.Body.Orders).toBe('');

    // The seller cancels one item with a reason GetFailureReasons gives; the order shows both statuses.
    const reasons = await call(lamodaUrl, seller, 'GetFailureReasons');
    expect(asList(reasons.success.Body.Reasons.Reason)).toEqual([
      { Type: 'canceled', Name: "Sourcing team couldn't find items" },
      { Type: 'canceled', Name: 'Wrong address' },
    ]);
    const itemId = asList(items.success.Body.OrderItems.OrderItem)[2].OrderItemId;
    const cancel = (params: Record<string, string>) =>
      call(lamodaUrl, seller, 'SetStatusToCanceled', params, { post: true });
    expect((await cancel({ OrderItemId: itemId, Reason: 'Out of stock' })).error.ErrorMessage).toBe(
      'E023: Invalid Reason Out of stock',
    );
    expect((await cancel({ OrderItemId: itemId })).error.ErrorMessage).toBe('E001: Parameter Reason is mandatory');
    const canceled = await cancel({ OrderItemId: itemId, Reason: 'Wrong address', ReasonDetail: 'No such street' });
    expect(asList(canceled.success.Body.OrderItems.OrderItem)[0]).toMatchObject({ OrderItemId: itemId });
    expect(order.items[2]).toMatchObject({
      status: 'canceled',
      reason: 'Wrong address',
      reasonDetail: 'No such street',
    });
    expect((await cancel({ OrderItemId: itemId, Reason: 'Wrong address' })).error.ErrorMessage).toBe(
      `E021: Order item ${itemId} cannot be canceled in status canceled`,
    );
    const after = await call(lamodaUrl, seller, 'GetOrder', { OrderId: String(order.id) });
    expect(asList(asList(after.success.Body.Orders.Order)[0].Statuses.Status)).toEqual(['pending', 'canceled']);

    // Packed, then ready to ship; a change from a status it does not start from is refused, and changes nothing.
    const change = (action: string, params: Record<string, string>) =>
      call(lamodaUrl, seller, action, params, { post: true });
    const first = JSON.stringify([order.items[0].id]);
    expect((await change('SetStatusToPackedByMarketplace', { OrderItemIds: first })).error.ErrorMessage).toBe(
      'E001: Parameter DeliveryType is mandatory',
    );
    expect(
      (await change('SetStatusToPackedByMarketplace', { OrderItemIds: first, DeliveryType: 'teleport' })).error
        .ErrorMessage,
    ).toBe('E024: Invalid DeliveryType teleport');
    const packed = await change('SetStatusToPackedByMarketplace', { OrderItemIds: first, DeliveryType: 'dropship' });
    expect(asList(packed.success.Body.OrderItems.OrderItem)[0]).toMatchObject({
      OrderItemId: String(order.items[0].id),
    });
    expect(order.items[0].status).toBe('packed');
    expect(
      (
        await change('SetStatusToPackedByMarketplace', {
          OrderItemIds: JSON.stringify([order.items[0].id, order.items[1].id]),
          DeliveryType: 'dropship',
        })
      ).error.ErrorMessage,
    ).toBe(`E022: Order item ${order.items[0].id} is packed: it must be pending`);
    expect(order.items[1].status).toBe('pending');
    const ready = await change('SetStatusToReadyToShip', {
      OrderItemIds: first,
      DeliveryType: 'dropship',
      ShippingProvider: 'Lamoda Express',
      TrackingNumber: 'TRACK-1',
    });
    expect(asList(ready.success.Body.OrderItems.OrderItem)[0]).toMatchObject({
      OrderItemId: String(order.items[0].id),
      PurchaseOrderNumber: order.number,
    });
    expect(order.items[0]).toMatchObject({
      status: 'ready_to_ship',
      trackingCode: 'TRACK-1',
      shipmentProvider: 'Lamoda Express',
    });
    expect(
      (
        await change('SetStatusToReadyToShip', {
          OrderItemIds: JSON.stringify([Number(itemId)]),
          DeliveryType: 'dropship',
        })
      ).error.ErrorMessage,
    ).toBe(`E022: Order item ${itemId} is canceled: it must be pending or packed`);
  });

  it('queues feeds: Queued, then Processing, then Finished with per-SKU errors and warnings, and applies the records that passed', async () => {
    let now = Date.now();
    const state = new SellerCenterState(() => now);
    state.feedTiming = { queuedMs: 60_000, processingMs: 60_000 };
    const { sim, server, keys } = await start(
      createLamodaSimulator({ state, rateLimit: null, timestampToleranceMs: 3_600_000 }),
    );
    const own = sim.addSeller({ userId: 'feeds@example.ru', apiKey: 'lamoda-feeds-key' });
    keys.set(own.userId, own.apiKey);
    own.addProduct({ sellerSku: 'KEEP', quantity: 1, price: '100.00' });
    own.addProduct({ sellerSku: 'BROKEN', quantity: 1 });
    own.addProduct({ sellerSku: 'NOISY', quantity: 1 });
    own.feedErrors.set('BROKEN', 'Product is blocked by moderation');
    own.feedWarnings.set('NOISY', 'Quantity is above the warehouse limit');
    const at = { at: now };

    const sent = await call(
      server.url,
      own,
      'ProductUpdate',
      {},
      {
        ...at,
        xml: feedXml([
          { SellerSku: 'KEEP', Quantity: '7', Price: '120.00' },
          { SellerSku: 'MISSING', Quantity: '3' },
          { SellerSku: 'BROKEN', Quantity: '2' },
          { SellerSku: 'NOISY', Quantity: '5' },
          { SellerSku: 'KEEP', Quantity: '-1' },
        ]),
      },
    );
    // A negative Quantity on purpose: the request breaks the contract's request check, the answer is still checked here.
    broken.add(sim.log.at(-1)!);
    expect(checkAnswer('ProductUpdate', sent.text)).toEqual([]);
    const feedId = sent.success.Head.RequestId;
    expect(feedId).toMatch(/^[0-9a-f-]{36}$/);
    const status = async () =>
      (await call(server.url, own, 'FeedStatus', { FeedID: feedId }, { at: now })).success.Body.FeedDetail;
    expect(await status()).toMatchObject({
      Status: 'Queued',
      Action: 'ProductUpdate',
      TotalRecords: '5',
      ProcessedRecords: '0',
    });
    expect(own.product('KEEP')!.quantity).toBe(1);
    now += 61_000;
    expect((await status()).Status).toBe('Processing');
    now += 61_000;
    const done = await status();
    expect(done).toMatchObject({ Status: 'Finished', ProcessedRecords: '5', FailedRecords: '3' });
    expect(asList(done.FeedErrors.Error).map((e: any) => [e.SellerSku, e.Code, e.Message])).toEqual([
      ['MISSING', '1', "Seller SKU 'MISSING' not found"],
      ['BROKEN', '1', 'Product is blocked by moderation'],
      ['KEEP', '1', 'Negative value is not allowed'],
    ]);
    expect(asList(done.FeedWarnings.Warning)).toEqual([
      { Message: 'Quantity is above the warehouse limit', SellerSku: 'NOISY' },
    ]);
    expect([
      own.product('KEEP')!.quantity,
      own.product('KEEP')!.price,
      own.product('NOISY')!.quantity,
      own.product('BROKEN')!.quantity,
    ]).toEqual([7, '120.00', 5, 1]);

    // ProductCreate: a record without a required field fails; the other is made.
    const created = await call(
      server.url,
      own,
      'ProductCreate',
      {},
      {
        at: now,
        xml: feedXml([
          {
            SellerSku: 'NEW-1',
            Name: 'New one',
            Brand: 'Sklad',
            PrimaryCategory: 'Mugs',
            Price: '10.00',
            Quantity: '4',
          },
          { SellerSku: 'NEW-2', Name: 'No brand', PrimaryCategory: 'Mugs', Price: '10.00' },
        ]),
      },
    );
    now += 130_000;
    const createdDetail = (
      await call(server.url, own, 'FeedStatus', { FeedID: created.success.Head.RequestId }, { at: now })
    ).success.Body.FeedDetail;
    expect(asList(createdDetail.FeedErrors.Error)).toEqual([
      { Code: '0', Message: 'Brand cannot be empty', SellerSku: 'NEW-2' },
    ]);
    expect(own.product('NEW-1')).toMatchObject({ quantity: 4, name: 'New one' });
    expect(own.product('NEW-2')).toBeUndefined();

    const unknown = await call(server.url, own, 'FeedStatus', { FeedID: crypto.randomUUID() }, { at: now });
    expect(unknown.error.ErrorMessage).toBe('E012: Invalid Feed ID');
    expect(
      (await call(server.url, own, 'ProductUpdate', {}, { at: now, xml: '<Request><Product>' })).error.ErrorType,
    ).toBe('Sender');
  });

  it('takes Price and SalePrice in a ProductUpdate feed as decimals, refusing a negative one with the recorded error', async () => {
    let now = Date.now();
    const state = new SellerCenterState(() => now);
    const { sim, server, keys } = await start(
      createNamshiSimulator({ state, rateLimit: null, timestampToleranceMs: 3_600_000 }),
    );
    const own = sim.addSeller({ userId: 'prices@example.ae', apiKey: 'namshi-prices-key' });
    keys.set(own.userId, own.apiKey);
    for (const sku of ['P-1', 'P-2', 'P-3', 'P-4']) own.addProduct({ sellerSku: sku, price: '100.00' });
    const records: Record<string, string>[] = [
      { SellerSku: 'P-1', Price: '58.75' },
      { SellerSku: 'P-2', Price: '90.00', SalePrice: '79.50' },
      { SellerSku: 'P-3', Price: '-5.00' },
      { SellerSku: 'P-4', Price: '12.345' },
      { SellerSku: 'P-9', Price: '10.00' },
    ];
    const sent = await call(server.url, own, 'ProductUpdate', {}, { at: now, xml: feedXml(records) });
    // Sklad never sends the last three: the request check of the contract names them.
    broken.add(sim.log.at(-1)!);
    expect(checkExchange(sim.log.at(-1)!, keys)).toEqual([
      expect.stringContaining('Request/Product/2/Price: an amount like "22000.00"'),
      expect.stringContaining('Request/Product/3/Price: an amount like "22000.00"'),
    ]);
    now += 1_000;
    const done = (await call(server.url, own, 'FeedStatus', { FeedID: sent.success.Head.RequestId }, { at: now }))
      .success.Body.FeedDetail;
    expect(done).toMatchObject({ Status: 'Finished', TotalRecords: '5', FailedRecords: '3' });
    expect(asList(done.FeedErrors.Error).map((e: any) => [e.SellerSku, e.Message])).toEqual([
      ['P-3', 'Negative value is not allowed'],
      ['P-4', "Invalid value '12.345' for Price"],
      ['P-9', "Seller SKU 'P-9' not found"],
    ]);
    expect(['P-1', 'P-2', 'P-3', 'P-4'].map((sku) => [own.product(sku)!.price, own.product(sku)!.salePrice])).toEqual([
      ['58.75', ''],
      ['90.00', '79.50'],
      ['100.00', ''],
      ['100.00', ''],
    ]);
    const listed = await call(server.url, own, 'GetProducts', { SkuSellerList: '["P-2"]' }, { at: now });
    expect(asList(listed.success.Body.Products.Product).map((p: any) => [p.Price, p.SalePrice])).toEqual([
      ['90.00', '79.50'],
    ]);
  });

  it('reads products by SellerSku list and pages them', async () => {
    const bySku = await call(lamodaUrl, seller, 'GetProducts', { SkuSellerList: JSON.stringify(['SKU-2', 'SKU-4']) });
    expect(asList(bySku.success.Body.Products.Product).map((p: any) => [p.SellerSku, p.Quantity, p.ProductId])).toEqual(
      [
        ['SKU-2', '10', '2000000000002'],
        ['SKU-4', '10', '2000000000004'],
      ],
    );
    const second = await call(lamodaUrl, seller, 'GetProducts', { Limit: '2', Offset: '2' });
    expect(asList(second.success.Body.Products.Product).map((p: any) => p.SellerSku)).toEqual(['SKU-3', 'SKU-4']);
  });

  it('answers over its rate limit and injected faults in SellerCenter’s envelope, and breaks an answer on request', async () => {
    // The limit is per UserID: a seller of its own counts from zero.
    const busy = namshi.addSeller({ userId: 'busy@example.ae', apiKey: 'namshi-key-0002' });
    started.find((s) => s.sim === namshi)!.keys.set(busy.userId, busy.apiKey);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(namshiUrl, busy, 'GetOrders'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3].error).toMatchObject({ ErrorType: 'Platform', ErrorCode: '429' });

    lamoda.faults.next('503', 1);
    const failed = await call(lamodaUrl, seller, 'GetOrders');
    expect({ status: failed.status, type: failed.error.ErrorType }).toEqual({ status: 503, type: 'Platform' });

    lamoda.malform.next('GetOrders', { kind: 'drop', element: 'OrderNumber' });
    const dropped = await call(lamodaUrl, seller, 'GetOrders', { Limit: '1' });
    broken.add(lamoda.log.at(-1)!);
    expect(checkAnswer('GetOrders', dropped.text)).toEqual([expect.stringContaining('Orders/Order/0/OrderNumber')]);
    lamoda.malform.next('GetProducts', { kind: 'truncate' });
    const cut = await fetch(`${lamodaUrl}/?${new URLSearchParams(signed(seller, 'GetProducts'))}`);
    broken.add(lamoda.log.at(-1)!);
    expect(checkAnswer('GetProducts', await cut.text())[0]).toMatch(/not well-formed XML/);
  });

  it('gave only answers that fit the contract, to requests signed as §2 says', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { sim, keys } of started) {
      for (const entry of sim.log) {
        if (broken.has(entry) || (entry.fault && entry.fault !== 'slow')) continue;
        checked++;
        const answer = String(entry.responseBody);
        // A refusal answers a request this file got wrong on purpose: only its envelope is checked.
        if (answer.includes('<ErrorResponse>'))
          problems.push(
            ...checkAnswer(String(entry.query.Action?.[0] ?? ''), answer, `${entry.method} ${entry.status}`),
          );
        else problems.push(...checkExchange(entry, keys));
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });
});

function signed(seller: { userId: string; apiKey: string }, action: string): Record<string, string> {
  const all: Record<string, string> = {
    Action: action,
    Format: 'XML',
    Timestamp: iso(Date.now()),
    UserID: seller.userId,
    Version: '1.0',
  };
  all.Signature = expectedSignature(all, seller.apiKey);
  return all;
}
