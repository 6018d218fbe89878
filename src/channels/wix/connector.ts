import { z } from 'zod';
import { pageGuard } from '../core/paging.ts';
import {
  ChannelHttpError,
  type ChannelLimits,
  type Connector,
  type ConnectorContext,
  type HttpRequest,
  type MappedListing,
  type PushOutcome,
  type QuantityPush,
  type RemoteListing,
} from '../core/connector.ts';
import { DomainError } from '../../shared/errors.ts';
import { pushWixPrices } from './prices.ts';
import { inventoryPage, productsPage, wixErrorText, wixProduct, type InventoryItem, type WixProduct } from './types.ts';

/**
 * Wix Stores (Catalog V1 + Inventory V2 REST). One account is one site: an API key
 * (Authorization header) and the site id (`wix-site-id` header); several sites are several
 * accounts. Every variant is a listing (`${productId}:${variantId}`; a product without
 * options has Wix's default variant). Quantities go out as increments and decrements of the
 * difference from what Wix has, every item with its variantId (without it Wix answers 400:
 * the seed's bug), at most 50 items a request (the seed saw 500s above that).
 */

export const WIX_BULK_LIMIT = 50;
/** Products per query page: Wix's maximum. */
const PAGE = 100;
/** Wix Stores allows SKUs of up to 40 characters; 200 leaves room for what a store may hold and still refuses garbage. */
const MAX_SKU = 200;

// Wix allows about 200 requests a minute per site.
const defaults: ChannelLimits = {
  pushBatchSize: WIX_BULK_LIMIT,
  requestsPerSecond: 3,
  burst: 10,
  maxConcurrent: 2,
  readBatchSize: 100,
};

const settingsSchema = z.object({
  requestsPerSecond: z.number().positive().max(1000).optional(),
  maxConcurrent: z.number().int().min(1).max(64).optional(),
});

const credentialsSchema = z.object({
  apiKey: z.string().trim().min(10, 'a Wix API key (Settings → API Keys)').max(5000),
  siteId: z.string().trim().uuid('the site id is a UUID (in the dashboard URL)'),
});

/** A call with the site's key and id; a 401 or 403 (the key is wrong or has lost the site) is a refusal the core client reports. */
async function wix<T>(ctx: ConnectorContext, req: HttpRequest): Promise<T> {
  const { apiKey, siteId } = ctx.account.credentials;
  const res = await ctx.http.request<T>({
    ...req,
    headers: { ...req.headers, authorization: apiKey, 'wix-site-id': siteId },
    secrets: [apiKey],
  });
  return res.body;
}

/** The page's first and last id and its length: a page of the same ids as one before is Wix answering one page whatever offset is asked. */
const pageKey = (ids: string[]) => (ids.length ? `${ids[0]}…${ids.at(-1)} (${ids.length})` : null);

/** A reply that is not what the call answers: an error naming the field, as the run's error. */
function parsed<T extends z.ZodType>(schema: T, body: unknown, call: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ChannelHttpError(
    `Wix answered ${call} in an unexpected shape: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    200,
    false,
    body,
  );
}

/**
 * Query Products with a filter (Wix wants it as a JSON string), page by page (CONTRACT.md §3:
 * limit and offset) until the guard says stop. A product of an unexpected shape (a quantity past
 * what a number holds exactly) is the run's problem naming it; the page's others go on.
 */
async function* queryProducts(
  ctx: ConnectorContext,
  filter: Record<string, unknown> | null,
): AsyncGenerator<WixProduct[]> {
  const call = 'POST /stores/v1/products/query';
  const pages = pageGuard(ctx, call);
  for (let offset = 0; ; offset += PAGE) {
    const body = await wix<unknown>(ctx, {
      method: 'POST',
      path: '/stores/v1/products/query',
      body: {
        query: { ...(filter ? { filter: JSON.stringify(filter) } : {}), paging: { limit: PAGE, offset } },
        includeVariants: true,
      },
    });
    const page = parsed(productsPage, body, call);
    const products: WixProduct[] = [];
    for (const [i, raw] of page.products.entries()) {
      const product = wixProduct.safeParse(raw);
      if (product.success) products.push(product.data);
      else {
        const r = raw as { id?: unknown; sku?: unknown } | null;
        const name = String(r?.sku ?? r?.id ?? `products[${offset + i}]`);
        const issue = product.error.issues[0];
        const problem = `Wix product ${name} was not read: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
        if (ctx.run) ctx.run.problem(problem, { product: name });
        else ctx.logger.warn({ product: name }, problem);
      }
    }
    yield products;
    const ids = page.products.map((p) => String((p as { id?: unknown } | null)?.id ?? '?'));
    if (!pages.more({ items: page.products.length, limit: PAGE, next: pageKey(ids) })) return;
  }
}

/** What makes a SKU unfit to send to Wix, or null. */
function skuProblem(sku: unknown): string | null {
  if (typeof sku !== 'string' || !sku.trim()) return 'is empty';
  if (sku.trim().length > MAX_SKU) return `is longer than ${MAX_SKU} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\u0000-\u001f\u007f]/.test(sku)) return 'has control characters';
  return null;
}

/**
 * The seed's lookup: products by a list of SKUs (at most 100 per filter), every page of each.
 * The SKUs are checked before anything is sent: a bad one is a 400 INVALID_SKU naming it.
 */
export async function productsBySkus(ctx: ConnectorContext, skus: string[]): Promise<WixProduct[]> {
  const problems = skus.flatMap((sku, i) => {
    const problem = skuProblem(sku);
    return problem ? [`skus[${i}] ${problem}`] : [];
  });
  if (problems.length)
    throw new DomainError(
      'INVALID_SKU',
      `Not sent to Wix: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
      400,
      { problems },
    );
  const clean = [...new Set(skus.map((s) => s.trim()))];
  // A product answers for its own SKU and its variants' SKUs, so two chunks may both find it.
  const found = new Map<string, WixProduct>();
  for (let i = 0; i < clean.length; i += PAGE) {
    for await (const page of queryProducts(ctx, { sku: { $in: clean.slice(i, i + PAGE) } }))
      for (const p of page) found.set(p.id, p);
  }
  return [...found.values()];
}

const variantListings = (p: WixProduct): RemoteListing[] =>
  (p.variants ?? []).map((v) => ({
    externalId: `${p.id}:${v.id}`,
    sku: v.variant?.sku || p.sku || null,
    name: [p.name, ...Object.values(v.choices ?? {})].filter(Boolean).join(' / ') || null,
    quantity: v.stock?.quantity ?? null,
    data: { productId: p.id, variantId: v.id },
  }));

const ids = (listing: MappedListing) => {
  const [productId, variantId] = listing.externalId.split(':');
  return {
    productId: String(listing.data.productId ?? productId),
    variantId: String(listing.data.variantId ?? variantId),
  };
};

/** Inventory items of these products (Inventory V2 Query), at most 100 ids per filter. */
async function inventoryOf(ctx: ConnectorContext, productIds: string[]): Promise<Map<string, InventoryItem>> {
  const items = new Map<string, InventoryItem>();
  const unique = [...new Set(productIds)];
  for (let i = 0; i < unique.length; i += PAGE) {
    const filter = JSON.stringify({ productId: { $in: unique.slice(i, i + PAGE) } });
    const pages = pageGuard(ctx, 'POST /stores/v2/inventoryItems/query');
    for (let offset = 0; ; offset += PAGE) {
      const call = 'POST /stores/v2/inventoryItems/query';
      const page = parsed(
        inventoryPage,
        await wix(ctx, {
          method: 'POST',
          path: '/stores/v2/inventoryItems/query',
          body: { query: { filter, paging: { limit: PAGE, offset } } },
        }),
        call,
      );
      for (const item of page.inventoryItems) items.set(item.productId, item);
      if (
        !pages.more({
          items: page.inventoryItems.length,
          limit: PAGE,
          next: pageKey(page.inventoryItems.map((it) => it.productId)),
        })
      )
        break;
    }
  }
  return items;
}

interface Change {
  push: QuantityPush;
  productId: string;
  variantId: string;
  delta: number;
}

/**
 * Sends one increment or decrement request. Not idempotent, so it is never retried blindly
 * (attempts: 1): a failure is reported retryable and the next push reads Wix again first.
 */
async function sendBulk(
  ctx: ConnectorContext,
  kind: 'increment' | 'decrement',
  changes: Change[],
): Promise<PushOutcome[]> {
  const data = changes.map((c) =>
    kind === 'increment'
      ? { productId: c.productId, variantId: c.variantId, incrementBy: c.delta }
      : { productId: c.productId, variantId: c.variantId, decrementBy: -c.delta },
  );
  try {
    await wix(ctx, {
      method: 'POST',
      path: `/stores/v2/inventoryItems/${kind}`,
      body: kind === 'increment' ? { incrementData: data } : { decrementData: data },
      attempts: 1,
    });
    return changes.map((c) => ({ listingId: c.push.listing.listingId, ok: true }));
  } catch (error) {
    if (!(error instanceof ChannelHttpError)) throw error;
    const reason = `${kind} failed (HTTP ${error.status ?? 'no answer'}): ${wixErrorText(error.body) ?? error.message}`;
    // 4xx other than 428 (stock moved meanwhile) is a request Wix will refuse again.
    const retryable = error.retryable || error.status === 428;
    return changes.map((c) => ({ listingId: c.push.listing.listingId, ok: false, error: reason, retryable }));
  }
}

/** Variants whose quantity Wix does not track: turn tracking on with the quantity, one PATCH per product. */
async function setTracked(
  ctx: ConnectorContext,
  productId: string,
  pushes: { push: QuantityPush; variantId: string }[],
): Promise<PushOutcome[]> {
  try {
    await wix(ctx, {
      method: 'PATCH',
      path: `/stores/v2/inventoryItems/product/${encodeURIComponent(productId)}`,
      body: {
        inventoryItem: {
          trackQuantity: true,
          variants: pushes.map((p) => ({ variantId: p.variantId, quantity: p.push.quantity })),
        },
      },
    });
    return pushes.map((p) => ({ listingId: p.push.listing.listingId, ok: true }));
  } catch (error) {
    if (!(error instanceof ChannelHttpError)) throw error;
    const reason = `tracking failed (HTTP ${error.status ?? 'no answer'}): ${wixErrorText(error.body) ?? error.message}`;
    return pushes.map((p) => ({
      listingId: p.push.listing.listingId,
      ok: false,
      error: reason,
      retryable: error.retryable,
    }));
  }
}

const chunks = <T>(list: T[], size: number) =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

export const wixConnector: Connector = {
  channel: 'wix',
  title: 'Wix Stores',
  defaultBaseUrl: 'https://www.wixapis.com',
  capabilities: { listings: true, pushStock: true, readStock: true, orders: false, pushPrices: true },
  limits: defaults,
  // Cents (grosze) of the site's currency; Wix's API takes no currency with a price.
  pricing: { step: 1 },
  credentialsSchema,
  settingsSchema,
  secretHeaders: ['authorization'],

  limitsFor(account) {
    const s = settingsSchema.safeParse(account.settings ?? {});
    if (!s.success) return defaults;
    const requestsPerSecond = s.data.requestsPerSecond ?? defaults.requestsPerSecond;
    return {
      ...defaults,
      requestsPerSecond,
      burst: Math.max(defaults.burst, Math.ceil(requestsPerSecond)),
      maxConcurrent: s.data.maxConcurrent ?? defaults.maxConcurrent,
    };
  },

  async validate(ctx) {
    const body = await wix<unknown>(ctx, {
      method: 'POST',
      path: '/stores/v1/products/query',
      body: { query: { paging: { limit: 1, offset: 0 } } },
    });
    const page = parsed(productsPage, body, 'POST /stores/v1/products/query');
    return { ok: true, details: `${page.totalResults ?? page.products.length} products` };
  },

  async *fetchListings(ctx) {
    for await (const products of queryProducts(ctx, null)) yield products.flatMap(variantListings);
  },

  async readQuantities(ctx, listings) {
    const inventory = await inventoryOf(
      ctx,
      listings.map((l) => ids(l).productId),
    );
    const quantities = new Map<number, number>();
    for (const listing of listings) {
      const { productId, variantId } = ids(listing);
      const quantity = inventory.get(productId)?.variants.find((v) => v.variantId === variantId)?.quantity;
      if (typeof quantity === 'number') quantities.set(listing.listingId, quantity);
    }
    return quantities;
  },

  pushPrices: pushWixPrices,

  async pushQuantities(ctx, items) {
    const inventory = await inventoryOf(
      ctx,
      items.map((i) => ids(i.listing).productId),
    );
    const outcomes: PushOutcome[] = [];
    const changes: Change[] = [];
    const untracked = new Map<string, { push: QuantityPush; variantId: string }[]>();
    for (const push of items) {
      const { productId, variantId } = ids(push.listing);
      const item = inventory.get(productId);
      const variant = item?.variants.find((v) => v.variantId === variantId);
      if (!item || !variant) {
        outcomes.push({
          listingId: push.listing.listingId,
          ok: false,
          error: `Wix has no variant ${variantId} of product ${productId}`,
          retryable: false,
        });
      } else if (item.trackQuantity === false || typeof variant.quantity !== 'number') {
        untracked.set(productId, [...(untracked.get(productId) ?? []), { push, variantId }]);
      } else if (variant.quantity === push.quantity) {
        outcomes.push({ listingId: push.listing.listingId, ok: true });
      } else {
        changes.push({ push, productId, variantId, delta: push.quantity - variant.quantity });
      }
    }
    for (const batch of chunks(
      changes.filter((c) => c.delta > 0),
      WIX_BULK_LIMIT,
    ))
      outcomes.push(...(await sendBulk(ctx, 'increment', batch)));
    for (const batch of chunks(
      changes.filter((c) => c.delta < 0),
      WIX_BULK_LIMIT,
    ))
      outcomes.push(...(await sendBulk(ctx, 'decrement', batch)));
    for (const [productId, pushes] of untracked) outcomes.push(...(await setTracked(ctx, productId, pushes)));
    return outcomes;
  },

  jobs: [
    {
      // The seed's hourly Celery task: every local quantity to Wix. It is the channels core's full sync
      // (read products, match variants, push what differs) on this job's schedule.
      name: 'stock-sync',
      description: 'Hourly: reads the Wix products, matches variants to products and pushes the quantities that differ',
      defaultCron: '0 * * * *',
      accountJob: 'sync',
    },
  ],
};
