import { z } from 'zod';
import { ChannelHttpError, CredentialsRejected, type Connector, type ConnectorContext, type PushOutcome, type RemoteListing } from '../core/connector.ts';
import { ozonCall, ozonMessage, ozonSettings, pacerOf, settingsOf } from './client.ts';
import { syncOzonPostings } from './postings.ts';
import { syncOzonStocks } from './stocks.ts';
import { productInfoAnswer, productListAnswer, stocksAnswer, stockUpdateAnswer, warehouseListAnswer } from './types.ts';

/**
 * Ozon Seller API (seed 002): products as listings (offer_id = Sklad SKU, numeric Ozon
 * SKU kept with them), stock per type and per FBO warehouse into read-only mirrors,
 * FBS quantities pushed back, FBS postings imported as orders.
 * Limits: 50 requests a second per account (declared a little lower so the shared bucket
 * never meets Ozon's at its edge), /v2/products/stocks 80 a minute (paced in client.ts).
 */

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
  if (!found) throw new Error(wanted ? `Ozon has no FBS warehouse ${wanted} (settings.fbsWarehouseId)` : 'Ozon lists no FBS warehouse to push stock to');
  const chosen = { id: found.warehouse_id, rfbs: found.is_rfbs };
  pushWarehouses.set(ctx.account.id, chosen);
  return chosen;
}

export const ozonConnector: Connector = {
  channel: 'ozon',
  title: 'Ozon',
  defaultBaseUrl: 'https://api-seller.ozon.ru',
  capabilities: { listings: true, pushStock: true, readStock: true, orders: true },
  limits: { pushBatchSize: 100, requestsPerSecond: 40, burst: 20, maxConcurrent: 4, readBatchSize: 1000 },
  credentialsSchema: z.object({
    clientId: z.string().trim().regex(/^\d{1,20}$/, 'Client-Id is the number Ozon shows next to the key'),
    apiKey: z.string().trim().min(8, 'an Ozon Api-Key has at least 8 characters').max(200),
  }),
  settingsSchema: ozonSettings,
  secretHeaders: ['Api-Key'],

  async validate(ctx) {
    try {
      const list = await ozonCall(ctx, '/v1/warehouse/list', undefined, warehouseListAnswer, { attempts: 2 });
      return { ok: true, details: `Ozon answered: ${list.result.length} FBS/rFBS warehouses` };
    } catch (error) {
      if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
      throw error;
    }
  },

  async *fetchListings(ctx) {
    let lastId = '';
    do {
      const page = await ozonCall(ctx, '/v3/product/list', { filter: { visibility: 'ALL' }, last_id: lastId, limit: 1000 }, productListAnswer);
      if (page.result.items.length) {
        const info = await ozonCall(ctx, '/v3/product/info/list', { product_id: page.result.items.map((i) => String(i.product_id)) }, productInfoAnswer);
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
    } while (lastId);
  },

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
    await pacerOf(ctx).take('stockUpdate', ctx.signal);
    let answer: z.infer<typeof stockUpdateAnswer>;
    try {
      answer = await ozonCall(ctx, '/v2/products/stocks', { stocks }, stockUpdateAnswer);
    } catch (error) {
      if (error instanceof CredentialsRejected) throw error;
      const retryable = !(error instanceof ChannelHttpError) || error.retryable;
      const message = error instanceof ChannelHttpError ? `${error.message}${ozonMessage(error.body)}` : (error as Error).message;
      return items.map((i): PushOutcome => ({ listingId: i.listing.listingId, ok: false, error: message, retryable }));
    }
    // Ozon answers per item, matched here by product and warehouse (offer_id wins when both are sent).
    return items.map((item, index): PushOutcome => {
      const sent = stocks[index];
      const result = answer.result.find((r) => (r.offer_id ? r.offer_id === sent.offer_id : r.product_id === sent.product_id) && (r.warehouse_id ?? sent.warehouse_id) === sent.warehouse_id) ?? answer.result[index];
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

  async readQuantities(ctx, listings) {
    const warehouse = await pushWarehouse(ctx);
    const type = warehouse.rfbs ? 'realFbs' : 'fbs';
    const quantities = new Map<number, number>();
    for (let i = 0; i < listings.length; i += 1000) {
      const batch = listings.slice(i, i + 1000);
      const byProduct = new Map(batch.map((l) => [String(l.data.productId ?? l.externalId), l.listingId]));
      let cursor = '';
      do {
        const page = await ozonCall(ctx, '/v4/product/info/stocks', { cursor, filter: { product_id: [...byProduct.keys()], visibility: 'ALL' }, limit: 1000 }, stocksAnswer);
        for (const item of page.items) {
          const s = item.stocks.find((x) => x.type === type);
          const listingId = byProduct.get(String(item.product_id));
          // What Sklad pushes is the sellable number: present minus reserved.
          if (listingId !== undefined) quantities.set(listingId, Math.max(0, (s?.present ?? 0) - (s?.reserved ?? 0)));
        }
        cursor = page.cursor;
      } while (cursor);
    }
    return quantities;
  },

  jobs: [
    { name: 'stocks', description: 'Ozon stock by type and per FBO warehouse into mirror warehouses', defaultCron: '*/30 * * * *', run: syncOzonStocks },
    { name: 'postings', description: 'Ozon FBS postings into orders', defaultCron: '*/5 * * * *', run: syncOzonPostings },
  ],
};
