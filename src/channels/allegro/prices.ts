import { minorToDecimal } from '../../shared/money.ts';
import { ChannelHttpError, type ConnectorContext, type PricePush, type PushOutcome } from '../core/connector.ts';
import { allegroRequest } from './auth.ts';
import { errorMessage } from './types.ts';

/**
 * Prices to Allegro (spec: PATCH /sale/product-offers/{offerId}, SaleProductOfferPatchRequestV1):
 * `sellingMode.price` as BuyNowPrice, `{amount: "123.45", currency: "PLN"}`, one offer a request
 * (each field is edited on its own, the quantity untouched). A 4xx refusal (a promotion holding
 * the price, a value Allegro does not take) is kept with Allegro's words; 409 (the offer's
 * previous edit is still processed) is tried again.
 */
export async function pushAllegroPrices(ctx: ConnectorContext, items: PricePush[]): Promise<PushOutcome[]> {
  const outcomes: PushOutcome[] = [];
  for (const item of items) {
    const listingId = item.listing.listingId;
    try {
      const res = await allegroRequest(ctx, {
        method: 'PATCH',
        path: `/sale/product-offers/${encodeURIComponent(item.listing.externalId)}`,
        body: {
          sellingMode: { price: { amount: minorToDecimal(item.amount, item.currency), currency: item.currency } },
        },
        accept: [400, 404, 409, 422],
      });
      if (res.status < 300) outcomes.push({ listingId, ok: true });
      else
        outcomes.push({
          listingId,
          ok: false,
          error: `HTTP ${res.status}: ${errorMessage(res.body) ?? 'refused'}`,
          retryable: res.status === 409,
        });
    } catch (error) {
      if (error instanceof ChannelHttpError)
        outcomes.push({ listingId, ok: false, error: error.message, retryable: error.retryable });
      else throw error;
    }
  }
  return outcomes;
}
