import { z } from 'zod';
import {
  ChannelHttpError,
  CredentialsRejected,
  type Connector,
  type ConnectorContext,
  type PushOutcome,
  type QuantityPush,
} from '../core/connector.ts';
import { pageGuard } from '../core/paging.ts';
import { settingsOf, wbCall, wbMessage, wbSettings } from './client.ts';
import { pushWbPrices } from './prices.ts';
import { listWbFbsOrders, syncWildberries } from './sync.ts';
import { cardsAnswer, pingAnswer } from './types.ts';

/**
 * Wildberries (seed 001): a sync every 3 minutes (SYNC_INTERVAL) of orders, sales, claims,
 * feedbacks and stock per WB warehouse; FBS quantities pushed by chrtId; the token checked
 * with /ping when an account is added.
 */

/** WB's maximum for one stock amount, and for the items of one stock request. */
const MAX_AMOUNT = 100_000;
const MAX_ITEMS = 1_000;

const stocksAnswer = z.object({
  stocks: z.array(z.object({ chrtId: z.number().int().optional(), amount: z.number().int().default(0) })).default([]),
});

/**
 * SYNC_INTERVAL: seconds (a divisor of 60 below a minute, or whole minutes) or a cron
 * expression; 3 minutes when unset, as in the seed.
 */
export function syncCron(value = process.env.SYNC_INTERVAL): string {
  if (!value?.trim()) return '*/3 * * * *';
  if (!/^\d+$/.test(value.trim())) return value.trim();
  const seconds = Number(value);
  if (seconds > 0 && seconds < 60 && 60 % seconds === 0) return `*/${seconds} * * * * *`;
  if (seconds >= 60 && seconds % 60 === 0 && seconds / 60 < 60) return `*/${seconds / 60} * * * *`;
  if (seconds >= 3600 && seconds % 3600 === 0 && seconds / 3600 < 24) return `0 */${seconds / 3600} * * *`;
  throw new Error(
    `SYNC_INTERVAL=${value}: give seconds that divide a minute, whole minutes or hours, or a cron expression`,
  );
}

const pushWarehouses = new Map<number, number>();

async function pushWarehouse(ctx: ConnectorContext): Promise<number> {
  const wanted = settingsOf(ctx.account).fbsWarehouseId;
  if (wanted) return wanted;
  const cached = pushWarehouses.get(ctx.account.id);
  if (cached) return cached;
  const { body } = await wbCall(
    ctx,
    { family: 'marketplace', group: 'stocks', method: 'GET', path: '/api/v3/warehouses' },
    z.array(z.object({ id: z.number().int() })),
  );
  if (!body.length) throw new Error('Wildberries lists no seller warehouse to push stock to');
  pushWarehouses.set(ctx.account.id, body[0].id);
  return body[0].id;
}

async function putStocks(ctx: ConnectorContext, warehouseId: number, items: QuantityPush[]) {
  return wbCall(
    ctx,
    {
      family: 'marketplace',
      group: 'stocks',
      method: 'PUT',
      path: `/api/v3/stocks/${warehouseId}`,
      accept: [409],
      attempts: 3,
      body: {
        stocks: items.map((i) => ({
          chrtId: Number(i.listing.data.chrtId ?? i.listing.externalId),
          amount: Math.min(MAX_AMOUNT, Math.max(0, i.quantity)),
        })),
      },
    },
    z.union([
      z.array(
        z.object({
          code: z.string(),
          message: z.string().default(''),
          data: z.array(z.object({ sku: z.string().optional(), amount: z.number().optional() })).nullish(),
        }),
      ),
      z.undefined(),
      z.null(),
      z.string(),
    ]),
  );
}

export const wildberriesConnector: Connector = {
  channel: 'wildberries',
  title: 'Wildberries',
  defaultBaseUrl: 'https://marketplace-api.wildberries.ru',
  capabilities: { listings: true, pushStock: true, readStock: true, orders: true, pushPrices: true },
  // The account-wide bucket sits at the loosest frequent group (FBS: 300 a minute); each group keeps its own limit (module.ts limitGroups).
  limits: { pushBatchSize: MAX_ITEMS, requestsPerSecond: 5, burst: 20, maxConcurrent: 2 },
  // WB takes whole rubles ("Price should be a whole number").
  pricing: { step: 100 },
  pushPrices: pushWbPrices,
  credentialsSchema: z.object({ token: z.string().trim().min(20, 'a WB API token is a long JWT').max(4000) }),
  settingsSchema: wbSettings,
  secretHeaders: ['Authorization'],
  // Seed 001: a cabinet's key is checked when it is added; /ping is WB's check for it.
  validateOnAdd: true,

  async validate(ctx) {
    try {
      const { body } = await wbCall(
        ctx,
        { family: 'common', group: 'ping', method: 'GET', path: '/ping', attempts: 2 },
        pingAnswer,
      );
      return body.Status === 'OK'
        ? { ok: true, details: 'Wildberries /ping answered OK' }
        : { ok: false, reason: `Wildberries /ping answered ${body.Status}` };
    } catch (error) {
      if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
      throw error;
    }
  },

  async *fetchListings(ctx) {
    let cursor: { limit: number; nmID?: number; updatedAt?: string } = { limit: 100 };
    const pages = pageGuard(ctx, 'POST /content/v2/get/cards/list');
    for (;;) {
      const { body } = await wbCall(
        ctx,
        {
          family: 'content',
          group: 'content',
          method: 'POST',
          path: '/content/v2/get/cards/list',
          body: { settings: { cursor, filter: { withPhoto: -1 } } },
        },
        cardsAnswer,
      );
      // One listing per size: WB pushes and sells by chrtId.
      yield body.cards.flatMap((card) =>
        card.sizes.map((size) => ({
          externalId: String(size.chrtID),
          sku: card.vendorCode,
          ean: size.skus[0] ?? null,
          name: card.title || card.vendorCode,
          data: { chrtId: size.chrtID, nmId: card.nmID, techSize: size.techSize, barcode: size.skus[0] ?? null },
        })),
      );
      // WB: a page whose cursor.total is below the limit is the last; the next one starts after its last card.
      const next =
        body.cursor.nmID === undefined && body.cursor.updatedAt === undefined
          ? null
          : `${body.cursor.nmID ?? ''}|${body.cursor.updatedAt ?? ''}`;
      if (!pages.more({ items: Math.min(body.cursor.total, body.cards.length), limit: cursor.limit, next })) return;
      cursor = { limit: 100, nmID: body.cursor.nmID, updatedAt: body.cursor.updatedAt };
    }
  },

  /**
   * A 409 refuses the whole request and names the failing items (by barcode or id): those
   * fail, and the rest is sent once more without them.
   */
  async pushQuantities(ctx, items) {
    const outcomes = await pushInBatch(ctx, items);
    // In the order of the items asked for.
    const byListing = new Map(outcomes.map((o) => [o.listingId, o]));
    return items.map((i) => byListing.get(i.listing.listingId)!);
  },

  /** What the seller's warehouse holds now (POST /api/v3/stocks/{warehouseId} by chrtId), so a re-run pushes only what differs. */
  async readQuantities(ctx, listings) {
    const warehouseId = await pushWarehouse(ctx);
    const byChrt = new Map(listings.map((l) => [Number(l.data.chrtId ?? l.externalId), l.listingId]));
    const quantities = new Map<number, number>();
    const chrtIds = [...byChrt.keys()];
    for (let i = 0; i < chrtIds.length; i += MAX_ITEMS) {
      const batch = chrtIds.slice(i, i + MAX_ITEMS);
      const { body } = await wbCall(
        ctx,
        {
          family: 'marketplace',
          group: 'stocks',
          method: 'POST',
          path: `/api/v3/stocks/${warehouseId}`,
          body: { chrtIds: batch },
        },
        stocksAnswer,
      );
      // A size WB does not list holds nothing there.
      for (const id of batch) quantities.set(byChrt.get(id)!, 0);
      for (const s of body.stocks)
        if (s.chrtId !== undefined && byChrt.has(s.chrtId)) quantities.set(byChrt.get(s.chrtId)!, s.amount);
    }
    return quantities;
  },

  listOrders: listWbFbsOrders,

  jobs: [
    {
      name: 'sync',
      description: 'Wildberries orders, sales, claims, feedbacks and stock per WB warehouse',
      defaultCron: syncCron(),
      run: syncWildberries,
    },
  ],
};

async function pushInBatch(ctx: ConnectorContext, items: QuantityPush[]): Promise<PushOutcome[]> {
  const warehouseId = await pushWarehouse(ctx);
  const fail = (list: QuantityPush[], error: string, retryable: boolean): PushOutcome[] =>
    list.map((i) => ({ listingId: i.listing.listingId, ok: false, error, retryable }));
  try {
    let pending = items;
    const outcomes: PushOutcome[] = [];
    for (let attempt = 0; attempt < 2 && pending.length; attempt++) {
      const res = await putStocks(ctx, warehouseId, pending);
      if (res.status !== 409)
        return [...outcomes, ...pending.map((i): PushOutcome => ({ listingId: i.listing.listingId, ok: true }))];
      const conflicts = Array.isArray(res.body) ? res.body : [];
      const named = new Map<string, string>();
      for (const c of conflicts) for (const d of c.data ?? []) if (d.sku) named.set(d.sku, `${c.code}: ${c.message}`);
      const refused = pending.filter(
        (i) =>
          named.has(String(i.listing.data.barcode)) || named.has(String(i.listing.data.chrtId ?? i.listing.externalId)),
      );
      if (!refused.length)
        return [
          ...outcomes,
          ...fail(
            pending,
            conflicts.map((c) => `${c.code}: ${c.message}`).join('; ') || 'Wildberries refused the stock update (409)',
            false,
          ),
        ];
      for (const i of refused)
        outcomes.push(
          ...fail(
            [i],
            named.get(String(i.listing.data.barcode)) ??
              named.get(String(i.listing.data.chrtId ?? i.listing.externalId))!,
            false,
          ),
        );
      pending = pending.filter((i) => !refused.includes(i));
    }
    return [...outcomes, ...fail(pending, 'Wildberries refused the stock update twice (409)', true)];
  } catch (error) {
    if (error instanceof CredentialsRejected) throw error;
    const retryable = !(error instanceof ChannelHttpError) || error.retryable;
    return fail(
      items,
      `${(error as Error).message}${error instanceof ChannelHttpError ? wbMessage(error.body) : ''}`,
      retryable,
    );
  }
}
