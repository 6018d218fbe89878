import type { FeedProduct } from '../core/feed-quantities.ts';
import type { Money } from '../../pricing/prices.ts';

/**
 * The price list Kaspi downloads from Sklad (CONTRACT.md §6), written as the third-party feeds
 * Kaspi takes write it: `<kaspi_catalog xmlns="kaspiShopping">` with the company, the merchant
 * id and an offer per product: its SKU, its name as the model, its brand when the product has
 * one, its quantity in the account's store, and its price in whole tenge.
 *
 * The price is Sklad's for the account (docs/decisions/190, 205): its own price or rule, else
 * the base price, in tenge rounded to whole tenge. Kaspi needs a price for every offer, and an
 * offer left out of the list is taken off sale, so a product Sklad has no KZT price for falls
 * back to what it had before Sklad kept prices: its `kaspi_price` attribute (whole tenge), else
 * the unit price it last sold at on this account (what Kaspi shows now, so the list does not
 * move it). A product with none of these, or with a SKU Kaspi does not take (§6 [3P]: at most
 * 20 characters, latin letters and digits; `-` and `_` are let through), is left out and
 * counted, never sent half-made.
 */

/** §6 [3P]: the sku's length and characters (see simulators/kaspi/price-list.ts on `-` and `_`). */
const KASPI_SKU = /^[A-Za-z0-9_-]{1,20}$/;

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);

export function priceListHead(options: { merchantId: string; company: string; date: Date }): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<kaspi_catalog date="${options.date.toISOString()}" xmlns="kaspiShopping" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
      ' xsi:schemaLocation="kaspiShopping http://kaspi.kz/kaspishopping.xsd">',
    `  <company>${escapeXml(options.company)}</company>`,
    `  <merchantid>${escapeXml(options.merchantId)}</merchantid>`,
    '  <offers>',
    '',
  ].join('\n');
}

export const PRICE_LIST_TAIL = '  </offers>\n</kaspi_catalog>\n';

/** Whole tenge of the product's price, or null when Sklad knows none. */
function priceOf(product: FeedProduct, price: Money | null): number | null {
  // Already rounded to Kaspi's step (pricing.step: 100 tiyn); a zero price is no price to Kaspi.
  if (price?.currency === 'KZT' && price.amount > 0) return Math.floor((price.amount + 50) / 100);
  const set = product.attributes.kaspi_price;
  const whole = typeof set === 'number' ? set : typeof set === 'string' && /^\s*\d+\s*$/.test(set) ? Number(set) : null;
  if (whole !== null && Number.isSafeInteger(whole) && whole > 0) return whole;
  // Tiyn to tenge, rounded half up in integers (Kaspi's prices are whole tenge).
  if (product.lastPriceMinor !== null && product.lastPriceMinor > 0)
    return Math.floor((product.lastPriceMinor + 50) / 100);
  return null;
}

export type OfferOutcome = { xml: string } | { left: 'sku' | 'price' };

/** The product's offer; `price` is Sklad's price for the account (accountPricesOf), null when it has none. */
export function offerOf(product: FeedProduct, storeId: string, price: Money | null = null): OfferOutcome {
  if (!KASPI_SKU.test(product.sku)) return { left: 'sku' };
  const tenge = priceOf(product, price);
  if (tenge === null) return { left: 'price' };
  const brand =
    typeof product.attributes.brand === 'string' && product.attributes.brand.trim()
      ? `<brand>${escapeXml(product.attributes.brand.trim())}</brand>`
      : '';
  const quantity = Math.max(0, product.quantity);
  return {
    xml:
      `    <offer sku="${escapeXml(product.sku)}"><model>${escapeXml(product.name)}</model>${brand}` +
      `<availabilities><availability available="${quantity > 0 ? 'yes' : 'no'}" storeId="${escapeXml(storeId)}" stockCount="${quantity}"/></availabilities>` +
      `<price>${tenge}</price></offer>\n`,
  };
}
