import { z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { diffFields, recordOperation } from '../audit/operations.ts';
import { rows, type Executor } from '../db/database.ts';
import { notFound } from '../shared/errors.ts';

/**
 * The fields a restaurant sets here and iiko knows nothing of (seed 003, «Локальная
 * кастомизация»): a sync never writes them, so an edit survives every re-sync.
 */

export const localFields = ['is_visible', 'seo_title', 'seo_description', 'tags', 'image_urls', 'sort_order'] as const;

/** What an edit may send, checked the same way by the API and the panel's form. */
export const localFieldsPatch = z.strictObject({
  is_visible: z.boolean().optional(),
  seo_title: z.string().trim().max(300).nullable().optional(),
  seo_description: z.string().trim().max(2000).nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  image_urls: z
    .array(z.url({ protocol: /^https?$/ }).max(2000))
    .max(50)
    .optional(),
  sort_order: z.number().int().min(-1_000_000).max(1_000_000).nullable().optional(),
});

export type LocalFieldsPatch = z.infer<typeof localFieldsPatch>;

type LocalFields = Record<(typeof localFields)[number], unknown>;

async function updateLocal(
  ex: Executor,
  table: 'categories' | 'menu_products',
  entityType: string,
  id: number,
  patch: LocalFieldsPatch,
  actor: string,
) {
  const target = sql.raw(table);
  const select = sql`select id, is_visible, seo_title, seo_description, tags, image_urls, sort_order from ${target} where id = ${id}`;
  const [before] = await rows<LocalFields & { id: number }>(ex, sql`${select} for update`);
  if (!before) throw notFound(entityType === 'menu_product' ? 'Product' : 'Category', id);
  const sets = [sql`updated_at = now()`];
  if (patch.is_visible !== undefined) sets.push(sql`is_visible = ${patch.is_visible}`);
  if (patch.seo_title !== undefined) sets.push(sql`seo_title = ${patch.seo_title}`);
  if (patch.seo_description !== undefined) sets.push(sql`seo_description = ${patch.seo_description}`);
  if (patch.tags !== undefined) sets.push(sql`tags = ${sql.param(patch.tags)}::text[]`);
  if (patch.image_urls !== undefined) sets.push(sql`image_urls = ${sql.param(patch.image_urls)}::text[]`);
  if (patch.sort_order !== undefined) sets.push(sql`sort_order = ${patch.sort_order}`);
  await ex.execute(sql`update ${target} set ${sql.join(sets, sql`, `)} where id = ${id}`);
  const [after] = await rows<LocalFields & { id: number }>(ex, select);
  const changes = diffFields(before, after, localFields);
  if (Object.keys(changes).length)
    await recordOperation(ex, { entityType, entityId: id, action: 'update', actor, changes });
}

export const updateProductLocalFields = (ex: Executor, id: number, patch: LocalFieldsPatch, actor: string) =>
  updateLocal(ex, 'menu_products', 'menu_product', id, patch, actor);

export const updateCategoryLocalFields = (ex: Executor, id: number, patch: LocalFieldsPatch, actor: string) =>
  updateLocal(ex, 'categories', 'menu_category', id, patch, actor);
