import { sql } from 'drizzle-orm';
import { diffFields, recordOperation } from '../audit/operations.ts';
import { rows, type Executor } from '../db/database.ts';
import { notFound } from '../shared/errors.ts';

/**
 * The fields a restaurant sets here and iiko knows nothing of (seed 003, «Локальная
 * кастомизация»): a sync never writes them, so an edit survives every re-sync.
 */

export const localFields = ['is_visible', 'seo_title', 'seo_description', 'tags', 'image_urls', 'sort_order'] as const;

export interface LocalFieldsPatch {
  is_visible?: boolean;
  seo_title?: string | null;
  seo_description?: string | null;
  tags?: string[];
  image_urls?: string[];
  sort_order?: number | null;
}

type LocalFields = Record<(typeof localFields)[number], unknown>;

async function updateLocal(ex: Executor, table: 'categories' | 'menu_products', entityType: string, id: number, patch: LocalFieldsPatch, actor: string) {
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
  if (Object.keys(changes).length) await recordOperation(ex, { entityType, entityId: id, action: 'update', actor, changes });
}

export const updateProductLocalFields = (ex: Executor, id: number, patch: LocalFieldsPatch, actor: string) =>
  updateLocal(ex, 'menu_products', 'menu_product', id, patch, actor);

export const updateCategoryLocalFields = (ex: Executor, id: number, patch: LocalFieldsPatch, actor: string) =>
  updateLocal(ex, 'categories', 'menu_category', id, patch, actor);
