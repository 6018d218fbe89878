import type { Context, MiddlewareHandler } from 'hono';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import { WbState, type WbFbsOrder, type WbPriceUpload } from './state.ts';

/**
 * The Wildberries seller API as ../shared/specs/wildberries/*.yaml describe it. WB splits
 * it over hosts (common-api, statistics-api, marketplace-api, feedbacks-api, returns-api);
 * their paths do not collide, so the simulator serves them all on one port and a
 * connector account points every host at it (docs/decisions/071-wildberries-hosts.md).
 *
 * Limits are WB's documented ones per seller account and method group, answered the WB
 * way: a 429 with `X-Ratelimit-Retry`/`-Limit`/`-Reset`, and `X-Ratelimit-Remaining` +
 * `X-Ratelimit-Reset` on every answer so a client can pace itself. The statistics
 * interval (1 request a minute per report) is configurable so tests need not wait minutes.
 */

export interface WbLimit {
  /** One request's token comes back after this long. */
  intervalMs: number;
  /** Requests that may be sent at once. */
  burst: number;
}

/** From the specs' "Лимит запросов" tables. */
export const wbDocumentedLimits = {
  /** Per report (orders, sales, stocks): 1 request a minute. */
  statistics: { intervalMs: 60_000, burst: 1 },
  /** Assembly tasks (FBS orders): 300 a minute, 200 ms interval, burst 20. */
  orders: { intervalMs: 200, burst: 20 },
  /** Seller warehouse stocks: 300 a minute, 200 ms, burst 20; a 409 answer counts as 10. */
  stocks: { intervalMs: 200, burst: 20 },
  /** Questions and feedbacks: 3 a second, 333 ms, burst 6. */
  feedbacks: { intervalMs: 333, burst: 6 },
  /** Buyers' return claims: 20 a minute, 3 s, burst 10. */
  claims: { intervalMs: 3_000, burst: 10 },
  /** Content (product cards): 100 a minute, 600 ms, burst 5. */
  content: { intervalMs: 600, burst: 5 },
  /** Prices and discounts: 10 requests in 6 s, 600 ms, burst 5. */
  prices: { intervalMs: 600, burst: 5 },
  /** /ping: 3 requests in 30 s per host. */
  ping: { intervalMs: 10_000, burst: 3 },
} satisfies Record<string, WbLimit>;

export type WbLimitGroup = keyof typeof wbDocumentedLimits;

export interface WbSimulatorOptions {
  token?: string;
  state?: WbState;
  /** More sellers: each key opens its own state (`issueKey` adds more later). */
  keys?: { token: string; state: WbState }[];
  limits?: Partial<Record<WbLimitGroup, WbLimit>>;
  /** Rows in one statistics answer (WB: "about 80,000" for orders and sales, 60,000 for stocks). */
  reportPageRows?: number;
  stocksPageRows?: number;
}

export interface WbSimulator extends Simulator {
  /** The first seller's state (the one `token` opens). */
  state: WbState;
  token: string;
  limits: Record<WbLimitGroup, WbLimit>;
  /**
   * A key WB "issued" to another seller: it opens `state` (default: a new seller with the first
   * one's cards and warehouses and nothing sold yet). Limits are counted per key, as WB counts
   * them per seller. Any key not issued is refused with WB's 401.
   */
  issueKey(options?: { token?: string; state?: WbState }): string;
  /** The state a key opens, if the simulator issued it. */
  stateFor(token: string): WbState | undefined;
}

/** A new seller with the same cards and own warehouses as `like`, and no orders, sales or stock at WB. */
export function sellerLike(like: WbState, seed = 1): WbState {
  const state = new WbState(seed);
  for (const card of like.cards) state.addCard({ ...card });
  state.sellerWarehouses.push(...like.sellerWarehouses.map((w) => ({ ...w })));
  return state;
}

/** Which limit a path counts against, and the bucket key (statistics: one per report). */
export function wbLimitGroup(path: string): { group: WbLimitGroup; bucket: string } | null {
  if (path === '/ping') return { group: 'ping', bucket: 'ping' };
  const report = /^\/api\/v1\/supplier\/(orders|sales|stocks)$/.exec(path);
  if (report) return { group: 'statistics', bucket: `statistics:${report[1]}` };
  if (path.startsWith('/api/v3/orders')) return { group: 'orders', bucket: 'orders' };
  if (path.startsWith('/api/v3/stocks') || path === '/api/v3/warehouses') return { group: 'stocks', bucket: 'stocks' };
  if (path.startsWith('/content/')) return { group: 'content', bucket: 'content' };
  if (path.startsWith('/api/v2/')) return { group: 'prices', bucket: 'prices' };
  if (path.startsWith('/api/v1/feedbacks')) return { group: 'feedbacks', bucket: 'feedbacks' };
  if (path.startsWith('/api/v1/claims')) return { group: 'claims', bucket: 'claims' };
  return null;
}

const authError = (status: 401 | 429, title: string, detail: string, origin: string) => ({
  title,
  detail,
  code: status === 401 ? '07e4668e--a53a3d31f8b0-[UK-oWaVDUqNrKG]' : '07e4668e-ac2242c5c8c5-[UK-4dx7JUdskGZ]',
  requestId: Math.random().toString(16).slice(2).padEnd(32, '0'),
  origin,
  status,
  statusText: status === 401 ? 'Unauthorized' : 'Too Many Requests',
  timestamp: new Date().toISOString().slice(0, 19) + 'Z',
});

const seconds = (ms: number) => String(Math.max(0, Math.round(ms) / 1000));

export function createWildberriesSimulator(options: WbSimulatorOptions = {}): WbSimulator {
  const token = options.token ?? 'wb-simulator-token.eyJhY2MiOjF9.0000';
  const state = options.state ?? new WbState();
  const limits = { ...wbDocumentedLimits, ...options.limits };
  const reportPageRows = options.reportPageRows ?? 80_000;
  const stocksPageRows = options.stocksPageRows ?? 60_000;
  // WB's own limits are per method group, so they live here rather than in the toolkit's single bucket list.
  const sim = createSimulator({
    name: 'wildberries',
    tooManyRequests: (c, retryAfter) =>
      c.json(authError(429, 'too many requests', 'limited by fault injection', 's2s-api-auth-catalog'), 429, {
        'x-ratelimit-retry': String(retryAfter),
      }),
    serverError: (c, status) => c.json({ title: 'internal error', detail: 'try again later', status }, status),
  });
  const { app } = sim;

  // Each issued key is a seller: its own state and its own limit buckets.
  interface Seller {
    state: WbState;
    buckets: Map<string, { tokens: number; at: number }>;
  }
  const sellers = new Map<string, Seller>([[token, { state, buckets: new Map() }]]);
  for (const k of options.keys ?? []) sellers.set(k.token, { state: k.state, buckets: new Map() });
  const sellerOf = new WeakMap<Request, Seller>();
  const stateOf = (c: Context) => sellerOf.get(c.req.raw)!.state;
  let issued = 0;
  const issueKey = (o: { token?: string; state?: WbState } = {}) => {
    const key =
      o.token ??
      `wb-simulator-key-${++issued}.${Math.random().toString(36).slice(2, 14).padEnd(12, '0')}.${String(sellers.size).padStart(4, '0')}`;
    sellers.set(key, { state: o.state ?? sellerLike(state, sellers.size + 1), buckets: new Map() });
    return key;
  };

  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/__sim')) return next();
    const header = c.req.header('authorization') ?? '';
    const seller = sellers.get(header.replace(/^Bearer\s+/i, ''));
    if (!seller) {
      return c.json(
        authError(401, 'unauthorized', 'token problem; token is malformed or expired', 's2s-api-auth-catalog'),
        401,
      );
    }
    sellerOf.set(c.req.raw, seller);
    return next();
  });

  const limiter: MiddlewareHandler = async (c, next) => {
    const which = wbLimitGroup(c.req.path);
    if (!which) return next();
    const { buckets } = sellerOf.get(c.req.raw)!;
    const limit = limits[which.group];
    const now = Date.now();
    const bucket = buckets.get(which.bucket) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) / limit.intervalMs);
    bucket.at = now;
    buckets.set(which.bucket, bucket);
    if (bucket.tokens < 1) {
      const retryMs = (1 - bucket.tokens) * limit.intervalMs;
      return c.json(authError(429, 'too many requests', `limited by ${which.bucket}`, 's2s-api-auth-catalog'), 429, {
        'x-ratelimit-retry': seconds(retryMs),
        'x-ratelimit-limit': String(limit.burst),
        'x-ratelimit-reset': seconds((limit.burst - bucket.tokens) * limit.intervalMs),
      });
    }
    bucket.tokens -= 1;
    await next();
    // "One request answered 409 counts as 10."
    if (c.res.status === 409 && which.group === 'stocks') bucket.tokens -= 9;
    // A new Response: @hono/node-server may send its cached headers and ignore later changes to them.
    const headers = new Headers(c.res.headers);
    headers.set('x-ratelimit-remaining', String(Math.max(0, Math.floor(bucket.tokens))));
    headers.set('x-ratelimit-reset', seconds((limit.burst - bucket.tokens) * limit.intervalMs));
    c.res = new Response(c.res.body, { status: c.res.status, headers });
  };
  app.use('*', limiter);

  app.get('/ping', (c) => c.json({ TS: new Date().toISOString().slice(0, 19) + 'Z', Status: 'OK' }));

  // Statistics: rows with lastChangeDate >= dateFrom (Moscow time when no offset is given).
  const parseDateFrom = (value: string | undefined): number | null => {
    if (!value) return null;
    const withZone = /[zZ]|[+-]\d\d:\d\d$/.test(value)
      ? value
      : `${value.length === 10 ? `${value}T00:00:00` : value}+03:00`;
    const ms = Date.parse(withZone);
    return Number.isNaN(ms) ? null : ms;
  };
  const badRequest = (c: Context, message: string) => c.json({ errors: [message] }, 400);

  const reportRoute = (name: 'orders' | 'sales') => (c: Context) => {
    const from = parseDateFrom(c.req.query('dateFrom'));
    if (from === null) return badRequest(c, 'dateFrom: invalid or missing');
    const report = name === 'orders' ? stateOf(c).orders : stateOf(c).sales;
    if (c.req.query('flag') === '1') {
      const day = new Date(from + 3 * 3_600_000).toISOString().slice(0, 10);
      return c.json(report.rows.map((r) => r.row).filter((r) => String(r.date).startsWith(day)));
    }
    return c.json(report.since(from, reportPageRows));
  };
  app.get('/api/v1/supplier/orders', reportRoute('orders'));
  app.get('/api/v1/supplier/sales', reportRoute('sales'));
  app.get('/api/v1/supplier/stocks', (c) => {
    const from = parseDateFrom(c.req.query('dateFrom'));
    if (from === null) return badRequest(c, 'dateFrom: invalid or missing');
    return c.json(stateOf(c).stocks.since(from, stocksPageRows));
  });

  // Content: cards in (updatedAt, nmID) cursor order; each card here has one size.
  app.post('/content/v2/get/cards/list', async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      settings?: { cursor?: { limit?: number; nmID?: number } };
    } | null;
    const limit = body?.settings?.cursor?.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return c.json({ data: null, error: true, errorText: 'cursor.limit: from 1 to 100', additionalErrors: null }, 400);
    const after = body?.settings?.cursor?.nmID ?? 0;
    const updatedAt = '2025-01-15T10:00:00Z';
    const page = stateOf(c)
      .cards.filter((card) => card.nmId > after)
      .slice(0, limit);
    return c.json({
      cards: page.map((card) => ({
        nmID: card.nmId,
        imtID: card.nmId - 1000,
        subjectID: 192,
        subjectName: card.subject,
        vendorCode: card.article,
        brand: card.brand,
        title: `${card.subject} ${card.brand}`,
        description: '',
        needKiz: false,
        photos: [],
        video: '',
        sizes: [{ chrtID: card.chrtId, techSize: card.techSize, wbSize: '', skus: [card.barcode] }],
        tags: [],
        createdAt: updatedAt,
        updatedAt,
      })),
      cursor: { updatedAt, nmID: page.at(-1)?.nmId ?? after, total: page.length },
    });
  });

  app.get('/api/v3/warehouses', (c) =>
    c.json(
      stateOf(c).sellerWarehouses.map((w) => ({
        id: w.id,
        name: w.name,
        officeId: w.officeId,
        cargoType: 1,
        deliveryType: 1,
        isDeleting: false,
        isProcessing: false,
      })),
    ),
  );

  // Marketplace (FBS assembly tasks).
  const orderView = (o: WbFbsOrder) => ({
    id: o.id,
    rid: o.rid,
    orderUid: o.orderUid,
    createdAt: o.createdAt,
    warehouseId: o.warehouseId,
    officeId: o.officeId,
    nmId: o.nmId,
    chrtId: o.chrtId,
    article: o.article,
    skus: [o.barcode],
    price: o.price,
    convertedPrice: o.price,
    currencyCode: 643,
    convertedCurrencyCode: 643,
    cargoType: 1,
    deliveryType: 'fbs',
    offices: ['Москва'],
    isZeroOrder: false,
    comment: '',
    colorCode: '',
    address: null,
    options: { isB2b: false },
  });
  const marketplaceError = (c: Context, status: 400 | 404, code: string, message: string) =>
    c.json({ code, message, data: null }, status);

  app.get('/api/v3/orders/new', (c) =>
    c.json({
      orders: [...stateOf(c).fbsOrders.values()]
        .filter((o) => o.supplierStatus === 'new' && o.wbStatus === 'waiting')
        .map((o) => ({
          ...orderView(o),
          finalPrice: o.price,
          convertedFinalPrice: o.price,
          salePrice: o.price,
          scanPrice: null,
          requiredMeta: [],
          optionalMeta: [],
        })),
    }),
  );

  app.get('/api/v3/orders', (c) => {
    const limit = Number(c.req.query('limit'));
    const next = Number(c.req.query('next'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return marketplaceError(c, 400, 'IncorrectParameter', 'limit: from 1 to 1000');
    if (!Number.isInteger(next) || next < 0) return marketplaceError(c, 400, 'IncorrectParameter', 'next is required');
    const now = Math.floor(Date.now() / 1000);
    const dateTo = c.req.query('dateTo') ? Number(c.req.query('dateTo')) : now;
    const dateFrom = c.req.query('dateFrom') ? Number(c.req.query('dateFrom')) : dateTo - 30 * 86_400;
    if (dateTo - dateFrom > 30 * 86_400)
      return marketplaceError(c, 400, 'IncorrectParameter', 'The period may not exceed 30 days');
    const page = [...stateOf(c).fbsOrders.values()]
      .filter((o) => o.id > next)
      .filter((o) => {
        const at = Date.parse(o.createdAt) / 1000;
        return at >= dateFrom && at <= dateTo;
      })
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
    return c.json({ next: page.at(-1)?.id ?? next, orders: page.map((o) => ({ ...orderView(o), scanPrice: 0 })) });
  });

  app.post('/api/v3/orders/status', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { orders?: unknown } | null;
    if (!body || !Array.isArray(body.orders) || body.orders.length > 1000)
      return marketplaceError(c, 400, 'IncorrectRequestBody', 'orders: up to 1000 ids');
    return c.json({
      orders: body.orders
        .map((id) => stateOf(c).fbsOrders.get(Number(id)))
        .filter((o): o is WbFbsOrder => !!o)
        .map((o) => ({ id: o.id, supplierStatus: o.supplierStatus, wbStatus: o.wbStatus })),
    });
  });

  // The seller cancels an assembly task: from new or confirm only (then supplierStatus cancel); WB's 409 otherwise.
  app.patch('/api/v3/orders/:orderId/cancel', (c) => {
    const order = stateOf(c).fbsOrders.get(Number(c.req.param('orderId')));
    if (!order) return marketplaceError(c, 404, 'NotFound', 'Не найдено');
    if (order.supplierStatus === 'cancel' || order.wbStatus === 'canceled') {
      return c.json({ code: 'StatusMismatch', message: 'Несоответствие статусов, проверьте их правильность' }, 409);
    }
    if (order.supplierStatus === 'complete' || order.wbStatus === 'sold' || order.wbStatus === 'sorted') {
      return c.json(
        {
          code: 'StatusChangeNotAllowed',
          message: 'Задание перейдёт в завершенные после сканирования на пунте выдачи заказов (ПВЗ)',
        },
        409,
      );
    }
    stateOf(c).setFbsStatus(order.id, 'cancel', 'canceled');
    return c.body(null, 204);
  });

  // Prices and discounts (discounts-prices-api): an upload of up to 1000 cards, processed at once here; each card's
  // outcome in the processed upload's details (status 3 with errorText: the price did not change).
  const pricesError = (c: Context, errorText: string) => c.json({ data: null, error: true, errorText }, 400);
  let nextUpload = 8_000_000;
  app.post('/api/v2/upload/task', async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      data?: { nmID?: unknown; price?: unknown; discount?: unknown }[];
    } | null;
    if (!body || !Array.isArray(body.data)) return pricesError(c, 'Invalid data format');
    if (!body.data.length) return pricesError(c, 'Empty data');
    if (body.data.length > 1000) return pricesError(c, 'Upload limit exceeded');
    const ids = body.data.map((g) => Number(g.nmID));
    if (new Set(ids).size !== ids.length) return pricesError(c, 'Duplicate item nos');
    for (const g of body.data) {
      if (g.price === undefined && g.discount === undefined) return pricesError(c, 'Price and discount not specified');
      if (g.price !== undefined && (typeof g.price !== 'number' || !Number.isInteger(g.price)))
        return pricesError(c, 'Price should be a whole number');
      if (g.price !== undefined && (g.price as number) <= 0) return pricesError(c, 'Invalid price value');
      if (
        g.discount !== undefined &&
        (!Number.isInteger(g.discount) || (g.discount as number) < 0 || (g.discount as number) >= 100)
      )
        return pricesError(c, 'Invalid discount value');
    }
    const st = stateOf(c);
    const cards = body.data.map((g) => ({ g, card: st.cards.find((k) => k.nmId === Number(g.nmID)) }));
    if (cards.every(({ card }) => !card))
      return pricesError(
        c,
        'All item nos are specified incorrectly, or the specified prices and discounts are already set',
      );
    if (
      cards.every(
        ({ g, card }) =>
          card && (g.price ?? card.price) === card.price && (g.discount ?? card.discount ?? 0) === (card.discount ?? 0),
      )
    ) {
      return pricesError(c, 'The specified prices and discounts are already set');
    }
    const upload: WbPriceUpload = { id: nextUpload++, goods: [] };
    for (const { g, card } of cards) {
      if (!card) continue;
      const price = (g.price as number | undefined) ?? card.price;
      const discount = (g.discount as number | undefined) ?? card.discount ?? 0;
      const item = {
        nmID: card.nmId,
        vendorCode: card.article,
        sizeID: card.chrtId,
        techSizeName: card.techSize,
        price,
        discount,
      };
      if (card.inSale) {
        upload.goods.push({
          ...item,
          status: 3,
          errorText: "You can't change the item price. Item was added to the Sale due to high inventory",
        });
        continue;
      }
      card.price = price;
      card.discount = discount;
      upload.goods.push({ ...item, status: 2, errorText: '' });
    }
    st.priceUploads.set(upload.id, upload);
    return c.json({ data: { id: upload.id, alreadyExists: false }, error: false, errorText: '' });
  });

  app.get('/api/v2/history/goods/task', (c) => {
    const limit = Number(c.req.query('limit'));
    const offset = Number(c.req.query('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0)
      return pricesError(c, 'Invalid request parameters');
    const upload = stateOf(c).priceUploads.get(Number(c.req.query('uploadID')));
    if (!upload) return pricesError(c, 'Invalid request parameters');
    const historyGoods = upload.goods
      .slice(offset, offset + limit)
      .map((g) => ({ ...g, currencyIsoCode4217: 'RUB', clubDiscount: null }));
    return c.json({ data: { uploadID: upload.id, historyGoods } });
  });

  app.put('/api/v3/stocks/:warehouseId', async (c) => {
    const warehouseId = Number(c.req.param('warehouseId'));
    if (!stateOf(c).sellerWarehouses.some((w) => w.id === warehouseId)) return marketplaceError(c, 404, 'NotFound', '');
    const body = (await c.req.json().catch(() => null)) as {
      stocks?: { chrtId?: number; sku?: string; amount?: number }[];
    } | null;
    if (!body || !Array.isArray(body.stocks) || body.stocks.length < 1 || body.stocks.length > 1000) {
      return marketplaceError(c, 400, 'IncorrectRequestBody', 'Incorrect required body');
    }
    const unknown = body.stocks.filter((s) => !stateOf(c).byChrtId.has(Number(s.chrtId)));
    const tooBig = body.stocks.filter(
      (s) => !Number.isInteger(s.amount) || Number(s.amount) < 0 || Number(s.amount) > 100_000,
    );
    // A 409 rejects the whole request: nothing is written, the failing items are named by barcode.
    const conflicts = [
      ...(unknown.length
        ? [
            {
              code: 'NotFound',
              message: 'Product not found',
              data: unknown.map((s) => ({ sku: String(s.chrtId ?? s.sku ?? ''), amount: Number(s.amount ?? 0) })),
            },
          ]
        : []),
      ...(tooBig.length
        ? [
            {
              code: 'UploadDataLimit',
              message: 'Upload limit exceeded.',
              data: tooBig.map((s) => ({
                sku: stateOf(c).byChrtId.get(Number(s.chrtId))?.barcode ?? String(s.chrtId),
                amount: Number(s.amount ?? 0),
              })),
            },
          ]
        : []),
    ];
    if (conflicts.length) return c.json(conflicts, 409);
    for (const s of body.stocks) stateOf(c).fbsStocks.set(`${warehouseId}:${s.chrtId}`, Number(s.amount));
    return c.body(null, 204);
  });

  // The seller's stock on one of its warehouses, by size (chrtId): what the PUT above set; 0 where nothing was set.
  app.post('/api/v3/stocks/:warehouseId', async (c) => {
    const warehouseId = Number(c.req.param('warehouseId'));
    if (!stateOf(c).sellerWarehouses.some((w) => w.id === warehouseId)) return marketplaceError(c, 404, 'NotFound', '');
    const body = (await c.req.json().catch(() => null)) as { chrtIds?: unknown } | null;
    if (!body || !Array.isArray(body.chrtIds) || !body.chrtIds.length)
      return marketplaceError(c, 400, 'IncorrectRequestBody', 'chrtIds is required');
    const stocks = body.chrtIds
      .map((id) => stateOf(c).byChrtId.get(Number(id)))
      .filter((card) => !!card)
      .map((card) => ({
        chrtId: card!.chrtId,
        sku: card!.barcode,
        amount: stateOf(c).fbsStocks.get(`${warehouseId}:${card!.chrtId}`) ?? 0,
      }));
    return c.json({ stocks });
  });

  // Feedbacks: answered and unanswered are separate lists (isAnswered is required).
  app.get('/api/v1/feedbacks', (c) => {
    const answered = c.req.query('isAnswered');
    const take = Number(c.req.query('take'));
    const skip = Number(c.req.query('skip'));
    const fail = (text: string) =>
      c.json({ data: null, error: true, errorText: text, additionalErrors: null, requestId: '' }, 400);
    if (answered !== 'true' && answered !== 'false') return fail('isAnswered is required');
    if (!Number.isInteger(take) || take < 1 || take > 5_000) return fail('take: from 1 to 5000');
    if (!Number.isInteger(skip) || skip < 0 || skip > 199_990) return fail('skip: from 0 to 199990');
    const dateFrom = c.req.query('dateFrom') ? Number(c.req.query('dateFrom')) * 1000 : -Infinity;
    const dateTo = c.req.query('dateTo') ? Number(c.req.query('dateTo')) * 1000 : Infinity;
    const nmId = c.req.query('nmId') ? Number(c.req.query('nmId')) : null;
    const list = stateOf(c)
      .feedbacks.filter((f) => f.answered === (answered === 'true'))
      .filter(
        (f) =>
          (nmId === null || f.card.nmId === nmId) &&
          Date.parse(f.createdDate) >= dateFrom &&
          Date.parse(f.createdDate) <= dateTo,
      )
      .sort((a, b) => (c.req.query('order') === 'dateAsc' ? 1 : -1) * a.createdDate.localeCompare(b.createdDate));
    return c.json({
      data: {
        countUnanswered: stateOf(c).feedbacks.filter((f) => !f.answered).length,
        countArchive: stateOf(c).feedbacks.filter((f) => f.answered).length,
        feedbacks: list.slice(skip, skip + take).map((f) => ({
          id: f.id,
          text: f.text,
          pros: '',
          cons: '',
          productValuation: f.productValuation,
          createdDate: f.createdDate,
          answer: f.answered ? { text: 'Спасибо за отзыв!', state: 'wbRu', editable: false } : null,
          state: f.answered ? 'wbRu' : 'none',
          productDetails: {
            nmId: f.card.nmId,
            imtId: f.card.nmId - 1000,
            productName: `${f.card.subject} ${f.card.brand}`,
            supplierArticle: f.card.article,
            supplierName: 'ООО Склад',
            brandName: f.card.brand,
            size: f.card.techSize,
          },
          photoLinks: null,
          video: null,
          wasViewed: f.answered,
          userName: f.userName,
          matchingSize: '',
          subjectId: 192,
          subjectName: f.card.subject,
          isAbleSupplierFeedbackValuation: false,
          supplierFeedbackValuation: 0,
          isAbleSupplierProductValuation: false,
          supplierProductValuation: 0,
          isAbleReturnProductOrders: false,
          returnProductOrdersDate: null,
          bables: null,
          lastOrderShkId: 0,
          lastOrderCreatedAt: f.createdDate,
          color: '',
          parentFeedbackId: null,
          childFeedbackId: null,
        })),
      },
      error: false,
      errorText: '',
      additionalErrors: null,
    });
  });

  // Return claims of the last 14 days, pending or archived.
  app.get('/api/v1/claims', (c) => {
    const archived = c.req.query('is_archive');
    if (archived !== 'true' && archived !== 'false')
      return c.json({ title: 'bad request', detail: 'is_archive is required', requestId: '' }, 400);
    const limit = c.req.query('limit') ? Number(c.req.query('limit')) : 50;
    const offset = c.req.query('offset') ? Number(c.req.query('offset')) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200 || !Number.isInteger(offset) || offset < 0) {
      return c.json({ title: 'bad request', detail: 'limit: 1..200, offset ≥ 0', requestId: '' }, 400);
    }
    const since = Date.now() - 14 * 86_400_000;
    const list = stateOf(c)
      .claims.filter((cl) => cl.archived === (archived === 'true') && Date.parse(cl.dt) >= since)
      .filter((cl) => !c.req.query('id') || cl.id === c.req.query('id'))
      .sort((a, b) => b.dt.localeCompare(a.dt));
    return c.json({
      claims: list.slice(offset, offset + limit).map((cl) => ({
        id: cl.id,
        claim_type: 1,
        status: cl.status,
        status_ex: cl.statusEx,
        nm_id: cl.card.nmId,
        user_comment: cl.userComment,
        wb_comment: cl.archived ? 'Возврат одобрен' : null,
        dt: cl.dt,
        imt_name: `${cl.card.subject} ${cl.card.brand}`,
        order_dt: cl.orderDt,
        dt_update: cl.dtUpdate,
        photos: [],
        video_paths: [],
        actions: cl.archived ? [] : ['approve1', 'reject1'],
        price: cl.price,
        currency_code: '643',
        srid: cl.srid,
      })),
      total: list.length,
    });
  });

  // Test controls for other processes (benchmarks); in-process tests use `state` directly.
  app.post('/__sim/wildberries/orders', async (c) => {
    const b = (await c.req.json()) as { article: string };
    return c.json({ srid: state.addOrder(b) });
  });
  // WB issues a key to another seller (the same cards, nothing sold yet): what a person would paste into Sklad.
  app.post('/__sim/wildberries/keys', (c) => c.json({ token: issueKey() }, 201));

  return Object.assign(sim, { state, token, limits, issueKey, stateFor: (key: string) => sellers.get(key)?.state });
}
