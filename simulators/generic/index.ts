import type { Context } from 'hono';
import { createSimulator, type Simulator } from '../toolkit/index.ts';

/**
 * A generic channel: one seller with listings (id, SKU, EAN, name, quantity), read in pages,
 * quantities read and pushed in batches of at most `batchSize`, a rate limit of
 * `requestsPerSecond` answered with 429 + Retry-After, and every toolkit fault. The
 * generic connector (src/channels/generic) speaks to it; tests and benchmarks use both to
 * prove the engine before the real channels. Quantities are absolute, as on every
 * marketplace, and each push is kept per listing so a test can see the order they came in.
 *
 *   GET  /v1/seller                          who the key belongs to (401 for a wrong key)
 *   GET  /v1/listings?cursor=&limit=         a page of listings (limit ≤ 1000)
 *   POST /v1/stock/read   {ids: [...]}       current quantities (≤ batchSize ids)
 *   POST /v1/stock        {items: [{id, quantity}]}  sets quantities (≤ batchSize items)
 * The key comes as `Authorization: Bearer <key>` or `?api_key=<key>`.
 */

export interface GenericListing {
  id: string;
  sku: string;
  ean: string | null;
  name: string;
  quantity: number;
}

export interface GenericSimulatorOptions {
  apiKey: string;
  /** Items in one read or push request. */
  batchSize?: number;
  /** Sustained requests per second; undefined: no limit. */
  requestsPerSecond?: number;
  /** Requests the bucket holds (default: one second's worth). */
  burst?: number;
}

export interface GenericSimulator extends Simulator {
  apiKey: string;
  batchSize: number;
  listings: Map<string, GenericListing>;
  /** Every quantity pushed to a listing, in the order the pushes were applied. */
  pushes: Map<string, number[]>;
  /** Adds `count` listings `L<n>` with SKU `<skuPrefix><n>` (n from `from`, default continuing). */
  seed(options: {
    count: number;
    skuPrefix?: string;
    quantity?: number;
    from?: number;
    withEan?: boolean;
  }): GenericListing[];
  /** Adds (or replaces) one listing. */
  add(listing: GenericListing): void;
  quantityOf(id: string): number | undefined;
}

const MAX_PAGE = 1000;

export function createGenericSimulator(options: GenericSimulatorOptions): GenericSimulator {
  const batchSize = options.batchSize ?? 100;
  const rps = options.requestsPerSecond;
  const sim = createSimulator({
    name: 'generic',
    rateLimits: rps ? [{ requests: rps, intervalMs: 1000, burst: options.burst ?? rps }] : [],
    tooManyRequests: (c, retryAfter) =>
      c.json({ error: { code: 'RATE_LIMITED', message: `At most ${rps} requests per second` } }, 429, {
        'retry-after': String(retryAfter),
      }),
    serverError: (c, status) =>
      c.json({ error: { code: 'INTERNAL', message: 'Temporary failure, try again' } }, status),
  });
  const listings = new Map<string, GenericListing>();
  const order: string[] = [];
  const pushes = new Map<string, number[]>();
  let next = 1;

  const authorized = (c: Context) => {
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    return (bearer ?? c.req.query('api_key')) === options.apiKey;
  };
  const unauthorized = (c: Context) =>
    c.json({ error: { code: 'UNAUTHORIZED', message: 'Unknown or revoked API key' } }, 401);
  const invalid = (c: Context, message: string) => c.json({ error: { code: 'INVALID_REQUEST', message } }, 400);

  sim.app.get('/v1/seller', (c) =>
    authorized(c) ? c.json({ id: 'seller-1', name: 'Generic seller', listings: listings.size }) : unauthorized(c),
  );

  sim.app.get('/v1/listings', (c) => {
    if (!authorized(c)) return unauthorized(c);
    const cursor = Number(c.req.query('cursor') ?? 0);
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(cursor) || cursor < 0) return invalid(c, 'cursor must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return invalid(c, `limit must be 1..${MAX_PAGE}`);
    const ids = order.slice(cursor, cursor + limit);
    const nextCursor = cursor + ids.length < order.length ? String(cursor + ids.length) : null;
    return c.json({ items: ids.map((id) => listings.get(id)), next_cursor: nextCursor });
  });

  sim.app.post('/v1/stock/read', async (c) => {
    if (!authorized(c)) return unauthorized(c);
    const body = (await c.req.json().catch(() => null)) as { ids?: unknown } | null;
    if (!body || !Array.isArray(body.ids) || body.ids.some((id) => typeof id !== 'string'))
      return invalid(c, 'ids must be an array of strings');
    if (body.ids.length > batchSize) return invalid(c, `at most ${batchSize} ids per request`);
    const items: { id: string; quantity: number }[] = [];
    const missing: string[] = [];
    for (const id of body.ids as string[]) {
      const listing = listings.get(id);
      if (listing) items.push({ id, quantity: listing.quantity });
      else missing.push(id);
    }
    return c.json({ items, missing });
  });

  sim.app.post('/v1/stock', async (c) => {
    if (!authorized(c)) return unauthorized(c);
    const body = (await c.req.json().catch(() => null)) as { items?: unknown } | null;
    if (!body || !Array.isArray(body.items)) return invalid(c, 'items must be an array');
    if (body.items.length > batchSize) return invalid(c, `at most ${batchSize} items per request`);
    const results = (body.items as { id?: unknown; quantity?: unknown }[]).map((item) => {
      const id = String(item?.id ?? '');
      const listing = listings.get(id);
      if (!listing) return { id, status: 'not_found' as const, message: 'No such listing' };
      if (!Number.isInteger(item.quantity) || (item.quantity as number) < 0)
        return { id, status: 'invalid' as const, message: 'quantity must be a non-negative integer' };
      listing.quantity = item.quantity as number;
      const history = pushes.get(id) ?? [];
      history.push(listing.quantity);
      pushes.set(id, history);
      return { id, status: 'ok' as const };
    });
    return c.json({ results });
  });

  return Object.assign(sim, {
    apiKey: options.apiKey,
    batchSize,
    listings,
    pushes,
    seed({ count, skuPrefix = 'SKU-', quantity = 0, from, withEan = false }: Parameters<GenericSimulator['seed']>[0]) {
      const made: GenericListing[] = [];
      if (from !== undefined) next = from;
      for (let i = 0; i < count; i++, next++) {
        const listing: GenericListing = {
          id: `L${next}`,
          sku: `${skuPrefix}${next}`,
          ean: withEan ? String(4600000000000 + next) : null,
          name: `Item ${next}`,
          quantity,
        };
        if (!listings.has(listing.id)) order.push(listing.id);
        listings.set(listing.id, listing);
        made.push(listing);
      }
      return made;
    },
    add(listing: GenericListing) {
      if (!listings.has(listing.id)) order.push(listing.id);
      listings.set(listing.id, { ...listing });
    },
    quantityOf: (id: string) => listings.get(id)?.quantity,
  });
}
