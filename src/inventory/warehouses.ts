import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { diffFields, recordOperation } from '../audit/operations.ts';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { isUniqueViolation } from './sql-errors.ts';

export const warehouseKinds = ['own', 'mirror'] as const;
export type WarehouseKind = (typeof warehouseKinds)[number];

// a type, not an interface, so it fits diffFields' Record<string, unknown>
export type Warehouse = {
  id: number;
  code: string;
  name: string;
  kind: WarehouseKind;
  /** Where a mirror's numbers come from, e.g. 'ozon' (its stock API) or 'ozon:analytics'. */
  source: string | null;
  /** What the channel calls the stock a mirror holds ('FBO', 'FBS', 'analytics' …). */
  stock_type: string | null;
  read_only: boolean;
  archived_at: string | null;
  created_at: string;
};

export const warehouseCode = z.string().trim().min(1).max(100);
export const warehouseName = z.string().trim().min(1).max(200);
export const warehouseSource = z.string().trim().min(1).max(200);
export const warehouseStockType = z.string().trim().min(1).max(100);

const warehouseInput = z.object({
  code: warehouseCode,
  name: warehouseName,
  kind: z.enum(warehouseKinds),
  source: warehouseSource.nullish(),
  stockType: warehouseStockType.nullish(),
  readOnly: z.boolean(),
});
export type WarehouseInput = z.input<typeof warehouseInput>;

const columns = sql.raw(
  `id, code, name, kind, source, stock_type, read_only, iso(archived_at) as archived_at, iso(created_at) as created_at`,
);

const codeTaken = (code: string, holder: Warehouse) =>
  new DomainError('WAREHOUSE_CODE_TAKEN', `The code ${code} is taken by warehouse ${holder.id} (${holder.name})`, 409, {
    field: 'code',
    code,
    warehouse_id: holder.id,
    warehouse_name: holder.name,
  });

async function findByCode(ex: Executor, code: string): Promise<Warehouse | undefined> {
  const [found] = await rows<Warehouse>(ex, sql`select ${columns} from warehouses where lower(code) = lower(${code})`);
  return found;
}

/**
 * The warehouse with this code, made on first call: connectors call it on every sync for the
 * marketplace warehouses they mirror, and a mirror takes the source and stock type its sync
 * names now (a connector that renamed them relabels the mirrors it made before). An existing
 * warehouse of the other kind is a conflict, so a sync never takes over one of the seller's own.
 */
export async function ensureWarehouse(ex: Executor, input: WarehouseInput): Promise<Warehouse> {
  const w = warehouseInput.parse(input);
  const [made] = await rows<Warehouse>(
    ex,
    sql`
    insert into warehouses (code, name, kind, source, stock_type, read_only)
    values (${w.code}, ${w.name}, ${w.kind}, ${w.source ?? null}, ${w.stockType ?? null}, ${w.readOnly})
    on conflict ((lower(code))) do update set source = excluded.source, stock_type = excluded.stock_type
     where warehouses.kind = 'mirror' and excluded.kind = 'mirror'
       and (warehouses.source, warehouses.stock_type) is distinct from (excluded.source, excluded.stock_type)
    returning ${columns}`,
  );
  if (made) return made;
  const existing = (await findByCode(ex, w.code))!;
  if (existing.kind !== w.kind) throw codeTaken(w.code, existing);
  return existing;
}

export async function createWarehouse(tx: Tx, input: WarehouseInput, actor: string): Promise<Warehouse> {
  const w = warehouseInput.parse(input);
  const [made] = await rows<Warehouse>(
    tx,
    sql`
    insert into warehouses (code, name, kind, source, stock_type, read_only)
    values (${w.code}, ${w.name}, ${w.kind}, ${w.source ?? null}, ${w.stockType ?? null}, ${w.readOnly})
    on conflict ((lower(code))) do nothing
    returning ${columns}`,
  );
  if (!made) throw codeTaken(w.code, (await findByCode(tx, w.code))!);
  await recordOperation(tx, {
    entityType: 'warehouse',
    entityId: made.id,
    action: 'create',
    actor,
    changes: diffFields(null, made, editableFields),
  });
  return made;
}

const editableFields = ['code', 'name', 'source', 'stock_type', 'read_only', 'archived_at'] as const;

export interface WarehousePatch {
  code?: string;
  name?: string;
  source?: string | null;
  stockType?: string | null;
  readOnly?: boolean;
  archived?: boolean;
}

/** Renames, freezes (read-only) or archives a warehouse; an own warehouse still holding stock is not archived. */
export async function updateWarehouse(tx: Tx, id: number, patch: WarehousePatch, actor: string): Promise<Warehouse> {
  const [before] = await rows<Warehouse>(tx, sql`select ${columns} from warehouses where id = ${id} for update`);
  if (!before) throw new DomainError('NOT_FOUND', `Warehouse ${id} does not exist`, 404, { warehouse_id: id });

  if (patch.archived && !before.archived_at && before.kind === 'own') {
    const [held] = await rows<{ units: number }>(
      tx,
      sql`select coalesce(sum(on_hand), 0)::bigint as units from stock_levels where warehouse_id = ${id}`,
    );
    if (held.units > 0) {
      throw new DomainError(
        'WAREHOUSE_NOT_EMPTY',
        `Warehouse ${before.code} still holds ${held.units} units: transfer or write them off before archiving it`,
        409,
        { warehouse_id: id, warehouse_code: before.code, on_hand: held.units },
      );
    }
  }

  let after: Warehouse;
  try {
    // a savepoint, so a code taken meanwhile can still be reported by name
    [after] = await tx.transaction((sp) =>
      rows<Warehouse>(
        sp,
        sql`
      update warehouses
         set code = ${patch.code ?? before.code},
             name = ${patch.name ?? before.name},
             source = ${patch.source === undefined ? before.source : patch.source},
             stock_type = ${patch.stockType === undefined ? before.stock_type : patch.stockType},
             read_only = ${patch.readOnly ?? before.read_only},
             archived_at = case when ${patch.archived ?? null}::boolean is null then archived_at
                                when ${patch.archived ?? null}::boolean then coalesce(archived_at, now())
                                else null end
       where id = ${id}
      returning ${columns}`,
      ),
    );
  } catch (error) {
    if (patch.code && isUniqueViolation(error, 'warehouses_code_unique'))
      throw codeTaken(patch.code, (await findByCode(tx, patch.code))!);
    throw error;
  }
  const changes = diffFields(before, after, editableFields);
  if (Object.keys(changes).length) {
    await recordOperation(tx, { entityType: 'warehouse', entityId: id, action: 'update', actor, changes });
  }
  return after;
}

export async function listWarehouses(
  ex: Executor,
  filter: { includeArchived?: boolean; kind?: WarehouseKind; limit: number; offset: number },
): Promise<{ items: Warehouse[]; total: number }> {
  const found = await rows<Warehouse & { total: number }>(
    ex,
    sql`
    select ${columns}, count(*) over () as total from warehouses
     where (${filter.includeArchived ?? false} or archived_at is null)
       and (${filter.kind ?? null}::text is null or kind = ${filter.kind ?? null})
     order by code limit ${filter.limit} offset ${filter.offset}`,
  );
  return { items: found.map(({ total: _t, ...w }) => w), total: Number(found[0]?.total ?? 0) };
}
