import { z } from 'zod';
import {
  CredentialsRejected,
  type Connector,
  type ConnectorContext,
  type MappedListing,
  type PushOutcome,
  type RemoteListing,
} from '../core/connector.ts';
import { pageGuard } from '../core/paging.ts';
import { allFailed, ozonCall, ozonSettings, settingsOf } from './client.ts';
import { fetchOzonPosting, listOzonPostings, syncOzonPostings } from './postings.ts';
import { pushOzonPrices } from './prices.ts';
import { syncOzonStocks } from './stocks.ts';
import {
  productInfoAnswer,
  productListAnswer,
  stocksAnswer,
  stocksByWarehouseAnswer,
  stockUpdateAnswer,
  warehouseListAnswer,
} from './types.ts';

/**
 * Ozon Seller API (seed 002): products as listings (offer_id = Sklad SKU, numeric Ozon
 * SKU kept with them), stock per type and per FBO warehouse into read-only mirrors,
 * FBS quantities pushed back, FBS postings imported as orders.
 * Limits: 50 requests a second per account (declared a little lower so the shared bucket
 * never meets Ozon's at its edge), /v2/products/stocks 80 a minute (the module's limit group
 * `stockUpdate`, client.ts).
 */

/** SKUs in one /v1/product/info/stocks-by-warehouse/fbs call: the spec names no limit, so a modest one. */
const READ_SKUS_PER_CALL = 100;

/** Ozon's per-item error codes after which the same push may succeed later. */
const RETRYABLE_ITEM_ERRORS = new Set(['TOO_MANY_REQUESTS', 'INTERNAL', 'SKU_STOCK_NOT_CHANGE_DUE_TO_PROCESSING']);

/** The FBS warehouse pushes go to, per account: the setting, or the first FBS warehouse Ozon lists. */
const pushWarehouses = new Map<number, { id: number; rfbs: boolean }>();

async function pushWarehouse(ctx: ConnectorContext): Promise<{ id: number; rfbs: boolean }> {
  const cached = pushWarehouses.get(ctx.account.id);
  const wanted = settingsOf(ctx.account).fbsWarehouseId;
  if (cached && (!wanted || cached.id === wanted)) return cached;
  const list = (await ozonCall(ctx, '/v1/warehouse/list', undefined, warehouseListAnswer)).result;
  const found = wanted ? list.find((w) => w.warehouse_id === wanted) : (list.find((w) => !w.is_rfbs) ?? list[0]);
  if (!found)
    throw new Error(
      wanted
        ? `Ozon has no FBS warehouse ${wanted} (settings.fbsWarehouseId)`
        : 'Ozon lists no FBS warehouse to push stock to',
    );
  const chosen = { id: found.warehouse_id, rfbs: found.is_rfbs };
  pushWarehouses.set(ctx.account.id, chosen);
  return chosen;
}

export const ozonConnector: Connector = {
  channel: 'ozon',
  title: 'Ozon',
  defaultBaseUrl: 'https://api-seller.ozon.ru',
  capabilities: { listings: true, pushStock: true, readStock: true, orders: true, pushPrices: true },
  limits: { pushBatchSize: 100, requestsPerSecond: 40, burst: 20, maxConcurrent: 4, readBatchSize: 1000 },
  // Kopecks: the spec's price has "up to two digits after the point"; the currency must be the cabinet's.
  pricing: { step: 1 },
  credentialsSchema: z.object({
    clientId: z
      .string()
      .trim()
      .regex(/^\d{1,20}$/, 'Client-Id is the number Ozon shows next to the key'),
    apiKey: z.string().trim().min(8, 'an Ozon Api-Key has at least 8 characters').max(200),
  }),
  settingsSchema: ozonSettings,
  secretHeaders: ['Api-Key'],

  async validate(ctx) {
    try {
      const list = await ozonCall(ctx, '/v1/warehouse/list', undefined, warehouseListAnswer, { attempts: 2 });
      const details = `Ozon answered: ${list.result.length} FBS/rFBS warehouses`;
      return { ok: true, details, said: { en: details, ru: `Ozon ответил: складов FBS/rFBS — ${list.result.length}` } };
    } catch (error) {
      if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
      throw error;
    }
  },

  async *fetchListings(ctx) {
    let lastId = '';
    const pages = pageGuard(ctx, 'POST /v3/product/list');
    let page: z.infer<typeof productListAnswer>;
    do {
      page = await ozonCall(
        ctx,
        '/v3/product/list',
        { filter: { visibility: 'ALL' }, last_id: lastId, limit: 1000 },
        productListAnswer,
      );
      if (page.result.items.length) {
        const info = await ozonCall(
          ctx,
          '/v3/product/info/list',
          { product_id: page.result.items.map((i) => String(i.product_id)) },
          productInfoAnswer,
        );
        yield info.items.map(
          (p): RemoteListing => ({
            externalId: String(p.id),
            sku: p.offer_id,
            ean: p.barcodes[0] ?? null,
            name: p.name,
            data: { productId: p.id, offerId: p.offer_id, ozonSku: p.sku ?? null },
          }),
        );
      }
      lastId = page.result.last_id;
    } while (pages.more({ items: page.result.items.length, limit: 1000, total: page.result.total, next: lastId }));
  },

  pushPrices: pushOzonPrices,

  async pushQuantities(ctx, items) {
    const warehouse = await pushWarehouse(ctx);
    const stocks = items.map((i) => ({
      offer_id: String(i.listing.data.offerId ?? i.listing.sku ?? ''),
      product_id: Number(i.listing.data.productId ?? i.listing.externalId),
      stock: Math.max(0, i.quantity),
      warehouse_id: warehouse.id,
      // Still "required" in the spec though Ozon retired it (26 June 2025); 1 is an ordinary item.
      quant_size: 1,
    }));
    let answer: z.infer<typeof stockUpdateAnswer>;
    try {
      answer = await ozonCall(ctx, '/v2/products/stocks', { stocks }, stockUpdateAnswer, { limitGroup: 'stockUpdate' });
    } catch (error) {
      return allFailed(items, error);
    }
    // Ozon answers per item, matched here by product and warehouse (offer_id wins when both are sent).
    return items.map((item, index): PushOutcome => {
      const sent = stocks[index];
      const result =
        answer.result.find(
          (r) =>
            (r.offer_id ? r.offer_id === sent.offer_id : r.product_id === sent.product_id) &&
            (r.warehouse_id ?? sent.warehouse_id) === sent.warehouse_id,
        ) ?? answer.result[index];
      if (result?.updated) return { listingId: item.listing.listingId, ok: true };
      const errors = result?.errors ?? [];
      return {
        listingId: item.listing.listingId,
        ok: false,
        error: errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'Ozon did not update this item',
        retryable: errors.length > 0 && errors.every((e) => RETRYABLE_ITEM_ERRORS.has(e.code)),
      };
    });
  },

  /**
   * The quantity on the one warehouse Sklad pushes to (what /v2/products/stocks set there):
   * /v1/product/info/stocks-by-warehouse/fbs by Ozon SKU. A listing read before its Ozon SKU
   * was known falls back to the FBS (or rFBS) total of /v4/product/info/stocks.
   */
  async readQuantities(ctx, listings) {
    const warehouse = await pushWarehouse(ctx);
    const quantities = new Map<number, number>();
    // What Sklad pushes is the sellable number: present minus reserved.
    const sellable = (s: { present?: number; reserved?: number } | undefined) =>
      Math.max(0, (s?.present ?? 0) - (s?.reserved ?? 0));
    const bySku = new Map<string, number>();
    const withoutSku: MappedListing[] = [];
    for (const l of listings) {
      if (l.data.ozonSku) bySku.set(String(l.data.ozonSku), l.listingId);
      else withoutSku.push(l);
    }
    const skus = [...bySku.keys()];
    for (let i = 0; i < skus.length; i += READ_SKUS_PER_CALL) {
      const batch = skus.slice(i, i + READ_SKUS_PER_CALL);
      const answer = await ozonCall(
        ctx,
        '/v1/product/info/stocks-by-warehouse/fbs',
        { sku: batch },
        stocksByWarehouseAnswer,
      );
      // A SKU with no row on the warehouse has nothing there.
      for (const sku of batch) quantities.set(bySku.get(sku)!, 0);
      for (const row of answer.result) {
        const listingId = bySku.get(String(row.sku));
        if (listingId !== undefined && row.warehouse_id === warehouse.id) quantities.set(listingId, sellable(row));
      }
    }
    const type = warehouse.rfbs ? 'realFbs' : 'fbs';
    for (let i = 0; i < withoutSku.length; i += 1000) {
      const batch = withoutSku.slice(i, i + 1000);
      const byProduct = new Map(batch.map((l) => [String(l.data.productId ?? l.externalId), l.listingId]));
      let cursor = '';
      const pages = pageGuard(ctx, 'POST /v4/product/info/stocks');
      let page: z.infer<typeof stocksAnswer>;
      do {
        page = await ozonCall(
          ctx,
          '/v4/product/info/stocks',
          { cursor, filter: { product_id: [...byProduct.keys()], visibility: 'ALL' }, limit: 1000 },
          stocksAnswer,
        );
        for (const item of page.items) {
          const listingId = byProduct.get(String(item.product_id));
          if (listingId !== undefined) quantities.set(listingId, sellable(item.stocks.find((x) => x.type === type)));
        }
        cursor = page.cursor;
      } while (pages.more({ items: page.items.length, limit: 1000, total: page.total, next: cursor }));
    }
    return quantities;
  },

  fetchOrder: fetchOzonPosting,
  listOrders: listOzonPostings,
  jobs: [
    {
      name: 'stocks',
      description: 'Ozon stock by type and per FBO warehouse into mirror warehouses',
      defaultCron: '*/30 * * * *',
      run: syncOzonStocks,
    },
    {
      name: 'postings',
      description: 'Ozon FBS postings into orders',
      defaultCron: '*/5 * * * *',
      run: syncOzonPostings,
    },
  ],
};
