import { sql } from 'drizzle-orm';
import { channelQuantitySql } from '../channels/core/availability.ts';
import type { CatalogProduct } from '../channels/core/catalog-feed.ts';
import { rows, type Executor } from '../db/database.ts';

/**
 * The products an export moves: those the source account lists (its matched listings), as
 * Sklad's catalog has them, with the quantity the source account would show (its stock rule,
 * computed where the stock is) and a price when one is known. Read in pages by product id
 * (keyset), so 50,000 products never sit in memory at once.
 */

interface ProductRow {
  id: number;
  sku: string;
  name: string;
  ean: string | null;
  attributes: Record<string, unknown> | null;
  external_id: string;
  listing_sku: string | null;
  data: Record<string, unknown> | null;
  quantity: number | null;
}

const PAGE_SIZE = 1_000;

/** A price in minor units where Sklad keeps one: the product's `price_minor` attribute, else the source listing's `priceMinor`. */
function priceOf(attributes: Record<string, unknown>, data: Record<string, unknown>): number | null {
  for (const value of [attributes.price_minor, data.priceMinor]) {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  }
  return null;
}

const toProduct = (r: ProductRow): CatalogProduct => {
  const attributes = r.attributes ?? {};
  const data = r.data ?? {};
  return {
    productId: r.id,
    sku: r.sku,
    name: r.name,
    ean: r.ean,
    attributes,
    listing: { externalId: r.external_id, sku: r.listing_sku, data },
    quantity: r.quantity ?? 0,
    priceMinor: priceOf(attributes, data),
  };
};

/** One page of the account's products after `afterId`, in id order; a product listed twice comes once (its first listing). */
async function productPage(ex: Executor, accountId: number, afterId: number, limit: number): Promise<CatalogProduct[]> {
  const found = await rows<ProductRow>(
    ex,
    sql`
    select p.id, p.sku, p.name, p.ean, p.attributes, l.external_id, l.sku as listing_sku, l.data,
           ${channelQuantitySql(accountId, sql`p.id`)} as quantity
      from products p
      join lateral (
        select external_id, sku, data from listings
         where account_id = ${accountId} and product_id = p.id and match_state = 'matched'
         order by id limit 1) l on true
     where p.archived_at is null and p.id > ${afterId}
     order by p.id
     limit ${limit}`,
  );
  return found.map(toProduct);
}

/** The account's products page by page, from the one after `afterId` on. */
export async function* catalogProducts(
  ex: Executor,
  accountId: number,
  options: { afterId?: number; pageSize?: number } = {},
): AsyncGenerator<CatalogProduct[]> {
  let cursor = options.afterId ?? 0;
  const limit = options.pageSize ?? PAGE_SIZE;
  for (;;) {
    const page = await productPage(ex, accountId, cursor, limit);
    if (page.length) yield page;
    if (page.length < limit) return;
    cursor = page[page.length - 1].productId;
  }
}

/** How many products the account's export holds (what the progress counts towards). */
export async function countCatalogProducts(ex: Executor, accountId: number): Promise<number> {
  const [row] = await rows<{ n: number }>(
    ex,
    sql`
    select count(distinct l.product_id)::int as n
      from listings l join products p on p.id = l.product_id
     where l.account_id = ${accountId} and l.match_state = 'matched' and p.archived_at is null`,
  );
  return row?.n ?? 0;
}
