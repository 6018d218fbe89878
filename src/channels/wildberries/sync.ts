import type { z } from 'zod';
import { CredentialsRejected, type ConnectorContext, type SyncRunCounter } from '../core/connector.ts';
import type { IngestedOrder, MirrorReading, OrderFact, OrderStatusFact } from '../core/facts.ts';
import { settingsOf, wbCall } from './client.ts';
import { claimsAnswer, fbsOrdersPage, fbsStatuses, feedbacksAnswer, orderRows, rublesToMinor, saleRows, stockRows, wbInstant, type WbFbsOrder, type WbOrderRow } from './types.ts';

/**
 * One WB sync (seed 001): orders with their cancellations, sales split into buyouts and
 * returns, FBS assembly tasks with their statuses, return claims, feedbacks with their
 * rating, and stock per WB warehouse into mirror warehouses. The first run reaches
 * `firstSyncDays` back; each report keeps its own cursor (its last lastChangeDate), saved
 * after every page, so a failed run resumes where it stopped. Each part fails alone: the
 * others are still saved and the run says which failed (status partial). What it reads goes
 * to core ingestion (ctx.ingest), which matches products and writes.
 */

interface WbState {
  ordersFrom?: string;
  salesFrom?: string;
  stocksFrom?: string;
  /** Unix seconds: feedbacks created since. */
  feedbacksFrom?: number;
}
type AccountState = { wb?: WbState } & Record<string, unknown>;

async function loadWb(ctx: ConnectorContext): Promise<WbState> {
  return { ...((await ctx.loadState<AccountState>()) ?? {}).wb };
}
async function saveWb(ctx: ConnectorContext, patch: Partial<WbState>) {
  const all = (await ctx.loadState<AccountState>()) ?? {};
  await ctx.saveState({ ...all, wb: { ...all.wb, ...patch } });
}

/** Moscow time as WB's dateFrom wants it, with the offset said. */
const moscow = (ms: number) => new Date(ms + 3 * 3_600_000).toISOString().slice(0, 19) + '+03:00';

export async function syncWildberries(ctx: ConnectorContext, run: SyncRunCounter): Promise<void> {
  const parts: [string, () => Promise<void>][] = [
    ['FBS assembly tasks', () => syncFbsOrders(ctx, run)],
    ['orders report', () => syncOrders(ctx, run)],
    ['sales report', () => syncSales(ctx, run)],
    ['stocks report', () => syncStocks(ctx, run)],
    ['return claims', () => syncClaims(ctx, run)],
    ['feedbacks', () => syncFeedbacks(ctx, run)],
  ];
  let failed = 0;
  for (const [name, part] of parts) {
    try {
      await part();
    } catch (error) {
      if (error instanceof CredentialsRejected || ctx.signal.aborted) throw error;
      failed++;
      run.problem(`Wildberries ${name} failed; the other parts were still saved: ${(error as Error).message}`);
    }
  }
  if (failed === parts.length) throw new Error('Every part of the Wildberries sync failed');
}

/**
 * A statistics report page by page: rows with lastChangeDate ≥ dateFrom; the next page
 * starts at the last row's lastChangeDate (that row comes again; the upserts are keyed).
 * A page shorter than WB's page size is the last one; the cursor waits for the next run.
 */
async function readReport<T extends { lastChangeDate: string }>(
  ctx: ConnectorContext,
  report: 'orders' | 'sales' | 'stocks',
  from: string,
  schema: z.ZodType<T[]>,
  handle: (rows: T[]) => Promise<void>,
  saveCursor: (cursor: string) => Promise<void>,
) {
  const { reportPageRows } = settingsOf(ctx.account);
  let cursor = from;
  for (;;) {
    const { body: rows } = await wbCall(ctx, { family: 'statistics', group: `statistics:${report}`, method: 'GET', path: `/api/v1/supplier/${report}`, query: { dateFrom: cursor } }, schema);
    if (!rows.length) return;
    await handle(rows);
    const last = rows.at(-1)!.lastChangeDate;
    const advanced = last !== cursor;
    cursor = last;
    await saveCursor(cursor);
    await ctx.progress({ message: `Wildberries ${report}: up to ${cursor}` });
    if (rows.length < reportPageRows || !advanced) return;
  }
}

const firstFrom = (ctx: ConnectorContext) => moscow(Date.now() - settingsOf(ctx.account).firstSyncDays * 86_400_000);

/** Statuses of FBS tasks read in this run, by rid (= srid of the reports). */
const fbsStatusByRid = new Map<number, Map<string, OrderStatusFact>>();

/** Counts what ingestion did with a page of orders: new ones, and ones whose status changed. */
function countOrders(run: SyncRunCounter, results: IngestedOrder[]) {
  run.add({ created: results.filter((r) => r.created).length, updated: results.filter((r) => !r.created && r.statusChanged).length });
}

/** A page that fails to be written leaves the cursor where it was: the next run reads it again. */
async function syncOrders(ctx: ConnectorContext, run: SyncRunCounter) {
  const fbs = fbsStatusByRid.get(ctx.account.id) ?? new Map<string, OrderStatusFact>();
  await readReport(
    ctx, 'orders', (await loadWb(ctx)).ordersFrom ?? firstFrom(ctx),
    orderRows,
    async (rows) => {
      run.add({ fetched: rows.length });
      countOrders(run, await ctx.ingest.orders(rows.map((r) => reportOrder(r, r.isCancel ? 'cancelled' : (fbs.get(r.srid) ?? 'new')))));
    },
    (cursor) => saveWb(ctx, { ordersFrom: cursor }),
  );
}

/** A row of the orders report: FBO and FBS alike, it moves none of our stock (an FBS task does, syncFbsOrders). */
function reportOrder(r: WbOrderRow, status: OrderStatusFact): OrderFact {
  const priceMinor = rublesToMinor(r.priceWithDisc);
  return {
    externalId: r.srid, status, channelStatus: r.isCancel ? 'cancelled' : 'ordered',
    orderedAt: wbInstant(r.date), currency: 'RUB', totalMinor: priceMinor, fulfilledBy: 'channel',
    // One report row is one unit.
    lines: [{
      ref: { sku: r.supplierArticle || null, ean: r.barcode || null },
      sku: r.supplierArticle || r.barcode || String(r.nmId), externalSku: String(r.nmId ?? r.barcode),
      name: [r.subject, r.brand].filter(Boolean).join(' ') || r.supplierArticle || 'WB item', quantity: 1, priceMinor,
    }],
    raw: { warehouseName: r.warehouseName, cancelDate: r.isCancel ? r.cancelDate : undefined },
  };
}

async function syncSales(ctx: ConnectorContext, run: SyncRunCounter) {
  await readReport(
    ctx, 'sales', (await loadWb(ctx)).salesFrom ?? firstFrom(ctx),
    saleRows,
    async (rows) => {
      run.add({ fetched: rows.length });
      const { created } = await ctx.ingest.sales(rows.map((r) => ({
        externalId: r.saleID, orderExternalId: r.srid,
        // S… is a buyout, R… a return (WB's saleID prefixes).
        kind: r.saleID.startsWith('R') ? 'return' as const : 'buyout' as const,
        ref: { sku: r.supplierArticle || null, ean: r.barcode || null }, quantity: 1,
        amountMinor: rublesToMinor(r.priceWithDisc), currency: 'RUB', warehouseName: r.warehouseName, soldAt: wbInstant(r.date),
      })));
      run.add({ created });
    },
    (cursor) => saveWb(ctx, { salesFrom: cursor }),
  );
}

/** Stock per WB warehouse, each a mirror warehouse: the first run reads the whole report, later runs what changed. */
async function syncStocks(ctx: ConnectorContext, run: SyncRunCounter) {
  await readReport(
    ctx, 'stocks', (await loadWb(ctx)).stocksFrom ?? '2019-06-20T00:00:00+03:00',
    stockRows,
    async (rows) => {
      run.add({ fetched: rows.length });
      const readings = rows.map((r): MirrorReading => {
        // On its way to a buyer it is still WB's stock, held for that buyer.
        const reserved = Math.max(0, r.inWayToClient);
        return {
          warehouse: { code: `wb-${ctx.account.id}-${r.warehouseName}`, name: `${ctx.account.name}: WB ${r.warehouseName}`, source: `wildberries:${r.warehouseName}` },
          ref: { sku: r.supplierArticle || null, ean: r.barcode || null },
          onHand: Math.max(0, r.quantity) + reserved, reserved,
        };
      });
      run.add({ updated: (await ctx.ingest.mirrorStock(readings)).changed });
    },
    (cursor) => saveWb(ctx, { stocksFrom: cursor }),
  );
}

/** WB's FBS statuses in Sklad's words: the buyer's side (wbStatus) wins over the seller's. */
function fbsOrderStatus(supplierStatus?: string, wbStatus?: string): OrderStatusFact {
  if (wbStatus === 'sold') return 'delivered';
  if (wbStatus && /cancel|declined|defect/.test(wbStatus)) return 'cancelled';
  if (supplierStatus === 'cancel') return 'cancelled';
  if (supplierStatus === 'complete' || wbStatus === 'sorted' || wbStatus === 'ready_for_pickup') return 'shipped';
  if (supplierStatus === 'confirm') return 'confirmed';
  return 'new';
}

/** FBS assembly tasks of the last 30 days (WB's maximum per request), with their statuses. */
async function syncFbsOrders(ctx: ConnectorContext, run: SyncRunCounter) {
  const settings = settingsOf(ctx.account);
  const dateTo = Math.floor(Date.now() / 1000);
  const dateFrom = dateTo - Math.min(30, settings.firstSyncDays) * 86_400;
  const tasks: WbFbsOrder[] = [];
  let next = 0;
  for (;;) {
    const { body } = await wbCall(ctx, { family: 'marketplace', group: 'orders', method: 'GET', path: '/api/v3/orders', query: { limit: 1000, next, dateFrom, dateTo } }, fbsOrdersPage);
    tasks.push(...body.orders);
    if (!body.orders.length || body.next === next) break;
    next = body.next;
  }
  run.add({ fetched: tasks.length });
  const statuses = new Map<string, OrderStatusFact>();
  // WB reads the statuses of at most 1,000 tasks a request.
  for (let i = 0; i < tasks.length; i += 1000) {
    const chunk = tasks.slice(i, i + 1000);
    const { body } = await wbCall(ctx, { family: 'marketplace', group: 'orders', method: 'POST', path: '/api/v3/orders/status', body: { orders: chunk.map((t) => t.id) } }, fbsStatuses);
    const byId = new Map(body.orders.map((o) => [o.id, o]));
    countOrders(run, await ctx.ingest.orders(chunk.map((t) => {
      const s = byId.get(t.id);
      const status = fbsOrderStatus(s?.supplierStatus, s?.wbStatus);
      statuses.set(t.rid, status);
      return fbsOrder(t, status, [s?.supplierStatus, s?.wbStatus].filter(Boolean).join('/') || 'new');
    })));
  }
  fbsStatusByRid.set(ctx.account.id, statuses);
}

/**
 * FBS assembly tasks created in the window, with their statuses, for the reconciler: nothing is
 * imported. Windows of at most 30 days (WB's maximum per request), dates in whole seconds.
 */
export async function* listWbFbsOrders(ctx: ConnectorContext, window: { from: string; to: string }): AsyncIterable<OrderFact[]> {
  const end = Math.ceil(Date.parse(window.to) / 1000);
  for (let from = Math.floor(Date.parse(window.from) / 1000); from < end; from += 30 * 86_400) {
    const dateTo = Math.min(from + 30 * 86_400, end);
    for (let next = 0; ; ) {
      const { body } = await wbCall(ctx, { family: 'marketplace', group: 'orders', method: 'GET', path: '/api/v3/orders', query: { limit: 1000, next, dateFrom: from, dateTo } }, fbsOrdersPage);
      if (body.orders.length) {
        const { body: found } = await wbCall(ctx, { family: 'marketplace', group: 'orders', method: 'POST', path: '/api/v3/orders/status', body: { orders: body.orders.map((t) => t.id) } }, fbsStatuses);
        const byId = new Map(found.orders.map((o) => [o.id, o]));
        yield body.orders.map((t) => {
          const s = byId.get(t.id);
          return fbsOrder(t, fbsOrderStatus(s?.supplierStatus, s?.wbStatus), [s?.supplierStatus, s?.wbStatus].filter(Boolean).join('/') || 'new');
        });
      }
      if (!body.orders.length || body.next === next) break;
      next = body.next;
    }
  }
}

/** An FBS assembly task: the seller ships it, so it writes stock off the warehouse core picks (settings.stockWarehouseId first). */
function fbsOrder(t: WbFbsOrder, status: OrderStatusFact, channelStatus: string): OrderFact {
  const priceMinor = t.price; // already in kopecks (price × 100)
  return {
    externalId: t.rid, postingNumber: String(t.id), status, channelStatus, orderedAt: new Date(t.createdAt).toISOString(),
    currency: 'RUB', totalMinor: priceMinor, fulfilledBy: 'seller',
    lines: [{
      ref: { listingExternalId: t.chrtId === undefined ? null : String(t.chrtId), sku: t.article || null, ean: t.skus[0] ?? null },
      sku: t.article || String(t.chrtId), externalSku: String(t.chrtId ?? ''), name: t.article || `WB ${t.nmId}`, quantity: 1, priceMinor,
    }],
    raw: { fbsTaskId: t.id, warehouseId: t.warehouseId },
  };
}

const claimStatus = (status: number) => (status === 0 ? 'pending' : status === 1 ? 'rejected' : status === 2 ? 'approved' : `status ${status}`);

/** Return claims of the last 14 days (all WB keeps), pending and archived. */
async function syncClaims(ctx: ConnectorContext, run: SyncRunCounter) {
  for (const archived of [false, true]) {
    for (let offset = 0; ; offset += 200) {
      const { body } = await wbCall(ctx, { family: 'returns', group: 'claims', method: 'GET', path: '/api/v1/claims', query: { is_archive: archived, limit: 200, offset } }, claimsAnswer);
      run.add({ fetched: body.claims.length });
      // A claim names WB's card (nm_id), not one of our listings: kept as given, matched to no product.
      const { created } = await ctx.ingest.claims(body.claims.map((c) => ({
        externalId: c.id, orderExternalId: c.srid ?? null,
        status: claimStatus(c.status), reason: c.user_comment || null, claimedAt: wbInstant(c.dt), sku: c.nm_id ? String(c.nm_id) : null,
      })));
      run.add({ created });
      if (offset + body.claims.length >= body.total || body.claims.length < 200) break;
    }
  }
}

/** Feedbacks with their rating, answered and not, created since the last run (first run: a month back). */
async function syncFeedbacks(ctx: ConnectorContext, run: SyncRunCounter) {
  const started = Math.floor(Date.now() / 1000);
  const from = (await loadWb(ctx)).feedbacksFrom ?? started - settingsOf(ctx.account).firstSyncDays * 86_400;
  for (const answered of [false, true]) {
    for (let skip = 0; ; skip += 5000) {
      const { body } = await wbCall(ctx, {
        family: 'feedbacks', group: 'feedbacks', method: 'GET', path: '/api/v1/feedbacks',
        query: { isAnswered: answered, take: 5000, skip, order: 'dateAsc', dateFrom: from - 600 },
      }, feedbacksAnswer);
      const list = (body.data?.feedbacks ?? []).filter((f) => f.productValuation >= 1 && f.productValuation <= 5);
      run.add({ fetched: list.length });
      const { created } = await ctx.ingest.reviews(list.map((f) => ({
        externalId: f.id, rating: f.productValuation,
        text: [f.text, f.pros && `+ ${f.pros}`, f.cons && `− ${f.cons}`].filter(Boolean).join('\n') || null,
        author: f.userName || null, answered: !!f.answer?.text, reviewedAt: wbInstant(f.createdDate),
        ref: { sku: f.productDetails.supplierArticle || null }, productName: f.productDetails.productName ?? null,
      })));
      run.add({ created });
      if ((body.data?.feedbacks.length ?? 0) < 5000) break;
    }
  }
  await saveWb(ctx, { feedbacksFrom: started });
}
