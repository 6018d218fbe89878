import { sql } from 'drizzle-orm';
import { recordOperation } from '../../audit/operations.ts';
import { rows, type Executor } from '../../db/database.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import type { MappedListing, RemoteListing } from './connector.ts';

/**
 * Listings: what an account sells on its channel, tied to our products. Matching tries the
 * SKU (case-insensitive), then the EAN, then the external id as a SKU; an EAN shared by
 * several products makes the listing ambiguous, and that blocks those products' pushes to
 * the account until a person maps it (`mapListing`). A manual mapping is never undone by a
 * later import.
 */

export const matchStates = ['matched', 'unmatched', 'ambiguous'] as const;
export type MatchState = (typeof matchStates)[number];

export interface ListingView {
  id: number;
  account_id: number;
  external_id: string;
  sku: string | null;
  ean: string | null;
  name: string | null;
  data: Record<string, unknown>;
  product_id: number | null;
  product_sku: string | null;
  match_state: MatchState;
  matched_by: 'sku' | 'ean' | 'external_id' | 'manual' | null;
  candidate_product_ids: number[];
  channel_quantity: number | null;
  last_pushed_quantity: number | null;
  last_pushed_at: string | null;
  last_push_error: string | null;
  updated_at: string;
}

/** Upserts listings by (account, external id); a quantity read with them is kept as the channel's. */
export async function importListings(
  ex: Executor,
  accountId: number,
  listings: RemoteListing[],
): Promise<{ created: number; updated: number }> {
  if (!listings.length) return { created: 0, updated: 0 };
  const payload = JSON.stringify(
    listings.map((l) => ({
      external_id: String(l.externalId),
      sku: l.sku?.trim() || null,
      ean: l.ean?.trim() || null,
      name: l.name ?? null,
      data: l.data ?? {},
      quantity: l.quantity ?? null,
    })),
  );
  const result = await rows<{ created: boolean }>(
    ex,
    sql`
    insert into listings (account_id, external_id, sku, ean, name, data, channel_quantity, channel_quantity_at)
    select ${accountId}, r.external_id, r.sku, r.ean, r.name, coalesce(r.data, '{}'::jsonb), r.quantity,
           case when r.quantity is null then null else now() end
      from jsonb_to_recordset(${payload}::jsonb) as r(external_id text, sku text, ean text, name text, data jsonb, quantity integer)
    on conflict (account_id, external_id) do update
       set sku = excluded.sku, ean = excluded.ean, name = excluded.name, data = excluded.data,
           channel_quantity = coalesce(excluded.channel_quantity, listings.channel_quantity),
           channel_quantity_at = coalesce(excluded.channel_quantity_at, listings.channel_quantity_at),
           updated_at = case when (listings.sku, listings.ean, listings.name, listings.data)
                                  is distinct from (excluded.sku, excluded.ean, excluded.name, excluded.data)
                             then now() else listings.updated_at end
    returning (xmax = 0) as created`,
  );
  const created = result.filter((r) => r.created).length;
  return { created, updated: result.length - created };
}

/**
 * Refreshes the planner's statistics after a large import: right after the first full sync of
 * a big account they say the table is empty, and the keyset reads would sort it whole each time.
 */
export async function analyzeListings(ex: Executor): Promise<void> {
  await ex.execute(sql`analyze listings`);
}

/**
 * What another part does with listings that just became matched to a product, on the match's
 * executor (its transaction, when it runs in one): pricing marks them for a price push (src/pricing/jobs.ts),
 * so a listing matched after the last price change still gets its price. Registered at
 * assembly, by name (a second registration replaces the first), never on import.
 */
export type MatchedHook = (ex: Executor, accountId: number, listingIds: number[]) => Promise<void>;
const matchedHooks = new Map<string, MatchedHook>();

export function onListingsMatched(name: string, hook: MatchedHook) {
  matchedHooks.set(name, hook);
}

async function announceMatched(ex: Executor, accountId: number, listingIds: number[]) {
  if (!listingIds.length) return;
  for (const hook of matchedHooks.values()) await hook(ex, accountId, listingIds);
}

/**
 * Matches the account's listings that no person mapped. A listing whose product changes is
 * marked for a push, so the channel learns its quantity, and announced to the matched hooks
 * (its price). Returns counts by state.
 */
export async function matchListings(ex: Executor, accountId: number): Promise<Record<MatchState, number>> {
  const changed = await rows<{ id: number; newly: boolean }>(
    ex,
    sql`
    with found as (
      select l.id, l.product_id as before_product_id,
             (select min(p.id) from products p
               where l.sku is not null and lower(p.sku) = lower(l.sku) and p.archived_at is null) as by_sku,
             (select coalesce(array_agg(p.id order by p.id), '{}') from products p
               where l.ean is not null and p.ean = l.ean and p.archived_at is null) as by_ean,
             (select min(p.id) from products p
               where lower(p.sku) = lower(l.external_id) and p.archived_at is null) as by_external_id
        from listings l
       where l.account_id = ${accountId} and l.matched_by is distinct from 'manual'
    ), decided as (
      select id, before_product_id,
             case when by_sku is not null then by_sku
                  when cardinality(by_ean) = 1 then by_ean[1]
                  when cardinality(by_ean) > 1 then null
                  else by_external_id end as product_id,
             case when by_sku is not null then 'sku'
                  when cardinality(by_ean) = 1 then 'ean'
                  when cardinality(by_ean) > 1 then null
                  when by_external_id is not null then 'external_id' end as matched_by,
             case when by_sku is null and cardinality(by_ean) > 1 then by_ean else '{}'::bigint[] end as candidates
        from found
    )
    update listings l
       set product_id = d.product_id,
           matched_by = d.matched_by,
           match_state = case when d.product_id is not null then 'matched' when cardinality(d.candidates) > 1 then 'ambiguous' else 'unmatched' end,
           candidate_product_ids = d.candidates,
           needs_push = l.needs_push or (d.product_id is not null and d.product_id is distinct from l.product_id),
           change_seq = l.change_seq + 1,
           last_pushed_quantity = case when d.product_id is distinct from l.product_id then null else l.last_pushed_quantity end,
           updated_at = now()
      from decided d
     where d.id = l.id
       and (l.product_id, l.matched_by, l.candidate_product_ids) is distinct from (d.product_id, d.matched_by, d.candidates)
    returning l.id, (d.product_id is not null and d.product_id is distinct from d.before_product_id) as newly`,
  );
  await announceMatched(
    ex,
    accountId,
    changed.filter((r) => r.newly).map((r) => Number(r.id)),
  );
  return countByState(ex, accountId);
}

export async function countByState(ex: Executor, accountId: number): Promise<Record<MatchState, number>> {
  const counts = await rows<{ match_state: MatchState; n: number }>(
    ex,
    sql`
    select match_state, count(*)::int as n from listings where account_id = ${accountId} group by match_state`,
  );
  const result: Record<MatchState, number> = { matched: 0, unmatched: 0, ambiguous: 0 };
  for (const c of counts) result[c.match_state] = c.n;
  return result;
}

const listingColumns = sql`l.id, l.account_id, l.external_id, l.sku, l.ean, l.name, l.data, l.product_id, p.sku as product_sku,
  l.match_state, l.matched_by, to_jsonb(l.candidate_product_ids) as candidate_product_ids, l.channel_quantity, l.last_pushed_quantity, iso(l.last_pushed_at) as last_pushed_at,
  l.last_push_error, iso(l.updated_at) as updated_at`;

export async function listListings(
  ex: Executor,
  accountId: number,
  filter: { state?: MatchState; q?: string; limit: number; offset: number },
): Promise<{ items: ListingView[]; total: number }> {
  const state = filter.state ?? null;
  const q = filter.q ? `%${filter.q.toLowerCase()}%` : null;
  const items = await rows<ListingView & { total: number }>(
    ex,
    sql`
    select ${listingColumns}, count(*) over () as total
      from listings l left join products p on p.id = l.product_id
     where l.account_id = ${accountId}
       and (${state}::text is null or l.match_state = ${state})
       and (${q}::text is null or lower(coalesce(l.sku, '')) like ${q} or lower(l.external_id) like ${q} or lower(coalesce(l.name, '')) like ${q})
     order by l.id limit ${filter.limit} offset ${filter.offset}`,
  );
  return { items: items.map(({ total: _t, ...r }) => r as ListingView), total: Number(items[0]?.total ?? 0) };
}

/** The account's listings with these external ids, as the API shows them. */
export async function listingsByExternalId(
  ex: Executor,
  accountId: number,
  externalIds: string[],
): Promise<ListingView[]> {
  if (!externalIds.length) return [];
  return rows<ListingView>(
    ex,
    sql`
    select ${listingColumns} from listings l left join products p on p.id = l.product_id
     where l.account_id = ${accountId} and l.external_id = any(${sql.param(externalIds)}::text[]) order by l.id`,
  );
}

export async function getListing(ex: Executor, accountId: number, listingId: number): Promise<ListingView> {
  const [listing] = await rows<ListingView>(
    ex,
    sql`
    select ${listingColumns} from listings l left join products p on p.id = l.product_id
     where l.id = ${listingId} and l.account_id = ${accountId}`,
  );
  if (!listing) throw notFound('Listing', listingId);
  return listing;
}

/**
 * A person's decision: this listing is that product (or, with null, no product of ours).
 * It sticks through later imports, and the product's quantity is pushed to it next.
 */
export async function mapListing(
  ex: Executor,
  accountId: number,
  listingId: number,
  productId: number | null,
  actor: string,
): Promise<ListingView> {
  const before = await getListing(ex, accountId, listingId);
  if (productId !== null) {
    const [product] = await rows(ex, sql`select id from products where id = ${productId}`);
    if (!product)
      throw new DomainError('PRODUCT_NOT_FOUND', `Product ${productId} does not exist`, 422, { product_id: productId });
  }
  await ex.execute(sql`
    update listings
       set product_id = ${productId}, matched_by = 'manual', candidate_product_ids = '{}',
           match_state = ${productId === null ? 'unmatched' : 'matched'},
           needs_push = ${productId !== null}, change_seq = change_seq + 1, last_pushed_quantity = null, updated_at = now()
     where id = ${listingId}`);
  await recordOperation(ex, {
    entityType: 'listing',
    entityId: listingId,
    action: 'map',
    actor,
    changes: {
      product_id: { before: before.product_id, after: productId },
      match_state: { before: before.match_state, after: productId === null ? 'unmatched' : 'matched' },
    },
  });
  if (productId !== null) await announceMatched(ex, accountId, [listingId]);
  return getListing(ex, accountId, listingId);
}

interface MappedRow {
  id: number;
  product_id: number;
  external_id: string;
  sku: string | null;
  data: Record<string, unknown>;
}

export const toMapped = (r: MappedRow): MappedListing => ({
  listingId: r.id,
  productId: r.product_id,
  externalId: r.external_id,
  sku: r.sku,
  data: r.data ?? {},
});
