import { and, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';

export interface Level {
  product_id: number;
  warehouse_id: number;
  on_hand: number;
  reserved: number;
  available: number;
  updated_at: string;
}

const levelColumns = sql.raw(
  `l.product_id, l.warehouse_id, l.on_hand, l.reserved, l.available, iso(l.updated_at) as updated_at`,
);

export async function getLevels(
  ex: Executor,
  filter: { productIds?: number[]; warehouseIds?: number[] } = {},
): Promise<Level[]> {
  const where = and(
    sql`true`,
    filter.productIds ? sql`l.product_id = any(${sql.param(filter.productIds)}::bigint[])` : undefined,
    filter.warehouseIds ? sql`l.warehouse_id = any(${sql.param(filter.warehouseIds)}::bigint[])` : undefined,
  );
  return rows<Level>(
    ex,
    sql`select ${levelColumns} from stock_levels l where ${where} order by l.product_id, l.warehouse_id`,
  );
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
  f: {
    productId?: number;
    warehouseId?: number;
    sources?: string[];
    stockTypes?: string[];
    limit: number;
    offset: number;
  },
): Promise<{ items: LevelView[]; total: number }> {
  const where = and(
    sql`true`,
    f.productId ? sql`l.product_id = ${f.productId}` : undefined,
    f.warehouseId ? sql`l.warehouse_id = ${f.warehouseId}` : undefined,
    oneOf(sql`w.source`, f.sources),
    oneOf(sql`w.stock_type`, f.stockTypes),
  );
  const found = await rows<LevelView & { total: number }>(
    ex,
    sql`
    select ${levelColumns}, l.promised, p.sku, p.name as product_name, w.code as warehouse_code, w.name as warehouse_name,
           w.source, w.stock_type, count(*) over () as total
      from stock_levels l
      join products p on p.id = l.product_id
      join warehouses w on w.id = l.warehouse_id
     where ${where}
     order by lower(p.sku), lower(w.code)
     limit ${f.limit} offset ${f.offset}`,
  );
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

/** One mirror warehouse's readings, as a sync read them. */
export interface MirrorReadings {
  warehouseId: number;
  levels: MirrorLevel[];
}

/** Rows written by one statement: a page of Ozon's analytics is ~3,000, the benchmark's 30,000. */
const MIRROR_CHUNK = 10_000;

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
  return setManyMirrorLevels(tx, [{ warehouseId, levels }], actor);
}

/**
 * setMirrorLevels for the readings of many mirror warehouses at once (a page of Ozon's
 * per-warehouse analytics names ~27): one check of the warehouses and of the products, then per
 * chunk of rows one lock and one statement across warehouses (decision 225; it was five
 * statements a warehouse). Each changed level still gets its own ledger row and its own
 * stock.changed message naming its warehouse; an unchanged reading writes nothing.
 * `productIds`: the products whose on_hand or reserved moved, once each.
 */
export async function setManyMirrorLevels(
  tx: Tx,
  readings: MirrorReadings[],
  actor = 'mirror sync',
): Promise<{ changed: number; productIds: number[] }> {
  // The last reading of a product in a warehouse wins when a sync lists it twice.
  const byPair = new Map<string, { warehouseId: number } & z.output<typeof mirrorLevels>[number]>();
  for (const r of readings)
    for (const l of mirrorLevels.parse(r.levels))
      byPair.set(`${r.warehouseId}:${l.productId}`, { warehouseId: r.warehouseId, ...l });
  const warehouseIds = [...new Set(readings.map((r) => r.warehouseId))];
  if (!warehouseIds.length) return { changed: 0, productIds: [] };
  const found = await rows<{ id: number; kind: string; code: string }>(
    tx,
    sql`
    select id, kind, code from warehouses where id = any(${sql.param(warehouseIds)}::bigint[])`,
  );
  const kindOf = new Map(found.map((w) => [Number(w.id), w]));
  for (const id of warehouseIds) {
    const warehouse = kindOf.get(id);
    if (!warehouse) throw new DomainError('NOT_FOUND', `Warehouse ${id} does not exist`, 404, { warehouse_id: id });
    if (warehouse.kind !== 'mirror') {
      throw new DomainError(
        'WAREHOUSE_NOT_MIRROR',
        `Warehouse ${warehouse.code} is one of our own: its stock moves through movements`,
        409,
        {
          warehouse_id: id,
          warehouse_code: warehouse.code,
        },
      );
    }
  }
  // In one order (warehouse, product) for every chunk and every caller, so two syncs lock without deadlocking.
  const input = [...byPair.values()].sort((a, b) => a.warehouseId - b.warehouseId || a.productId - b.productId);
  if (!input.length) return { changed: 0, productIds: [] };
  const [{ missing }] = await rows<{ missing: number[] }>(
    tx,
    sql`
    select array(select id from unnest(${sql.param([...new Set(input.map((l) => l.productId))])}::bigint[]) as id except select id from products) as missing`,
  );
  if (missing.length) {
    throw new DomainError('NOT_FOUND', `Products ${missing.join(', ')} do not exist`, 404, {
      product_ids: missing.map(Number),
    });
  }
  let changed = 0;
  const moved = new Set<number>();
  for (let at = 0; at < input.length; at += MIRROR_CHUNK) {
    const chunk = await mirrorChunk(tx, input.slice(at, at + MIRROR_CHUNK), actor);
    changed += chunk.changed;
    for (const id of chunk.moved) moved.add(Number(id));
  }
  return { changed, productIds: [...moved].sort((a, b) => a - b) };
}

/**
 * One chunk of readings (sorted by warehouse and product) in two statements: the lock, then the
 * levels, their ledger rows and their outbox rows. The `= any(…)` predicates beside the join on
 * the pairs let the planner use the (product_id, warehouse_id) key instead of scanning every
 * level (decision 180's profile of the same shape).
 */
async function mirrorChunk(
  tx: Tx,
  input: ({ warehouseId: number } & z.output<typeof mirrorLevels>[number])[],
  actor: string,
): Promise<{ changed: number; moved: number[] }> {
  const warehouses = sql.param(input.map((l) => l.warehouseId));
  const products = sql.param(input.map((l) => l.productId));
  const anyWarehouse = sql.param([...new Set(input.map((l) => l.warehouseId))]);
  const anyProduct = sql.param([...new Set(input.map((l) => l.productId))].sort((a, b) => a - b));
  const pairs = sql`
    select l.product_id, l.warehouse_id, l.on_hand, l.reserved, l.promised
      from stock_levels l
      join unnest(${warehouses}::bigint[], ${products}::bigint[]) as p(warehouse_id, product_id)
        on l.warehouse_id = p.warehouse_id and l.product_id = p.product_id
     where l.warehouse_id = any(${anyWarehouse}::bigint[]) and l.product_id = any(${anyProduct}::bigint[])`;
  // Locked first, so the statement below reads the levels as they are now and its differences are exact.
  await tx.execute(sql`${pairs} order by l.warehouse_id, l.product_id for update of l`);
  const [result] = await rows<{ changed: number; moved: number[] }>(
    tx,
    sql`
    with reading as (
      select * from unnest(${warehouses}::bigint[], ${products}::bigint[], ${sql.param(input.map((l) => l.onHand))}::bigint[],
                           ${sql.param(input.map((l) => l.reserved))}::bigint[], ${sql.param(input.map((l) => l.promised))}::bigint[])
               as r(warehouse_id, product_id, on_hand, reserved, promised)
    ), before as (${pairs}
    ), level as (
      insert into stock_levels (product_id, warehouse_id, on_hand, reserved, promised)
      select r.product_id, r.warehouse_id, r.on_hand, r.reserved, r.promised
        from reading r left join before b using (warehouse_id, product_id)
       -- A reading equal to its level is left out here, so the upsert does not even lock its row.
       where case when b.product_id is null then r.on_hand <> 0 or r.reserved <> 0 or r.promised <> 0
                  else (b.on_hand, b.reserved, b.promised) is distinct from (r.on_hand, r.reserved, r.promised) end
      on conflict (product_id, warehouse_id) do update
         set on_hand = excluded.on_hand, reserved = excluded.reserved, promised = excluded.promised, updated_at = now()
       where (stock_levels.on_hand, stock_levels.reserved, stock_levels.promised)
             is distinct from (excluded.on_hand, excluded.reserved, excluded.promised)
      returning product_id, warehouse_id, on_hand, reserved
    ), movement as (
      insert into stock_movements (type, product_id, warehouse_id, quantity, reserved_delta, on_hand_after, reserved_after, reason, actor)
      select 'adjustment', l.product_id, l.warehouse_id, l.on_hand - coalesce(b.on_hand, 0), l.reserved - coalesce(b.reserved, 0),
             l.on_hand, l.reserved, 'mirror sync', ${actor}::text
        from level l left join before b using (warehouse_id, product_id)
       where (l.on_hand, l.reserved) is distinct from (coalesce(b.on_hand, 0), coalesce(b.reserved, 0))
       order by l.warehouse_id, l.product_id
      returning product_id, warehouse_id
    ), message as (
      -- One stock.changed a moved level, naming its warehouse, as addManyToOutbox wrote them per warehouse.
      insert into outbox (topic, key, payload)
      select 'stock.changed', product_id::text, jsonb_build_object('warehouseIds', jsonb_build_array(warehouse_id))
        from movement order by warehouse_id, product_id
    )
    select (select count(*) from level)::int as changed, array(select distinct product_id from movement) as moved`,
  );
  return { changed: result.changed, moved: result.moved };
}
