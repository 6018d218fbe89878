import { ChannelHttpError, type ConnectorContext, type SyncRunCounter } from '../core/connector.ts';
import type { OrderFact, OrderStatusFact } from '../core/facts.ts';
import { pageGuard } from '../core/paging.ts';
import { kaspiGet, parseAnswer, settingsOf, UnexpectedAnswer } from './client.ts';
import { describeIssues, entryList, kaspiOrder, orderPage, type KaspiEntry, type KaspiOrder } from './types.ts';

/**
 * Kaspi orders into Sklad's orders, keyed by the order code people see (CONTRACT.md §2–§4).
 *
 * Kaspi lists orders only by creation date, in a bounded window, and has no "changed since"
 * filter; so each run reads every order created since the last run's end or within `orderDays`
 * (whichever reaches further back), window by window, page by page, and imports those whose
 * status it has not imported yet (remembered per code in the connector's state while the order
 * is followed). Only those cost an entries request. The window and page are saved after each
 * page, so a killed run resumes there; a replayed page changes nothing (ingestion upserts by
 * code). The seller ships every Kaspi order, so core writes it off the account's warehouse.
 */

const DAY = 86_400_000;
/** §2 [3P]: the window is reported as at most 14 days, and one integrator's code keeps to 3: 3 holds under either. */
const WINDOW_MS = 3 * DAY;
/** §2: the most a page holds. */
const PAGE_SIZE = 100;
/** What Sklad's orders hold at most (src/orders/service.ts): a longer name is cut, more units is an order refused. */
const MAX_NAME = 500;
const MAX_UNITS = 1_000_000;
/** Orders created just before the last run ended may have been saved by Kaspi after it read them. */
const OVERLAP_MS = 10 * 60_000;

interface OrdersState {
  /** Orders created up to here were read at least once. */
  readUntil?: number;
  /** A run in progress: its end, the window it reads from, and the page to read next. */
  run?: { end: number; from: number; page: number };
  /** Per order code: the Kaspi status last imported, and the order's creation date (to forget it later). */
  seen?: Record<string, [status: string, createdAt: number]>;
}

type AccountState = { orders?: OrdersState } & Record<string, unknown>;

/** Kaspi's status (and whether the courier took it) in Sklad's words. */
function orderStatusOf(order: KaspiOrder): OrderStatusFact {
  const a = order.attributes;
  const withCourier = Boolean(a.kaspiDelivery?.courierTransmissionDate ?? a.courierTransmissionDate);
  switch (a.status) {
    case 'APPROVED_BY_BANK':
      return 'new';
    case 'ACCEPTED_BY_MERCHANT':
      return withCourier ? 'shipped' : 'confirmed';
    // A cancellation under way: the goods may be coming back; the stock returns when Kaspi says CANCELLED.
    case 'CANCELLING':
      return withCourier ? 'shipped' : 'confirmed';
    case 'COMPLETED':
      return 'delivered';
    // The buyer has it and asked to return it: it is the buyer's until Kaspi says RETURNED.
    case 'KASPI_DELIVERY_RETURN_REQUESTED':
      return 'delivered';
    case 'CANCELLED':
      return 'cancelled';
    case 'RETURNED':
      return 'returned';
  }
}

/** What a run remembers of an order: a change of it is what makes the order imported again. */
const followKey = (order: KaspiOrder) => `${order.attributes.status}/${order.attributes.state}/${orderStatusOf(order)}`;

export async function listOrders(
  ctx: ConnectorContext,
  window: { from: number; to: number; page: number; size?: number },
  attempts?: number,
) {
  return kaspiGet(
    ctx,
    '/orders',
    {
      'page[number]': window.page,
      'page[size]': window.size ?? PAGE_SIZE,
      'filter[orders][creationDate][$ge]': window.from,
      'filter[orders][creationDate][$le]': window.to,
    },
    orderPage,
    { attempts },
  );
}

async function entriesOf(ctx: ConnectorContext, order: KaspiOrder): Promise<KaspiEntry[]> {
  return (await kaspiGet(ctx, `/orders/${encodeURIComponent(order.id)}/entries`, {}, entryList)).data;
}

function toOrder(order: KaspiOrder, entries: KaspiEntry[]): OrderFact {
  const a = order.attributes;
  const lines = entries.map((e) => ({
    // The offer code is the seller's: the price list's sku, which is Sklad's SKU.
    ref: { sku: e.attributes.offer.code },
    sku: e.attributes.offer.code,
    externalSku: e.relationships?.product?.data?.id ?? null,
    name: (e.attributes.offer.name || e.attributes.offer.code).slice(0, MAX_NAME),
    quantity: e.attributes.quantity,
    priceMinor: e.attributes.basePrice,
  }));
  const name = a.customer?.name || [a.customer?.firstName, a.customer?.lastName].filter(Boolean).join(' ') || null;
  return {
    externalId: a.code,
    status: orderStatusOf(order),
    channelStatus: a.status,
    orderedAt: new Date(a.creationDate).toISOString(),
    currency: 'KZT',
    totalMinor: a.totalPrice,
    fulfilledBy: 'seller',
    customer: a.customer ? { kaspiId: a.customer.id ?? null, name, phone: a.customer.cellPhone ?? null } : null,
    shipping: {
      methodId: a.deliveryMode ?? null,
      methodName: a.isKaspiDelivery ? 'Kaspi Delivery' : (a.deliveryMode ?? null),
      warehouseId: a.pickupPointId ?? null,
      provider: a.isKaspiDelivery ? 'Kaspi' : null,
      recipient: { name, phone: a.customer?.cellPhone ?? null },
      address: a.deliveryAddress
        ? {
            countryCode: 'KZ',
            city: a.deliveryAddress.town ?? null,
            address: a.deliveryAddress.formattedAddress ?? null,
          }
        : null,
    },
    lines,
    raw: {
      id: order.id,
      state: a.state,
      deliveryMode: a.deliveryMode,
      waybillNumber: a.kaspiDelivery?.waybillNumber ?? undefined,
      cancellationReason: a.cancellationReason ?? undefined,
    },
  };
}

/**
 * Orders created in the window, page by page, for the reconciler: their lines live under each
 * order (one request per order), so they are left out and the order is compared by status and
 * total. Windows of at most WINDOW_MS, as the pull reads them.
 */
export async function* listKaspiOrders(
  ctx: ConnectorContext,
  window: { from: string; to: string },
): AsyncIterable<OrderFact[]> {
  const end = Date.parse(window.to) - 1;
  for (let from = Date.parse(window.from); from <= end; from += WINDOW_MS) {
    const to = Math.min(from + WINDOW_MS - 1, end);
    const pages = pageGuard(ctx, 'GET /orders');
    for (let page = 0; ; page++) {
      const answer = await listOrders(ctx, { from, to, page });
      yield answer.data.map((row, i) => toOrder(parseAnswer(kaspiOrder, row, `GET /orders data[${i}]`), []));
      if (!pages.more(pageSeen(answer, page))) break;
    }
  }
}

/** §3: one order by its code, for the support tools' re-import; null when Kaspi has none. */
export async function fetchKaspiOrder(ctx: ConnectorContext, code: string): Promise<OrderFact | null> {
  const page = await kaspiGet(
    ctx,
    '/orders',
    { 'page[number]': 0, 'page[size]': 1, 'filter[orders][code]': code.trim() },
    orderPage,
  );
  if (!page.data.length) return null;
  const order = parseAnswer(kaspiOrder, page.data[0], 'GET /orders data[0]');
  return toOrder(order, await entriesOf(ctx, order));
}

export async function syncKaspiOrders(ctx: ConnectorContext, run: SyncRunCounter): Promise<void> {
  const settings = settingsOf(ctx.account);
  const now = Date.now();
  const loaded = (await ctx.loadState<AccountState>())?.orders ?? {};
  const seen = { ...loaded.seen };
  const followFrom = now - settings.orderDays * DAY;
  const from = loaded.readUntil === undefined ? followFrom : Math.min(followFrom, loaded.readUntil - OVERLAP_MS);
  const progress = loaded.run ?? { end: now, from, page: 0 };
  const save = async (patch: OrdersState) => {
    // Merged into what is there now: the price list's token lives in the same state.
    const latest = (await ctx.loadState<AccountState>()) ?? {};
    await ctx.saveState({ ...latest, orders: patch });
  };

  let pages = pageGuard(ctx, 'GET /orders');
  while (progress.from <= progress.end) {
    const to = Math.min(progress.from + WINDOW_MS, progress.end);
    const page = await listOrders(ctx, { from: progress.from, to, page: progress.page });
    run.add({ fetched: page.data.length });
    await importPage(ctx, run, page.data, seen);
    if (pages.more(pageSeen(page, progress.page))) progress.page++;
    else {
      // The window is read (or its pages stopped making sense: the guard said why); the next one starts afresh.
      Object.assign(progress, { from: to + 1, page: 0 });
      pages = pageGuard(ctx, 'GET /orders');
    }
    await save({ readUntil: loaded.readUntil, run: progress, seen });
    await ctx.progress({
      message: `Kaspi orders created up to ${new Date(Math.min(progress.from, progress.end)).toISOString()} read`,
    });
  }
  // Orders created before the followed days are not read again: their statuses are forgotten too.
  for (const [code, [, createdAt]] of Object.entries(seen)) if (createdAt < followFrom - WINDOW_MS) delete seen[code];
  await save({ readUntil: progress.end, seen });
}

/**
 * What the guard is told of a page: its orders, the page count Kaspi gave, and as the "cursor"
 * the orders it holds: a page of the very orders of one before is Kaspi answering the same page
 * whatever was asked, and page numbers would then never end.
 */
function pageSeen(answer: { data: unknown[]; meta: { pageCount: number } }, page: number) {
  const ids = answer.data.map((row) => nameOf(row) ?? '?');
  return {
    items: answer.data.length,
    limit: PAGE_SIZE,
    hasNext: page + 1 < answer.meta.pageCount,
    next: ids.length ? `${ids[0]}…${ids.at(-1)} (${ids.length})` : null,
  };
}

/** Imports a page's orders that are new or changed; one of an unexpected shape is a problem naming the field, and the others go on. */
async function importPage(
  ctx: ConnectorContext,
  run: SyncRunCounter,
  data: unknown[],
  seen: Record<string, [string, number]>,
) {
  // An order listed twice in a page is read once (the last listing wins): one entries request, one upsert.
  const changedByCode = new Map<string, KaspiOrder>();
  for (const [i, row] of data.entries()) {
    const parsed = kaspiOrder.safeParse(row);
    if (!parsed.success) {
      run.problem(`Kaspi order ${nameOf(row) ?? `data[${i}]`}: ${describeIssues(parsed.error)}`, {
        order: nameOf(row),
      });
      run.add({ failed: 1 });
    } else if (seen[parsed.data.attributes.code]?.[0] !== followKey(parsed.data))
      changedByCode.set(parsed.data.attributes.code, parsed.data);
  }
  const changed = [...changedByCode.values()];
  const fetched = await Promise.all(
    changed.map(async (order) => {
      try {
        const entries = await entriesOf(ctx, order);
        const tooMany = entries.find((e) => e.attributes.quantity > MAX_UNITS);
        if (tooMany)
          throw new UnexpectedAnswer(
            `its entry ${tooMany.id} has ${tooMany.attributes.quantity} units, more than an order line holds (${MAX_UNITS})`,
          );
        if (!entries.length) throw new UnexpectedAnswer('Kaspi listed no entries for it');
        return { order, entries };
      } catch (error) {
        // An order Kaspi cannot show now (404, a refused request) is this order's problem; the key's refusal and an outage are the run's.
        const ownProblem =
          error instanceof UnexpectedAnswer ||
          (error instanceof ChannelHttpError && !error.retryable && error.status !== 401 && error.status !== 403);
        if (!ownProblem) throw error;
        run.problem(`Kaspi order ${order.attributes.code}: ${error.message}`, { order: order.attributes.code });
        run.add({ failed: 1 });
        return null;
      }
    }),
  );
  const ready = fetched.filter((f) => f !== null);
  if (!ready.length) return;
  const results = await ctx.ingest.orders(ready.map(({ order, entries }) => toOrder(order, entries)));
  // By code: core leaves out an order it cannot keep (a problem of the run), so results need not pair by index.
  const byCode = new Map(ready.map((r) => [r.order.attributes.code, r]));
  for (const result of results) {
    const { order } = byCode.get(result.externalId)!;
    run.add(result.created ? { created: 1 } : result.statusChanged ? { updated: 1 } : {});
    if (result.unmatched.length) {
      const code = order.attributes.code;
      run.problem(`Kaspi order ${code}: no product has SKU ${result.unmatched.join(', ')}; its stock was not moved`, {
        order: code,
      });
    }
    seen[order.attributes.code] = [followKey(order), order.attributes.creationDate];
  }
}

/** The code (or id) of an order that did not parse, to name it in the problem. */
function nameOf(row: unknown): string | null {
  const r = row as { id?: unknown; attributes?: { code?: unknown } } | null;
  const name = r?.attributes?.code ?? r?.id;
  return typeof name === 'string' || typeof name === 'number' ? String(name) : null;
}
