import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Tx } from '../db/database.ts';
import { addManyToOutbox } from '../engine/outbox.ts';
import { DomainError } from '../shared/errors.ts';
import { MAX_QUANTITY } from './movements.ts';

const counts = z.array(
  z.object({ productId: z.number().int().positive(), onHand: z.number().int().min(0).max(MAX_QUANTITY) }),
);
export type CountedLevel = z.input<typeof counts>[number];

/**
 * A stock count of many products in one of our own warehouses (a bulk import's quantity
 * column): each level whose on_hand differs from the count gets one 'adjustment' row with the
 * reason given, and a stock.changed message; an equal count writes nothing. Set-based like
 * setMirrorLevels (one lock, one statement for levels and ledger). Refused as a whole, with the
 * products named: a count below what is reserved (COUNT_BELOW_RESERVED), an archived product
 * (PRODUCT_ARCHIVED), a mirror, read-only or archived warehouse.
 */
export async function setCountedLevels(
  tx: Tx,
  warehouseId: number,
  levels: CountedLevel[],
  reason: string,
  actor: string,
): Promise<{ changed: number; productIds: number[] }> {
  const byProduct = new Map(counts.parse(levels).map((l) => [l.productId, l]));
  const input = [...byProduct.values()].sort((a, b) => a.productId - b.productId);
  const [warehouse] = await rows<{ kind: string; code: string; read_only: boolean; archived: boolean }>(
    tx,
    sql`
    select kind, code, read_only, archived_at is not null as archived from warehouses where id = ${warehouseId}`,
  );
  if (!warehouse)
    throw new DomainError('NOT_FOUND', `Warehouse ${warehouseId} does not exist`, 404, { warehouse_id: warehouseId });
  const where = { warehouse_id: warehouseId, warehouse_code: warehouse.code };
  if (warehouse.archived)
    throw new DomainError('WAREHOUSE_ARCHIVED', `Warehouse ${warehouse.code} is archived`, 409, where);
  if (warehouse.kind !== 'own' || warehouse.read_only) {
    throw new DomainError(
      'WAREHOUSE_READ_ONLY',
      `Warehouse ${warehouse.code} is read-only (a mirror of a marketplace warehouse, set by sync)`,
      409,
      where,
    );
  }
  if (!input.length) return { changed: 0, productIds: [] };
  const ids = input.map((l) => l.productId);
  const idList = sql`${sql.param(ids)}::bigint[]`;
  await tx.execute(
    sql`select 1 from stock_levels where warehouse_id = ${warehouseId} and product_id = any(${idList}) order by product_id for update`,
  );
  const [check] = await rows<{ missing: number[]; archived: number[]; below: number[] }>(
    tx,
    sql`
    with reading as (select * from unnest(${idList}, ${sql.param(input.map((l) => l.onHand))}::bigint[]) as r(product_id, on_hand))
    select array(select product_id from reading except select id from products) as missing,
           array(select p.id from products p join reading r on r.product_id = p.id
                  where p.archived_at is not null
                    and r.on_hand is distinct from coalesce((select on_hand from stock_levels l where l.product_id = p.id and l.warehouse_id = ${warehouseId}), 0)
                  order by p.id) as archived,
           array(select r.product_id from reading r join stock_levels l on l.product_id = r.product_id and l.warehouse_id = ${warehouseId}
                  where r.on_hand < l.reserved order by r.product_id) as below`,
  );
  if (check.missing.length)
    throw new DomainError('NOT_FOUND', `Products ${check.missing.join(', ')} do not exist`, 404, {
      product_ids: check.missing.map(Number),
    });
  if (check.archived.length) {
    throw new DomainError(
      'PRODUCT_ARCHIVED',
      `Products ${check.archived.join(', ')} are archived: their stock no longer moves`,
      409,
      {
        ...where,
        product_ids: check.archived.map(Number),
      },
    );
  }
  if (check.below.length) {
    throw new DomainError(
      'COUNT_BELOW_RESERVED',
      `The count of products ${check.below.join(', ')} in ${warehouse.code} is below what is reserved`,
      409,
      {
        ...where,
        product_ids: check.below.map(Number),
      },
    );
  }
  const changed = await rows<{ product_id: number }>(
    tx,
    sql`
    with reading as (
      select * from unnest(${idList}, ${sql.param(input.map((l) => l.onHand))}::bigint[]) as r(product_id, on_hand)
    ), before as (
      select product_id, on_hand, reserved from stock_levels where warehouse_id = ${warehouseId} and product_id = any(${idList})
    ), level as (
      insert into stock_levels (product_id, warehouse_id, on_hand)
      select r.product_id, ${warehouseId}::bigint, r.on_hand from reading r
       where r.on_hand <> 0 or r.product_id in (select product_id from before)
      on conflict (product_id, warehouse_id) do update set on_hand = excluded.on_hand, updated_at = now()
       where stock_levels.on_hand is distinct from excluded.on_hand
      returning product_id, on_hand, reserved
    ), movement as (
      insert into stock_movements (type, product_id, warehouse_id, quantity, reserved_delta, on_hand_after, reserved_after, reason, actor)
      select 'adjustment', l.product_id, ${warehouseId}::bigint, l.on_hand - coalesce(b.on_hand, 0), 0, l.on_hand, l.reserved, ${reason}::text, ${actor}::text
        from level l left join before b using (product_id)
      returning product_id
    )
    select product_id from movement order by product_id`,
  );
  const productIds = changed.map((c) => Number(c.product_id));
  await addManyToOutbox(tx, 'stock.changed', productIds, { warehouseIds: [warehouseId] });
  return { changed: productIds.length, productIds };
}
