import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/database.ts';
import { channelQuantitySql } from './availability.ts';

/**
 * What a feed a channel downloads from Sklad lists (Kaspi's price list): each product the
 * account sells with the quantity the account should show, computed as a push computes it
 * (channelQuantitySql: the stock rule's warehouses, minus the safety buffer, up to the cap).
 *
 * Which products: the account's matched listings when it has any (the seller has said what is
 * on that channel); an account with none — a channel Sklad reads no listings from — lists every
 * product that is not archived, so a sold-out one goes out at 0 rather than being left out,
 * which a channel may read as "keep the last quantity". Read in pages by product id, so a feed
 * of any size streams without holding the catalogue in memory.
 */

export interface FeedProduct {
  productId: number;
  sku: string;
  name: string;
  ean: string | null;
  attributes: Record<string, unknown>;
  /** What the account should show: its stock rule applied to the stock truth. */
  quantity: number;
  /** The unit price of the product's latest order line on this account in the feed's currency (minor units), if it has one. */
  lastPriceMinor: number | null;
}

const PAGE_SIZE = 500;

export async function* feedProducts(
  ex: Executor,
  accountId: number,
  options: { currency: string; pageSize?: number },
): AsyncGenerator<FeedProduct[]> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const [{ by_listings: byListings }] = await rows<{ by_listings: boolean }>(
    ex,
    sql`
    select exists (select 1 from listings where account_id = ${accountId} and match_state = 'matched' and product_id is not null) as by_listings`,
  );
  let after = 0;
  for (;;) {
    const page = await rows<
      Omit<FeedProduct, 'productId' | 'lastPriceMinor'> & { id: number; last_price_minor: number | null }
    >(
      ex,
      sql`
      select p.id, p.sku, p.name, p.ean, p.attributes,
             ${channelQuantitySql(accountId, sql`p.id`)} as quantity,
             (select l.price_minor from order_lines l join orders o on o.id = l.order_id
               where l.product_id = p.id and o.account_id = ${accountId} and o.currency = ${options.currency}
               order by o.ordered_at desc, l.id desc limit 1) as last_price_minor
        from products p
       where p.archived_at is null and p.id > ${after}
         and (not ${byListings}::boolean or exists (
               select 1 from listings l where l.account_id = ${accountId} and l.product_id = p.id and l.match_state = 'matched'))
       order by p.id
       limit ${pageSize}`,
    );
    if (!page.length) return;
    yield page.map((p) => ({
      productId: p.id,
      sku: p.sku,
      name: p.name,
      ean: p.ean,
      attributes: p.attributes ?? {},
      quantity: p.quantity,
      lastPriceMinor: p.last_price_minor,
    }));
    if (page.length < pageSize) return;
    after = page[page.length - 1].id;
  }
}
