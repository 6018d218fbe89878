import { z } from 'zod';
import {
  ChannelHttpError,
  CredentialsRejected,
  type ConnectorAccount,
  type Connector,
  type ConnectorContext,
  type MappedListing,
  type PricePush,
  type PushOutcome,
  type QuantityPush,
  type RemoteListing,
} from '../../core/connector.ts';
import { orderWarehouseSetting } from '../../core/module.ts';
import { bodies, type FeedDetail, type SellerCenterProduct } from './answers.ts';
import { SellerCenterError, sellerCenterClient, type SellerCenterClient } from './client.ts';
import {
  fetchSellerCenterOrder,
  listSellerCenterOrders,
  minorToDecimal,
  syncSellerCenterOrders,
  type OrderSyncOptions,
} from './orders.ts';

/**
 * A Connector for a marketplace that speaks SellerCenter (Lamoda, Namshi): products are the
 * listings (SellerSku is the seller's SKU, and the listing's id), quantities and prices go out
 * as ProductUpdate feeds (§5: `Quantity`, `Price`) whose processing is followed to its per-SKU
 * errors, GetProducts reads quantities back, and the `orders` job imports orders. A module says only what differs: its name,
 * its host and its shops' currencies.
 */

export interface SellerCenterConnectorOptions {
  channel: string;
  title: string;
  defaultBaseUrl: string;
  /** The currencies its shops sell in; the first is assumed when an answer names none and the account sets none. */
  currencies: readonly [string, ...string[]];
}

/** SKUs in one ProductUpdate feed: the digest names no limit (§5); a few hundred keep a feed's error list short. */
const FEED_RECORDS = 500;
/** SKUs in one GetProducts by SkuSellerList. */
const READ_SKUS = 100;

/** The settings every SellerCenter module has, in the order of its settingFields. */
export function sellerCenterSettings(currencies: SellerCenterConnectorOptions['currencies']) {
  return z.object({
    /** Where orders the seller ships are written off from: core's setting (orderWarehouse). */
    stockWarehouseId: orderWarehouseSetting,
    /** The shop's currency, when the answers name none (a Lamoda KZ account: KZT). */
    currency: z.enum(currencies as unknown as [string, ...string[]]).optional(),
    /** How far back the first orders import reaches. */
    orderDays: z.number().int().min(1).max(365).default(30),
  });
}

/** A GTIN among the product's ids (ProductId is the seller's product identifier, often its barcode). */
const gtin = (p: SellerCenterProduct) => (p.ProductId && /^(\d{8}|\d{12,14})$/.test(p.ProductId) ? p.ProductId : null);

const listingOf = (p: SellerCenterProduct): RemoteListing => ({
  externalId: p.SellerSku,
  sku: p.SellerSku,
  ean: gtin(p),
  name: p.Name || null,
  quantity: p.Quantity ?? null,
  data: { shopSku: p.ShopSku ?? null, status: p.Status ?? null },
});

/** What a feed's end says for each pushed listing: its SKU's error, or done. */
function outcomesOf(
  title: string,
  feedId: string,
  detail: FeedDetail,
  items: { listing: MappedListing }[],
  skuOf: (i: { listing: MappedListing }) => string,
): PushOutcome[] {
  if (detail.Status !== 'Finished') {
    return items.map((i) => ({
      listingId: i.listing.listingId,
      ok: false,
      error: `${title} feed ${feedId} ended ${detail.Status}`,
      retryable: true,
    }));
  }
  const errors = new Map<string, string[]>();
  const unnamed: string[] = [];
  for (const e of detail.FeedErrors ?? []) {
    const message = `${e.Code}: ${e.Message}`;
    if (e.SellerSku) errors.set(e.SellerSku, [...(errors.get(e.SellerSku) ?? []), message]);
    else unnamed.push(message);
  }
  return items.map((i): PushOutcome => {
    const own = errors.get(skuOf(i));
    if (own)
      return {
        listingId: i.listing.listingId,
        ok: false,
        error: `${title} refused it in feed ${feedId}: ${own.join('; ')}`,
        retryable: false,
      };
    // An error naming no SKU leaves each record in doubt: sent again on the next push.
    if (unnamed.length)
      return {
        listingId: i.listing.listingId,
        ok: false,
        error: `${title} feed ${feedId}: ${unnamed.join('; ')}`,
        retryable: true,
      };
    return { listingId: i.listing.listingId, ok: true };
  });
}

export function sellerCenterConnector(options: SellerCenterConnectorOptions): Connector {
  const { title } = options;
  const client: SellerCenterClient = sellerCenterClient(title);
  const settingsSchema = sellerCenterSettings(options.currencies);
  const orderOptions = (account: ConnectorAccount): OrderSyncOptions => {
    const settings = settingsSchema.parse(account.settings ?? {});
    return { orderDays: settings.orderDays, currency: settings.currency ?? options.currencies[0] };
  };
  const skuOf = (i: { listing: MappedListing }) => i.listing.sku ?? i.listing.externalId;

  /** One ProductUpdate feed of these items' records, followed to its end: each item's outcome. */
  async function pushFeed<T extends { listing: MappedListing }>(
    ctx: ConnectorContext,
    items: T[],
    record: (i: T) => Record<string, string>,
  ): Promise<PushOutcome[]> {
    if (!items.length) return [];
    let feedId = '';
    let detail: FeedDetail;
    try {
      feedId = await client.sendFeed(
        ctx,
        'ProductUpdate',
        items.map((i) => ({ SellerSku: skuOf(i), ...record(i) })),
      );
      detail = await client.followFeed(ctx, feedId);
    } catch (error) {
      if (error instanceof CredentialsRejected) throw error;
      const retryable =
        error instanceof ChannelHttpError || error instanceof SellerCenterError ? error.retryable : true;
      return items.map((i) => ({
        listingId: i.listing.listingId,
        ok: false,
        error: (error as Error).message,
        retryable,
      }));
    }
    for (const w of detail.FeedWarnings ?? [])
      ctx.logger.warn({ feedId, sku: w.SellerSku, warning: w.Message }, `${title} feed warning`);
    return outcomesOf(title, feedId, detail, items, skuOf);
  }

  const pushQuantities = (ctx: ConnectorContext, items: QuantityPush[]) =>
    pushFeed(ctx, items, (i) => ({ Quantity: String(Math.max(0, i.quantity)) }));

  /**
   * Prices as the feed's `Price` (§5: a decimal such as "22000.00"), in the account's currency: a
   * price in another is refused here, not sent. A `SalePrice` set in the seller center is left
   * as it is: Sklad keeps one price per account, and the feed sends no element it does not set.
   */
  async function pushPrices(ctx: ConnectorContext, items: PricePush[]): Promise<PushOutcome[]> {
    const currency = orderOptions(ctx.account).currency;
    const other = items.filter((i) => i.currency !== currency);
    const refused = other.map(
      (i): PushOutcome => ({
        listingId: i.listing.listingId,
        ok: false,
        retryable: false,
        error: `This ${title} shop sells in ${currency}: a price in ${i.currency} is not sent`,
      }),
    );
    const sent = await pushFeed(
      ctx,
      items.filter((i) => i.currency === currency),
      (i) => ({ Price: minorToDecimal(i.amount, currency) }),
    );
    return [...refused, ...sent];
  }

  return {
    channel: options.channel,
    title,
    defaultBaseUrl: options.defaultBaseUrl,
    capabilities: { listings: true, pushStock: true, readStock: true, orders: true, pushPrices: true },
    // No SellerCenter instance documents a rate (§6): a modest one, the feeds doing the bulk work.
    limits: { pushBatchSize: FEED_RECORDS, requestsPerSecond: 4, burst: 8, maxConcurrent: 2, readBatchSize: READ_SKUS },
    credentialsSchema: z.object({
      userId: z.string().trim().min(3, 'the UserID is the e-mail or id of the seller-center user').max(200),
      apiKey: z.string().trim().min(8, 'an API key has at least 8 characters').max(200),
    }),
    settingsSchema,
    validateOnAdd: true,

    async validate(ctx) {
      try {
        const { body } = await client.call(ctx, 'GetProducts', { Filter: 'all', Limit: 1 }, bodies.products, {
          attempts: 2,
        });
        return {
          ok: true,
          details: `${title} answered GetProducts${body.Products[0] ? ` (e.g. ${body.Products[0].SellerSku})` : ''}`,
        };
      } catch (error) {
        if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
        throw error;
      }
    },

    async *fetchListings(ctx) {
      for await (const page of client.products(ctx, { Filter: 'all' }))
        yield page.filter((p) => p.Status !== 'deleted').map(listingOf);
    },

    pushQuantities,
    pricing: { step: 1, currencies: options.currencies },
    pushPrices,

    async readQuantities(ctx, listings) {
      const quantities = new Map<number, number>();
      for (let i = 0; i < listings.length; i += READ_SKUS) {
        const batch = listings.slice(i, i + READ_SKUS);
        const bySku = new Map(batch.map((l) => [l.sku ?? l.externalId, l.listingId]));
        for await (const page of client.products(ctx, { SkuSellerList: JSON.stringify([...bySku.keys()]) })) {
          for (const p of page) {
            const listingId = bySku.get(p.SellerSku);
            if (listingId !== undefined && p.Quantity !== undefined) quantities.set(listingId, p.Quantity);
          }
        }
      }
      return quantities;
    },

    fetchOrder: (ctx, number) => fetchSellerCenterOrder(client, ctx, number, orderOptions(ctx.account)),
    listOrders: (ctx, window) => listSellerCenterOrders(client, ctx, window, orderOptions(ctx.account)),

    jobs: [
      {
        name: 'orders',
        description: `${title} orders (GetOrders by UpdatedAfter) into Sklad's orders`,
        defaultCron: '*/5 * * * *',
        run: (ctx, run) => syncSellerCenterOrders(client, ctx, run, orderOptions(ctx.account)),
      },
    ],
  };
}
