import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { z } from 'zod';
import { createAccount, requireMasterKey } from '../channels/core/accounts.ts';
import type { CatalogFeed, FeedProgress } from '../channels/core/catalog-feed.ts';
import type { ChannelModule } from '../channels/core/module.ts';
import { importListings, matchListings } from '../channels/core/listings.ts';
import type { Hub } from '../hub.ts';

/**
 * For the export's tests: a throw-away shop that takes catalog feeds (a tiny service over
 * real HTTP, and the ~30-line module that speaks to it), as a test installs a module no file
 * of Sklad knows (src/channels/core/module.test.ts). A feed is "processing" for its first
 * status checks, then finished: the SKUs the test refused fail with its message, a row with
 * no quantity gets a warning.
 */

export const SHOP_TOKEN = 'feed-shop-token-0001';

interface Feed {
  rows: Record<string, string>[];
  checks: number;
}

export function feedShop(options: { checksBeforeDone?: number } = {}) {
  const feeds = new Map<string, Feed>();
  const refused = new Map<string, string>();
  let failSends = 0;
  const app = new Hono();
  app.use('*', async (c, next) =>
    c.req.header('x-token') === SHOP_TOKEN ? next() : c.json({ message: 'bad token' }, 401),
  );
  app.get('/ping', (c) => c.json({ ok: true }));
  app.post('/feeds', async (c) => {
    if (failSends > 0) {
      failSends--;
      return c.json({ message: 'feed queue unavailable' }, 503);
    }
    const { products } = (await c.req.json()) as { products: Record<string, string>[] };
    const id = `feed-${feeds.size + 1}`;
    feeds.set(id, { rows: products, checks: 0 });
    return c.json({ feedId: id });
  });
  app.get('/feeds/:id', (c) => {
    const feed = feeds.get(c.req.param('id'));
    if (!feed) return c.json({ message: 'no such feed' }, 404);
    feed.checks++;
    const done = feed.checks > (options.checksBeforeDone ?? 1);
    const errors = feed.rows.flatMap((r) =>
      refused.has(r.SellerSku) ? [{ sku: r.SellerSku, message: String(refused.get(r.SellerSku)) }] : [],
    );
    const warnings = feed.rows
      .filter((r) => r.Quantity === '0')
      .map((r) => ({ sku: r.SellerSku, message: 'the quantity is 0: the product is not shown' }));
    const status: FeedProgress = done
      ? {
          state: 'finished',
          total: feed.rows.length,
          processed: feed.rows.length,
          failed: errors.length,
          errors,
          warnings,
        }
      : { state: 'processing', total: feed.rows.length, processed: 0, failed: 0, errors: [], warnings: [] };
    return c.json(status);
  });
  return {
    app,
    feeds,
    /** The shop refuses this SKU in every feed that has it, with this message. */
    refuse: (sku: string, message: string) => refused.set(sku, message),
    /** The next `n` feed sends are answered 503. */
    failNextSends: (n: number) => {
      failSends = n;
    },
    /** Every row the shop was sent, in order. */
    rows: () => [...feeds.values()].flatMap((f) => f.rows),
    async listen() {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },
  };
}

const Status = z.object({
  state: z.enum(['queued', 'processing', 'finished', 'canceled', 'error']),
  total: z.number(),
  processed: z.number(),
  failed: z.number(),
  errors: z.array(z.object({ sku: z.string().nullable(), message: z.string() })),
  warnings: z.array(z.object({ sku: z.string().nullable(), message: z.string() })),
});

const shopFeed: CatalogFeed = {
  columns: [
    {
      key: 'SellerSku',
      header: { csv: 'SellerSku', xlsx: 'Артикул' },
      required: true,
      value: (p) => p.listing?.sku ?? p.sku,
    },
    { key: 'Name', header: { csv: 'Name', xlsx: 'Название' }, required: true, value: (p) => p.name },
    {
      key: 'Brand',
      header: { csv: 'Brand', xlsx: 'Бренд' },
      required: true,
      value: (p) => (typeof p.attributes.brand === 'string' ? p.attributes.brand : null),
    },
    { key: 'Quantity', header: { csv: 'Quantity', xlsx: 'Количество' }, required: false, value: (p) => p.quantity },
  ],
  batchSize: 3,
  async sendProducts(ctx, rows) {
    const res = await ctx.http.request({
      method: 'POST',
      path: '/feeds',
      headers: { 'x-token': ctx.account.credentials.token },
      body: { products: rows },
      attempts: 1,
    });
    return z.object({ feedId: z.string() }).parse(res.body);
  },
  async feedStatus(ctx, feedId) {
    const res = await ctx.http.request({
      method: 'GET',
      path: `/feeds/${feedId}`,
      headers: { 'x-token': ctx.account.credentials.token },
    });
    return Status.parse(res.body);
  },
};

export const feedShopModule: ChannelModule = {
  connector: {
    channel: 'feedshop',
    title: 'Feed shop',
    defaultBaseUrl: 'http://127.0.0.1:9',
    capabilities: { listings: false, pushStock: false, readStock: false, orders: false },
    limits: { pushBatchSize: 10, requestsPerSecond: 100, burst: 100, maxConcurrent: 4 },
    credentialsSchema: z.object({ token: z.string().min(10) }),
    async validate(ctx) {
      await ctx.http.request({ method: 'GET', path: '/ping', headers: { 'x-token': ctx.account.credentials.token } });
      return { ok: true };
    },
  },
  credentialFields: [{ key: 'token', label: { ru: 'Токен магазина', en: 'Shop token' }, secret: true }],
  catalogFeed: shopFeed,
};

export async function addAccount(
  hub: Hub,
  channel: string,
  name: string,
  baseUrl: string,
  credentials: Record<string, string>,
): Promise<number> {
  return (await createAccount(hub.db, requireMasterKey(hub.masterKey), { channel, name, baseUrl, credentials }, 'test'))
    .id;
}

/** Listings of the account for these SKUs, matched to the products by SKU. */
export async function listSkus(hub: Hub, accountId: number, skus: string[]) {
  await importListings(
    hub.db,
    accountId,
    skus.map((sku, i) => ({ externalId: `X-${i + 1}`, sku })),
  );
  await matchListings(hub.db, accountId);
}
