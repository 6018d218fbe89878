import { sql } from 'drizzle-orm';
import { rows, type Tx } from '../db/database.ts';
import { addManyToOutbox } from '../engine/outbox.ts';
import type { Money } from '../pricing/prices.ts';

/**
 * The base prices of many products in the transaction given (a bulk import's price column):
 * what setBasePrice (src/pricing/prices.ts) writes for one product, set-based — the price, a
 * `price_changes` row (who, when, why) and a `price.changed` outbox message for each price that
 * differs; an equal price writes nothing. One statement per chunk instead of seven per product,
 * so 50,000 prices fit in the import's one transaction.
 */
export async function setBasePrices(tx: Tx, prices: { productId: number; price: Money }[], actor: string, reason: string): Promise<number> {
  if (!prices.length) return 0;
  const changed = await rows<{ product_id: number }>(tx, sql`
    with input as (
      select * from unnest(${sql.param(prices.map((p) => p.productId))}::bigint[], ${sql.param(prices.map((p) => p.price.amount))}::bigint[],
                           ${sql.param(prices.map((p) => p.price.currency))}::text[]) as i(product_id, amount, currency)
    ), before as (
      select product_id, amount, currency from product_prices where product_id = any(${sql.param(prices.map((p) => p.productId))}::bigint[]) for update
    ), changed as (
      select i.product_id, i.amount, i.currency, b.product_id is not null as had, b.amount as old_amount, b.currency as old_currency
        from input i left join before b using (product_id)
       where b.product_id is null or b.amount <> i.amount or b.currency <> i.currency
    ), price as (
      insert into product_prices (product_id, amount, currency)
      select product_id, amount, currency from changed
      on conflict (product_id) do update set amount = excluded.amount, currency = excluded.currency, updated_at = now()
    ), history as (
      insert into price_changes (product_id, account_id, before, after, actor, reason)
      select product_id, null,
             case when had then jsonb_build_object('amount', old_amount, 'currency', old_currency) end,
             jsonb_build_object('amount', amount, 'currency', currency), ${actor}::text, ${reason}::text
        from changed order by product_id
    )
    select product_id from changed order by product_id`);
  const ids = changed.map((c) => Number(c.product_id));
  await addManyToOutbox(tx, 'price.changed', ids);
  return ids.length;
}
