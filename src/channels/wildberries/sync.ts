import type { z } from 'zod';
import {
  ChannelHttpError,
  CredentialsRejected,
  type ConnectorContext,
  type SyncRunCounter,
} from '../core/connector.ts';
import type { IngestedOrder, MirrorReading, OrderFact, OrderStatusFact } from '../core/facts.ts';
import { pageGuard } from '../core/paging.ts';
import { settingsOf, wbCall, wbMessage } from './client.ts';
import { wbDateFrom, wbInstant } from './time.ts';
import {
  claimsAnswer,
  fbsOrdersPage,
  fbsStatuses,
  feedbacksAnswer,
  orderRows,
  rublesToMinor,
  saleRows,
  stockRows,
  type WbFbsOrder,
  type WbOrderRow,
} from './types.ts';

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
  /**
   * The last sales-report outcome of recent orders (srid → bought out or returned), newest last:
   * the orders report and the FBS tasks say nothing of it, so a row of theirs read again keeps it.
   */
  outcomes?: Record<string, 'delivered' | 'returned'>;
}

/** How many orders' sales outcomes are remembered (the rows a report can bring again are the newest). */
const OUTCOMES_KEPT = 10_000;
type AccountState = { wb?: WbState } & Record<string, unknown>;

async function loadWb(ctx: ConnectorContext): Promise<WbState> {
  return { ...((await ctx.loadState<AccountState>()) ?? {}).wb };
}
async function saveWb(ctx: ConnectorContext, patch: Partial<WbState>) {
  const all = (await ctx.loadState<AccountState>()) ?? {};
  await ctx.saveState({ ...all, wb: { ...all.wb, ...patch } });
}

export async function syncWildberries(ctx: ConnectorContext, run: SyncRunCounter): Promise<void> {
  // The orders report's first two pages are asked for at once, though they are written after the
  // sales: WB's minute between its pages runs while the sales report is read and written (decision 240).
  const ordersFrom = (await loadWb(ctx)).ordersFrom ?? firstFrom(ctx);
  const ordersAhead = readAhead(ctx, 'orders', ordersFrom, orderRows);
  // Sales first: the orders they bought out or returned keep that status when the FBS tasks and the orders report name them (outcomes).
  const parts: [string, () => Promise<void>][] = [
    ['sales report', () => syncSales(ctx, run)],
    ['FBS assembly tasks', () => syncFbsOrders(ctx, run)],
    ['orders report', () => syncOrders(ctx, run, ordersFrom, ordersAhead)],
    ['order statuses from sales', () => applySaleStatuses(ctx, run)],
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
      // WB's own reason (a 400's detail) is named with the failure.
      const reason = error instanceof ChannelHttpError ? wbMessage(error.body) : '';
      const message = (error as Error).message;
      run.problem(
        `Wildberries ${name} failed; the other parts were still saved: ${message}${reason && !message.includes(reason.slice(2)) ? reason : ''}`,
      );
    }
  }
  if (failed === parts.length) throw new Error('Every part of the Wildberries sync failed');
}

/**
 * A statistics report page by page: rows with lastChangeDate ≥ dateFrom; the next page
 * starts at the last row's lastChangeDate (that row comes again; the upserts are keyed).
 * A page shorter than WB's page size is the last one; the cursor waits for the next run.
 * Cursors are sent as WB's dateFrom examples write them (Moscow time, no offset: time.ts).
 */
async function readReport<T extends { lastChangeDate: string }>(
  ctx: ConnectorContext,
  report: Report,
  from: string,
  schema: z.ZodType<T[]>,
  handle: (rows: T[]) => Promise<void>,
  saveCursor: (cursor: string) => Promise<void>,
  asked: AskedPages<T> = new Map(),
) {
  const { reportPageRows } = settingsOf(ctx.account);
  const pages = pageGuard(ctx, `GET /api/v1/supplier/${report}`, { start: wbDateFrom(from) });
  const read = (dateFrom: string) => {
    const page = asked.get(dateFrom);
    asked.delete(dateFrom);
    return page ?? readPage(ctx, report, dateFrom, schema);
  };
  let ahead: Promise<{ body: T[] }> | null = read(wbDateFrom(from));
  while (ahead) {
    const rows: T[] = (await ahead).body;
    if (!rows?.length) return void pages.more({ items: 0 });
    const cursor: string = wbDateFrom(rows.at(-1)!.lastChangeDate);
    // A full page whose last row has the cursor it was asked from cannot be read past: a problem of the run.
    // The next page is asked for before this one is written: its minute (WB's limit) passes while we write (decision 225).
    ahead = pages.more({ items: rows.length, limit: reportPageRows, next: cursor }) ? read(cursor) : null;
    await handle(rows);
    await saveCursor(cursor);
    await ctx.progress({ message: `Wildberries ${report}: up to ${cursor}` });
  }
}

type Report = 'orders' | 'sales' | 'stocks';
type Page<T> = Promise<{ status: number; body: T[] }>;
/** Pages of a report asked for before readReport wants them, by the dateFrom they were asked from. */
type AskedPages<T> = Map<string, Page<T>>;

/**
 * A report's first page, and its second asked for the moment the first has come, if the first was
 * full: the pages readReport reads first, so a report written later starts WB's minute between its
 * pages now. Two pages at most are held, as readReport's own read-ahead holds.
 */
function readAhead<T extends { lastChangeDate: string }>(
  ctx: ConnectorContext,
  report: Report,
  from: string,
  schema: z.ZodType<T[]>,
): AskedPages<T> {
  const asked: AskedPages<T> = new Map();
  const start = wbDateFrom(from);
  const first = readPage(ctx, report, start, schema).then((answer) => {
    const rows = answer.body ?? [];
    const cursor = rows.length ? wbDateFrom(rows.at(-1)!.lastChangeDate) : start;
    if (rows.length >= settingsOf(ctx.account).reportPageRows && cursor !== start)
      asked.set(cursor, readPage(ctx, report, cursor, schema));
    return answer;
  });
  first.catch(() => {});
  asked.set(start, first);
  return asked;
}

/** One page of a statistics report from dateFrom; asked for now, awaited by readReport when its rows are due. */
function readPage<T>(ctx: ConnectorContext, report: Report, dateFrom: string, schema: z.ZodType<T[]>): Page<T> {
  const answer = wbCall(
    ctx,
    {
      family: 'statistics',
      group: `statistics:${report}`,
      method: 'GET',
      path: `/api/v1/supplier/${report}`,
      query: { dateFrom },
    },
    schema,
  );
  answer.catch(() => {}); // awaited later; a page read ahead and never awaited (its page before failed) must not go unhandled
  return answer;
}

const firstFrom = (ctx: ConnectorContext) =>
  wbDateFrom(Date.now() - settingsOf(ctx.account).firstSyncDays * 86_400_000);

/** Statuses of FBS tasks read in this run, by rid (= srid of the reports). */
const fbsStatusByRid = new Map<number, Map<string, OrderStatusFact>>();

/** Counts what ingestion did with a page of orders: new ones, and ones whose status changed. */
function countOrders(run: SyncRunCounter, results: IngestedOrder[]) {
  run.add({
    created: results.filter((r) => r.created).length,
    updated: results.filter((r) => !r.created && r.statusChanged).length,
  });
}

/** A page that fails to be written leaves the cursor where it was: the next run reads it again. */
async function syncOrders(ctx: ConnectorContext, run: SyncRunCounter, from: string, asked: AskedPages<WbOrderRow>) {
  const fbs = fbsStatusByRid.get(ctx.account.id) ?? new Map<string, OrderStatusFact>();
  const outcomes = await outcomesOf(ctx);
  const unapplied = saleStatuses.get(ctx.account.id);
  await readReport(
    ctx,
    'orders',
    from,
    orderRows,
    async (rows) => {
      run.add({ fetched: rows.length });
      for (const r of rows) unapplied?.delete(r.srid);
      countOrders(
        run,
        await ctx.ingest.orders(
          rows.map((r) =>
            reportOrder(r, r.isCancel ? 'cancelled' : (outcomes.get(r.srid) ?? fbs.get(r.srid) ?? 'new')),
          ),
        ),
      );
    },
    (cursor) => saveWb(ctx, { ordersFrom: cursor }),
    asked,
  );
}

/** A row of the orders report: FBO and FBS alike, it moves none of our stock (an FBS task does, syncFbsOrders). */
function reportOrder(r: WbOrderRow, status: OrderStatusFact): OrderFact {
  const priceMinor = rublesToMinor(r.priceWithDisc);
  return {
    externalId: r.srid,
    status,
    channelStatus: r.isCancel ? 'cancelled' : 'ordered',
    orderedAt: wbInstant(r.date),
    currency: 'RUB',
    totalMinor: priceMinor,
    fulfilledBy: 'channel',
    // One report row is one unit.
    lines: [
      {
        ref: { sku: r.supplierArticle || null, ean: r.barcode || null },
        sku: r.supplierArticle || r.barcode || String(r.nmId),
        externalSku: String(r.nmId ?? r.barcode),
        name: [r.subject, r.brand].filter(Boolean).join(' ') || r.supplierArticle || 'WB item',
        quantity: 1,
        priceMinor,
      },
    ],
    raw: { warehouseName: r.warehouseName, cancelDate: r.isCancel ? r.cancelDate : undefined },
  };
}

/** This run's outcomes by order (srid), the remembered ones first: set by the sales pass, read by the FBS and orders passes. */
const runOutcomes = new Map<number, Map<string, 'delivered' | 'returned'>>();
/** Orders the sales pass moved that the orders report did not bring in this run: applySaleStatuses moves them. */
const saleStatuses = new Map<number, Map<string, OrderFact>>();

async function outcomesOf(ctx: ConnectorContext) {
  return runOutcomes.get(ctx.account.id) ?? new Map(Object.entries((await loadWb(ctx)).outcomes ?? {}));
}

async function syncSales(ctx: ConnectorContext, run: SyncRunCounter) {
  const outcomes = new Map(Object.entries((await loadWb(ctx)).outcomes ?? {}));
  const unapplied = new Map<string, OrderFact>();
  runOutcomes.set(ctx.account.id, outcomes);
  saleStatuses.set(ctx.account.id, unapplied);
  await readReport(
    ctx,
    'sales',
    (await loadWb(ctx)).salesFrom ?? firstFrom(ctx),
    saleRows,
    async (rows) => {
      run.add({ fetched: rows.length });
      const { created } = await ctx.ingest.sales(
        rows.map((r) => ({
          externalId: r.saleID,
          orderExternalId: r.srid,
          // S… is a buyout, R… a return (WB's saleID prefixes).
          kind: r.saleID.startsWith('R') ? ('return' as const) : ('buyout' as const),
          ref: { sku: r.supplierArticle || null, ean: r.barcode || null },
          quantity: 1,
          amountMinor: rublesToMinor(r.priceWithDisc),
          currency: 'RUB',
          warehouseName: r.warehouseName,
          soldAt: wbInstant(r.date),
        })),
      );
      run.add({ created });
      // The order moves with its sale: an S… row is a buyout (delivered), an R… row a return; the last row of an order wins.
      for (const r of rows) {
        const status = r.saleID.startsWith('R') ? 'returned' : 'delivered';
        outcomes.delete(r.srid);
        outcomes.set(r.srid, status);
        unapplied.set(r.srid, saleOrder(r, status));
      }
      const kept = [...outcomes].slice(Math.max(0, outcomes.size - OUTCOMES_KEPT));
      await saveWb(ctx, { outcomes: Object.fromEntries(kept) });
    },
    (cursor) => saveWb(ctx, { salesFrom: cursor }),
  );
}

/** Orders bought out or returned in this run that the orders report did not bring again: their status moves here. */
async function applySaleStatuses(ctx: ConnectorContext, run: SyncRunCounter) {
  const unapplied = saleStatuses.get(ctx.account.id);
  saleStatuses.delete(ctx.account.id);
  runOutcomes.delete(ctx.account.id);
  if (!unapplied?.size) return;
  const facts = [...unapplied.values()];
  for (let i = 0; i < facts.length; i += 1000) countOrders(run, await ctx.ingest.orders(facts.slice(i, i + 1000)));
}

/**
 * The order of a sales-report row, at the status its sale gives it. A sale row repeats its order's
 * fields (not the order's date: an order Sklad has not seen yet is dated by its sale).
 */
function saleOrder(r: z.infer<typeof saleRows>[number], status: 'delivered' | 'returned'): OrderFact {
  const priceMinor = Math.abs(rublesToMinor(r.priceWithDisc));
  return {
    externalId: r.srid,
    status,
    channelStatus: status === 'returned' ? 'returned' : 'bought out',
    orderedAt: wbInstant(r.date),
    currency: 'RUB',
    totalMinor: priceMinor,
    fulfilledBy: 'channel',
    lines: [
      {
        ref: { sku: r.supplierArticle || null, ean: r.barcode || null },
        sku: r.supplierArticle || r.barcode || String(r.nmId),
        externalSku: String(r.nmId ?? r.barcode),
        name: [r.subject, r.brand].filter(Boolean).join(' ') || r.supplierArticle || 'WB item',
        quantity: 1,
        priceMinor,
      },
    ],
    raw: { warehouseName: r.warehouseName, saleID: r.saleID },
  };
}

/** Stock per WB warehouse, each a mirror warehouse: the first run reads the whole report, later runs what changed. */
async function syncStocks(ctx: ConnectorContext, run: SyncRunCounter) {
  await readReport(
    ctx,
    'stocks',
    (await loadWb(ctx)).stocksFrom ?? '2019-06-20T00:00:00',
    stockRows,
    async (rows) => {
      run.add({ fetched: rows.length });
      const readings = rows.map((r): MirrorReading => {
        // On its way to a buyer it is still WB's stock, held for that buyer.
        const reserved = Math.max(0, r.inWayToClient);
        return {
          warehouse: {
            code: `wb-${ctx.account.id}-${r.warehouseName}`,
            name: `${ctx.account.name}: WB ${r.warehouseName}`,
            source: `wildberries:${r.warehouseName}`,
          },
          ref: { sku: r.supplierArticle || null, ean: r.barcode || null },
          onHand: Math.max(0, r.quantity) + reserved,
          reserved,
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
  const pages = pageGuard(ctx, 'GET /api/v3/orders', { start: next });
  for (;;) {
    const { body } = await wbCall(
      ctx,
      {
        family: 'marketplace',
        group: 'orders',
        method: 'GET',
        path: '/api/v3/orders',
        query: { limit: 1000, next, dateFrom, dateTo },
      },
      fbsOrdersPage,
    );
    tasks.push(...body.orders);
    if (!pages.more({ items: body.orders.length, limit: 1000, next: body.next })) break;
    next = body.next;
  }
  run.add({ fetched: tasks.length });
  const statuses = new Map<string, OrderStatusFact>();
  const outcomes = await outcomesOf(ctx);
  // WB reads the statuses of at most 1,000 tasks a request.
  for (let i = 0; i < tasks.length; i += 1000) {
    const chunk = tasks.slice(i, i + 1000);
    const { body } = await wbCall(
      ctx,
      {
        family: 'marketplace',
        group: 'orders',
        method: 'POST',
        path: '/api/v3/orders/status',
        body: { orders: chunk.map((t) => t.id) },
      },
      fbsStatuses,
    );
    const byId = new Map(body.orders.map((o) => [o.id, o]));
    countOrders(
      run,
      await ctx.ingest.orders(
        chunk.map((t) => {
          const s = byId.get(t.id);
          const fbsStatus = fbsOrderStatus(s?.supplierStatus, s?.wbStatus);
          // A return in the sales report is later than anything the task says; a buyout is, unless the task was cancelled.
          const outcome = outcomes.get(t.rid);
          const status =
            outcome === 'returned' || (outcome === 'delivered' && fbsStatus !== 'cancelled') ? outcome : fbsStatus;
          statuses.set(t.rid, status);
          return fbsOrder(t, status, [s?.supplierStatus, s?.wbStatus].filter(Boolean).join('/') || 'new');
        }),
      ),
    );
  }
  fbsStatusByRid.set(ctx.account.id, statuses);
}

/**
 * FBS assembly tasks created in the window, with their statuses, for the reconciler: nothing is
 * imported. Windows of at most 30 days (WB's maximum per request), dates in whole seconds.
 */
export async function* listWbFbsOrders(
  ctx: ConnectorContext,
  window: { from: string; to: string },
): AsyncIterable<OrderFact[]> {
  const end = Math.ceil(Date.parse(window.to) / 1000);
  for (let from = Math.floor(Date.parse(window.from) / 1000); from < end; from += 30 * 86_400) {
    const dateTo = Math.min(from + 30 * 86_400, end);
    const pages = pageGuard(ctx, 'GET /api/v3/orders', { start: 0 });
    for (let next = 0; ; ) {
      const { body } = await wbCall(
        ctx,
        {
          family: 'marketplace',
          group: 'orders',
          method: 'GET',
          path: '/api/v3/orders',
          query: { limit: 1000, next, dateFrom: from, dateTo },
        },
        fbsOrdersPage,
      );
      if (body.orders.length) {
        const { body: found } = await wbCall(
          ctx,
          {
            family: 'marketplace',
            group: 'orders',
            method: 'POST',
            path: '/api/v3/orders/status',
            body: { orders: body.orders.map((t) => t.id) },
          },
          fbsStatuses,
        );
        const byId = new Map(found.orders.map((o) => [o.id, o]));
        yield body.orders.map((t) => {
          const s = byId.get(t.id);
          return fbsOrder(
            t,
            fbsOrderStatus(s?.supplierStatus, s?.wbStatus),
            [s?.supplierStatus, s?.wbStatus].filter(Boolean).join('/') || 'new',
          );
        });
      }
      if (!pages.more({ items: body.orders.length, limit: 1000, next: body.next })) break;
      next = body.next;
    }
  }
}

/** An FBS assembly task: the seller ships it, so it writes stock off the warehouse core picks (settings.stockWarehouseId first). */
function fbsOrder(t: WbFbsOrder, status: OrderStatusFact, channelStatus: string): OrderFact {
  const priceMinor = t.price; // already in kopecks (price × 100)
  return {
    externalId: t.rid,
    postingNumber: String(t.id),
    status,
    channelStatus,
    orderedAt: new Date(t.createdAt).toISOString(),
    currency: 'RUB',
    totalMinor: priceMinor,
    fulfilledBy: 'seller',
    lines: [
      {
        ref: {
          listingExternalId: t.chrtId === undefined ? null : String(t.chrtId),
          sku: t.article || null,
          ean: t.skus[0] ?? null,
        },
        sku: t.article || String(t.chrtId),
        externalSku: String(t.chrtId ?? ''),
        name: t.article || `WB ${t.nmId}`,
        quantity: 1,
        priceMinor,
      },
    ],
    raw: { fbsTaskId: t.id, warehouseId: t.warehouseId },
  };
}

const claimStatus = (status: number) =>
  status === 0 ? 'pending' : status === 1 ? 'rejected' : status === 2 ? 'approved' : `status ${status}`;

/** Return claims of the last 14 days (all WB keeps), pending and archived. */
async function syncClaims(ctx: ConnectorContext, run: SyncRunCounter) {
  for (const archived of [false, true]) {
    const pages = pageGuard(ctx, 'GET /api/v1/claims');
    for (let offset = 0; ; offset += 200) {
      const { body } = await wbCall(
        ctx,
        {
          family: 'returns',
          group: 'claims',
          method: 'GET',
          path: '/api/v1/claims',
          query: { is_archive: archived, limit: 200, offset },
        },
        claimsAnswer,
      );
      run.add({ fetched: body.claims.length });
      // A claim names WB's card (nm_id), not one of our listings: kept as given, matched to no product.
      const { created } = await ctx.ingest.claims(
        body.claims.map((c) => ({
          externalId: c.id,
          orderExternalId: c.srid ?? null,
          status: claimStatus(c.status),
          reason: c.user_comment || null,
          claimedAt: wbInstant(c.dt),
          sku: c.nm_id ? String(c.nm_id) : null,
        })),
      );
      run.add({ created });
      if (!pages.more({ items: body.claims.length, limit: 200, total: body.total })) break;
    }
  }
}

/** Feedbacks with their rating, answered and not, created since the last run (first run: a month back). */
async function syncFeedbacks(ctx: ConnectorContext, run: SyncRunCounter) {
  const started = Math.floor(Date.now() / 1000);
  const from = (await loadWb(ctx)).feedbacksFrom ?? started - settingsOf(ctx.account).firstSyncDays * 86_400;
  for (const answered of [false, true]) {
    const pages = pageGuard(ctx, 'GET /api/v1/feedbacks');
    for (let skip = 0; ; skip += 5000) {
      const { body } = await wbCall(
        ctx,
        {
          family: 'feedbacks',
          group: 'feedbacks',
          method: 'GET',
          path: '/api/v1/feedbacks',
          query: { isAnswered: answered, take: 5000, skip, order: 'dateAsc', dateFrom: from - 600 },
        },
        feedbacksAnswer,
      );
      const list = (body.data?.feedbacks ?? []).filter((f) => f.productValuation >= 1 && f.productValuation <= 5);
      run.add({ fetched: list.length });
      const { created } = await ctx.ingest.reviews(
        list.map((f) => ({
          externalId: f.id,
          rating: f.productValuation,
          text: [f.text, f.pros && `+ ${f.pros}`, f.cons && `− ${f.cons}`].filter(Boolean).join('\n') || null,
          author: f.userName || null,
          answered: !!f.answer?.text,
          reviewedAt: wbInstant(f.createdDate),
          ref: { sku: f.productDetails.supplierArticle || null },
          productName: f.productDetails.productName ?? null,
        })),
      );
      run.add({ created });
      if (!pages.more({ items: body.data?.feedbacks.length ?? 0, limit: 5000 })) break;
    }
  }
  await saveWb(ctx, { feedbacksFrom: started });
}
