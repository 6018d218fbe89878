import type { Context, MiddlewareHandler } from 'hono';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import { OzonState, type OzonPosting, type OzonProduct, type OzonWarehouseType } from './state.ts';

/**
 * The Ozon Seller API (api-seller.ozon.ru) as ../shared/specs/ozon/swagger.json describes
 * it, for the methods Sklad uses. Every method is a POST with a JSON body and the
 * `Client-Id` + `Api-Key` headers; errors are `{code, message, details}` with gRPC codes.
 */

export interface OzonSimulatorOptions {
  clientId?: string;
  apiKey?: string;
  state?: OzonState;
  /** Ozon allows 50 requests a second per seller account (all methods together). */
  requestsPerSecond?: number;
  /** /v2/products/stocks: 80 calls a minute per account (the method's own limit). */
  stockUpdatesPerMinute?: number;
  /** One product-warehouse pair may be updated once in 30 s; later updates get TOO_MANY_REQUESTS. */
  pairUpdateIntervalMs?: number;
}

export interface OzonSimulator extends Simulator {
  state: OzonState;
  clientId: string;
  apiKey: string;
}

const grpc = {
  invalidArgument: 3,
  notFound: 5,
  permissionDenied: 7,
  resourceExhausted: 8,
  unauthenticated: 16,
} as const;

const errorBody = (code: number, message: string) => ({ code, message, details: [] });

/** Ozon's per-type names in /v4/product/info/stocks. */
const stockTypeName: Record<OzonWarehouseType, string> = { fbo: 'fbo', fbs: 'fbs', rfbs: 'realFbs' };

export function createOzonSimulator(options: OzonSimulatorOptions = {}): OzonSimulator {
  const clientId = options.clientId ?? '123456';
  const apiKey = options.apiKey ?? 'ozon-test-api-key-0000';
  const state = options.state ?? new OzonState();
  const pairInterval = options.pairUpdateIntervalMs ?? 30_000;
  const sim = createSimulator({
    name: 'ozon',
    rateLimits: [
      { requests: options.requestsPerSecond ?? 50, intervalMs: 1_000, scope: (c) => c.req.header('client-id') ?? '' },
    ],
    tooManyRequests: (c, retryAfter) =>
      c.json(errorBody(grpc.resourceExhausted, 'You have reached request rate limit per second'), 429, {
        'retry-after': String(retryAfter),
      }),
    serverError: (c, status) => c.json(errorBody(13, 'Internal error, please try again'), status),
  });
  const { app } = sim;

  const auth: MiddlewareHandler = async (c, next) => {
    if (c.req.path.startsWith('/__sim')) return next();
    if (c.req.header('client-id') !== clientId || c.req.header('api-key') !== apiKey) {
      return c.json(errorBody(grpc.permissionDenied, 'Invalid Api-Key or Client-Id, please contact support'), 403);
    }
    return next();
  };
  app.use('*', auth);

  // The stock update method's own limit: a sliding minute of call times per account.
  const stockCalls: number[] = [];
  const perMinute = options.stockUpdatesPerMinute ?? 80;
  app.use('/v2/products/stocks', async (c, next) => {
    const now = Date.now();
    while (stockCalls.length && stockCalls[0] <= now - 60_000) stockCalls.shift();
    if (stockCalls.length >= perMinute) {
      const retryAfter = Math.max(1, Math.ceil((stockCalls[0] + 60_000 - now) / 1000));
      return c.json(errorBody(grpc.resourceExhausted, 'You have reached request rate limit per minute'), 429, {
        'retry-after': String(retryAfter),
      });
    }
    stockCalls.push(now);
    return next();
  });

  const body = async (c: Context): Promise<Record<string, any> | Response> => {
    const parsed = await c.req.json().catch(() => undefined);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return c.json(errorBody(grpc.invalidArgument, 'Invalid request body'), 400);
    return parsed;
  };
  const invalid = (c: Context, message: string) => c.json(errorBody(grpc.invalidArgument, message), 400);
  const limitOf = (value: unknown, max: number, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    return Number.isInteger(n) && n >= 1 && n <= max ? n : null;
  };

  /** Products after a filter by offer_id / product_id / visibility, in product_id order. */
  const filtered = (filter: Record<string, any> | undefined): OzonProduct[] => {
    const offerIds =
      Array.isArray(filter?.offer_id) && filter.offer_id.length ? new Set(filter.offer_id.map(String)) : null;
    const productIds =
      Array.isArray(filter?.product_id) && filter.product_id.length ? new Set(filter.product_id.map(Number)) : null;
    const visibility = filter?.visibility ?? 'ALL';
    return state.products.filter(
      (p) =>
        (!offerIds || offerIds.has(p.offerId)) &&
        (!productIds || productIds.has(p.productId)) &&
        (visibility === 'ALL' || (visibility === 'ARCHIVED' ? p.archived : !p.archived)),
    );
  };

  app.post('/v3/product/list', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const limit = limitOf(b.limit, 1000, 100);
    if (!limit) return invalid(c, 'limit must be between 1 and 1000');
    const all = filtered(b.filter);
    const after = b.last_id ? Number(b.last_id) : 0;
    const page = all.filter((p) => p.productId > after).slice(0, limit);
    const last = page.at(-1);
    return c.json({
      result: {
        items: page.map((p) => ({
          product_id: p.productId,
          offer_id: p.offerId,
          archived: p.archived,
          is_discounted: false,
          has_fbo_stocks: sumByType(p.productId, 'fbo').present > 0,
          has_fbs_stocks: sumByType(p.productId, 'fbs').present > 0,
        })),
        total: all.length,
        last_id: last && page.length === limit ? String(last.productId) : '',
      },
    });
  });

  app.post('/v3/product/info/list', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const wanted = [
      ...(b.product_id ?? []).map((id: unknown) => state.byProductId.get(Number(id))),
      ...(b.offer_id ?? []).map((id: unknown) => state.byOfferId.get(String(id))),
      ...(b.sku ?? []).map((id: unknown) => state.bySku.get(Number(id))),
    ];
    if (wanted.length > 1000) return invalid(c, 'At most 1000 identifiers in one request');
    const seen = new Set<number>();
    const items = wanted.filter((p): p is OzonProduct => !!p && !seen.has(p.productId) && !!seen.add(p.productId));
    return c.json({
      items: items.map((p) => ({
        id: p.productId,
        offer_id: p.offerId,
        sku: p.sku,
        name: p.name,
        barcodes: [p.barcode],
        currency_code: 'RUB',
        price: p.price,
        old_price: '',
        marketing_price: p.price,
        min_price: '',
        is_archived: p.archived,
        is_autoarchived: false,
        created_at: '2024-01-15T10:00:00Z',
        updated_at: '2025-01-15T10:00:00Z',
        vat: '0.2',
        stocks: {
          has_stock: true,
          stocks: (['fbo', 'fbs', 'rfbs'] as const).map((t) => ({
            ...sumByType(p.productId, t),
            sku: p.sku,
            source: stockTypeName[t],
          })),
        },
      })),
    });
  });

  const sumByType = (productId: number, type: OzonWarehouseType) => {
    let present = 0;
    let reserved = 0;
    const ids: string[] = [];
    for (const w of state.warehouses) {
      if (w.type !== type) continue;
      const cell = state.stock(productId, w.id);
      if (!cell) continue;
      present += cell.present;
      reserved += cell.reserved;
      ids.push(String(w.id));
    }
    return { present, reserved, warehouse_ids: ids };
  };

  // Cursor paging: the cursor is an opaque token naming the last product_id sent.
  const encodeCursor = (productId: number) => Buffer.from(`p:${productId}`).toString('base64url');
  const decodeCursor = (cursor: string) => {
    const text = Buffer.from(cursor, 'base64url').toString();
    return text.startsWith('p:') ? Number(text.slice(2)) : NaN;
  };

  app.post('/v4/product/info/stocks', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const limit = limitOf(b.limit, 1000, NaN);
    if (!limit) return invalid(c, 'limit must be between 1 and 1000');
    if (!b.filter || typeof b.filter !== 'object') return invalid(c, 'filter is required');
    const after = b.cursor ? decodeCursor(String(b.cursor)) : 0;
    if (Number.isNaN(after)) return invalid(c, 'Invalid cursor');
    const all = filtered(b.filter);
    const page = all.filter((p) => p.productId > after).slice(0, limit);
    const last = page.at(-1);
    return c.json({
      cursor: last && page.length === limit ? encodeCursor(last.productId) : '',
      total: all.length,
      items: page.map((p) => ({
        product_id: p.productId,
        offer_id: p.offerId,
        stocks: (['fbo', 'fbs', 'rfbs'] as const)
          .filter((t) => state.warehouses.some((w) => w.type === t))
          .map((t) => ({
            type: stockTypeName[t],
            sku: p.sku,
            shipment_type: 'SHIPMENT_TYPE_GENERAL',
            ...sumByType(p.productId, t),
          })),
      })),
    });
  });

  /** FBO rows (sku × Ozon warehouse) in a stable order: by product, then warehouse. */
  function* fboRows(skus?: Set<number>) {
    const fbo = state.warehouses.filter((w) => w.type === 'fbo');
    for (const p of state.products) {
      if (skus && !skus.has(p.sku)) continue;
      for (const w of fbo) {
        const cell = state.stock(p.productId, w.id);
        if (cell) yield { p, w, cell };
      }
    }
  }

  app.post('/v2/analytics/stock_on_warehouses', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const limit = limitOf(b.limit, 1000, NaN);
    if (!limit) return invalid(c, 'limit must be between 1 and 1000');
    const offset = Number(b.offset ?? 0);
    if (!Number.isInteger(offset) || offset < 0) return invalid(c, 'offset must be a non-negative integer');
    const rows = [];
    let index = 0;
    for (const { p, w, cell } of fboRows()) {
      if (index++ < offset) continue;
      rows.push({
        sku: p.sku,
        item_code: p.offerId,
        item_name: p.name,
        free_to_sell_amount: cell.present - cell.reserved,
        promised_amount: cell.promised,
        reserved_amount: cell.reserved,
        warehouse_name: w.name,
      });
      if (rows.length === limit) break;
    }
    return c.json({ result: { rows } });
  });

  app.post('/v1/analytics/stocks', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (!Array.isArray(b.skus) || b.skus.length < 1 || b.skus.length > 100)
      return invalid(c, 'skus: from 1 to 100 values');
    const items = [];
    for (const { p, w, cell } of fboRows(new Set(b.skus.map(Number)))) {
      items.push({
        sku: p.sku,
        offer_id: p.offerId,
        name: p.name,
        warehouse_id: w.id,
        warehouse_name: w.name,
        cluster_id: 100 + (w.id % 10),
        cluster_name: w.name.split('_')[0],
        available_stock_count: cell.present - cell.reserved,
        requested_stock_count: cell.promised,
        transit_stock_count: 0,
        return_from_customer_stock_count: 0,
        other_stock_count: cell.reserved,
        valid_stock_count: cell.present,
        turnover_grade: 'ACTUAL',
        item_tags: [],
      });
    }
    return c.json({ items });
  });

  // The seller's own warehouses (FBS, rFBS) one by one: what /v2/products/stocks sets. The spec names no SKU limit.
  app.post('/v1/product/info/stocks-by-warehouse/fbs', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (!Array.isArray(b.sku) || b.sku.length < 1) return invalid(c, 'sku is required');
    const own = state.warehouses.filter((w) => w.type !== 'fbo');
    const result = [];
    for (const sku of b.sku) {
      const p = state.bySku.get(Number(sku));
      if (!p) continue;
      for (const w of own) {
        const cell = state.stock(p.productId, w.id);
        if (cell)
          result.push({
            sku: p.sku,
            product_id: p.productId,
            present: cell.present,
            reserved: cell.reserved,
            warehouse_id: w.id,
            warehouse_name: w.name,
          });
      }
    }
    return c.json({ result });
  });

  app.post('/v1/warehouse/list', (c) =>
    c.json({
      result: state.warehouses
        .filter((w) => w.type !== 'fbo')
        .map((w) => ({
          warehouse_id: w.id,
          name: w.name,
          is_rfbs: w.type === 'rfbs',
          status: 'created',
          is_kgt: false,
          is_economy: false,
        })),
    }),
  );

  app.post('/v2/products/stocks', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (!Array.isArray(b.stocks) || b.stocks.length === 0) return invalid(c, 'stocks is required');
    if (b.stocks.length > 100) return invalid(c, 'At most 100 product-warehouse pairs in one request');
    const now = Date.now();
    const result = b.stocks.map((item: Record<string, any>) => {
      const product = item.offer_id
        ? state.byOfferId.get(String(item.offer_id))
        : state.byProductId.get(Number(item.product_id));
      const warehouse = state.warehouse(Number(item.warehouse_id));
      const answer = {
        product_id: product?.productId ?? Number(item.product_id ?? 0),
        offer_id: product?.offerId ?? String(item.offer_id ?? ''),
        warehouse_id: Number(item.warehouse_id),
      };
      const fail = (code: string, message: string) => ({ ...answer, updated: false, errors: [{ code, message }] });
      if (!product) return fail('NOT_FOUND', 'Product not found');
      if (!warehouse || warehouse.type === 'fbo') return fail('WAREHOUSE_NOT_FOUND', 'Warehouse not found');
      if (!Number.isInteger(item.stock) || item.stock < 0)
        return fail('INVALID_STOCK', 'stock must be a non-negative integer');
      const key = `${product.productId}:${warehouse.id}`;
      const last = state.lastStockUpdate.get(key);
      if (last !== undefined && now - last < pairInterval)
        return fail('TOO_MANY_REQUESTS', 'Stock of one product on one warehouse may be updated once in 30 seconds');
      state.lastStockUpdate.set(key, now);
      // The pushed number excludes reserved units: what is sellable besides the reserve.
      const reserved = state.stock(product.productId, warehouse.id)?.reserved ?? 0;
      state.setStock(product.productId, warehouse.id, { present: item.stock + reserved });
      return { ...answer, updated: true, errors: [] };
    });
    return c.json({ result });
  });

  // Prices (ProductAPI_ImportProductsPrices): up to 1000 items; the decimal string kept on the product as "1448.0000".
  // Ozon's own rules: 10 changes an hour per product, the minimum price, a product in automatic promotions without one.
  const cabinetCurrency = 'RUB';
  app.post('/v1/product/import/prices', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (!Array.isArray(b.prices) || b.prices.length === 0) return invalid(c, 'prices is required');
    if (b.prices.length > 1000) return invalid(c, 'At most 1000 prices in one request');
    const now = Date.now();
    const result = b.prices.map((item: Record<string, any>) => {
      const product = item.offer_id
        ? state.byOfferId.get(String(item.offer_id))
        : state.byProductId.get(Number(item.product_id));
      const answer = {
        product_id: product?.productId ?? Number(item.product_id ?? 0),
        offer_id: product?.offerId ?? String(item.offer_id ?? ''),
      };
      const fail = (code: string, message: string) => ({ ...answer, updated: false, errors: [{ code, message }] });
      if (!product) return fail('NOT_FOUND', 'Product not found');
      if (typeof item.price !== 'string' || !/^\d+(\.\d{1,2})?$/.test(item.price))
        return fail('INVALID_PRICE', 'price must be a decimal string with up to two digits after the point');
      const currency = item.currency_code ?? 'RUB';
      if (currency !== (product.currency ?? cabinetCurrency))
        return fail(
          'CURRENCY_MISMATCH',
          `The currency must be the one set in the cabinet: ${product.currency ?? cabinetCurrency}`,
        );
      if (product.autoActionWithoutMinPrice && item.min_price === undefined) {
        return fail(
          'action_price_enabled_min_price_missing',
          'The product is in automatic promotions: turn them off or set a minimum price',
        );
      }
      const minPrice = item.min_price ?? product.minPrice;
      if (minPrice !== undefined && Number(minPrice) > 0 && Number(item.price) < Number(minPrice)) {
        return fail('PRICE_LESS_THAN_MIN_PRICE', `The price ${item.price} is below the minimum price ${minPrice}`);
      }
      const recent = (state.priceUpdates.get(product.productId) ?? []).filter((t) => t > now - 3_600_000);
      if (recent.length >= 10)
        return fail('TOO_MANY_REQUESTS', 'The price of one product may be changed at most 10 times an hour');
      state.priceUpdates.set(product.productId, [...recent, now]);
      product.price = Number(item.price).toFixed(4);
      if (item.min_price !== undefined) product.minPrice = String(item.min_price);
      return { ...answer, updated: true, errors: [] };
    });
    return c.json({ result });
  });

  /** A posting as Ozon lists it; `analytics_data` only when the request asks for it (`with.analytics_data`). */
  const postingView = (p: OzonPosting, withAnalytics: boolean) => {
    const w = state.warehouse(p.warehouseId);
    const m = p.deliveryMethod;
    const address = p.customer?.address;
    return {
      posting_number: p.postingNumber,
      order_id: p.orderId,
      order_number: p.orderNumber,
      status: p.status,
      substatus: p.substatus,
      in_process_at: p.inProcessAt,
      shipment_date: p.shipmentDate,
      delivery_method: {
        id: m.id,
        name: m.name,
        warehouse_id: p.warehouseId,
        warehouse: w?.name ?? '',
        tpl_provider: m.tplProvider,
        tpl_provider_id: m.tplProviderId,
      },
      cancellation: p.cancelReason
        ? {
            cancel_reason: p.cancelReason,
            cancel_reason_id: 352,
            cancellation_type: 'client',
            cancellation_initiator: 'Клиент',
            cancelled_after_ship: false,
            affect_cancellation_rating: false,
          }
        : {
            cancel_reason: '',
            cancel_reason_id: 0,
            cancellation_type: '',
            cancellation_initiator: '',
            cancelled_after_ship: false,
            affect_cancellation_rating: false,
          },
      // Ozon names the buyer and the address of postings the seller delivers; the spec: the phone "always returns an empty string".
      ...(p.customer && address
        ? {
            addressee: { name: p.customer.name, phone: '' },
            customer: {
              customer_id: p.customer.id,
              name: p.customer.name,
              phone: '',
              address: {
                address_tail: address.addressTail,
                city: address.city,
                comment: address.comment ?? '',
                country: address.country,
                region: address.region,
                zip_code: address.zipCode,
                provider_pvz_code: address.providerPvzCode ?? '',
                ...(address.pvzCode ? { pvz_code: address.pvzCode } : {}),
              },
            },
          }
        : {}),
      ...(withAnalytics
        ? {
            analytics_data: {
              city: address?.city ?? '',
              region: address?.region ?? '',
              delivery_type: address?.providerPvzCode ? 'PVZ' : 'Courier',
              delivery_date_begin: p.shipmentDate,
              delivery_date_end: new Date(Date.parse(p.shipmentDate) + 3 * 86_400_000).toISOString(),
              is_legal: false,
              is_premium: false,
              payment_type_group_name: 'картой онлайн',
              tpl_provider: m.tplProvider,
              tpl_provider_id: m.tplProviderId,
              warehouse: w?.name ?? '',
              warehouse_id: p.warehouseId,
            },
          }
        : {}),
      products: p.lines.map((l) => ({
        sku: l.sku,
        offer_id: l.offerId,
        name: l.name,
        quantity: l.quantity,
        price: l.price,
        currency_code: 'RUB',
        mandatory_mark: [],
      })),
      is_express: false,
      is_multibox: false,
      multi_box_qty: 1,
      tracking_number: p.trackingNumber ?? '',
      tpl_integration_type: m.integration,
    };
  };

  app.post('/v3/posting/fbs/list', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const limit = limitOf(b.limit, 1000, NaN);
    if (!limit) return invalid(c, 'limit must be between 1 and 1000');
    const offset = Number(b.offset);
    if (!Number.isInteger(offset) || offset < 0) return invalid(c, 'offset is required');
    const since = Date.parse(b.filter?.since);
    const to = Date.parse(b.filter?.to);
    if (Number.isNaN(since) || Number.isNaN(to)) return invalid(c, 'filter.since and filter.to are required');
    if (to - since > 366 * 86_400_000) return invalid(c, 'The period must not be longer than one year');
    const changedFrom = b.filter.last_changed_status_date?.from
      ? Date.parse(b.filter.last_changed_status_date.from)
      : -Infinity;
    const changedTo = b.filter.last_changed_status_date?.to
      ? Date.parse(b.filter.last_changed_status_date.to)
      : Infinity;
    const all = [...state.postings.values()]
      .filter((p) => {
        const at = Date.parse(p.inProcessAt);
        const changed = Date.parse(p.statusChangedAt);
        return (
          at >= since &&
          at <= to &&
          (!b.filter.status || p.status === b.filter.status) &&
          changed >= changedFrom &&
          changed <= changedTo
        );
      })
      .sort((a, b2) => a.inProcessAt.localeCompare(b2.inProcessAt) || a.postingNumber.localeCompare(b2.postingNumber));
    if (b.dir === 'DESC' || b.dir === 'desc') all.reverse();
    const page = all.slice(offset, offset + limit);
    return c.json({
      result: {
        postings: page.map((p) => postingView(p, b.with?.analytics_data === true)),
        has_next: offset + limit < all.length,
      },
    });
  });

  app.post('/v3/posting/fbs/get', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const posting = state.postings.get(String(b.posting_number ?? ''));
    if (!posting) return c.json(errorBody(grpc.notFound, 'Posting not found'), 404);
    return c.json({ result: postingView(posting, b.with?.analytics_data === true) });
  });

  // --- The seller's actions on FBS postings (docs/decisions/192) --------------------------------
  const conflict = (c: Context, message: string) => c.json(errorBody(grpc.invalidArgument, message), 409);
  const finished = (p: OzonPosting) => ['cancelled', 'delivered', 'not_accepted'].includes(p.status);

  // Assembly: every product of the posting in the packages, then the posting awaits delivery.
  app.post('/v4/posting/fbs/ship', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const posting = state.postings.get(String(b.posting_number ?? ''));
    if (!posting) return c.json(errorBody(grpc.notFound, 'Posting not found'), 404);
    if (!Array.isArray(b.packages) || !b.packages.length) return invalid(c, 'packages is required');
    if (posting.status !== 'awaiting_packaging')
      return invalid(c, `POSTING_ALREADY_SHIPPED: posting is ${posting.status}`);
    const packed = new Map<number, number>();
    for (const pack of b.packages)
      for (const item of pack?.products ?? [])
        packed.set(Number(item.product_id), (packed.get(Number(item.product_id)) ?? 0) + Number(item.quantity));
    const wanted = new Map<number, number>();
    for (const l of posting.lines) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + l.quantity);
    if (packed.size !== wanted.size || [...wanted].some(([sku, n]) => packed.get(sku) !== n))
      return invalid(c, 'INVALID_PRODUCTS: the packages must hold every product of the posting');
    state.setPostingStatus(posting.postingNumber, 'awaiting_deliver');
    return c.json({ result: [posting.postingNumber] });
  });

  app.post('/v2/posting/fbs/cancel', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    const posting = state.postings.get(String(b.posting_number ?? ''));
    if (!posting) return c.json(errorBody(grpc.notFound, 'Posting not found'), 404);
    if (!Number.isInteger(b.cancel_reason_id)) return invalid(c, 'cancel_reason_id is required');
    if (b.cancel_reason_id === 402 && !b.cancel_reason_message)
      return invalid(c, 'cancel_reason_message is required for reason 402');
    if (finished(posting) || posting.status === 'delivering')
      return conflict(c, `posting is ${posting.status} and cannot be cancelled`);
    state.setPostingStatus(posting.postingNumber, 'cancelled', {
      cancelReason: String(b.cancel_reason_message ?? 'Отменено продавцом'),
    });
    return c.json({ result: true });
  });

  app.post('/v2/fbs/posting/tracking-number/set', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (!Array.isArray(b.tracking_numbers) || !b.tracking_numbers.length)
      return invalid(c, 'tracking_numbers is required');
    const result = b.tracking_numbers.map((t: Record<string, unknown>) => {
      const posting = state.postings.get(String(t.posting_number ?? ''));
      if (!posting)
        return { posting_number: String(t.posting_number ?? ''), result: false, error: 'POSTING_NOT_FOUND' };
      if (typeof t.tracking_number !== 'string' || !t.tracking_number)
        return { posting_number: posting.postingNumber, result: false, error: 'TRACKING_NUMBER_REQUIRED' };
      if (finished(posting))
        return {
          posting_number: posting.postingNumber,
          result: false,
          error: `POSTING_IS_${posting.status.toUpperCase()}`,
        };
      posting.trackingNumber = t.tracking_number;
      return { posting_number: posting.postingNumber, result: true, error: '' };
    });
    return c.json({ result });
  });

  app.post('/v2/fbs/posting/delivering', async (c) => {
    const b = await body(c);
    if (b instanceof Response) return b;
    if (!Array.isArray(b.posting_number) || !b.posting_number.length) return invalid(c, 'posting_number is required');
    const result = b.posting_number.map((n: unknown) => {
      const posting = state.postings.get(String(n));
      if (!posting) return { posting_number: String(n), result: false, error: 'POSTING_NOT_FOUND' };
      if (finished(posting))
        return {
          posting_number: posting.postingNumber,
          result: false,
          error: `POSTING_IS_${posting.status.toUpperCase()}`,
        };
      if (posting.status !== 'delivering') state.setPostingStatus(posting.postingNumber, 'delivering');
      return { posting_number: posting.postingNumber, result: true, error: '' };
    });
    return c.json({ result });
  });

  // Test controls for other processes (benchmarks); in-process tests use `state` directly.
  app.post('/__sim/ozon/postings', async (c) => {
    const b = (await c.req.json()) as { warehouseId: number; lines: { offerId: string; quantity: number }[] };
    return c.json(state.addPosting(b));
  });
  app.post('/__sim/ozon/postings/:number/status', async (c) => {
    const b = (await c.req.json()) as { status: string; cancelReason?: string };
    state.setPostingStatus(c.req.param('number'), b.status, { cancelReason: b.cancelReason });
    return c.json(state.postings.get(c.req.param('number')));
  });

  return Object.assign(sim, { state, clientId, apiKey });
}
