import type { Context } from 'hono';
import { createSimulator, type RateLimit, type Simulator } from '../toolkit/index.ts';
import { WixState, type WixProduct, type WixSite } from './state.ts';

/**
 * Wix Stores REST (Catalog V1 products, Inventory V2) as Wix's published REST reference
 * describes it: `query.filter` is a JSON string, `paging {limit ≤ 100, offset}`, answers
 * `{products|inventoryItems, metadata {items, offset}, totalResults}`, errors
 * `{message, details: {applicationError: {code, description}}}`. A site is chosen by the
 * `wix-site-id` header; the `Authorization` header carries the account's API key.
 */

export interface WixSimulator extends Simulator {
  state: WixState;
}

export interface WixSimulatorOptions {
  /** Wix allows about 200 requests a minute per site; benches may raise it, `null` turns it off. */
  rateLimit?: RateLimit | null;
  /** Items one increment/decrement takes: the seed saw 500s above 50, the simulator says 400. */
  maxBulkItems?: number;
  state?: WixState;
}

type Env = { Variables: { site: WixSite } };

const wixError = (c: Context, status: number, code: string, description: string) =>
  c.json({ message: description, details: { applicationError: { code, description, data: {} } } }, status as 400);

export function createWixSimulator(options: WixSimulatorOptions = {}): WixSimulator {
  const state = options.state ?? new WixState();
  const maxBulk = options.maxBulkItems ?? 50;
  const rateLimit =
    options.rateLimit === null
      ? []
      : [
          options.rateLimit ?? {
            requests: 200,
            intervalMs: 60_000,
            scope: (c: Context) => c.req.header('wix-site-id') ?? '',
          },
        ];
  const sim = createSimulator({
    name: 'wix',
    rateLimits: rateLimit,
    tooManyRequests: (c, retryAfter) =>
      c.json(
        {
          message: 'Too many requests',
          details: { applicationError: { code: 'TOO_MANY_REQUESTS', description: 'Rate limit exceeded', data: {} } },
        },
        429,
        {
          'retry-after': String(retryAfter),
        },
      ),
    serverError: (c, status) => wixError(c, status, 'INTERNAL_ERROR', 'Internal server error'),
  });
  const app = sim.app as unknown as import('hono').Hono<Env>;

  app.use('/stores/*', async (c, next) => {
    const key = c.req.header('authorization');
    const keyKnown = key && [...state.sites.values()].some((s) => s.apiKey === key);
    if (!keyKnown) return wixError(c, 401, 'UNAUTHENTICATED', 'Missing or invalid API key in the Authorization header');
    const site = state.sites.get(c.req.header('wix-site-id') ?? '');
    if (!site || site.apiKey !== key)
      return wixError(c, 403, 'PERMISSION_DENIED', 'The API key has no access to the site in the wix-site-id header');
    c.set('site', site);
    await next();
  });

  app.post('/stores/v1/products/query', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { query?: WixQuery; includeVariants?: boolean };
    const parsed = parseQuery(body.query);
    if ('error' in parsed) return wixError(c, 400, 'INVALID_ARGUMENT', parsed.error);
    const all = [...c.get('site').products.values()].filter((p) => matches(parsed.filter, productFields(p)));
    const page = all.slice(parsed.offset, parsed.offset + parsed.limit);
    return c.json({
      products: page.map((p) => productBody(p, body.includeVariants === true)),
      metadata: { items: page.length, offset: parsed.offset },
      totalResults: all.length,
    });
  });

  app.post('/stores/v2/inventoryItems/query', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { query?: WixQuery };
    const parsed = parseQuery(body.query);
    if ('error' in parsed) return wixError(c, 400, 'INVALID_ARGUMENT', parsed.error);
    const all = [...c.get('site').products.values()].filter((p) =>
      matches(parsed.filter, { id: [p.id], productId: [p.id], trackQuantity: [String(p.variants[0].trackQuantity)] }),
    );
    const page = all.slice(parsed.offset, parsed.offset + parsed.limit);
    return c.json({
      inventoryItems: page.map(inventoryItem),
      metadata: { items: page.length, offset: parsed.offset },
      totalResults: all.length,
    });
  });

  // Catalog V1 "Update Product": only the fields sent change; the price (priceData.price) a number in the site's currency.
  app.patch('/stores/v1/products/:productId', async (c) => {
    const product = c.get('site').products.get(c.req.param('productId'));
    if (!product) return wixError(c, 404, 'PRODUCT_NOT_FOUND', `Product ${c.req.param('productId')} not found`);
    const body = (await c.req.json().catch(() => null)) as { product?: { priceData?: { price?: unknown } } } | null;
    if (!body?.product) return wixError(c, 400, 'INVALID_ARGUMENT', 'product is required');
    const price = body.product.priceData?.price;
    if (price !== undefined) {
      if (
        typeof price !== 'number' ||
        !Number.isFinite(price) ||
        price < 0 ||
        Math.abs(Math.round(price * 100) - price * 100) > 1e-6
      ) {
        return wixError(
          c,
          400,
          'INVALID_ARGUMENT',
          'product.priceData.price must be a non-negative number with at most two decimals',
        );
      }
      product.price = price;
      product.lastUpdated = new Date().toISOString();
    }
    return c.json({ product: productBody(product, false) });
  });

  app.patch('/stores/v2/inventoryItems/product/:productId', async (c) => {
    const product = c.get('site').products.get(c.req.param('productId'));
    if (!product) return wixError(c, 404, 'PRODUCT_NOT_FOUND', `Product ${c.req.param('productId')} not found`);
    const body = (await c.req.json().catch(() => null)) as {
      inventoryItem?: {
        trackQuantity?: boolean;
        variants?: { variantId?: string; quantity?: number; inStock?: boolean }[];
      };
    } | null;
    const item = body?.inventoryItem;
    if (!item) return wixError(c, 400, 'INVALID_ARGUMENT', 'inventoryItem is required');
    for (const [i, v] of (item.variants ?? []).entries()) {
      if (!v.variantId)
        return wixError(c, 400, 'INVALID_ARGUMENT', `inventoryItem.variants[${i}].variantId must not be empty`);
      if (!product.variants.some((x) => x.id === v.variantId))
        return wixError(c, 404, 'VARIANT_NOT_FOUND', `Variant ${v.variantId} not found`);
      if (v.quantity !== undefined && (!Number.isInteger(v.quantity) || v.quantity < 0)) {
        return wixError(
          c,
          400,
          'INVALID_ARGUMENT',
          `inventoryItem.variants[${i}].quantity must be a non-negative integer`,
        );
      }
    }
    if (item.trackQuantity !== undefined) for (const v of product.variants) v.trackQuantity = item.trackQuantity;
    for (const change of item.variants ?? []) {
      const v = product.variants.find((x) => x.id === change.variantId)!;
      if (change.quantity !== undefined) v.quantity = change.quantity;
      v.inStock = v.trackQuantity ? v.quantity > 0 : (change.inStock ?? v.inStock);
    }
    product.lastUpdated = new Date().toISOString();
    return c.json({});
  });

  const bulk = (kind: 'increment' | 'decrement') => async (c: Context<Env>) => {
    const field = kind === 'increment' ? 'incrementData' : 'decrementData';
    const by = kind === 'increment' ? 'incrementBy' : 'decrementBy';
    const body = (await c.req.json().catch(() => null)) as Record<string, Record<string, unknown>[] | undefined> | null;
    const items = body?.[field];
    if (!Array.isArray(items) || items.length === 0)
      return wixError(c, 400, 'INVALID_ARGUMENT', `${field} must not be empty`);
    if (items.length > maxBulk)
      return wixError(c, 400, 'INVALID_ARGUMENT', `${field} has ${items.length} items; at most ${maxBulk}`);
    const site = c.get('site');
    const planned: { variant: WixProduct['variants'][number]; product: WixProduct; delta: number }[] = [];
    for (const [i, item] of items.entries()) {
      // The seed's bug: Wix answers 400 when variantId is missing, even for a product without options.
      if (!item.variantId) return wixError(c, 400, 'INVALID_ARGUMENT', `${field}[${i}].variantId must not be empty`);
      const product = site.products.get(String(item.productId ?? ''));
      if (!product) return wixError(c, 404, 'PRODUCT_NOT_FOUND', `${field}[${i}]: product ${item.productId} not found`);
      const variant = product.variants.find((v) => v.id === item.variantId);
      if (!variant) return wixError(c, 404, 'VARIANT_NOT_FOUND', `${field}[${i}]: variant ${item.variantId} not found`);
      const amount = item[by];
      if (!Number.isInteger(amount) || (amount as number) < 1)
        return wixError(c, 400, 'INVALID_ARGUMENT', `${field}[${i}].${by} must be a positive integer`);
      if (!variant.trackQuantity)
        return wixError(
          c,
          428,
          'INVENTORY_NOT_TRACKED',
          `${field}[${i}]: quantity of variant ${variant.id} is not tracked`,
        );
      const delta = kind === 'increment' ? (amount as number) : -(amount as number);
      if (variant.quantity + delta < 0)
        return wixError(c, 428, 'INSUFFICIENT_INVENTORY', `${field}[${i}]: only ${variant.quantity} in stock`);
      planned.push({ variant, product, delta });
    }
    // All or nothing, as one request.
    for (const { variant, product, delta } of planned) {
      variant.quantity += delta;
      variant.inStock = variant.quantity > 0;
      product.lastUpdated = new Date().toISOString();
    }
    return c.json({});
  };
  app.post('/stores/v2/inventoryItems/increment', bulk('increment'));
  app.post('/stores/v2/inventoryItems/decrement', bulk('decrement'));

  return Object.assign(sim, { state });
}

interface WixQuery {
  filter?: unknown;
  paging?: { limit?: number; offset?: number };
  sort?: unknown;
}

type Filter = Record<string, unknown>;

function parseQuery(
  query: WixQuery | undefined,
): { filter: Filter; limit: number; offset: number } | { error: string } {
  let filter: Filter = {};
  if (query?.filter !== undefined && query.filter !== null && query.filter !== '') {
    // Catalog V1 takes the filter as a JSON *string*; an object is accepted too, as Wix does.
    try {
      filter = typeof query.filter === 'string' ? JSON.parse(query.filter) : (query.filter as Filter);
    } catch {
      return { error: 'query.filter is not valid JSON' };
    }
    if (!filter || typeof filter !== 'object' || Array.isArray(filter))
      return { error: 'query.filter must be a JSON object' };
  }
  const limit = query?.paging?.limit ?? 100;
  const offset = query?.paging?.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return { error: 'query.paging.limit must be between 1 and 100' };
  if (!Number.isInteger(offset) || offset < 0) return { error: 'query.paging.offset must be a non-negative integer' };
  return { filter, limit, offset };
}

/** The filterable values of a product: its own SKU and its variants' SKUs both answer a `sku` filter. */
const productFields = (p: WixProduct): Record<string, string[]> => ({
  id: [p.id],
  name: [p.name],
  sku: [p.sku, ...p.variants.map((v) => v.sku)],
});

/** `{field: value}`, `{field: {$eq|$in|$hasSome: …}}`, joined by AND; unknown fields match nothing. */
function matches(filter: Filter, fields: Record<string, string[]>): boolean {
  return Object.entries(filter).every(([name, condition]) => {
    const values = fields[name];
    if (!values) return false;
    if (condition !== null && typeof condition === 'object' && !Array.isArray(condition)) {
      const c = condition as Record<string, unknown>;
      if ('$in' in c || '$hasSome' in c) {
        const wanted = ((c.$in ?? c.$hasSome) as unknown[]).map(String);
        return values.some((v) => wanted.includes(v));
      }
      if ('$eq' in c) return values.includes(String(c.$eq));
      return false;
    }
    return values.includes(String(condition));
  });
}

function inventoryStatus(p: WixProduct) {
  const inStock = p.variants.filter((v) => v.inStock).length;
  return inStock === p.variants.length ? 'IN_STOCK' : inStock === 0 ? 'OUT_OF_STOCK' : 'PARTIALLY_OUT_OF_STOCK';
}

function productBody(p: WixProduct, includeVariants: boolean) {
  const priceData = {
    currency: 'PLN',
    price: p.price,
    discountedPrice: p.price,
    formatted: { price: `${p.price.toFixed(2)} zł`, discountedPrice: `${p.price.toFixed(2)} zł` },
  };
  const tracked = p.variants[0].trackQuantity;
  return {
    id: p.id,
    name: p.name,
    slug: p.name.toLowerCase().replace(/\W+/g, '-'),
    visible: true,
    productType: 'physical',
    description: '',
    sku: p.sku,
    weight: 0,
    stock: {
      trackInventory: tracked,
      ...(tracked ? { quantity: p.variants.reduce((s, v) => s + v.quantity, 0) } : {}),
      inStock: p.variants.some((v) => v.inStock),
      inventoryStatus: inventoryStatus(p),
    },
    price: priceData,
    priceData,
    manageVariants: p.manageVariants,
    productOptions: p.manageVariants
      ? [
          {
            optionType: 'drop_down',
            name: 'Size',
            choices: p.variants.map((v) => ({
              value: v.choices.Size,
              description: v.choices.Size,
              inStock: v.inStock,
              visible: true,
            })),
          },
        ]
      : [],
    ...(includeVariants
      ? {
          variants: p.variants.map((v) => ({
            id: v.id,
            choices: v.choices,
            variant: { priceData, weight: 0, sku: v.sku, visible: true },
            stock: {
              trackQuantity: v.trackQuantity,
              ...(v.trackQuantity ? { quantity: v.quantity } : {}),
              inStock: v.inStock,
            },
          })),
        }
      : {}),
    lastUpdated: p.lastUpdated,
    numericId: p.numericId,
  };
}

function inventoryItem(p: WixProduct) {
  return {
    id: p.id,
    externalId: p.id,
    productId: p.id,
    trackQuantity: p.variants[0].trackQuantity,
    variants: p.variants.map((v) => ({
      variantId: v.id,
      inStock: v.inStock,
      ...(v.trackQuantity ? { quantity: v.quantity } : {}),
    })),
    lastUpdated: p.lastUpdated,
    numericId: p.numericId,
    preorderInfo: { enabled: false },
  };
}
