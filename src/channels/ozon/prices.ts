import { z } from 'zod';
import { minorToDecimal } from '../../shared/money.ts';
import type { ConnectorContext, PricePush, PushOutcome } from '../core/connector.ts';
import { allFailed, ozonCall } from './client.ts';

/** POST /v1/product/import/prices: per item `{product_id, offer_id, updated, errors[]}` (productImportProductsPricesResponse). */
const priceUpdateAnswer = z.object({
  result: z.array(
    z.object({
      product_id: z.union([z.number(), z.string()]).optional(),
      offer_id: z.string().optional(),
      updated: z.boolean(),
      errors: z.array(z.object({ code: z.string(), message: z.string().default('') })).default([]),
    }),
  ),
});

/** Item errors after which the same price may go through later (Ozon's rate per product: 10 changes an hour). */
const RETRYABLE_PRICE_ERRORS = new Set(['TOO_MANY_REQUESTS', 'INTERNAL']);

/**
 * Prices to Ozon (spec: ProductAPI_ImportProductsPrices): `price` in the major unit as a decimal
 * string ("1448.00"), `currency_code` the cabinet's currency, `old_price` "0" (no strikethrough
 * price kept), by offer_id only (the spec: when both ids are sent the offer_id wins; one avoids
 * ambiguity). A refusal (below the minimum price, a promotion holding the price) is not retried.
 */
export async function pushOzonPrices(ctx: ConnectorContext, items: PricePush[]): Promise<PushOutcome[]> {
  const prices = items.map((i) => ({
    offer_id: String(i.listing.data.offerId ?? i.listing.sku ?? ''),
    price: minorToDecimal(i.amount, i.currency),
    old_price: '0',
    currency_code: i.currency,
  }));
  let answer: z.infer<typeof priceUpdateAnswer>;
  try {
    answer = await ozonCall(ctx, '/v1/product/import/prices', { prices }, priceUpdateAnswer);
  } catch (error) {
    return allFailed(items, error);
  }
  return items.map((item, index): PushOutcome => {
    const sent = prices[index];
    const result = answer.result.find((r) => r.offer_id === sent.offer_id) ?? answer.result[index];
    if (result?.updated) return { listingId: item.listing.listingId, ok: true };
    const errors = result?.errors ?? [];
    return {
      listingId: item.listing.listingId,
      ok: false,
      error: errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'Ozon did not update this price',
      retryable: errors.length > 0 && errors.every((e) => RETRYABLE_PRICE_ERRORS.has(e.code)),
    };
  });
}
