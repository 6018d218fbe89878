import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { lastByKey } from '../shared/last-by-key.ts';
import {
  nomenclatureGroup,
  nomenclatureProduct,
  nomenclatureSize,
  type Combo,
  type NomenclatureGroup,
  type NomenclatureProduct,
  type NomenclatureSize,
  type PaymentType,
  type StopListItem,
  type TerminalGroup,
} from '../channels/iiko/types.ts';

/**
 * Writes what iiko answered into the menu tables, one statement per entity (rows go in as one
 * JSON array through jsonb_to_recordset). An upsert sets only iiko's columns: the local ones
 * (is_visible, seo_*, tags, image_urls, sort_order) are never in its SET list. A full answer
 * marks what it no longer lists deleted; a delta (startRevision) marks what iiko flags deleted.
 */

export interface Counts {
  created: number;
  updated: number;
  deleted: number;
  /** Items iiko listed twice in the answer: the last one of each id was written (lastByKey). */
  duplicates?: number;
}

export interface Scope {
  settingId: number;
  organizationId: string;
  currency: string;
}

/** Reports an item iiko sent that Sklad could not read; the rest of the answer still goes in. */
export type ProblemSink = (message: string, details?: unknown) => void;

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
const toMinor = (price: number) => Math.round(price * 100);

async function upsertCounts(ex: Executor, statement: SQL): Promise<Counts> {
  const result = await rows<{ inserted: boolean }>(ex, statement);
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created, deleted: 0 };
}

function parseEach<T>(
  items: unknown[],
  parse: (
    item: unknown,
  ) => { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
  what: string,
  problem: ProblemSink,
): T[] {
  const good: T[] = [];
  for (const item of items) {
    const parsed = parse(item);
    if (parsed.success) good.push(parsed.data);
    else
      problem(`iiko sent a ${what} Sklad cannot read`, {
        id: (item as { id?: unknown })?.id ?? null,
        issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
  }
  return good;
}

// --- nomenclature ---------------------------------------------------------------------------

export interface NomenclatureCounts {
  categories: Counts;
  products: Counts;
  product_sizes: number;
  modifier_groups: number;
  modifiers: number;
  fetched: number;
}

export async function importNomenclature(
  ex: Executor,
  scope: Scope,
  answer: { groups: unknown[]; products: unknown[]; sizes: unknown[]; revision: number },
  full: boolean,
  problem: ProblemSink,
): Promise<NomenclatureCounts> {
  const groups = parseEach(answer.groups, (i) => nomenclatureGroup.safeParse(i), 'group', problem);
  const listedProducts = parseEach(answer.products, (i) => nomenclatureProduct.safeParse(i), 'product', problem);
  // One product per id (the last one listed): sizes and modifiers are replaced per product.
  const products = lastByKey(listedProducts, (p) => p.id).items;
  const sizes = parseEach(answer.sizes, (i) => nomenclatureSize.safeParse(i), 'size', problem);

  const categories = await upsertCategories(ex, scope, groups, answer.revision);
  const productCounts = await upsertProducts(ex, scope, listedProducts, sizes, answer.revision);
  if (full) {
    categories.deleted = await markMissingDeleted(
      ex,
      sql`categories`,
      scope,
      groups.map((g) => g.id),
    );
    productCounts.deleted = await markMissingDeleted(
      ex,
      sql`menu_products`,
      scope,
      products.map((p) => p.id),
    );
  }
  const changed = products.filter((p) => !p.isDeleted);
  const productSizes = await replaceSizes(ex, scope, changed, sizes);
  const { groups: modifierGroups, modifiers } = await replaceModifiers(ex, scope, changed);
  await ex.execute(sql`
    insert into menu_revisions (setting_id, organization_id, nomenclature_revision) values (${scope.settingId}, ${scope.organizationId}, ${answer.revision})
    on conflict (setting_id, organization_id) do update set nomenclature_revision = excluded.nomenclature_revision, updated_at = now()`);
  // New products may be on a stop list already read.
  await linkStopLists(ex, scope);
  await refreshAvailability(ex, scope);
  return {
    categories,
    products: productCounts,
    product_sizes: productSizes,
    modifier_groups: modifierGroups,
    modifiers,
    fetched: groups.length + products.length,
  };
}

export async function nomenclatureRevision(
  ex: Executor,
  settingId: number,
  organizationId: string,
): Promise<number | null> {
  const [row] = await rows<{ nomenclature_revision: number }>(
    ex,
    sql`select nomenclature_revision from menu_revisions where setting_id = ${settingId} and organization_id = ${organizationId}`,
  );
  return row?.nomenclature_revision ?? null;
}

async function upsertCategories(
  ex: Executor,
  scope: Scope,
  listed: NomenclatureGroup[],
  revision: number,
): Promise<Counts> {
  if (!listed.length) return { created: 0, updated: 0, deleted: 0 };
  const { items: groups, duplicates } = lastByKey(listed, (g) => g.id);
  const input = groups.map((g) => ({
    id: g.id,
    parent: g.parentGroup ?? null,
    name: g.name,
    description: g.description ?? null,
    code: g.code ?? null,
    ord: g.order,
    included: g.isIncludedInMenu,
    modifier: g.isGroupModifier,
    images: g.imageLinks ?? [],
    deleted: g.isDeleted ?? false,
  }));
  const counts = await upsertCounts(
    ex,
    sql`
    insert into categories (setting_id, organization_id, external_id, parent_external_id, name, description, code, iiko_order,
                            is_included_in_menu, is_group_modifier, iiko_image_links, revision, deleted_at)
    select ${scope.settingId}, ${scope.organizationId}, x.id, x.parent, x.name, x.description, x.code, x.ord, x.included, x.modifier,
           x.images, ${revision}, case when x.deleted then now() end
      from jsonb_to_recordset(${json(input)}) as x(id text, parent text, name text, description text, code text, ord int,
                                                  included boolean, modifier boolean, images text[], deleted boolean)
    on conflict (setting_id, organization_id, external_id) do update set
      parent_external_id = excluded.parent_external_id, name = excluded.name, description = excluded.description, code = excluded.code,
      iiko_order = excluded.iiko_order, is_included_in_menu = excluded.is_included_in_menu, is_group_modifier = excluded.is_group_modifier,
      iiko_image_links = excluded.iiko_image_links, revision = excluded.revision, synced_at = now(), updated_at = now(),
      deleted_at = case when excluded.deleted_at is null then null else coalesce(categories.deleted_at, excluded.deleted_at) end
    returning (xmax = 0) as inserted`,
  );
  // Parents by iiko id: a parent may arrive after its child in the same answer, so link afterwards.
  await ex.execute(sql`
    update categories c set parent_id = p.id
      from categories p
     where c.setting_id = ${scope.settingId} and c.organization_id = ${scope.organizationId}
       and p.setting_id = c.setting_id and p.organization_id = c.organization_id and p.external_id = c.parent_external_id
       and c.parent_id is distinct from p.id`);
  await ex.execute(sql`
    update categories set parent_id = null
     where setting_id = ${scope.settingId} and organization_id = ${scope.organizationId} and parent_external_id is null and parent_id is not null`);
  return { ...counts, duplicates };
}

/** The price a product shows: its default size's, else the one without a size, else the first. */
function defaultPrice(product: NomenclatureProduct, sizes: NomenclatureSize[]): number | null {
  const prices = product.sizePrices ?? [];
  const defaultSize = sizes.find((s) => s.isDefault && prices.some((p) => p.sizeId === s.id));
  const chosen = prices.find((p) => p.sizeId === defaultSize?.id) ?? prices.find((p) => !p.sizeId) ?? prices[0];
  return chosen ? toMinor(chosen.price.currentPrice) : null;
}

async function upsertProducts(
  ex: Executor,
  scope: Scope,
  listed: NomenclatureProduct[],
  sizes: NomenclatureSize[],
  revision: number,
): Promise<Counts> {
  if (!listed.length) return { created: 0, updated: 0, deleted: 0 };
  const { items: products, duplicates } = lastByKey(listed, (p) => p.id);
  const input = products.map((p) => ({
    id: p.id,
    grp: p.groupId ?? p.parentGroup ?? null,
    type: p.type ?? null,
    code: p.code ?? null,
    name: p.name,
    description: p.description ?? null,
    weight: p.weight ?? null,
    unit: p.measureUnit ?? null,
    fat: p.fatAmount ?? null,
    proteins: p.proteinsAmount ?? null,
    carbs: p.carbohydratesAmount ?? null,
    energy: p.energyAmount ?? null,
    fat_full: p.fatFullAmount ?? null,
    proteins_full: p.proteinsFullAmount ?? null,
    carbs_full: p.carbohydratesFullAmount ?? null,
    energy_full: p.energyFullAmount ?? null,
    price: defaultPrice(p, sizes),
    ord: p.order ?? 0,
    included: (p.sizePrices ?? []).some((s) => s.price.isIncludedInMenu) || !(p.sizePrices ?? []).length,
    images: p.imageLinks ?? [],
    tags: p.tags ?? [],
    deleted: p.isDeleted ?? false,
  }));
  const counts = await upsertCounts(
    ex,
    sql`
    insert into menu_products (setting_id, organization_id, external_id, category_external_id, category_id, type, code, name, description,
                               weight, measure_unit, fat_amount, proteins_amount, carbohydrates_amount, energy_amount, fat_full_amount,
                               proteins_full_amount, carbohydrates_full_amount, energy_full_amount, price_minor, currency, iiko_order,
                               is_included_in_menu, iiko_image_links, iiko_tags, revision, deleted_at)
    select ${scope.settingId}, ${scope.organizationId}, x.id, x.grp, c.id, x.type, x.code, x.name, x.description, x.weight, x.unit,
           x.fat, x.proteins, x.carbs, x.energy, x.fat_full, x.proteins_full, x.carbs_full, x.energy_full, x.price, ${scope.currency}, x.ord,
           x.included, x.images, x.tags, ${revision}, case when x.deleted then now() end
      from jsonb_to_recordset(${json(input)}) as x(id text, grp text, type text, code text, name text, description text, weight numeric,
             unit text, fat numeric, proteins numeric, carbs numeric, energy numeric, fat_full numeric, proteins_full numeric,
             carbs_full numeric, energy_full numeric, price bigint, ord int, included boolean, images text[], tags text[], deleted boolean)
      left join categories c on c.setting_id = ${scope.settingId} and c.organization_id = ${scope.organizationId} and c.external_id = x.grp
    on conflict (setting_id, organization_id, external_id) do update set
      category_external_id = excluded.category_external_id, category_id = excluded.category_id, type = excluded.type, code = excluded.code,
      name = excluded.name, description = excluded.description, weight = excluded.weight, measure_unit = excluded.measure_unit,
      fat_amount = excluded.fat_amount, proteins_amount = excluded.proteins_amount, carbohydrates_amount = excluded.carbohydrates_amount,
      energy_amount = excluded.energy_amount, fat_full_amount = excluded.fat_full_amount, proteins_full_amount = excluded.proteins_full_amount,
      carbohydrates_full_amount = excluded.carbohydrates_full_amount, energy_full_amount = excluded.energy_full_amount,
      price_minor = excluded.price_minor, currency = excluded.currency, iiko_order = excluded.iiko_order,
      is_included_in_menu = excluded.is_included_in_menu, iiko_image_links = excluded.iiko_image_links, iiko_tags = excluded.iiko_tags,
      revision = excluded.revision, synced_at = now(), updated_at = now(),
      deleted_at = case when excluded.deleted_at is null then null else coalesce(menu_products.deleted_at, excluded.deleted_at) end
    returning (xmax = 0) as inserted`,
  );
  return { ...counts, duplicates };
}

/** Rows of this organization that a full answer no longer lists: deleted_at set, never dropped. */
async function markMissingDeleted(
  ex: Executor,
  table: SQL,
  scope: { settingId: number; organizationId?: string },
  keptIds: string[],
): Promise<number> {
  const gone = await rows(
    ex,
    sql`
    update ${table} set deleted_at = now(), synced_at = now()
     where setting_id = ${scope.settingId} ${scope.organizationId ? sql`and organization_id = ${scope.organizationId}` : sql``}
       and deleted_at is null and not (external_id = any(${sql.param(keptIds)}::text[]))
    returning id`,
  );
  return gone.length;
}

const productIdsOf = (scope: Scope, ids: string[]) => sql`
  select id from menu_products where setting_id = ${scope.settingId} and organization_id = ${scope.organizationId}
     and external_id = any(${sql.param(ids)}::text[])`;

/** Sizes belong to the product: the product's answer replaces them all. */
async function replaceSizes(
  ex: Executor,
  scope: Scope,
  products: NomenclatureProduct[],
  sizes: NomenclatureSize[],
): Promise<number> {
  if (!products.length) return 0;
  const sizeById = new Map(sizes.map((s) => [s.id, s]));
  const input = products.flatMap((p) =>
    (p.sizePrices ?? []).map((sp) => {
      const size = sp.sizeId ? sizeById.get(sp.sizeId) : undefined;
      return {
        product: p.id,
        size_key: sp.sizeId ?? '',
        size_id: sp.sizeId ?? null,
        name: size?.name ?? null,
        priority: size?.priority ?? null,
        is_default: size?.isDefault ?? !sp.sizeId,
        price: toMinor(sp.price.currentPrice),
        included: sp.price.isIncludedInMenu,
      };
    }),
  );
  await ex.execute(
    sql`delete from product_sizes where product_id in (${productIdsOf(
      scope,
      products.map((p) => p.id),
    )})`,
  );
  if (!input.length) return 0;
  const inserted = await rows(
    ex,
    sql`
    insert into product_sizes (product_id, size_key, size_external_id, name, priority, is_default, price_minor, currency, is_included_in_menu)
    select p.id, x.size_key, x.size_id, x.name, x.priority, x.is_default, x.price, ${scope.currency}, x.included
      from jsonb_to_recordset(${json(input)}) as x(product text, size_key text, size_id text, name text, priority int, is_default boolean, price bigint, included boolean)
      join menu_products p on p.setting_id = ${scope.settingId} and p.organization_id = ${scope.organizationId} and p.external_id = x.product
    on conflict (product_id, size_key) do nothing
    returning id`,
  );
  return inserted.length;
}

/** Modifier groups (with their min/max) and modifiers of each product in the answer, replaced. */
async function replaceModifiers(
  ex: Executor,
  scope: Scope,
  products: NomenclatureProduct[],
): Promise<{ groups: number; modifiers: number }> {
  if (!products.length) return { groups: 0, modifiers: 0 };
  const ids = productIdsOf(
    scope,
    products.map((p) => p.id),
  );
  await ex.execute(sql`delete from modifiers where product_id in (${ids})`);
  await ex.execute(sql`delete from modifier_groups where product_id in (${ids})`);
  const groupInput = products.flatMap((p) =>
    (p.groupModifiers ?? []).map((g, position) => ({
      product: p.id,
      id: g.id,
      min: g.minAmount,
      max: g.maxAmount,
      required: g.required ?? false,
      position,
    })),
  );
  const modifierInput = products
    .flatMap((p) => [
      ...(p.modifiers ?? []).map((m, position) => ({ product: p.id, grp: null as string | null, m, position })),
      ...(p.groupModifiers ?? []).flatMap((g) =>
        (g.childModifiers ?? []).map((m, position) => ({ product: p.id, grp: g.id, m, position })),
      ),
    ])
    .map(({ product, grp, m, position }) => ({
      product,
      grp,
      id: m.id,
      min: m.minAmount,
      max: m.maxAmount,
      default_amount: m.defaultAmount ?? 0,
      required: m.required ?? false,
      free: m.freeOfChargeAmount ?? 0,
      position,
    }));
  const groups = groupInput.length
    ? await rows(
        ex,
        sql`
        insert into modifier_groups (product_id, external_id, min_amount, max_amount, required, position)
        select p.id, x.id, x.min, x.max, x.required, x.position
          from jsonb_to_recordset(${json(groupInput)}) as x(product text, id text, min int, max int, required boolean, position int)
          join menu_products p on p.setting_id = ${scope.settingId} and p.organization_id = ${scope.organizationId} and p.external_id = x.product
        on conflict (product_id, external_id) do nothing
        returning id`,
      )
    : [];
  const modifiers = modifierInput.length
    ? await rows(
        ex,
        sql`
        insert into modifiers (product_id, modifier_group_id, external_id, modifier_product_id, min_amount, max_amount, default_amount,
                               required, free_of_charge_amount, position)
        select p.id, g.id, x.id, m.id, x.min, x.max, x.default_amount, x.required, x.free, x.position
          from jsonb_to_recordset(${json(modifierInput)}) as x(product text, grp text, id text, min int, max int, default_amount int,
                                                              required boolean, free int, position int)
          join menu_products p on p.setting_id = ${scope.settingId} and p.organization_id = ${scope.organizationId} and p.external_id = x.product
          left join modifier_groups g on g.product_id = p.id and g.external_id = x.grp
          left join menu_products m on m.setting_id = ${scope.settingId} and m.organization_id = ${scope.organizationId} and m.external_id = x.id
        on conflict do nothing
        returning id`,
      )
    : [];
  return { groups: groups.length, modifiers: modifiers.length };
}

// --- stop lists -----------------------------------------------------------------------------

/** iiko's `yyyy-MM-dd HH:mm:ss.fff` (UTC) as ISO-8601, or null. */
const iikoTime = (value: string | null | undefined) =>
  value && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/.test(value) ? `${value.replace(' ', 'T')}Z` : null;

/**
 * Replaces the organization's stop lists with iiko's current ones and sets product
 * availability from them. Returns the rows kept and how many products changed availability.
 */
export async function replaceStopLists(
  ex: Executor,
  scope: Scope,
  terminalGroups: { terminalGroupId: string; items: StopListItem[] }[],
): Promise<{ synced: number; availabilityChanged: number }> {
  const input = terminalGroups.flatMap((tg) =>
    tg.items.map((i) => ({
      tg: tg.terminalGroupId,
      product: i.productId,
      size_key: i.sizeId ?? '',
      size_id: i.sizeId ?? null,
      sku: i.sku ?? null,
      balance: i.balance,
      added: iikoTime(i.dateAdd),
    })),
  );
  await ex.execute(
    sql`delete from stop_lists where setting_id = ${scope.settingId} and organization_id = ${scope.organizationId}`,
  );
  if (input.length) {
    await ex.execute(sql`
      insert into stop_lists (setting_id, organization_id, terminal_group_external_id, product_external_id, size_key, size_external_id, sku, balance, added_at)
      select ${scope.settingId}, ${scope.organizationId}, x.tg, x.product, x.size_key, x.size_id, x.sku, x.balance, x.added
        from jsonb_to_recordset(${json(input)}) as x(tg text, product text, size_key text, size_id text, sku text, balance numeric, added timestamptz)
      on conflict do nothing`);
  }
  await linkStopLists(ex, scope);
  const availabilityChanged = await refreshAvailability(ex, scope);
  return { synced: input.length, availabilityChanged };
}

async function linkStopLists(ex: Executor, scope: Scope) {
  await ex.execute(sql`
    update stop_lists s set product_id = p.id
      from menu_products p
     where s.setting_id = ${scope.settingId} and s.organization_id = ${scope.organizationId} and s.product_id is null
       and p.setting_id = s.setting_id and p.organization_id = s.organization_id and p.external_id = s.product_external_id`);
}

/**
 * A product is unavailable while a stop list has nothing left of it (balance ≤ 0) in any
 * terminal group: of the whole product, or of every one of its sizes.
 */
async function refreshAvailability(ex: Executor, scope: Scope): Promise<number> {
  const changed = await rows(
    ex,
    sql`
    with state as (
      select p.id,
             not (exists (select 1 from stop_lists s where s.product_id = p.id and s.balance <= 0 and s.size_key = '')
                  or (exists (select 1 from product_sizes z where z.product_id = p.id and z.size_key <> '')
                      and not exists (select 1 from product_sizes z where z.product_id = p.id and z.size_key <> ''
                                        and not exists (select 1 from stop_lists s where s.product_id = p.id and s.balance <= 0 and s.size_key = z.size_key)))) as available
        from menu_products p
       where p.setting_id = ${scope.settingId} and p.organization_id = ${scope.organizationId}
    )
    update menu_products p set is_available = state.available, updated_at = now()
      from state where state.id = p.id and p.is_available is distinct from state.available
    returning p.id`,
  );
  return changed.length;
}

// --- reference data -------------------------------------------------------------------------

export async function upsertTerminalGroups(
  ex: Executor,
  settingId: number,
  organizationIds: string[],
  listed: TerminalGroup[],
): Promise<Counts> {
  const { items: groups, duplicates } = lastByKey(listed, (t) => `${t.organizationId}\u0000${t.id}`);
  const input = groups.map((t) => ({
    org: t.organizationId,
    id: t.id,
    name: t.name,
    address: t.address ?? null,
    tz: t.timeZone ?? null,
    sleep: t.inSleep,
  }));
  const counts = input.length
    ? await upsertCounts(
        ex,
        sql`
        insert into terminal_groups (setting_id, organization_id, external_id, name, address, time_zone, is_in_sleep)
        select ${settingId}, x.org, x.id, x.name, x.address, x.tz, x.sleep
          from jsonb_to_recordset(${json(input)}) as x(org text, id text, name text, address text, tz text, sleep boolean)
        on conflict (setting_id, organization_id, external_id) do update set
          name = excluded.name, address = excluded.address, time_zone = excluded.time_zone, is_in_sleep = excluded.is_in_sleep,
          synced_at = now(), deleted_at = null
        returning (xmax = 0) as inserted`,
      )
    : { created: 0, updated: 0, deleted: 0 };
  for (const organizationId of organizationIds) {
    counts.deleted += await markMissingDeleted(
      ex,
      sql`terminal_groups`,
      { settingId, organizationId },
      groups.filter((g) => g.organizationId === organizationId).map((g) => g.id),
    );
  }
  return { ...counts, duplicates };
}

/** Payment types come without their organization: they are kept under the one they were asked for. */
export async function upsertPaymentTypes(
  ex: Executor,
  scope: Omit<Scope, 'currency'>,
  types: PaymentType[],
): Promise<Counts> {
  const { items: withIds, duplicates } = lastByKey(
    types.filter((t) => t.id),
    (t) => t.id!,
  );
  const input = withIds.map((t) => ({
    id: t.id,
    code: t.code ?? null,
    name: t.name ?? null,
    comment: t.comment ?? null,
    kind: t.paymentTypeKind ?? null,
    processing: t.paymentProcessingType ?? null,
    combinable: t.combinable ?? null,
    deleted: t.isDeleted ?? false,
    tgs: (t.terminalGroups ?? []).map((g) => g.id),
  }));
  const counts = input.length
    ? await upsertCounts(
        ex,
        sql`
        insert into payment_types (setting_id, organization_id, external_id, code, name, comment, kind, processing_type, combinable,
                                   is_deleted_in_iiko, terminal_group_ids)
        select ${scope.settingId}, ${scope.organizationId}, x.id, x.code, x.name, x.comment, x.kind, x.processing, x.combinable, x.deleted, x.tgs
          from jsonb_to_recordset(${json(input)}) as x(id text, code text, name text, comment text, kind text, processing text,
                                                      combinable boolean, deleted boolean, tgs text[])
        on conflict (setting_id, organization_id, external_id) do update set
          code = excluded.code, name = excluded.name, comment = excluded.comment, kind = excluded.kind, processing_type = excluded.processing_type,
          combinable = excluded.combinable, is_deleted_in_iiko = excluded.is_deleted_in_iiko, terminal_group_ids = excluded.terminal_group_ids,
          synced_at = now(), deleted_at = null
        returning (xmax = 0) as inserted`,
      )
    : { created: 0, updated: 0, deleted: 0 };
  counts.deleted = await markMissingDeleted(
    ex,
    sql`payment_types`,
    scope,
    input.map((t) => t.id!),
  );
  return { ...counts, duplicates };
}

export async function upsertCombos(
  ex: Executor,
  scope: Omit<Scope, 'currency'>,
  listed: Combo[],
  categories: Map<string, string>,
): Promise<Counts> {
  const { items: combos, duplicates } = lastByKey(listed, (k) => k.sourceActionId);
  const input = combos.map((k) => ({
    id: k.sourceActionId,
    name: k.name,
    cat: k.categoryId ?? null,
    cat_name: k.categoryId ? (categories.get(k.categoryId) ?? null) : null,
    type: k.priceModificationType ?? null,
    modification: k.priceModification ?? null,
    active: k.isActive ?? true,
    start: k.startDate ?? null,
    end: k.expirationDate ?? null,
    sort: k.sortOrder ?? null,
    groups: k.groups ?? [],
  }));
  const counts = input.length
    ? await upsertCounts(
        ex,
        sql`
        insert into combos (setting_id, organization_id, external_id, name, category_external_id, category_name, price_modification_type,
                            price_modification, is_active, start_date, expiration_date, sort_order, groups)
        select ${scope.settingId}, ${scope.organizationId}, x.id, x.name, x.cat, x.cat_name, x.type, x.modification, x.active, x.start, x."end", x.sort, x.groups
          from jsonb_to_recordset(${json(input)}) as x(id text, name text, cat text, cat_name text, type int, modification numeric,
                                                      active boolean, start text, "end" text, sort int, groups jsonb)
        on conflict (setting_id, organization_id, external_id) do update set
          name = excluded.name, category_external_id = excluded.category_external_id, category_name = excluded.category_name,
          price_modification_type = excluded.price_modification_type, price_modification = excluded.price_modification,
          is_active = excluded.is_active, start_date = excluded.start_date, expiration_date = excluded.expiration_date,
          sort_order = excluded.sort_order, groups = excluded.groups, synced_at = now(), deleted_at = null
        returning (xmax = 0) as inserted`,
      )
    : { created: 0, updated: 0, deleted: 0 };
  counts.deleted = await markMissingDeleted(
    ex,
    sql`combos`,
    scope,
    input.map((k) => k.id),
  );
  return { ...counts, duplicates };
}

/** External menus and price categories (from /api/2/menu): per setting, not per organization. */
export async function upsertNamedList(
  ex: Executor,
  table: 'external_menus' | 'price_categories',
  settingId: number,
  listed: { id: string; name: string }[],
): Promise<Counts> {
  const { items, duplicates } = lastByKey(listed, (i) => i.id);
  const target = table === 'external_menus' ? sql`external_menus` : sql`price_categories`;
  const counts = items.length
    ? await upsertCounts(
        ex,
        sql`
        insert into ${target} (setting_id, external_id, name)
        select ${settingId}, x.id, x.name from jsonb_to_recordset(${json(items)}) as x(id text, name text)
        on conflict (setting_id, external_id) do update set name = excluded.name, synced_at = now(), deleted_at = null
        returning (xmax = 0) as inserted`,
      )
    : { created: 0, updated: 0, deleted: 0 };
  counts.deleted = await markMissingDeleted(
    ex,
    target,
    { settingId },
    items.map((i) => i.id),
  );
  return { ...counts, duplicates };
}
