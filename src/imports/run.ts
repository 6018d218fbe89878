import { sql } from 'drizzle-orm';
import { diffFields } from '../audit/operations.ts';
import { historyFields } from '../catalog/products.ts';
import { rows, type Executor, type Tx } from '../db/database.ts';
import type { JobProgress } from '../engine/jobs.ts';
import type { Hub } from '../hub.ts';
import { setCountedLevels } from '../inventory/counts.ts';
import { setBasePrices } from '../pricing/prices.ts';
import { DomainError } from '../shared/errors.ts';
import { t } from '../web/i18n.ts';
import { attributeText, attributeValue, refusal, rowOf, type ImportRow, type RowError } from './fields.ts';
import { fileRows } from './read.ts';
import { loadImport, ownWarehouses, type StoredImport } from './service.ts';

/**
 * Runs an import (the `import.apply` job, or `sklad import` in the foreground): first every row
 * is read through its schemas and checked (duplicate SKUs; for stock, that the product exists)
 * with nothing written; only a file with no bad row is then applied, in ONE transaction, in
 * chunks of set-based statements (products: one select, one insert … select from unnest, one
 * update … from unnest, one insert into operations; prices: setBasePrices, a price_changes row
 * and a price.changed message each; stock: the inventory's setCountedLevels per warehouse column,
 * ledger adjustments with the reason `import <file>` and stock.changed messages). A refusal while applying (a count below what is reserved) rolls it all back and is
 * shown on its row. An unchanged row writes nothing, so importing an export changes nothing.
 */

const CHUNK = 1000;
/** Errors kept to show; all are counted. */
const KEPT_ERRORS = 1000;

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  movements: number;
  /** Base prices set (those equal to the product's are not). */
  prices: number;
}

interface RunOptions {
  progress?: (update: JobProgress) => Promise<void> | void;
  signal?: AbortSignal;
}

/**
 * The job's progress: counts, the English message (the CLI's bar, the API) and the note's key
 * (src/imports/words.ts), which the panel says in the seller's language.
 */
const note = (name: 'validating' | 'applying', counts: { done: number; total?: number }): JobProgress => ({
  ...counts,
  note: name,
  message: t(`import.note.${name}`, 'en', counts),
});

/** A whole file refused by the rows named. */
class RowsRefused extends Error {
  constructor(readonly errors: RowError[]) {
    super(`${errors.length} row(s) refused`);
  }
}

/** The file's data rows, parsed with the mapping: each as an ImportRow, or the problems of its cells. */
async function* parsedRows(stored: StoredImport) {
  let header = true;
  for await (const { line, cells } of fileRows(stored.content, stored.format)) {
    if (header) {
      header = false;
      continue;
    }
    yield rowOf(line, cells, stored.mapping, stored.columns);
  }
}

async function* chunks<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

const skuColumn = (stored: StoredImport) => stored.columns[stored.mapping.indexOf('sku')] ?? 'sku';

/** Product ids by lower-case SKU, for the SKUs given. */
async function idsBySku(ex: Executor, skus: string[]): Promise<Map<string, number>> {
  const found = await rows<{ id: number; sku: string }>(
    ex,
    sql`
    select id, lower(sku) as sku from products where lower(sku) = any(${sql.param(skus.map((s) => s.toLowerCase()))}::text[])`,
  );
  return new Map(found.map((f) => [f.sku, Number(f.id)]));
}

/** Pass 1: every row through its schemas, nothing written. Answers the rows read and the errors found. */
async function validate(
  hub: Hub,
  stored: StoredImport,
  options: RunOptions,
): Promise<{ total: number; errors: RowError[]; errorsTotal: number }> {
  const firstLine = new Map<string, number>();
  const errors: RowError[] = [];
  let errorsTotal = 0;
  let total = 0;
  const refuse = (e: RowError) => {
    errorsTotal++;
    if (errors.length < KEPT_ERRORS) errors.push(e);
  };
  for await (const chunk of chunks(parsedRows(stored), CHUNK)) {
    options.signal?.throwIfAborted();
    const good: ImportRow[] = [];
    for (const parsed of chunk) {
      total++;
      if ('errors' in parsed) {
        parsed.errors.forEach(refuse);
        continue;
      }
      const key = parsed.row.sku.toLowerCase();
      const earlier = firstLine.get(key);
      if (earlier !== undefined)
        refuse(refusal(parsed.row.line, skuColumn(stored), 'row.duplicateSku', { sku: parsed.row.sku, line: earlier }));
      else {
        firstLine.set(key, parsed.row.line);
        good.push(parsed.row);
      }
    }
    if (stored.kind === 'stock' && good.length) {
      const known = await idsBySku(
        hub.db,
        good.map((r) => r.sku),
      );
      for (const r of good) {
        if (!known.has(r.sku.toLowerCase()))
          refuse(refusal(r.line, skuColumn(stored), 'row.unknownSku', { sku: r.sku }));
      }
    }
    await options.progress?.(note('validating', { done: total }));
  }
  return { total, errors, errorsTotal };
}

interface Current {
  id: number;
  sku: string;
  ean: string | null;
  name: string;
  description: string | null;
  attributes: Record<string, unknown>;
  archived: boolean;
}

type State = Omit<Current, 'id'>;

/** The product as the row leaves it: mapped fields from the file, the others as they were. */
function nextState(row: ImportRow, current: State | undefined): State {
  const attributes: Record<string, unknown> = { ...(current?.attributes ?? {}) };
  for (const [key, text] of Object.entries(row.attributes)) {
    if (text === null) delete attributes[key];
    else if (!(key in attributes) || attributeText(attributes[key]) !== text) attributes[key] = attributeValue(text);
  }
  return {
    sku: current?.sku ?? row.sku,
    ean: row.ean !== undefined ? row.ean : (current?.ean ?? null),
    name: row.name ?? current?.name ?? row.sku,
    description: row.description !== undefined ? row.description : (current?.description ?? null),
    attributes,
    archived: current?.archived ?? false,
  };
}

/** One chunk of a products file: new products inserted, changed ones updated, each with its history row. */
async function applyProducts(
  tx: Tx,
  chunk: ImportRow[],
  actor: string,
  counts: ImportCounts,
): Promise<Map<string, number>> {
  const existing = await rows<Current>(
    tx,
    sql`
    select id, sku, ean, name, description, attributes, archived_at is not null as archived from products
     where lower(sku) = any(${sql.param(chunk.map((r) => r.sku.toLowerCase()))}::text[]) for update`,
  );
  const bySku = new Map(existing.map((p) => [p.sku.toLowerCase(), p]));
  const ids = new Map(existing.map((p) => [p.sku.toLowerCase(), Number(p.id)]));
  const created: State[] = [];
  const updated: { id: number; after: State; changes: Record<string, unknown> }[] = [];
  for (const row of chunk) {
    const current = bySku.get(row.sku.toLowerCase());
    const after = nextState(row, current);
    if (!current) {
      created.push(after);
      continue;
    }
    const changes = diffFields(current as State, after, historyFields);
    if (Object.keys(changes).length) updated.push({ id: Number(current.id), after, changes });
    else counts.unchanged++;
  }
  const history: { id: number; action: string; changes: Record<string, unknown> }[] = [];
  if (created.length) {
    const inserted = await rows<{ id: number; sku: string }>(
      tx,
      sql`
      insert into products (sku, ean, name, description, attributes)
      select sku, ean, name, description, attributes::jsonb
        from unnest(${sql.param(created.map((p) => p.sku))}::text[], ${sql.param(created.map((p) => p.ean))}::text[],
                    ${sql.param(created.map((p) => p.name))}::text[], ${sql.param(created.map((p) => p.description))}::text[],
                    ${sql.param(created.map((p) => JSON.stringify(p.attributes)))}::text[]) as v(sku, ean, name, description, attributes)
      returning id, sku`,
    );
    const bySkuCreated = new Map(created.map((p) => [p.sku, p]));
    for (const p of inserted) {
      ids.set(p.sku.toLowerCase(), Number(p.id));
      history.push({
        id: Number(p.id),
        action: 'create',
        changes: diffFields(null, bySkuCreated.get(p.sku)!, historyFields),
      });
    }
    counts.created += inserted.length;
  }
  if (updated.length) {
    await tx.execute(sql`
      update products p
         set ean = v.ean, name = v.name, description = v.description, attributes = v.attributes::jsonb, version = p.version + 1, updated_at = now()
        from unnest(${sql.param(updated.map((u) => u.id))}::bigint[], ${sql.param(updated.map((u) => u.after.ean))}::text[],
                    ${sql.param(updated.map((u) => u.after.name))}::text[], ${sql.param(updated.map((u) => u.after.description))}::text[],
                    ${sql.param(updated.map((u) => JSON.stringify(u.after.attributes)))}::text[]) as v(id, ean, name, description, attributes)
       where p.id = v.id`);
    for (const u of updated) history.push({ id: u.id, action: 'update', changes: u.changes });
    counts.updated += updated.length;
  }
  if (history.length) {
    await tx.execute(sql`
      insert into operations (entity_type, entity_id, action, actor, changes)
      select 'product', id, action, ${actor}::text, changes::jsonb
        from unnest(${sql.param(history.map((h) => String(h.id)))}::text[], ${sql.param(history.map((h) => h.action))}::text[],
                    ${sql.param(history.map((h) => JSON.stringify(h.changes)))}::text[]) as v(id, action, changes)`);
  }
  return ids;
}

/** The quantity columns of one chunk: one set-based count per warehouse; a refused product fails its row. */
async function applyStock(
  tx: Tx,
  stored: StoredImport,
  chunk: ImportRow[],
  ids: Map<string, number>,
  warehouses: Map<string, number>,
  counts: ImportCounts,
) {
  const codes = stored.mapping.filter((f): f is `stock:${string}` => f.startsWith('stock:')).map((f) => f.slice(6));
  for (const code of codes) {
    const lineOf = new Map<number, number>();
    const levels: { productId: number; onHand: number }[] = [];
    for (const row of chunk) {
      const quantity = row.stock[code];
      const productId = ids.get(row.sku.toLowerCase());
      if (quantity === null || quantity === undefined) continue;
      if (productId === undefined) throw new RowsRefused([refusal(row.line, code, 'row.unknownSku', { sku: row.sku })]);
      levels.push({ productId, onHand: quantity });
      lineOf.set(productId, row.line);
    }
    try {
      const { changed } = await setCountedLevels(
        tx,
        warehouses.get(code)!,
        levels,
        `import ${stored.file_name}`,
        stored.actor,
      );
      counts.movements += changed;
    } catch (error) {
      const refused = (error as DomainError).details as { product_ids?: number[] } | undefined;
      if (!(error instanceof DomainError) || !refused?.product_ids) throw error;
      const said = { key: `code.${error.code}` as const, params: refused as Record<string, unknown> };
      throw new RowsRefused(
        refused.product_ids.map((id) => ({ line: lineOf.get(id) ?? 0, field: code, message: error.message, said })),
      );
    }
  }
}

/** Pass 2: the whole file in one transaction, or nothing. */
async function apply(hub: Hub, stored: StoredImport, total: number, options: RunOptions): Promise<ImportCounts> {
  const counts: ImportCounts = { rows: total, created: 0, updated: 0, unchanged: 0, movements: 0, prices: 0 };
  const warehouses = new Map((await ownWarehouses(hub.db)).map((w) => [w.code, w.id]));
  await hub.db.transaction(async (tx) => {
    let done = 0;
    for await (const chunk of chunks(parsedRows(stored), CHUNK)) {
      options.signal?.throwIfAborted();
      const good = chunk.flatMap((p) => ('row' in p ? [p.row] : []));
      if (good.length !== chunk.length) throw new Error('The file changed between its check and its application');
      const ids =
        stored.kind === 'products'
          ? await applyProducts(tx, good, stored.actor, counts)
          : await idsBySku(
              tx,
              good.map((r) => r.sku),
            );
      if (stored.kind === 'stock') counts.unchanged += good.length;
      const prices = good.flatMap((r) =>
        r.price ? [{ productId: ids.get(r.sku.toLowerCase())!, price: r.price }] : [],
      );
      counts.prices += await setBasePrices(tx, prices, stored.actor, `import ${stored.file_name}`);
      await applyStock(tx, stored, good, ids, warehouses, counts);
      done += good.length;
      // Not awaited: the job's progress is written outside this transaction, and on PGlite the one
      // connection is the transaction's until it ends (awaiting it here would wait for ever).
      Promise.resolve()
        .then(() => options.progress?.(note('applying', { done, total })))
        .catch(() => {});
    }
  });
  return counts;
}

async function finish(
  ex: Executor,
  id: number,
  state: string,
  fields: { counts?: ImportCounts; total?: number; errors?: RowError[]; errorsTotal?: number; error?: string },
) {
  await ex.transaction(async (tx) => {
    await tx.execute(sql`delete from import_errors where import_id = ${id}`);
    const errors = fields.errors ?? [];
    if (errors.length) {
      await tx.execute(sql`
        insert into import_errors (import_id, n, line, field, message, said)
        select ${id}::bigint, n, line, field, message, said::jsonb
          from unnest(${sql.param(errors.map((_, i) => i + 1))}::int[], ${sql.param(errors.map((e) => e.line))}::int[],
                      ${sql.param(errors.map((e) => e.field))}::text[], ${sql.param(errors.map((e) => e.message))}::text[],
                      ${sql.param(errors.map((e) => (e.said ? JSON.stringify(e.said) : null)))}::text[]) as v(n, line, field, message, said)`);
    }
    await tx.execute(sql`
      update imports set state = ${state}, counts = ${JSON.stringify(fields.counts ?? {})}::jsonb, rows_total = coalesce(${fields.total ?? null}::int, rows_total),
             errors_total = ${fields.errorsTotal ?? errors.length}, error = ${fields.error ?? null}, finished_at = now()
       where id = ${id}`);
  });
}

/** Validates the import's file and, when every row is good, applies it; answers the import's final state. */
export async function runImport(
  hub: Hub,
  id: number,
  options: RunOptions = {},
): Promise<{ state: 'applied' | 'invalid'; counts?: ImportCounts; errorsTotal: number }> {
  const stored = await loadImport(hub.db, id);
  await hub.db.execute(sql`update imports set state = 'validating', error = null where id = ${id}`);
  try {
    const checked = await validate(hub, stored, options);
    if (checked.errorsTotal) {
      await finish(hub.db, id, 'invalid', {
        total: checked.total,
        errors: checked.errors,
        errorsTotal: checked.errorsTotal,
      });
      return { state: 'invalid', errorsTotal: checked.errorsTotal };
    }
    await hub.db.execute(sql`update imports set state = 'applying', rows_total = ${checked.total} where id = ${id}`);
    const counts = await apply(hub, stored, checked.total, options);
    await finish(hub.db, id, 'applied', { counts, total: checked.total });
    return { state: 'applied', counts, errorsTotal: 0 };
  } catch (error) {
    if (error instanceof RowsRefused) {
      await finish(hub.db, id, 'invalid', {
        errors: error.errors.slice(0, KEPT_ERRORS),
        errorsTotal: error.errors.length,
      });
      return { state: 'invalid', errorsTotal: error.errors.length };
    }
    await finish(hub.db, id, 'failed', { error: (error as Error).message });
    throw error;
  }
}
