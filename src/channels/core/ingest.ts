import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { setManyMirrorLevels, type MirrorLevel } from '../../inventory/levels.ts';
import { isRetryableConflict } from '../../inventory/sql-errors.ts';
import { ensureWarehouse } from '../../inventory/warehouses.ts';
import { upsertClaims, upsertReviews, upsertSales } from '../../orders/channel-data.ts';
import { orderInput, upsertOrders } from '../../orders/service.ts';
import { getStockRule } from './availability.ts';
import { lastByKey } from '../../shared/last-by-key.ts';
import type { ConnectorAccount, SyncRunCounter } from './connector.ts';
import type { Ingest, IngestCounts, IngestedOrder, LineRef, MirrorReading, OrderFact } from './facts.ts';

/**
 * Core ingestion (OpenLinker's order-ingestion service): what every connector used to do by
 * hand, done once. A connector reads the channel and hands facts to `ctx.ingest`; here each
 * line is matched to a product (matchProducts), the warehouse an order writes off from is
 * chosen (orderWarehouse, Vendure's StockLocationStrategy), and the rows are upserted by the
 * channel's ids in transactions of a bounded size, several at once on PostgreSQL.
 */

/** Orders in one transaction: a replayed chunk changes nothing (upsertOrder is keyed). */
const ORDER_CHUNK = 500;
/** Transactions writing orders at once: PGlite has one connection, PostgreSQL a pool. */
const writersFor = (hub: Hub) => (hub.database.kind === 'postgres' ? 4 : 1);

/**
 * Product ids for line references, in their order (null: no match). A reference is tried by
 * the account's listing with that external id (as matched or mapped), then by SKU (case
 * apart, not archived), then by EAN (not archived; only when one product has it).
 */
export async function matchProducts(ex: Executor, accountId: number, refs: LineRef[]): Promise<(number | null)[]> {
  if (!refs.length) return [];
  const listingIds = refs.map((r) => r.listingExternalId || null);
  const skus = refs.map((r) => r.sku?.trim().toLowerCase() || null);
  const eans = refs.map((r) => r.ean?.trim() || null);
  const found = await rows<{ n: number; product_id: number | null }>(
    ex,
    sql`
    select r.n,
           coalesce(
             (select l.product_id from listings l
               where r.listing_id is not null and l.account_id = ${accountId} and l.external_id = r.listing_id and l.product_id is not null
               limit 1),
             (select min(p.id) from products p where r.sku is not null and lower(p.sku) = r.sku and p.archived_at is null),
             (select min(p.id) from products p where r.ean is not null and p.ean = r.ean and p.archived_at is null
               having count(*) = 1)
           ) as product_id
      from unnest(${sql.param(listingIds)}::text[], ${sql.param(skus)}::text[], ${sql.param(eans)}::text[])
           with ordinality as r(listing_id, sku, ean, n)`,
  );
  const byN = new Map(found.map((f) => [Number(f.n), f.product_id === null ? null : Number(f.product_id)]));
  return refs.map((_, i) => byN.get(i + 1) ?? null);
}

/**
 * Where an order the seller ships takes its stock from: the account's setting
 * (`stockWarehouseId`, or Allegro's older `warehouseId`), else the first warehouse of its
 * stock rule, else the one own warehouse when there is exactly one; null: none (the order is
 * kept without moving stock, and the run says so).
 */
export async function orderWarehouse(
  ex: Executor,
  account: Pick<ConnectorAccount, 'id' | 'settings'>,
): Promise<number | null> {
  const setting = account.settings?.stockWarehouseId ?? account.settings?.warehouseId;
  if (typeof setting === 'number') return setting;
  const rule = await getStockRule(ex, account.id);
  if (rule.warehouse_ids.length) return rule.warehouse_ids[0];
  const own = await rows<{ id: number }>(
    ex,
    sql`select id from warehouses where kind = 'own' and archived_at is null order by id limit 2`,
  );
  return own.length === 1 ? own[0].id : null;
}

/** Runs `work` over the chunks with at most `limit` at once; every worker has stopped before the first error is thrown. */
async function inPool<T>(chunks: T[], limit: number, work: (chunk: T) => Promise<void>) {
  let failed = false;
  let next = 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(limit, chunks.length) }, async () => {
      while (!failed && next < chunks.length) {
        try {
          await work(chunks[next++]);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const failure = outcomes.find((o) => o.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
}

async function withConflictRetry<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}

const chunked = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

const describeLine = (ref: LineRef, sku: string) => ref.sku || sku || ref.listingExternalId || ref.ean || '?';

/**
 * The ingestion port of one account, as `ctx.ingest` hands it to the account's connector. A
 * batch that names one id twice keeps the last fact of it; the run counts the others as duplicates.
 */
export function ingestFor(hub: Hub, account: ConnectorAccount, run?: SyncRunCounter): Ingest {
  const actor = `${account.channel}:${account.id}`;
  let warehouse: Promise<number | null> | undefined;
  const mirrors = new Map<string, number>();

  async function ordersChunk(orders: OrderFact[], out: Map<string, IngestedOrder>) {
    const refs = orders.flatMap((o) => o.lines.map((l) => l.ref));
    const products = await matchProducts(hub.db, account.id, refs);
    const sellerWarehouse = orders.some((o) => (o.fulfilledBy ?? 'seller') === 'seller')
      ? await (warehouse ??= orderWarehouse(hub.db, account))
      : null;
    const productIds = [...new Set(products.filter((id): id is number => id !== null))].sort((a, b) => a - b);
    // Chunks write at once on PostgreSQL: each takes its products' stock rows in one order first,
    // so two chunks selling the same products wait for each other instead of deadlocking; a
    // deadlock left (rows made on the way) rolls the chunk back whole, and it runs again.
    await withConflictRetry(() =>
      hub.db.transaction(async (tx) => {
        if (sellerWarehouse !== null && productIds.length) {
          await tx.execute(sql`
          select 1 from stock_levels where warehouse_id = ${sellerWarehouse} and product_id = any(${sql.param(productIds)}::bigint[])
           order by product_id for update`);
        }
        let at = 0;
        const unmatchedOf: string[][] = [];
        const inputs = orders.map((order) => {
          const unmatched: string[] = [];
          const lines = order.lines.map((line) => {
            const productId = products[at++];
            if (productId === null) unmatched.push(describeLine(line.ref, line.sku));
            return {
              productId,
              sku: line.sku,
              externalSku: line.externalSku ?? null,
              name: line.name,
              quantity: line.quantity,
              priceMinor: line.priceMinor,
            };
          });
          unmatchedOf.push(unmatched);
          const { fulfilledBy, shipping, ...rest } = order;
          const bySeller = (fulfilledBy ?? 'seller') === 'seller';
          return {
            ...rest,
            shipping: shipping ? { ...shipping } : null,
            accountId: account.id,
            channel: account.channel,
            warehouseId: bySeller ? sellerWarehouse : null,
            lines,
          };
        });
        // Set-based (decision 180): the chunk in a few statements; orders that move stock one at a time inside it.
        const results = await upsertOrders(tx, inputs, actor);
        for (const [i, order] of orders.entries()) {
          const result = results[i];
          const noWarehouse = (order.fulfilledBy ?? 'seller') === 'seller' && sellerWarehouse === null;
          out.set(order.externalId, {
            externalId: order.externalId,
            orderId: result.orderId,
            created: result.created,
            statusChanged: result.statusChanged,
            unmatched: unmatchedOf[i],
            noWarehouse,
          });
        }
      }),
    );
  }

  const refsOf = async <T extends { ref?: LineRef }>(list: T[]) =>
    matchProducts(
      hub.db,
      account.id,
      list.map((x) => x.ref ?? {}),
    );
  const counted = (results: { created: boolean }[]): IngestCounts => {
    const created = results.filter((r) => r.created).length;
    return { created, updated: results.length - created };
  };
  const base = { accountId: account.id, channel: account.channel };
  /**
   * An order Sklad cannot keep (no lines, a currency that is no ISO code, a price that is no
   * number) is a problem of the run naming it and its fields; the others of the batch go in
   * (the results then name fewer orders than were given: pair them by externalId).
   */
  const keepable = (order: OrderFact, alone: boolean): boolean => {
    const { fulfilledBy: _f, shipping, lines, ...rest } = order;
    const parsed = orderInput.safeParse({
      ...rest,
      accountId: account.id,
      channel: account.channel,
      shipping: shipping ? { ...shipping } : null,
      lines: lines.map((l) => ({
        productId: null,
        sku: l.sku,
        externalSku: l.externalSku ?? null,
        name: l.name,
        quantity: l.quantity,
        priceMinor: l.priceMinor,
      })),
    });
    if (parsed.success) return true;
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ');
    const message = `Order ${String(order.externalId).slice(0, 100)} from ${account.channel} cannot be kept: ${issues}`;
    if (alone) throw new Error(message);
    if (run) run.problem(message);
    else hub.logger.warn({ accountId: account.id }, message);
    return false;
  };
  const unique = <T extends { externalId: string }>(list: T[]): T[] => {
    const { items, duplicates } = lastByKey(list, (x) => x.externalId);
    if (duplicates) run?.add({ duplicates });
    return items;
  };

  return {
    async orders(orders) {
      if (!orders.length) return [];
      const out = new Map<string, IngestedOrder>();
      // In a batch an order that cannot be kept is left out; one order alone (a re-import, one event) fails, saying why.
      const list = unique(orders).filter((o) => keepable(o, orders.length === 1));
      await inPool(chunked(list, ORDER_CHUNK), writersFor(hub), (chunk) => ordersChunk(chunk, out));
      return list.map((o) => out.get(o.externalId)!);
    },

    async sales(all) {
      if (!all.length) return { created: 0, updated: 0 };
      const sales = unique(all);
      const products = await refsOf(sales);
      const results = await hub.db.transaction((tx) =>
        upsertSales(
          tx,
          sales.map(({ ref, ...s }, i) => ({ ...base, ...s, productId: products[i], sku: ref.sku ?? null })),
        ),
      );
      return counted(results);
    },

    async reviews(all) {
      if (!all.length) return { created: 0, updated: 0 };
      const reviews = unique(all);
      const products = await refsOf(reviews);
      const results = await upsertReviews(
        hub.db,
        reviews.map(({ ref, ...r }, i) => ({ ...base, ...r, productId: products[i], sku: ref.sku ?? null })),
      );
      return counted(results);
    },

    async claims(all) {
      if (!all.length) return { created: 0, updated: 0 };
      const claims = unique(all);
      const products = await refsOf(claims);
      const results = await upsertClaims(
        hub.db,
        claims.map(({ ref, ...c }, i) => ({ ...base, ...c, productId: products[i] })),
      );
      return counted(results);
    },

    async mirrorStock(readings: MirrorReading[]) {
      if (!readings.length) return { changed: 0, skipped: 0 };
      // A product is read once a warehouse (Ozon's analytics: ~27 times a page), but matched once.
      const refKey = (ref: LineRef) =>
        JSON.stringify([ref.listingExternalId ?? null, ref.sku ?? null, ref.ean ?? null]);
      const refs = [...new Map(readings.map((r) => [refKey(r.ref), r.ref])).entries()];
      const matched = await matchProducts(
        hub.db,
        account.id,
        refs.map(([, ref]) => ref),
      );
      const productOf = new Map(refs.map(([key], i) => [key, matched[i]]));
      const products = readings.map((r) => productOf.get(refKey(r.ref))!);
      const byWarehouse = new Map<string, MirrorLevel[]>();
      let skipped = 0;
      for (const [i, r] of readings.entries()) {
        if (!byWarehouse.has(r.warehouse.code)) byWarehouse.set(r.warehouse.code, []);
        const productId = products[i];
        if (productId === null) {
          skipped++;
          continue;
        }
        const onHand = Math.max(0, Math.trunc(r.onHand));
        byWarehouse.get(r.warehouse.code)!.push({
          productId,
          onHand,
          reserved: Math.min(onHand, Math.max(0, Math.trunc(r.reserved))),
          promised: Math.max(0, Math.trunc(r.promised ?? 0)),
        });
      }
      for (const r of readings) {
        if (mirrors.has(r.warehouse.code)) continue;
        const w = await ensureWarehouse(hub.db, {
          code: r.warehouse.code.slice(0, 100),
          name: r.warehouse.name.slice(0, 200),
          kind: 'mirror',
          source: r.warehouse.source.slice(0, 200),
          stockType: r.warehouse.stockType?.slice(0, 100) ?? null,
          readOnly: true,
        });
        mirrors.set(r.warehouse.code, w.id);
      }
      // All warehouses of the page in one set-based write (decision 225), in one transaction.
      const { changed } = await hub.db.transaction((tx) =>
        setManyMirrorLevels(
          tx,
          [...byWarehouse].map(([code, levels]) => ({ warehouseId: mirrors.get(code)!, levels })),
          actor,
        ),
      );
      return { changed, skipped };
    },
  };
}
