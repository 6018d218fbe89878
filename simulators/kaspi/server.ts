import type { Context } from 'hono';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import { parsePriceList, type PriceList } from './price-list.ts';
import { renderCustomer, renderEntry, renderOrder } from './resources.ts';
import {
  CANCELLATION_REASONS,
  KaspiState,
  ORDER_STATES,
  ORDER_STATUSES,
  type KaspiOrder,
  type KaspiOrderStatus,
  type KaspiShop,
  type OrderInput,
  type ShopInput,
} from './state.ts';

/**
 * Kaspi.kz's merchant API as ../shared/specs/kaspi/CONTRACT.md digests it: JSON:API under
 * /shop/api/v2 with `X-Auth-Token` (§1; each token is one shop's), the order list with its
 * mandatory paging and creation-date window (§2), one order by code (§3), an order's entries
 * (§4) and status changes by POST /orders (§5, with the buyer's security code for COMPLETED). Kaspi's side of the price list (§6) is
 * `downloadPriceList(url)`: it fetches the seller's XML and keeps what Kaspi would show.
 *
 * §8: Kaspi documents no error bodies and no rate limits. Errors here are JSON:API error
 * documents (`{errors: [{status, title, detail}]}`, the media type's own shape), with the
 * statuses integrators report: 400 for bad or missing parameters, 401 for a bad token, 404.
 * The rate limit is a stand-in per token (default 20 a second) so the 429 path exists.
 * Toolkit faults answer in the same error shape. Test controls live under /__sim/kaspi.
 */

export interface KaspiSimulator extends Simulator {
  state: KaspiState;
  /** Kaspi downloads the price list at `url` (§6) and keeps it for the shop it names; throws when it is refused whole. */
  downloadPriceList(url: string, merchantId?: string): Promise<PriceList>;
  /**
   * The next `count` status changes (POST /orders) are made, but their answer is lost on the way:
   * a 502 in Kaspi's error shape reaches the client, as a gateway's would. A client's repeat must
   * then find the order changed already.
   */
  loseAnswers(count?: number): void;
}

export interface KaspiSimulatorOptions {
  state?: KaspiState;
  /**
   * The widest creation-date window a list may ask for (§2 [3P]: reported as 14 days; one
   * integrator's code says 3). Default 14.
   */
  maxWindowDays?: number;
  /** Requests a second per token, and the burst; null turns it off. */
  rateLimit?: { perSecond: number; burst: number } | null;
}

/** §2: `page[size]` is at most 100. */
const MAX_PAGE_SIZE = 100;
/** §1: the JSON:API media type of requests and answers. */
const JSON_API = 'application/vnd.api+json';
const API = '/shop/api/v2';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const document = (c: Context, body: unknown, status = 200, headers: Record<string, string> = {}) =>
  c.body(JSON.stringify(body), status as 200, { 'content-type': JSON_API, ...headers });

const failure = (c: Context, status: number, detail: string, headers: Record<string, string> = {}) =>
  document(c, { errors: [{ status: String(status), title: TITLES[status] ?? 'Error', detail }] }, status, headers);

class Refusal extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** The order list's query (§2, §3): paging, the window, the filters; anything else under filter[] is refused. */
interface ListQuery {
  page: number;
  size: number;
  code?: string;
  from?: number;
  to?: number;
  state?: string;
  status?: string;
  deliveryType?: string;
  signatureRequired?: boolean;
  includeUser: boolean;
}

const FILTERS = new Set([
  'code',
  'creationDate][$ge',
  'creationDate][$le',
  'state',
  'status',
  'deliveryType',
  'signatureRequired',
]);

function readListQuery(c: Context, maxWindowMs: number): ListQuery {
  const q = c.req.query();
  for (const key of Object.keys(q)) {
    const filter = /^filter\[orders\]\[(.+)\]$/.exec(key)?.[1];
    if (key.startsWith('filter[') && (!filter || !FILTERS.has(filter))) throw new Refusal(400, `Unknown filter ${key}`);
  }
  const whole = (key: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = q[key];
    if (raw === undefined || raw === '') throw new Refusal(400, `${key} is required`);
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
      throw new Refusal(400, `${key} must be a whole number from ${min} to ${max}`);
    return Number(raw);
  };
  // §2 [3P]: both paging parameters are mandatory.
  const query: ListQuery = {
    page: whole('page[number]', 0),
    size: whole('page[size]', 1, MAX_PAGE_SIZE),
    includeUser: false,
  };
  const include = q['include[orders]'];
  if (include !== undefined && include !== 'user')
    throw new Refusal(400, `include[orders] may only be user, not ${include}`);
  query.includeUser = include === 'user';
  query.code = q['filter[orders][code]'];
  if (query.code === undefined) {
    // §2 [3P]: the creation-date window is required, in epoch milliseconds, and bounded.
    query.from = whole('filter[orders][creationDate][$ge]', 0);
    query.to = whole('filter[orders][creationDate][$le]', 0);
    if (query.from > query.to) throw new Refusal(400, 'filter[orders][creationDate][$ge] is after [$le]');
    if (query.to - query.from > maxWindowMs) {
      throw new Refusal(400, `The creationDate window is longer than ${maxWindowMs / 86_400_000} days`);
    }
  }
  const state = q['filter[orders][state]'];
  if (state !== undefined && !(ORDER_STATES as readonly string[]).includes(state))
    throw new Refusal(400, `Unknown state ${state}`);
  const status = q['filter[orders][status]'];
  if (status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(status))
    throw new Refusal(400, `Unknown status ${status}`);
  const deliveryType = q['filter[orders][deliveryType]'];
  if (deliveryType !== undefined) {
    if (deliveryType !== 'PICKUP' && deliveryType !== 'DELIVERY')
      throw new Refusal(400, `deliveryType is PICKUP or DELIVERY, not ${deliveryType}`);
    // §2: only meaningful when the state is not one of the delivery buckets.
    if (state === 'PICKUP' || state === 'DELIVERY' || state === 'KASPI_DELIVERY')
      throw new Refusal(400, `deliveryType cannot be used with state ${state}`);
  }
  const signature = q['filter[orders][signatureRequired]'];
  if (signature !== undefined) {
    if (signature !== 'true' && signature !== 'false') throw new Refusal(400, 'signatureRequired is true or false');
    if (state === 'SIGN_REQUIRED') throw new Refusal(400, 'signatureRequired cannot be used with state SIGN_REQUIRED');
    query.signatureRequired = signature === 'true';
  }
  return { ...query, state, status, deliveryType };
}

function matches(shop: KaspiShop, order: KaspiOrder, q: ListQuery): boolean {
  if (q.code !== undefined && order.code !== q.code) return false;
  if (q.from !== undefined && order.creationDate < q.from) return false;
  if (q.to !== undefined && order.creationDate > q.to) return false;
  if (q.state !== undefined && order.state !== q.state) return false;
  if (q.status !== undefined && order.status !== q.status) return false;
  if (q.signatureRequired === true) return false;
  if (q.deliveryType !== undefined)
    return (shop.deliveryOf(order).mode === 'DELIVERY_PICKUP') === (q.deliveryType === 'PICKUP');
  return true;
}

/** The headers of the two-step completion (§5 [3P]). */
interface SecurityHeaders {
  securityCode?: string;
  sendCode: boolean;
}

/** §5: which status change is allowed from where, and what it does. */
function changeStatus(
  shop: KaspiShop,
  order: KaspiOrder,
  attributes: Record<string, unknown>,
  security: SecurityHeaders,
): void {
  const status = attributes.status;
  const from = order.status;
  const refuse = (why: string) => {
    throw new Refusal(400, `Order ${order.code} cannot become ${String(status)}: ${why}`);
  };
  switch (status) {
    case 'ACCEPTED_BY_MERCHANT':
      if (from !== 'APPROVED_BY_BANK') refuse(`it is ${from}, and only APPROVED_BY_BANK orders are accepted`);
      shop.acceptOrder(order.code);
      return;
    case 'CANCELLED': {
      if (from !== 'APPROVED_BY_BANK' && from !== 'ACCEPTED_BY_MERCHANT') refuse(`it is ${from}`);
      const reason = attributes.cancellationReason;
      if (!(CANCELLATION_REASONS as readonly unknown[]).includes(reason))
        refuse(`cancellationReason must be one of ${CANCELLATION_REASONS.join(', ')}`);
      const comment = attributes.cancellationComment;
      if (comment !== undefined && (typeof comment !== 'string' || comment.length > 1000))
        refuse('cancellationComment is a text of at most 1000 characters');
      shop.cancelOrder(order.code, reason as string, comment as string | undefined);
      return;
    }
    case 'COMPLETED': {
      if (from !== 'ACCEPTED_BY_MERCHANT') refuse(`it is ${from}, and only ACCEPTED_BY_MERCHANT orders are completed`);
      // §5 [3P]: two steps. An empty X-Security-Code with X-Send-Code: true has Kaspi text the buyer a code (the order
      // stays as it is); the change is then sent with the code the buyer tells the seller.
      const code = security.securityCode;
      if (code === undefined) refuse('the buyer’s security code (X-Security-Code) is missing');
      if (code === '') {
        if (!security.sendCode) refuse('X-Security-Code is empty and X-Send-Code is not true');
        order.securityCode = String(100_000 + Math.floor(Math.random() * 900_000));
        return;
      }
      if (!order.securityCode || code !== order.securityCode) refuse('the security code is wrong');
      shop.setStatus(order.code, 'COMPLETED');
      return;
    }
    case 'ASSEMBLE': {
      if (from !== 'ACCEPTED_BY_MERCHANT') refuse(`it is ${from}`);
      const places = attributes.numberOfSpace;
      if (shop.deliveryOf(order).kaspi && (typeof places !== 'number' || !Number.isInteger(places) || places < 1))
        refuse('a Kaspi Delivery order needs numberOfSpace');
      // §5: assembling a Kaspi Delivery order is what makes its waybill.
      order.assembled = {
        numberOfSpace: Number(places ?? 1),
        waybill: `https://kaspi.kz/shop/api/waybill/${order.id}.pdf`,
        waybillNumber: `KD${order.code}`,
      };
      return;
    }
    case 'ARRIVED':
      if (from !== 'ACCEPTED_BY_MERCHANT') refuse(`it is ${from}`);
      return;
    case 'ARRIVED_BACKWARD':
      if (from !== 'CANCELLING' && from !== 'KASPI_DELIVERY_RETURN_REQUESTED') refuse(`it is ${from}`);
      shop.setStatus(order.code, from === 'CANCELLING' ? 'CANCELLED' : 'RETURNED');
      return;
    default:
      refuse('not a status a merchant sets');
  }
}

export function createKaspiSimulator(options: KaspiSimulatorOptions = {}): KaspiSimulator {
  const state = options.state ?? new KaspiState();
  const maxWindowMs = (options.maxWindowDays ?? 14) * 86_400_000;
  const limit = options.rateLimit === undefined ? { perSecond: 20, burst: 20 } : options.rateLimit;
  const sim = createSimulator({
    name: 'kaspi',
    rateLimits: limit
      ? [
          {
            requests: limit.perSecond,
            intervalMs: 1000,
            burst: limit.burst,
            scope: (c) => c.req.header('x-auth-token') ?? '',
          },
        ]
      : [],
    tooManyRequests: (c, retryAfter) => failure(c, 429, 'Too many requests', { 'retry-after': String(retryAfter) }),
    serverError: (c, status) => failure(c, status, TITLES[status]),
  });
  const { app } = sim;
  let lostAnswers = 0;
  const linkBase = (c: Context) => `${new URL(c.req.url).origin}${API}`;

  /** §1: every call carries the shop's token. */
  const shopOf = (c: Context): KaspiShop => {
    const shop = state.shopByToken(c.req.header('x-auth-token'));
    if (!shop) throw new Refusal(401, 'Invalid or missing X-Auth-Token');
    return shop;
  };

  app.onError((error, c) =>
    error instanceof Refusal ? failure(c, error.status, error.message) : failure(c, 500, error.message),
  );

  // The API under Kaspi's own path, and at the simulator's root too: its address alone is then a base URL,
  // as the demo gives its accounts (a sandbox's would be one as well).
  for (const base of [API, '']) {
    app.get(`${base}/orders`, (c) => {
      const shop = shopOf(c);
      const q = readListQuery(c, maxWindowMs);
      const found = [...shop.orders.values()]
        .filter((o) => matches(shop, o, q))
        .sort((a, b) => a.creationDate - b.creationDate || a.code.localeCompare(b.code));
      const pageCount = Math.ceil(found.length / q.size);
      const page = found.slice(q.page * q.size, (q.page + 1) * q.size);
      const self = new URL(c.req.url);
      const at = (n: number) => {
        const url = new URL(self);
        url.searchParams.set('page[number]', String(n));
        return url.toString();
      };
      return document(c, {
        data: page.map((o) => renderOrder(shop, o, linkBase(c))),
        included: q.includeUser ? [...new Map(page.map((o) => [o.customer.id, renderCustomer(o)])).values()] : [],
        meta: { pageCount, totalCount: found.length },
        links: {
          self: self.toString(),
          first: at(0),
          last: at(Math.max(0, pageCount - 1)),
          ...(q.page + 1 < pageCount ? { next: at(q.page + 1) } : {}),
        },
      });
    });

    app.get(`${base}/orders/:id/entries`, (c) => {
      const shop = shopOf(c);
      const order = shop.orderById(c.req.param('id'));
      if (!order) throw new Refusal(404, `No order ${c.req.param('id')}`);
      return document(c, {
        data: order.entries.map((e) => renderEntry(shop, order, e, linkBase(c))),
        included: [],
        meta: {},
      });
    });

    app.get(`${base}/orderentries/:id`, (c) => {
      const shop = shopOf(c);
      for (const order of shop.orders.values()) {
        const entry = order.entries.find((e) => e.id === c.req.param('id'));
        if (entry) return document(c, { data: renderEntry(shop, order, entry, linkBase(c)), included: [] });
      }
      throw new Refusal(404, `No order entry ${c.req.param('id')}`);
    });

    app.post(`${base}/orders`, async (c) => {
      const shop = shopOf(c);
      // JSON:API: a server answers 415 to a request that is not in its media type.
      if (!c.req.header('content-type')?.startsWith(JSON_API))
        throw new Refusal(415, `Content-Type must be ${JSON_API}`);
      const body = (await c.req.json().catch(() => null)) as {
        data?: { type?: unknown; id?: unknown; attributes?: Record<string, unknown> };
      } | null;
      const data = body?.data;
      if (!data || data.type !== 'orders' || typeof data.id !== 'string' || !data.attributes)
        throw new Refusal(400, 'The body is {"data": {"type": "orders", "id", "attributes"}}');
      const order = shop.orderById(data.id);
      if (!order) throw new Refusal(404, `No order ${data.id}`);
      if (data.attributes.code !== order.code)
        throw new Refusal(400, `attributes.code is not the code of order ${data.id}`);
      changeStatus(shop, order, data.attributes, {
        securityCode: c.req.header('x-security-code'),
        sendCode: c.req.header('x-send-code') === 'true',
      });
      if (lostAnswers > 0) {
        lostAnswers--;
        return failure(c, 502, 'The gateway lost Kaspi’s answer');
      }
      return document(c, { data: renderOrder(shop, order, linkBase(c)), included: [] });
    });
  }

  app.all(`${API}/*`, (c) => {
    shopOf(c);
    return failure(c, 404, `No resource ${c.req.method} ${c.req.path}`);
  });

  controls(sim, state, (url, merchantId) => downloadPriceList(url, merchantId));

  async function downloadPriceList(url: string, merchantId?: string): Promise<PriceList> {
    const res = await fetch(url);
    const body = await res.text();
    if (!res.ok) throw new Error(`Kaspi could not download the price list: HTTP ${res.status}`);
    const list = parsePriceList(body, url, (m) => state.shops.get(m)?.stores ?? null);
    if (merchantId !== undefined && list.merchantId !== merchantId)
      throw new Error(`The price list is merchant ${list.merchantId}'s, not ${merchantId}'s`);
    state.shop(list.merchantId).priceList = list;
    return list;
  }

  const loseAnswers = (count = 1) => {
    lostAnswers += count;
  };
  return Object.assign(sim, { state, downloadPriceList, loseAnswers });
}

/** Test controls for other processes: shops, buyers' orders, Kaspi's status changes, and a price-list download. */
function controls(
  sim: Simulator,
  state: KaspiState,
  download: (url: string, merchantId?: string) => Promise<PriceList>,
): void {
  const { app } = sim;
  const body = async (c: Context) => ((await c.req.json().catch(() => null)) ?? {}) as Record<string, any>;
  const shopOf = (c: Context) => state.shops.get(c.req.param('merchant') ?? '');
  const view = (shop: KaspiShop, o: KaspiOrder) => ({ ...renderOrder(shop, o, `${API}`), entries: o.entries });
  app.post('/__sim/kaspi/shops', async (c) => {
    const shop = state.addShop((await body(c)) as ShopInput);
    return c.json({ merchantId: shop.merchantId, name: shop.name, token: shop.token, stores: shop.stores });
  });
  app.get('/__sim/kaspi/shops/:merchant/orders', (c) => {
    const shop = shopOf(c);
    return shop
      ? c.json({ orders: [...shop.orders.values()].map((o) => view(shop, o)) })
      : c.json({ error: 'no such shop' }, 404);
  });
  app.post('/__sim/kaspi/shops/:merchant/orders', async (c) => {
    const shop = shopOf(c);
    if (!shop) return c.json({ error: 'no such shop' }, 404);
    return c.json({ order: view(shop, shop.addOrder((await body(c)) as OrderInput)) });
  });
  app.post('/__sim/kaspi/shops/:merchant/orders/:code/status', async (c) => {
    const shop = shopOf(c);
    const input = await body(c);
    if (!shop?.orders.has(c.req.param('code'))) return c.json({ error: 'no such shop or order' }, 404);
    const code = c.req.param('code');
    const order =
      input.status === 'CANCELLED'
        ? shop.cancelOrder(code, input.cancellationReason)
        : shop.setStatus(code, input.status as KaspiOrderStatus, input.state);
    return c.json({ order: view(shop, order) });
  });
  app.post('/__sim/kaspi/price-list', async (c) => {
    const input = await body(c);
    try {
      const list = await download(String(input.url), input.merchantId);
      const offers = [...list.offers.values()].map((o) => ({
        ...o,
        cityPrices: Object.fromEntries(o.cityPrices),
        availabilities: Object.fromEntries(o.availabilities),
      }));
      return c.json({ merchantId: list.merchantId, offers, problems: list.problems });
    } catch (error) {
      return c.json({ error: (error as Error).message }, 422);
    }
  });
}
