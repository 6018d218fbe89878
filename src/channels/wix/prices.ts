import { minorToDecimal } from '../../shared/money.ts';
import { ChannelHttpError, type ConnectorContext, type PricePush, type PushOutcome } from '../core/connector.ts';
import { wixErrorText } from './types.ts';

/** The variant id Wix gives a product without options. */
const DEFAULT_VARIANT = '00000000-0000-0000-0000-000000000000';

/**
 * Prices to Wix Stores (Catalog V1 "Update Product": PATCH /stores/v1/products/{id} with
 * `{product: {priceData: {price}}}`, the price a number in the site's currency, which the API
 * does not take: Wix prices in the currency the site is set to). A product without options has
 * one listing (the default variant) and takes the price; a variant of a product with options
 * is priced per option choice on Wix, which Sklad does not set: refused with that reason.
 */
export async function pushWixPrices(ctx: ConnectorContext, items: PricePush[]): Promise<PushOutcome[]> {
  const { apiKey, siteId } = ctx.account.credentials;
  const outcomes: PushOutcome[] = [];
  for (const item of items) {
    const listingId = item.listing.listingId;
    const [fromId, variantFromId] = item.listing.externalId.split(':');
    const productId = String(item.listing.data.productId ?? fromId);
    const variantId = String(item.listing.data.variantId ?? variantFromId ?? DEFAULT_VARIANT);
    if (variantId !== DEFAULT_VARIANT) {
      outcomes.push({
        listingId,
        ok: false,
        retryable: false,
        error:
          'Wix prices a product with options per option choice; Sklad sets the price of products without options only',
      });
      continue;
    }
    try {
      const res = await ctx.http.request({
        method: 'PATCH',
        path: `/stores/v1/products/${encodeURIComponent(productId)}`,
        headers: { authorization: apiKey, 'wix-site-id': siteId },
        secrets: [apiKey],
        body: { product: { priceData: { price: Number(minorToDecimal(item.amount, item.currency)) } } },
        accept: [400, 404, 409, 428],
      });
      if (res.status < 300) outcomes.push({ listingId, ok: true });
      else
        outcomes.push({
          listingId,
          ok: false,
          error: `HTTP ${res.status}: ${wixErrorText(res.body) ?? 'refused'}`,
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
