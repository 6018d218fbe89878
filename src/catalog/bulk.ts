import { z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { diffFields, type FieldChange } from '../audit/operations.ts';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { Amount, Currency, type Money, setBasePrices } from '../pricing/prices.ts';
import { DomainError } from '../shared/errors.ts';
import { findProducts, historyFields, stateOf } from './products.ts';
import type { Product } from './schemas.ts';

/**
 * One change to many selected products at once (the panel's bulk edit, POST /products/bulk):
 * every product is checked first, and only when none is refused is the change written, in one
 * transaction, with one `operations` row per product it changed. A product the change leaves as
 * it was writes nothing, as a single edit does.
 */

/** At most this many products a request: a panel page is 24, an API page 500. */
const MOST = 500;
const AttributeName = z
  .string()
  .trim()
  .min(1, 'an attribute name is required')
  .max(100, 'an attribute name is at most 100 characters');

export const BulkAction = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('set_attribute'),
      name: AttributeName,
      value: z
        .union([z.string().trim().max(2000), z.number(), z.boolean(), z.null()])
        .openapi({ description: 'Sets or replaces the attribute' }),
    }),
    z.strictObject({ type: z.literal('remove_attribute'), name: AttributeName }),
    z.strictObject({ type: z.literal('archive') }),
    z.strictObject({ type: z.literal('restore') }),
    z.strictObject({ type: z.literal('set_base_price'), amount: Amount, currency: Currency }),
  ])
  .openapi('ProductBulkAction');
export type BulkAction = z.infer<typeof BulkAction>;

export const ProductBulkEdit = z
  .strictObject({
    products: z
      .array(
        z.strictObject({
          id: z.number().int().positive(),
          version: z
            .number()
            .int()
            .positive()
            .optional()
            .openapi({ description: 'The version the editor saw: a product changed since is refused' }),
        }),
      )
      .min(1, 'select at least one product')
      .max(MOST, `at most ${MOST} products at once`)
      .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'a product is selected twice'),
    action: BulkAction,
    reason: z.string().trim().max(500).optional().openapi({ description: 'Kept with a price change (why)' }),
  })
  .openapi('ProductBulkEdit');
export type ProductBulkEdit = z.input<typeof ProductBulkEdit>;

/** A refused product: its code from the catalogue, with the details its message is made of. */
export interface BulkRowError {
  product_id: number;
  code: 'PRODUCT_NOT_FOUND' | 'VERSION_CONFLICT' | 'VALIDATION_FAILED';
  message: string;
  current_version?: number;
  expected_version?: number;
}

export interface BulkResult {
  changed: number[];
  unchanged: number[];
}

export async function bulkEditProducts(ex: Executor, input: ProductBulkEdit, actor: string): Promise<BulkResult> {
  const edit = ProductBulkEdit.parse(input);
  const ids = edit.products.map((p) => p.id).sort((a, b) => a - b);
  return ex.transaction(async (tx) => {
    // Locked in id order, so two bulk edits over the same products wait for each other rather than deadlock.
    await tx.execute(
      sql`select id from products where id = any(${sql.param(ids)}::bigint[]) order by id for no key update`,
    );
    const found = new Map((await findProducts(tx, ids)).map((p) => [p.id, p]));
    const errors = edit.products.flatMap((wanted) => refusal(wanted, found.get(wanted.id), edit.action));
    if (errors.length) throw refused(errors);
    const products = ids.map((id) => found.get(id)!);
    const action = edit.action;
    const changes =
      action.type === 'set_base_price'
        ? await changePrices(tx, products, { amount: action.amount, currency: action.currency }, actor, edit.reason)
        : await changeFields(tx, products, action);
    if (changes.length) {
      await tx.execute(sql`
        insert into operations (entity_type, entity_id, action, actor, changes)
        select 'product', c.id::text, ${operationOf(action)}::text, ${actor}::text, c.changes
          from unnest(${sql.param(changes.map((c) => c.id))}::bigint[], ${sql.param(changes.map((c) => JSON.stringify(c.changes)))}::jsonb[]) as c(id, changes)
         order by c.id`);
    }
    const changed = new Set(changes.map((c) => c.id));
    return { changed: ids.filter((id) => changed.has(id)), unchanged: ids.filter((id) => !changed.has(id)) };
  });
}

const operationOf = (action: BulkAction) =>
  action.type === 'archive' ? 'archive' : action.type === 'restore' ? 'restore' : 'update';

/** What keeps one selected product from taking the change, if anything. */
function refusal(
  wanted: { id: number; version?: number },
  product: Product | undefined,
  action: BulkAction,
): BulkRowError[] {
  const id = wanted.id;
  if (!product) return [{ product_id: id, code: 'PRODUCT_NOT_FOUND', message: `Product ${id} does not exist` }];
  if (wanted.version !== undefined && wanted.version !== product.version) {
    return [
      {
        product_id: id,
        code: 'VERSION_CONFLICT',
        current_version: product.version,
        expected_version: wanted.version,
        message: `Product ${id} was changed by someone else (it is at version ${product.version}, you saw version ${wanted.version})`,
      },
    ];
  }
  if (
    action.type === 'set_attribute' &&
    !(action.name in product.attributes) &&
    Object.keys(product.attributes).length >= 200
  ) {
    return [
      {
        product_id: id,
        code: 'VALIDATION_FAILED',
        message: `Product ${id} has 200 attributes already, the most a product has`,
      },
    ];
  }
  return [];
}

function refused(errors: BulkRowError[]) {
  const shown =
    errors
      .slice(0, 5)
      .map((e) => e.message)
      .join('; ') + (errors.length > 5 ? '; …' : '');
  return new DomainError(
    'PRODUCTS_BULK_REFUSED',
    `${errors.length} of the selected products cannot take this change (${shown}); nothing was changed`,
    422,
    { count: errors.length, rows: shown, errors },
  );
}

/** Attributes and the archived flag: one update for every product that differs. */
async function changeFields(tx: Tx, products: Product[], action: Exclude<BulkAction, { type: 'set_base_price' }>) {
  const changes: {
    id: number;
    changes: Record<string, FieldChange>;
    attributes: Record<string, unknown>;
    archived: boolean;
  }[] = [];
  for (const product of products) {
    const before = stateOf(product);
    const after = { ...before, attributes: { ...before.attributes } };
    if (action.type === 'set_attribute') after.attributes[action.name] = action.value;
    else if (action.type === 'remove_attribute') delete after.attributes[action.name];
    else after.archived = action.type === 'archive';
    const diff = diffFields(before, after, historyFields);
    if (Object.keys(diff).length)
      changes.push({ id: product.id, changes: diff, attributes: after.attributes, archived: after.archived });
  }
  if (!changes.length) return [];
  await tx.execute(sql`
    update products p
       set attributes = c.attributes,
           archived_at = case when c.archived then coalesce(p.archived_at, now()) end,
           version = p.version + 1, updated_at = now()
      from unnest(${sql.param(changes.map((c) => c.id))}::bigint[], ${sql.param(changes.map((c) => JSON.stringify(c.attributes)))}::jsonb[],
                  ${sql.param(changes.map((c) => c.archived))}::boolean[]) as c(id, attributes, archived)
     where p.id = c.id`);
  return changes;
}

/**
 * The base price through pricing's own set-based writer (a price_changes row and a price.changed
 * message each, src/pricing/prices.ts), and the change in `operations` beside the product's others.
 */
async function changePrices(tx: Tx, products: Product[], price: Money, actor: string, reason?: string) {
  const ids = products.map((p) => p.id);
  const before = new Map(
    (
      await rows<{ product_id: number; amount: number; currency: string }>(
        tx,
        sql`
      select product_id, amount::float8 as amount, currency from product_prices where product_id = any(${sql.param(ids)}::bigint[])`,
      )
    ).map((r) => [Number(r.product_id), { amount: Number(r.amount), currency: r.currency }]),
  );
  const differing = ids.filter(
    (id) => before.get(id)?.amount !== price.amount || before.get(id)?.currency !== price.currency,
  );
  if (!differing.length) return [];
  await setBasePrices(
    tx,
    differing.map((productId) => ({ productId, price })),
    actor,
    reason ?? 'bulk edit',
  );
  return differing.map((id) => ({ id, changes: { base_price: { before: before.get(id) ?? null, after: price } } }));
}
