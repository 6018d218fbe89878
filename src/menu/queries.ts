import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { notFound } from '../shared/errors.ts';

/**
 * Reading the menu: what the API's /data endpoints and the admin panel's menu page show.
 * Deleted rows (gone upstream) are left out unless asked for; hidden ones (is_visible false)
 * are listed, flagged, because the panel must show them to bring them back.
 */

export interface CategoryRow {
  id: number;
  setting_id: number;
  organization_id: string;
  external_id: string;
  parent_id: number | null;
  name: string;
  description: string | null;
  is_included_in_menu: boolean;
  is_visible: boolean;
  seo_title: string | null;
  seo_description: string | null;
  tags: string[];
  image_urls: string[];
  iiko_image_links: string[];
  sort_order: number | null;
  iiko_order: number;
  products: number;
  synced_at: string;
  deleted_at: string | null;
}

export interface CategoryNode extends CategoryRow {
  children: CategoryNode[];
}

export interface MenuScope {
  settingId?: number;
  organizationId?: string;
  includeDeleted?: boolean;
}

const scopeWhere = (alias: string, f: MenuScope) => sql`
  (${f.settingId ?? null}::bigint is null or ${sql.raw(alias)}.setting_id = ${f.settingId ?? null})
  and (${f.organizationId ?? null}::text is null or ${sql.raw(alias)}.organization_id = ${f.organizationId ?? null})
  and (${f.includeDeleted ?? false} or ${sql.raw(alias)}.deleted_at is null)`;

/** Menu categories (modifier groups left out), in display order: the local sort order first, then iiko's. */
export async function listCategories(
  ex: Executor,
  f: MenuScope & { visibleOnly?: boolean } = {},
): Promise<CategoryRow[]> {
  return rows<CategoryRow>(
    ex,
    sql`
    select c.id, c.setting_id, c.organization_id, c.external_id, c.parent_id, c.name, c.description, c.is_included_in_menu, c.is_visible,
           c.seo_title, c.seo_description, c.tags, c.image_urls, c.iiko_image_links, c.sort_order, c.iiko_order,
           (select count(*)::int from menu_products p where p.category_id = c.id and p.deleted_at is null) as products,
           iso(c.synced_at) as synced_at, iso(c.deleted_at) as deleted_at
      from categories c
     where ${scopeWhere('c', f)} and not c.is_group_modifier and (not ${f.visibleOnly ?? false} or c.is_visible)
     order by coalesce(c.sort_order, c.iiko_order), c.iiko_order, c.name, c.id`,
  );
}

/** One category (a deleted one too), with its parent's name. */
export async function getCategory(
  ex: Executor,
  id: number,
): Promise<CategoryRow & { parent_name: string | null; is_group_modifier: boolean }> {
  const [row] = await rows<CategoryRow & { parent_name: string | null; is_group_modifier: boolean }>(
    ex,
    sql`
    select c.id, c.setting_id, c.organization_id, c.external_id, c.parent_id, p.name as parent_name, c.name, c.description, c.is_included_in_menu,
           c.is_group_modifier, c.is_visible, c.seo_title, c.seo_description, c.tags, c.image_urls, c.iiko_image_links, c.sort_order, c.iiko_order,
           (select count(*)::int from menu_products x where x.category_id = c.id and x.deleted_at is null) as products,
           iso(c.synced_at) as synced_at, iso(c.deleted_at) as deleted_at
      from categories c left join categories p on p.id = c.parent_id
     where c.id = ${id}`,
  );
  if (!row) throw notFound('Category', id);
  return row;
}

/** The category tree: roots with their children nested (a child whose parent is hidden or gone becomes a root). */
export async function categoryTree(
  ex: Executor,
  f: MenuScope & { visibleOnly?: boolean } = {},
): Promise<CategoryNode[]> {
  const flat = await listCategories(ex, f);
  const nodes = new Map(flat.map((c) => [c.id, { ...c, children: [] as CategoryNode[] }]));
  const roots: CategoryNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent_id === null ? undefined : nodes.get(node.parent_id);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export interface ProductFilter extends MenuScope {
  categoryId?: number;
  /** With categoryId: also the products of its subcategories, at any depth. */
  withSubcategories?: boolean;
  isAvailable?: boolean;
  visibleOnly?: boolean;
  /** Dish, Good, Modifier, Service; modifiers are left out unless asked for. */
  type?: string;
  q?: string;
  limit: number;
  offset: number;
}

const productColumns = sql`
  p.id, p.setting_id, p.organization_id, p.external_id, p.category_id, c.name as category_name, p.type, p.code, p.name, p.description,
  p.weight::float8 as weight, p.measure_unit, p.price_minor, p.currency, p.is_available, p.is_included_in_menu,
  p.fat_amount::float8 as fat_amount, p.proteins_amount::float8 as proteins_amount, p.carbohydrates_amount::float8 as carbohydrates_amount,
  p.energy_amount::float8 as energy_amount, p.is_visible, p.seo_title, p.seo_description, p.tags, p.image_urls, p.iiko_image_links,
  p.iiko_tags, p.sort_order, p.iiko_order, iso(p.synced_at) as synced_at, iso(p.deleted_at) as deleted_at, iso(p.updated_at) as updated_at`;

export type ProductRow = Record<string, unknown> & {
  id: number;
  name: string;
  is_available: boolean;
  price_minor: number | null;
};

export async function listProducts(ex: Executor, f: ProductFilter): Promise<{ items: ProductRow[]; total: number }> {
  const where = sql`${scopeWhere('p', f)}
    and (${f.categoryId ?? null}::bigint is null or p.category_id = ${f.categoryId ?? null}
         or (${f.withSubcategories ?? false} and p.category_id in (
               with recursive sub(id) as (select id from categories where parent_id = ${f.categoryId ?? null}
                                          union all select c.id from categories c join sub on c.parent_id = sub.id)
               select id from sub)))
    and (${f.isAvailable ?? null}::boolean is null or p.is_available = ${f.isAvailable ?? null})
    and (not ${f.visibleOnly ?? false} or p.is_visible)
    and (case when ${f.type ?? null}::text is null then p.type is distinct from 'Modifier' else p.type = ${f.type ?? null} end)
    and (${f.q ?? null}::text is null or p.name ilike '%' || ${f.q ?? null} || '%' or p.code = ${f.q ?? null})`;
  const items = await rows<ProductRow>(
    ex,
    sql`
    select ${productColumns} from menu_products p left join categories c on c.id = p.category_id
     where ${where}
     order by coalesce(p.sort_order, p.iiko_order), p.iiko_order, p.name, p.id
     limit ${f.limit} offset ${f.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(
    ex,
    sql`select count(*)::int as total from menu_products p where ${where}`,
  );
  return { items, total };
}

/** One product with its sizes, modifier groups (min/max) and modifiers, and where it is stopped. */
export async function getProduct(ex: Executor, id: number) {
  const [product] = await rows<ProductRow>(
    ex,
    sql`select ${productColumns} from menu_products p left join categories c on c.id = p.category_id where p.id = ${id}`,
  );
  if (!product) throw notFound('Product', id);
  const sizes = await rows(
    ex,
    sql`
    select id, size_external_id, name, priority, is_default, price_minor, currency, is_included_in_menu
      from product_sizes where product_id = ${id} order by priority nulls first, id`,
  );
  const groups = await rows<{ id: number; external_id: string }>(
    ex,
    sql`
    select g.id, g.external_id, coalesce(c.name, g.external_id) as name, g.min_amount, g.max_amount, g.required
      from modifier_groups g
      join menu_products p on p.id = g.product_id
      left join categories c on c.setting_id = p.setting_id and c.organization_id = p.organization_id and c.external_id = g.external_id
     where g.product_id = ${id} order by g.position, g.id`,
  );
  const modifiers = await rows<{ modifier_group_id: number | null }>(
    ex,
    sql`
    select m.id, m.modifier_group_id, m.external_id, mp.name, mp.price_minor, m.min_amount, m.max_amount, m.default_amount, m.required,
           m.free_of_charge_amount
      from modifiers m left join menu_products mp on mp.id = m.modifier_product_id
     where m.product_id = ${id} order by m.position, m.id`,
  );
  const stops = await rows(
    ex,
    sql`
    select s.terminal_group_external_id as terminal_group_id, t.name as terminal_group_name, s.size_external_id, s.balance::float8 as balance,
           iso(s.added_at) as added_at
      from stop_lists s
      left join terminal_groups t on t.setting_id = s.setting_id and t.organization_id = s.organization_id and t.external_id = s.terminal_group_external_id
     where s.product_id = ${id} order by t.name nulls last, s.terminal_group_external_id`,
  );
  return {
    ...product,
    sizes,
    modifier_groups: groups.map((g) => ({ ...g, modifiers: modifiers.filter((m) => m.modifier_group_id === g.id) })),
    modifiers: modifiers.filter((m) => m.modifier_group_id === null),
    stop_lists: stops,
  };
}

/** The current stop lists of an organization, with each product's name. */
export async function listStopLists(
  ex: Executor,
  f: { organizationId: string; settingId?: number; terminalGroupId?: string },
) {
  return rows(
    ex,
    sql`
    select s.id, s.setting_id, s.organization_id, s.terminal_group_external_id as terminal_group_id, t.name as terminal_group_name,
           s.product_external_id, s.product_id, p.name as product_name, s.size_external_id, s.sku, s.balance::float8 as balance,
           iso(s.added_at) as added_at, iso(s.synced_at) as synced_at
      from stop_lists s
      left join menu_products p on p.id = s.product_id
      left join terminal_groups t on t.setting_id = s.setting_id and t.organization_id = s.organization_id and t.external_id = s.terminal_group_external_id
     where s.organization_id = ${f.organizationId}
       and (${f.settingId ?? null}::bigint is null or s.setting_id = ${f.settingId ?? null})
       and (${f.terminalGroupId ?? null}::text is null or s.terminal_group_external_id = ${f.terminalGroupId ?? null})
     order by p.name nulls last, s.id`,
  );
}

export async function listTerminalGroups(ex: Executor, f: MenuScope = {}) {
  return rows(
    ex,
    sql`
    select t.id, t.setting_id, t.organization_id, t.external_id, t.name, t.address, t.time_zone, t.is_in_sleep, iso(t.synced_at) as synced_at,
           iso(t.deleted_at) as deleted_at
      from terminal_groups t where ${scopeWhere('t', f)} order by t.name, t.id`,
  );
}

export async function listPaymentTypes(ex: Executor, f: MenuScope = {}) {
  return rows(
    ex,
    sql`
    select t.id, t.setting_id, t.organization_id, t.external_id, t.code, t.name, t.kind, t.processing_type, t.combinable, t.is_deleted_in_iiko,
           iso(t.synced_at) as synced_at, iso(t.deleted_at) as deleted_at
      from payment_types t where ${scopeWhere('t', f)} order by t.name, t.id`,
  );
}

export async function listCombos(ex: Executor, f: MenuScope = {}) {
  return rows(
    ex,
    sql`
    select k.id, k.setting_id, k.organization_id, k.external_id, k.name, k.category_name, k.price_modification_type,
           k.price_modification::float8 as price_modification, k.is_active, k.groups, iso(k.synced_at) as synced_at, iso(k.deleted_at) as deleted_at
      from combos k where ${scopeWhere('k', f)} order by k.sort_order nulls last, k.name, k.id`,
  );
}

/** The seed's history table (sync_history view): iiko runs, newest first. */
export async function listMenuSyncHistory(
  ex: Executor,
  f: { settingId?: number; organizationId?: string; syncType?: string; runId?: number; limit: number },
) {
  return rows(
    ex,
    sql`
    select id, setting_id, organization_id, organization_ids, sync_type, status, items_synced, duration_ms, iso(started_at) as started_at,
           iso(completed_at) as completed_at, error_message, results
      from sync_history
     where (${f.settingId ?? null}::bigint is null or setting_id = ${f.settingId ?? null})
       and (${f.organizationId ?? null}::text is null or ${f.organizationId ?? null} = any(organization_ids))
       and (${f.syncType ?? null}::text is null or sync_type = ${f.syncType ?? null})
       and (${f.runId ?? null}::bigint is null or id = ${f.runId ?? null})
     order by started_at desc, id desc limit ${f.limit}`,
  );
}
