import { sql } from 'drizzle-orm';
import { diffFields, listOperations, recordOperation } from '../audit/operations.ts';
import { rows, type Executor } from '../db/database.ts';
import { getProduct, historyFields, lockProduct, stateOf, type ChangeOptions } from './products.ts';
import type { Product } from './schemas.ts';

/** Tables that are parts of the product itself: they go with it and do not keep it alive. */
const productParts = new Set(['product_images']);

export type DeleteResult = { deleted: true } | { archived: true; product: Product; referenced_by: string[] };

/**
 * Removes a product nothing refers to; archives one that stock, orders, sales or listings
 * point at, so their history stays whole. The row lock (FOR UPDATE) conflicts with the key
 * share lock a new referencing row takes, so no reference can appear while this decides.
 */
export async function deleteProduct(
  ex: Executor,
  id: number,
  actor: string,
  options: ChangeOptions = {},
): Promise<DeleteResult> {
  return ex.transaction(async (tx) => {
    const current = await lockProduct(tx, id, { ...options, lock: 'update' });
    const referencedBy = await productReferences(tx, id);
    if (!referencedBy.length) {
      await tx.execute(sql`delete from products where id = ${id}`);
      await recordOperation(tx, {
        entityType: 'product',
        entityId: id,
        action: 'delete',
        actor,
        changes: diffFields(stateOf(current), null, historyFields),
      });
      return { deleted: true };
    }
    if (!current.archived) {
      await tx.execute(
        sql`update products set archived_at = now(), version = version + 1, updated_at = now() where id = ${id}`,
      );
      await recordOperation(tx, {
        entityType: 'product',
        entityId: id,
        action: 'archive',
        actor,
        changes: { archived: { before: false, after: true } },
      });
    }
    return { archived: true, product: await getProduct(tx, id), referenced_by: referencedBy };
  });
}

/**
 * The tables holding a row that refers to the product. They are found from the database's
 * own foreign keys, so tables other domains add later (stock, orders, listings) count too.
 */
export async function productReferences(ex: Executor, id: number): Promise<string[]> {
  const keys = await rows<{ table_name: string; column_name: string }>(
    ex,
    sql`
    select c.conrelid::regclass::text as table_name, a.attname as column_name
      from pg_constraint c
      cross join lateral unnest(c.conkey, c.confkey) as k(col, ref_col)
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.col
      join pg_attribute r on r.attrelid = c.confrelid and r.attnum = k.ref_col
     where c.contype = 'f' and c.confrelid = 'products'::regclass and r.attname = 'id'
     order by 1, 2`,
  );
  const found: string[] = [];
  for (const key of keys) {
    if (productParts.has(key.table_name) || found.includes(key.table_name)) continue;
    // The names come from the catalog (regclass text is already quoted where needed), not from input.
    const column = `"${key.column_name.replace(/"/g, '""')}"`;
    const [hit] = await rows<{ found: boolean }>(
      ex,
      sql`
      select exists (select 1 from ${sql.raw(key.table_name)} where ${sql.raw(column)} = ${id}) as found`,
    );
    if (hit.found) found.push(key.table_name);
  }
  return found;
}

/** A product's changes, newest first; kept and readable after it is archived or deleted. */
export async function productHistory(ex: Executor, id: number, page: { limit: number; offset: number }) {
  const history = await listOperations(ex, { entityType: 'product', entityId: id, ...page });
  if (!history.total) await getProduct(ex, id);
  return { ...history, ...page };
}
