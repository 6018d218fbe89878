import { z } from 'zod';
import { pageGuard } from '../core/paging.ts';
import type {
  ChannelLimits,
  Connector,
  ConnectorAccount,
  ConnectorContext,
  HttpRequest,
  MappedListing,
  PushOutcome,
  QuantityPush,
  RemoteListing,
} from '../core/connector.ts';

/**
 * A channel with the plainest possible API (simulators/generic): listings in pages, stock
 * read and pushed in batches. Tests and benchmarks run the engine against it; its limits
 * may be set per account, so a benchmark can match the simulator's rate.
 */

const defaults: ChannelLimits = { pushBatchSize: 100, requestsPerSecond: 10, burst: 10, maxConcurrent: 4 };

const settingsSchema = z.object({
  /** Where the key goes: the Authorization header (default) or the `api_key` query parameter. */
  keyIn: z.enum(['header', 'query']).default('header'),
  requestsPerSecond: z.number().positive().max(10_000).optional(),
  burst: z.number().int().min(1).max(10_000).optional(),
  pushBatchSize: z.number().int().min(1).max(10_000).optional(),
  maxConcurrent: z.number().int().min(1).max(256).optional(),
  timeoutMs: z.number().int().min(50).max(120_000).optional(),
});
type Settings = z.infer<typeof settingsSchema>;

const settingsOf = (account: ConnectorAccount): Settings => settingsSchema.parse(account.settings ?? {});

/** Adds the key where the account says, and marks it a secret for the log. */
function authorized(ctx: ConnectorContext, req: HttpRequest): HttpRequest {
  const key = ctx.account.credentials.apiKey;
  const settings = settingsOf(ctx.account);
  const withKey: HttpRequest =
    settings.keyIn === 'query'
      ? { ...req, query: { ...req.query, api_key: key } }
      : { ...req, headers: { ...req.headers, authorization: `Bearer ${key}` } };
  return { ...withKey, secrets: [key], timeoutMs: req.timeoutMs ?? settings.timeoutMs };
}

/** The answer's body; a 401/403 is the core HTTP client's CredentialsRejected, in the module's words (module.ts). */
async function call<T>(ctx: ConnectorContext, req: HttpRequest): Promise<T> {
  return (await ctx.http.request<T>(authorized(ctx, req))).body;
}

export const genericConnector: Connector = {
  channel: 'generic',
  title: 'Generic channel',
  defaultBaseUrl: 'http://127.0.0.1:4010',
  capabilities: { listings: true, pushStock: true, readStock: true, orders: false },
  limits: defaults,
  credentialsSchema: z.object({ apiKey: z.string().trim().min(8, 'an API key has at least 8 characters').max(500) }),
  settingsSchema,

  limitsFor(account) {
    const s = settingsOf(account);
    const requestsPerSecond = s.requestsPerSecond ?? defaults.requestsPerSecond;
    return {
      pushBatchSize: s.pushBatchSize ?? defaults.pushBatchSize,
      requestsPerSecond,
      burst: s.burst ?? Math.max(1, Math.floor(requestsPerSecond)),
      maxConcurrent: s.maxConcurrent ?? defaults.maxConcurrent,
    };
  },

  async validate(ctx) {
    const res = await ctx.http.request<{ name?: string; error?: { message?: string } }>(
      authorized(ctx, { method: 'GET', path: '/v1/seller', accept: [401, 403] }),
    );
    if (res.status === 401 || res.status === 403)
      return { ok: false, reason: res.body?.error?.message ?? `HTTP ${res.status}` };
    return { ok: true, details: res.body?.name };
  },

  async *fetchListings(ctx) {
    let cursor = '0';
    const pages = pageGuard(ctx, 'GET /v1/listings', { start: cursor });
    for (;;) {
      const page: {
        items: { id: string; sku: string; ean: string | null; name: string; quantity: number }[];
        next_cursor: string | null;
      } = await call(ctx, {
        method: 'GET',
        path: '/v1/listings',
        query: { cursor, limit: 1000 },
      });
      yield page.items.map(
        (item): RemoteListing => ({
          externalId: item.id,
          sku: item.sku,
          ean: item.ean,
          name: item.name,
          quantity: item.quantity,
        }),
      );
      if (!pages.more({ items: page.items.length, next: page.next_cursor }) || page.next_cursor === null) return;
      cursor = page.next_cursor;
    }
  },

  async pushQuantities(ctx, items: QuantityPush[]): Promise<PushOutcome[]> {
    const answer = await call<{ results: { id: string; status: string; message?: string }[] }>(ctx, {
      method: 'POST',
      path: '/v1/stock',
      body: { items: items.map((i) => ({ id: i.listing.externalId, quantity: i.quantity })) },
    });
    const byId = new Map(answer.results.map((r) => [r.id, r]));
    return items.map(({ listing }): PushOutcome => {
      const result = byId.get(listing.externalId);
      if (result?.status === 'ok') return { listingId: listing.listingId, ok: true };
      return {
        listingId: listing.listingId,
        ok: false,
        error: result?.message ?? 'no result for this item',
        retryable: !result,
      };
    });
  },

  async readQuantities(ctx, listings: MappedListing[]) {
    const quantities = new Map<number, number>();
    const byExternal = new Map(listings.map((l) => [l.externalId, l.listingId]));
    const answer = await call<{ items: { id: string; quantity: number }[] }>(ctx, {
      method: 'POST',
      path: '/v1/stock/read',
      body: { ids: listings.map((l) => l.externalId) },
    });
    for (const item of answer.items) {
      const listingId = byExternal.get(item.id);
      if (listingId !== undefined) quantities.set(listingId, item.quantity);
    }
    return quantities;
  },

  jobs: [
    {
      name: 'seller',
      description: 'Reads who the key belongs to and how many listings the seller has',
      async run(ctx, run) {
        const seller = await call<{ listings: number }>(ctx, { method: 'GET', path: '/v1/seller' });
        run.add({ fetched: seller.listings });
        await ctx.progress({ done: 1, total: 1, message: `${seller.listings} listings` });
      },
    },
  ],
};
