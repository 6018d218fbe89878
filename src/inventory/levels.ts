import { and, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { addManyToOutbox } from '../engine/outbox.ts';
import { DomainError } from '../shared/errors.ts';

export interface Level {
  product_id: number;
  warehouse_id: number;
  on_hand: number;
  reserved: number;
  available: number;
  updated_at: string;
}

const levelColumns = sql.raw(`l.product_id, l.warehouse_id, l.on_hand, l.reserved, l.available, iso(l.updated_at) as updated_at`);

export async function getLevels(ex: Executor, filter: { productIds?: number[]; warehouseIds?: number[] } = {}): Promise<Level[]> {
  const where = and(
    sql`true`,
    filter.productIds ? sql`l.product_id = any(${sql.param(filter.productIds)}::bigint[])` : undefined,
    filter.warehouseIds ? sql`l.warehouse_id = any(${sql.param(filter.warehouseIds)}::bigint[])` : undefined,
  );
  return rows<Level>(ex, sql`select ${levelColumns} from stock_levels l where ${where} order by l.product_id, l.warehouse_id`);
}

export interface LevelView extends Level {
  sku: string;
  product_name: string;
  warehouse_code: string;
  warehouse_name: string;
  /** Where the row's numbers come from (its warehouse's source) and what the channel calls that stock. */
  source: string | null;
  stock_type: string | null;
  promised: number;
}

/** Rows whose column is one of `names` (any case); 'none' stands for no value. */
function oneOf(column: SQL, names: string[] | undefined) {
  if (!names?.length) return undefined;
  const lower = names.map((n) => n.toLowerCase());
  return sql`(lower(${column}) = any(${sql.param(lower)}::text[]) or (${column} is null and 'none' = any(${sql.param(lower)}::text[])))`;
}

/**
 * Levels with what a person reads them by: the product's SKU and name, the warehouse's code and
 * name, and where the row comes from (source, stock type), each filterable as seed 002 groups them.
 */
export async function listLevels(
  ex: Executor,
  f: { productId?: number; warehouseId?: number; sources?: string[]; stockTypes?: string[]; limit: number; offset: number },
): Promise<{ items: LevelView[]; total: number }> {
  const where = and(
    sql`true`,
    f.productId ? sql`l.product_id = ${f.productId}` : undefined,
    f.warehouseId ? sql`l.warehouse_id = ${f.warehouseId}` : undefined,
    oneOf(sql`w.source`, f.sources),
    oneOf(sql`w.stock_type`, f.stockTypes),
  );
  const found = await rows<LevelView & { total: number }>(ex, sql`
    select ${levelColumns}, l.promised, p.sku, p.name as product_name, w.code as warehouse_code, w.name as warehouse_name,
           w.source, w.stock_type, count(*) over () as total
      from stock_levels l
      join products p on p.id = l.product_id
      join warehouses w on w.id = l.warehouse_id
     where ${where}
     order by lower(p.sku), lower(w.code)
     limit ${f.limit} offset ${f.offset}`);
  return { items: found.map(({ total: _t, ...l }) => l), total: Number(found[0]?.total ?? 0) };
}

const mirrorLevels = z.array(
  z
    .object({
      productId: z.number().int().positive(),
      onHand: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      reserved: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      promised: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    })
    .refine((l) => l.reserved <= l.onHand, { message: 'reserved cannot exceed onHand', path: ['reserved'] }),
);
export type MirrorLevel = z.input<typeof mirrorLevels>[number];

/**
 * Sets the levels of a mirror of a marketplace-run warehouse (Ozon FBO, WB) to what its sync
 * read. Those goods are sold by the marketplace, so no sale rows: each level whose on_hand or
 * reserved changed gets one 'adjustment' row (reason 'mirror sync') and a stock.changed message;
 * `promised` (future supplies) is only kept, so a change of it alone moves no ledger row and
 * counts in `changed` only. Products not listed keep their level.
 */
export async function setMirrorLevels(
  tx: Tx,
  warehouseId: number,
  levels: MirrorLevel[],
  actor = 'mirror sync',
): Promise<{ changed: number; productIds: number[] }> {
  // The last reading of a product wins when a sync lists it twice.
  const byProduct = new Map(mirrorLevels.parse(levels).map((l) => [l.productId, l]));
  const input = [...byProduct.values()].sort((a, b) => a.productId - b.productId);
  const [warehouse] = await rows<{ kind: string; code: string }>(tx, sql`select kind, code from warehouses where id = ${warehouseId}`);
  if (!warehouse) throw new DomainError('NOT_FOUND', `Warehouse ${warehouseId} does not exist`, 404, { warehouse_id: warehouseId });
  if (warehouse.kind !== 'mirror') {
    throw new DomainError('WAREHOUSE_NOT_MIRROR', `Warehouse ${warehouse.code} is one of our own: its stock moves through movements`, 409, {
      warehouse_id: warehouseId,
      warehouse_code: warehouse.code,
    });
  }
  if (!input.length) return { changed: 0, productIds: [] };
  const ids = input.map((l) => l.productId);
  const [{ missing }] = await rows<{ missing: number[] }>(tx, sql`
    select array(select id from unnest(${sql.param(ids)}::bigint[]) as id except select id from products) as missing`);
  if (missing.length) {
    throw new DomainError('NOT_FOUND', `Products ${missing.join(', ')} do not exist`, 404, { product_ids: missing.map(Number) });
  }

  // Locked first, so the statement below reads the levels as they are now and its differences are exact.
  await tx.execute(sql`
    select 1 from stock_levels where warehouse_id = ${warehouseId} and product_id = any(${sql.param(ids)}::bigint[])
     order by product_id for update`);
  const changed = await rows<{ product_id: number; moved: boolean }>(tx, sql`
    with reading as (
      select * from unnest(${sql.param(ids)}::bigint[], ${sql.param(input.map((l) => l.onHand))}::bigint[],
                    ${sql.param(input.map((l) => l.reserved))}::bigint[], ${sql.param(input.map((l) => l.promised))}::bigint[])
               as r(product_id, on_hand, reserved, promised)
    ), before as (
      select product_id, on_hand, reserved from stock_levels where warehouse_id = ${warehouseId} and product_id = any(${sql.param(ids)}::bigint[])
    ), level as (
      insert into stock_levels (product_id, warehouse_id, on_hand, reserved, promised)
      select r.product_id, ${warehouseId}::bigint, r.on_hand, r.reserved, r.promised from reading r
       where r.on_hand <> 0 or r.reserved <> 0 or r.promised <> 0 or r.product_id in (select product_id from before)
      on conflict (product_id, warehouse_id) do update
         set on_hand = excluded.on_hand, reserved = excluded.reserved, promised = excluded.promised, updated_at = now()
       where (stock_levels.on_hand, stock_levels.reserved, stock_levels.promised)
             is distinct from (excluded.on_hand, excluded.reserved, excluded.promised)
      returning product_id, on_hand, reserved
    ), movement as (
      insert into stock_movements (type, product_id, warehouse_id, quantity, reserved_delta, on_hand_after, reserved_after, reason, actor)
      select 'adjustment', l.product_id, ${warehouseId}::bigint, l.on_hand - coalesce(b.on_hand, 0), l.reserved - coalesce(b.reserved, 0),
             l.on_hand, l.reserved, 'mirror sync', ${actor}::text
        from level l left join before b using (product_id)
       where (l.on_hand, l.reserved) is distinct from (coalesce(b.on_hand, 0), coalesce(b.reserved, 0))
      returning product_id
    )
    select l.product_id, exists (select 1 from movement m where m.product_id = l.product_id) as moved
      from level l order by l.product_id`);
  const productIds = changed.filter((c) => c.moved).map((c) => c.product_id);
  await addManyToOutbox(tx, 'stock.changed', productIds, { warehouseIds: [warehouseId] });
  return { changed: changed.length, productIds };
}
