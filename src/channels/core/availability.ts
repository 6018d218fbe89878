import { sql, type SQL } from 'drizzle-orm';
import { recordOperation } from '../../audit/operations.ts';
import { rows, type Executor } from '../../db/database.ts';
import { DomainError } from '../../shared/errors.ts';

/**
 * What an account may sell: the warehouses that feed it, a safety buffer kept back and a
 * cap. channel quantity = clamp(sum(available over those warehouses) − buffer, 0, cap).
 * With no warehouses chosen, every own warehouse that is not archived feeds it (mirrors of
 * marketplace-run warehouses never do: that stock is already on the marketplace).
 */

export interface StockRule {
  warehouse_ids: number[];
  safety_buffer: number;
  max_quantity: number | null;
}

export async function getStockRule(ex: Executor, accountId: number): Promise<StockRule> {
  const [rule] = await rows<StockRule>(
    ex,
    sql`
    select to_jsonb(warehouse_ids) as warehouse_ids, safety_buffer, max_quantity from account_stock_rules where account_id = ${accountId}`,
  );
  return rule ?? { warehouse_ids: [], safety_buffer: 0, max_quantity: null };
}

/** Sets the rule and marks every matched listing of the account for a push (their quantities may change). */
export async function setStockRule(
  ex: Executor,
  accountId: number,
  rule: StockRule,
  actor: string,
): Promise<StockRule> {
  const ids = [...new Set(rule.warehouse_ids)];
  if (ids.length) {
    const known = await rows<{ id: number; kind: string }>(
      ex,
      sql`select id, kind from warehouses where id = any(${sql.param(ids)}::bigint[])`,
    );
    const missing = ids.filter((id) => !known.some((w) => w.id === id));
    if (missing.length)
      throw new DomainError('WAREHOUSE_NOT_FOUND', `No warehouse ${missing.join(', ')}`, 422, {
        warehouse_ids: missing,
      });
  }
  const before = await getStockRule(ex, accountId);
  await ex.execute(sql`
    insert into account_stock_rules (account_id, warehouse_ids, safety_buffer, max_quantity)
    values (${accountId}, ${sql.param(ids)}::bigint[], ${rule.safety_buffer}, ${rule.max_quantity})
    on conflict (account_id) do update
       set warehouse_ids = excluded.warehouse_ids, safety_buffer = excluded.safety_buffer,
           max_quantity = excluded.max_quantity, updated_at = now()`);
  await ex.execute(sql`
    update listings set needs_push = true, change_seq = change_seq + 1
     where account_id = ${accountId} and match_state = 'matched'`);
  const after = await getStockRule(ex, accountId);
  await recordOperation(ex, {
    entityType: 'channel_account',
    entityId: accountId,
    action: 'availability',
    actor,
    changes: { availability: { before, after } },
  });
  return after;
}

/**
 * SQL for the channel quantity of `productId` (an SQL expression) on an account: used inside
 * the push query so quantities are computed where the stock is.
 */
export function channelQuantitySql(accountId: number, productId: SQL): SQL {
  return sql`(
    select greatest(0, least(coalesce(r.max_quantity, 2147483647),
                             coalesce(sum(s.available), 0) - coalesce(r.safety_buffer, 0)))::int
      from (select ${accountId}::bigint as account_id) a
      left join account_stock_rules r on r.account_id = a.account_id
      left join stock_levels s on s.product_id = ${productId}
       and (case when coalesce(cardinality(r.warehouse_ids), 0) = 0
                 then s.warehouse_id in (select w.id from warehouses w where w.kind = 'own' and w.archived_at is null)
                 else s.warehouse_id = any(r.warehouse_ids) end)
     group by r.max_quantity, r.safety_buffer)`;
}
