import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { diffFields, recordOperation } from '../audit/operations.ts';
import { readKeysetPage, type KeysetSort } from '../shared/cursor.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { ProductInput, ProductPatch, type Product, type ProductSort } from './schemas.ts';

export { ProductInput, ProductPatch, type Product };
// The whole catalog service from one place, for the web panel and the bot.

/** What every change may carry: the version the editor saw (If-Match), to refuse a stale edit. */
export interface ChangeOptions {
  expectedVersion?: number;
}

/** The product's own fields, as history compares them. */
type ProductState = {
  sku: string;
  ean: string | null;
  name: string;
  description: string | null;
  attributes: Record<string, unknown>;
  archived: boolean;
};
export const historyFields = ['sku', 'ean', 'name', 'description', 'attributes', 'archived'] as const;

interface ProductRow extends Omit<Product, 'archived' | 'image'> {
  image_width: number | null;
  image_height: number | null;
  image_bytes: number | null;
}

const selectColumns = sql`p.id, p.sku, p.ean, p.name, p.description, p.attributes, iso(p.archived_at) as archived_at,
         iso(p.created_at) as created_at, iso(p.updated_at) as updated_at, p.version,
         i.width as image_width, i.height as image_height, i.bytes as image_bytes`;
const selectProducts = sql`select ${selectColumns} from products p left join product_images i on i.product_id = p.id`;

function toProduct(row: ProductRow): Product {
  const { image_width, image_height, image_bytes, ...product } = row;
  const url = `/api/v1/products/${row.id}/image`;
  return {
    ...product,
    archived: row.archived_at !== null,
    image:
      image_bytes === null
        ? null
        : { url, thumbnail_url: `${url}/thumbnail`, width: image_width!, height: image_height!, bytes: image_bytes },
  };
}

export async function findProduct(ex: Executor, id: number): Promise<Product | null> {
  const [row] = await rows<ProductRow>(ex, sql`${selectProducts} where p.id = ${id}`);
  return row ? toProduct(row) : null;
}

/** A product by id, archived ones included; 404 when there is none. */
export async function getProduct(ex: Executor, id: number): Promise<Product> {
  const product = await findProduct(ex, id);
  if (!product) throw notFound('Product', id);
  return product;
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** What a list asks for; the API parses it from the query string with ProductSearch. */
export interface ProductFilter {
  q?: string;
  sku?: string;
  /** Exact SKUs, any case. */
  skus?: string[];
  ean?: string;
  include_archived?: boolean;
  /** Archived products alone. */
  archived?: 'only';
  /** Products with a listing on an account of this channel, or on this account. */
  channel?: string;
  account_id?: number;
  sort?: ProductSort;
  direction?: 'asc' | 'desc';
  /** next_cursor of the page before: the page after it (offset is then not used). */
  cursor?: string;
  /** prev_cursor of a page: the page before it. */
  before?: string;
  limit?: number;
  offset?: number;
}

const available = sql`coalesce((select sum(l.available) from stock_levels l where l.product_id = p.id), 0)`;
const microseconds = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The keyset of a sort. Without a sort, a search puts an exact SKU or EAN hit first: one text key,
 * '0' or '1' before the SKU, so the cursor still holds one value.
 */
function productSort(s: ProductFilter): KeysetSort {
  const desc = s.direction === 'desc';
  const sort = s.sort ?? (s.q ? 'match' : 'sku');
  const key = `${sort}:${desc ? 'desc' : 'asc'}`;
  const text = (column: SQL): KeysetSort => ({ key, column, id: sql`p.id`, desc, read: column, kind: 'text' });
  const time = (column: SQL): KeysetSort => ({
    key,
    column,
    id: sql`p.id`,
    desc,
    read: microseconds(column),
    kind: 'time',
  });
  switch (sort) {
    case 'match':
      return text(
        sql`(case when lower(p.sku) = lower(${s.q}) or p.ean = ${s.q} then '0' else '1' end || lower(p.sku))`,
      );
    case 'name':
      return text(sql`lower(p.name)`);
    case 'updated_at':
      return time(sql`p.updated_at`);
    case 'created_at':
      return time(sql`p.created_at`);
    case 'stock':
      return { key, column: available, id: sql`p.id`, desc, read: available, kind: 'integer' };
    default:
      return text(sql`lower(p.sku)`);
  }
}

function productWhere(s: ProductFilter): SQL {
  const where: SQL[] = [sql`true`];
  if (s.archived === 'only') where.push(sql`p.archived_at is not null`);
  else if (!s.include_archived) where.push(sql`p.archived_at is null`);
  if (s.sku) where.push(sql`lower(p.sku) = lower(${s.sku})`);
  if (s.skus) where.push(sql`lower(p.sku) = any(${sql.param(s.skus.map((x) => x.toLowerCase()))}::text[])`);
  if (s.ean) where.push(sql`p.ean = ${s.ean}`);
  if (s.q)
    where.push(
      sql`(p.sku ilike ${likePattern(s.q)} or p.name ilike ${likePattern(s.q)} or p.ean like ${likePattern(s.q)})`,
    );
  if (s.channel || s.account_id) {
    where.push(sql`exists (select 1 from listings li join channel_accounts a on a.id = li.account_id
      where li.product_id = p.id ${s.channel ? sql`and a.channel = ${s.channel}` : sql``} ${s.account_id ? sql`and li.account_id = ${s.account_id}` : sql``})`);
  }
  return sql.join(where, sql` and `);
}

/**
 * Search by part of the SKU, EAN or name; exact SKU/EAN filters; archived ones only when asked;
 * those listed on a channel or account. Sorted by `sort` with the id breaking ties, paged by
 * offset or by keyset (`next_cursor`, `prev_cursor`: rows stored meanwhile do not shift a page).
 */
export async function listProducts(ex: Executor, wanted: ProductFilter = {}) {
  const s = {
    ...wanted,
    limit: Math.min(Math.max(wanted.limit ?? 50, 1), 500),
    offset: Math.max(wanted.offset ?? 0, 0),
  };
  const where = productWhere(s);
  const [count] = await rows<{ total: number }>(ex, sql`select count(*)::int as total from products p where ${where}`);
  const page = await readKeysetPage<ProductRow>(ex, productSort(s), s, {
    columns: selectColumns,
    from: sql`products p left join product_images i on i.product_id = p.id`,
    where,
  });
  const keyset = s.cursor || s.before;
  return {
    items: page.items.map(toProduct),
    total: count.total,
    limit: s.limit,
    offset: keyset ? 0 : s.offset,
    next_cursor: page.next_cursor,
    prev_cursor: page.prev_cursor,
  };
}

/** Products by id, archived ones included, in id order; ids with no product are left out. */
export async function findProducts(ex: Executor, ids: number[]): Promise<Product[]> {
  const found = await rows<ProductRow>(
    ex,
    sql`${selectProducts} where p.id = any(${sql.param(ids)}::bigint[]) order by p.id`,
  );
  return found.map(toProduct);
}

/**
 * Products by a list of SKUs, a page at a time in SKU order, and which of the SKUs (as given)
 * match no product, so a bulk flow knows what to create or skip.
 */
export async function lookupProducts(
  ex: Executor,
  input: { skus: string[]; include_archived?: boolean; limit?: number; offset?: number },
) {
  const skus = [...new Set(input.skus)];
  const page = await listProducts(ex, {
    skus,
    include_archived: input.include_archived,
    limit: input.limit ?? 100,
    offset: input.offset ?? 0,
  });
  const found = await rows<{ sku: string }>(
    ex,
    sql`
    select lower(sku) as sku from products p
     where lower(p.sku) = any(${sql.param(skus.map((x) => x.toLowerCase()))}::text[]) ${input.include_archived ? sql`` : sql`and p.archived_at is null`}`,
  );
  const known = new Set(found.map((r) => r.sku));
  return { ...page, missing: skus.filter((x) => !known.has(x.toLowerCase())) };
}

export async function createProduct(ex: Executor, input: ProductInput, actor: string): Promise<Product> {
  const p = ProductInput.parse(input);
  return ex.transaction(async (tx) => {
    await ensureSkuFree(tx, p.sku, null);
    const [{ id }] = await guardSkuRace(tx, p.sku, null, (w) =>
      rows<{ id: number }>(
        w,
        sql`
        insert into products (sku, ean, name, description, attributes)
        values (${p.sku}, ${p.ean ?? null}, ${p.name}, ${p.description ?? null}, ${JSON.stringify(p.attributes ?? {})}::jsonb)
        returning id`,
      ),
    );
    const created = await getProduct(tx, id);
    await recordOperation(tx, {
      entityType: 'product',
      entityId: id,
      action: 'create',
      actor,
      changes: diffFields(null, stateOf(created), historyFields),
    });
    return created;
  });
}

/** PUT: the product becomes exactly the input; optional fields left out are cleared. */
export async function replaceProduct(
  ex: Executor,
  id: number,
  input: ProductInput,
  actor: string,
  options: ChangeOptions = {},
) {
  const p = ProductInput.parse(input);
  return changeProduct(ex, id, actor, options, (current) => ({
    sku: p.sku,
    ean: p.ean ?? null,
    name: p.name,
    description: p.description ?? null,
    attributes: p.attributes ?? {},
    archived: current.archived,
  }));
}

/** PATCH: only the fields given change; `archived` archives or restores. */
export async function updateProduct(
  ex: Executor,
  id: number,
  patch: ProductPatch,
  actor: string,
  options: ChangeOptions = {},
) {
  const p = ProductPatch.parse(patch);
  return changeProduct(ex, id, actor, options, (current) => ({
    sku: p.sku ?? current.sku,
    ean: p.ean === undefined ? current.ean : p.ean,
    name: p.name ?? current.name,
    description: p.description === undefined ? current.description : p.description,
    attributes: p.attributes ?? current.attributes,
    archived: p.archived ?? current.archived,
  }));
}

/**
 * Locks the product, checks the version the editor saw, writes what differs and its history
 * in one transaction. Nothing differing means nothing written: the version stays.
 */
async function changeProduct(
  ex: Executor,
  id: number,
  actor: string,
  options: ChangeOptions,
  next: (current: ProductState) => ProductState,
) {
  return ex.transaction(async (tx) => {
    const current = await lockProduct(tx, id, options);
    const after = next(stateOf(current));
    const changes = diffFields(stateOf(current), after, historyFields);
    if (!Object.keys(changes).length) return current;
    if (changes.sku) await ensureSkuFree(tx, after.sku, id);
    await guardSkuRace(tx, after.sku, id, (w) =>
      w.execute(sql`
        update products
           set sku = ${after.sku}, ean = ${after.ean}, name = ${after.name}, description = ${after.description},
               attributes = ${JSON.stringify(after.attributes)}::jsonb,
               archived_at = case when ${after.archived}::boolean then coalesce(archived_at, now()) end,
               version = version + 1, updated_at = now()
         where id = ${id}`),
    );
    await recordOperation(tx, { entityType: 'product', entityId: id, action: actionOf(changes), actor, changes });
    return getProduct(tx, id);
  });
}

const actionOf = (changes: Record<string, unknown>) => {
  const only =
    Object.keys(changes).length === 1 && changes.archived ? (changes.archived as { after: boolean }).after : undefined;
  return only === true ? 'archive' : only === false ? 'restore' : 'update';
};

export function stateOf(product: Product): ProductState {
  const { sku, ean, name, description, attributes, archived } = product;
  return { sku, ean, name, description, attributes, archived };
}

/** The product's row locked for this transaction, after checking the editor saw its current version. */
export async function lockProduct(
  tx: Executor,
  id: number,
  options: ChangeOptions & { lock?: 'update' } = {},
): Promise<Product> {
  // An edit takes the weaker lock, so stock movements (which only need the id to stay) never wait for it.
  const strength = options.lock === 'update' ? sql`for update` : sql`for no key update`;
  const [locked] = await rows<{ version: number }>(tx, sql`select version from products where id = ${id} ${strength}`);
  if (!locked) throw notFound('Product', id);
  if (options.expectedVersion !== undefined && options.expectedVersion !== locked.version) {
    throw new DomainError(
      'VERSION_CONFLICT',
      `Product ${id} was changed by someone else (it is at version ${locked.version}, you edited version ${options.expectedVersion}); reload it and try again`,
      409,
      { product_id: id, expected_version: options.expectedVersion, current_version: locked.version },
    );
  }
  return getProduct(tx, id);
}

async function ensureSkuFree(ex: Executor, sku: string, exceptId: number | null) {
  const [holder] = await rows<{ id: number; sku: string; name: string; archived: boolean }>(
    ex,
    sql`
    select id, sku, name, archived_at is not null as archived from products
     where lower(sku) = lower(${sku}) and id is distinct from ${exceptId}::bigint`,
  );
  if (holder) throw skuTaken(sku, holder);
}

function skuTaken(sku: string, holder: { id: number; sku: string; name: string; archived: boolean }) {
  const where = holder.archived ? ' (archived: restore it or change its SKU)' : '';
  return new DomainError(
    'SKU_TAKEN',
    `SKU "${sku}" is already used by product ${holder.id} "${holder.name}"${where}`,
    409,
    {
      field: 'sku',
      sku,
      product: { id: holder.id, sku: holder.sku, name: holder.name, archived: holder.archived },
    },
  );
}

/**
 * Two editors may both see a SKU free and write it at once; the unique index stops the
 * second (23505), which then gets the same SKU_TAKEN answer as if it had come later. The
 * write runs in a savepoint so the transaction can still look the holder up.
 */
async function guardSkuRace<T>(
  tx: Executor,
  sku: string,
  exceptId: number | null,
  write: (w: Executor) => Promise<T>,
): Promise<T> {
  try {
    return await tx.transaction((w) => write(w));
  } catch (error) {
    if (pgCode(error) !== '23505' || pgConstraint(error) !== 'products_sku_unique') throw error;
    await ensureSkuFree(tx, sku, exceptId);
    throw error;
  }
}

/** The PostgreSQL error code under drizzle's wrapper, on either driver. */
export function pgCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

function pgConstraint(error: unknown): string {
  for (
    let e = error as { constraint?: unknown; message?: unknown; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (typeof e.constraint === 'string') return e.constraint;
    if (typeof e.message === 'string' && /products_sku_unique/.test(e.message)) return 'products_sku_unique';
  }
  return '';
}
