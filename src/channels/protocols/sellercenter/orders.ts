import type { ConnectorContext, SyncRunCounter } from '../../core/connector.ts';
import type { OrderFact, OrderStatusFact } from '../../core/facts.ts';
import { utcOf, type SellerCenterOrder, type SellerCenterOrderItem } from './answers.ts';
import type { SellerCenterClient } from './client.ts';
import { requestTimestamp } from './signature.ts';

/**
 * SellerCenter orders into Sklad's (CONTRACT.md §4). An order is its items, one item per unit,
 * each with a status of its own; the order's status in Sklad is what its items say together.
 * The `orders` job reads GetOrders by UpdatedAfter (updated_at ascending, Limit/Offset pages)
 * from a cursor in the account's state, saved after each stored page so a failed run resumes
 * at its page, and the items of each page with one GetMultipleOrderItems. Core ingestion
 * upserts by the order number, writes stock off once and returns it on a cancellation.
 */

/** Item statuses in Sklad's words (§4: the SDK's list; `packed` and the `return_*` ones are other instances'). */
const ITEM_STATUS: Record<string, OrderStatusFact> = {
  pending: 'new',
  packed: 'confirmed',
  // The seller's last step (tracking number set, the parcel waits for the carrier): Sklad's
  // "ship" action ends here, so a pull after it must not read the order back as confirmed.
  ready_to_ship: 'shipped',
  shipped: 'shipped',
  delivered: 'delivered',
  returned: 'returned',
  return_shipped_by_customer: 'returned',
  return_waiting_for_approval: 'returned',
  canceled: 'cancelled',
  // A failed delivery was never sold: the parcel comes back as it left, like a cancellation.
  failed: 'cancelled',
};

const PROGRESS: OrderStatusFact[] = ['new', 'confirmed', 'shipped', 'delivered'];

/** The order's channel status: its items' statuses, each once, in item order. */
export const channelStatusOf = (items: { Status: string }[]) => [...new Set(items.map((i) => i.Status))].join(',');

/**
 * All items cancelled: the order is; all the rest returned: returned; else the least
 * advanced of the items still sold (an order is shipped when its last item is). Core keeps an
 * order's lines as first stored, so an item cancelled alone does not return its unit.
 */
export function orderStatusOf(itemStatuses: string[]): OrderStatusFact {
  const open = itemStatuses.map((s) => ITEM_STATUS[s] ?? 'new').filter((s) => s !== 'cancelled');
  if (!open.length) return 'cancelled';
  const sold = open.filter((s) => s !== 'returned');
  if (!sold.length) return 'returned';
  return PROGRESS[Math.min(...sold.map((s) => PROGRESS.indexOf(s)))];
}

/** Digits after the point of a currency's minor unit (ISO 4217); 2 for the rest. */
const MINOR_DIGITS: Record<string, number> = { BHD: 3, JOD: 3, KWD: 3, OMR: 3, TND: 3, JPY: 0, KRW: 0 };

/** 129000 RUB → "1290.00": minor units as the decimal string the feeds take (Product/ProductsResponse.xml: "22000.00"), on the digits alone. */
export function minorToDecimal(minor: number, currency: string): string {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return minor < 0 ? `-${whole}` : whole;
}

/** "61800.00" → 6180000 in minor units, on the digits alone (never a float); a longer fraction rounds half up. */
export function decimalToMinor(value: string, currency: string): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a decimal amount`);
  const digits = MINOR_DIGITS[currency] ?? 2;
  const fraction = m[3] ?? '';
  const minor =
    Number(m[2]) * 10 ** digits +
    Number(fraction.padEnd(digits, '0').slice(0, digits) || '0') +
    (Number(fraction[digits] ?? '0') >= 5 ? 1 : 0);
  // Past 2^53 a number is no longer exact: an amount that large is refused, never rounded.
  if (!Number.isSafeInteger(minor)) throw new Error(`"${value}" is too large an amount to hold exactly`);
  return m[1] ? -minor : minor;
}

const addressLine = (a: SellerCenterOrder['AddressShipping']) =>
  a && typeof a === 'object' ? [a.Address1, a.Address2].filter(Boolean).join(', ') || null : null;

/** The order and its items as core ingestion takes them; dates are the instance's local time at `utcOffset`. */
export function toOrderFact(
  order: SellerCenterOrder,
  items: SellerCenterOrderItem[],
  utcOffset: number,
  fallbackCurrency: string,
): OrderFact {
  const currency = items.find((i) => /^[A-Z]{3}$/.test(i.Currency))?.Currency ?? fallbackCurrency;
  // One item per unit: units of a SKU at one price are one line.
  const lines = new Map<string, OrderFact['lines'][number]>();
  for (const item of items) {
    const key = `${item.Sku}\u0000${item.PaidPrice}`;
    const line = lines.get(key);
    if (line) line.quantity++;
    else {
      // Sklad's order lines hold names of up to 500 characters: a longer one is cut, not refused.
      lines.set(key, {
        ref: { sku: item.Sku },
        sku: item.Sku,
        externalSku: item.ShopSku || null,
        name: (item.Name || item.Sku).slice(0, 500),
        quantity: 1,
        priceMinor: decimalToMinor(item.PaidPrice, currency),
      });
    }
  }
  const ship = typeof order.AddressShipping === 'object' ? order.AddressShipping : {};
  const bill = typeof order.AddressBilling === 'object' ? order.AddressBilling : {};
  const name = `${order.CustomerFirstName} ${order.CustomerLastName}`.trim() || null;
  const recipient = [ship.FirstName, ship.LastName].filter(Boolean).join(' ') || name;
  const email = ship.CustomerEmail || bill.CustomerEmail || null;
  const phone = ship.Phone || bill.Phone || null;
  return {
    externalId: order.OrderNumber,
    status: orderStatusOf(items.map((i) => i.Status)),
    channelStatus: channelStatusOf(items),
    orderedAt: utcOf(order.CreatedAt, utcOffset),
    currency,
    totalMinor: decimalToMinor(order.Price, currency),
    // 'Own Warehouse' items ship from the marketplace's stock (its fulfilment), moving none of ours.
    fulfilledBy: items.every((i) => i.ShippingType === 'Own Warehouse') ? 'channel' : 'seller',
    customer: { name, email, phone },
    shipping: {
      provider: items.find((i) => i.ShipmentProvider)?.ShipmentProvider ?? null,
      recipient: { name: recipient, phone, email },
      address: {
        countryCode: null,
        region: ship.Region || null,
        city: ship.City || null,
        address: addressLine(ship),
        postalCode: ship.PostCode || null,
      },
    },
    lines: [...lines.values()],
    raw: {
      orderId: order.OrderId,
      paymentMethod: order.PaymentMethod ?? null,
      items: items.map((i) => ({
        id: i.OrderItemId,
        sku: i.Sku,
        status: i.Status,
        reason: i.Reason || undefined,
        tracking: i.TrackingCode || undefined,
      })),
    },
  };
}

interface OrdersState {
  /** Orders updated after this are read on the next run. */
  updatedAfter?: string;
  /** A run in progress: its filter and the offset of the page to read next. */
  window?: { updatedAfter: string; startedAt: string; offset: number };
}

type AccountState = { orders?: OrdersState } & Record<string, unknown>;

/** Changes a little before the last run's start are read again: its pages and the instance's clock are not one instant. */
const OVERLAP_MS = 5 * 60_000;

export interface OrderSyncOptions {
  /** How far back the first run reads. */
  orderDays: number;
  /** The currency when an answer names none. */
  currency: string;
}

export async function syncSellerCenterOrders(
  client: SellerCenterClient,
  ctx: ConnectorContext,
  run: SyncRunCounter,
  options: OrderSyncOptions,
): Promise<void> {
  const state: OrdersState = { ...(await ctx.loadState<AccountState>())?.orders };
  const started = Date.now();
  const window = state.window ?? {
    updatedAfter: new Date(
      state.updatedAfter ? Date.parse(state.updatedAfter) - OVERLAP_MS : started - options.orderDays * 86_400_000,
    ).toISOString(),
    startedAt: new Date(started).toISOString(),
    offset: 0,
  };
  const save = async (patch: OrdersState) => {
    const latest = (await ctx.loadState<AccountState>()) ?? {};
    await ctx.saveState({ ...latest, orders: patch });
  };
  const filter = {
    UpdatedAfter: requestTimestamp(new Date(window.updatedAfter)),
    SortBy: 'updated_at',
    SortDirection: 'ASC',
  };
  for await (const page of client.orderPages(ctx, filter, window.offset)) {
    run.add({ fetched: page.orders.length });
    const items = await client.orderItems(
      ctx,
      page.orders.map((o) => o.OrderId),
    );
    // An order listed twice in a page is imported once (the last listing wins).
    const facts = new Map<string, OrderFact>();
    for (const order of page.orders) {
      const own = items.get(order.OrderId) ?? [];
      if (!own.length) {
        run.problem(`${client.title} gave no items for order ${order.OrderNumber}: it is read again when it changes`, {
          orderId: order.OrderId,
        });
        continue;
      }
      try {
        facts.set(order.OrderNumber, toOrderFact(order, own, page.utcOffset, options.currency));
      } catch (error) {
        // One order Sklad cannot hold (an amount too large) is its own problem; the page's others go on.
        run.problem(`${client.title} order ${order.OrderNumber} was not imported: ${(error as Error).message}`, {
          orderId: order.OrderId,
        });
        run.add({ failed: 1 });
      }
    }
    for (const result of await ctx.ingest.orders([...facts.values()]))
      run.add(result.created ? { created: 1 } : result.statusChanged ? { updated: 1 } : {});
    window.offset = page.next;
    await save({ ...state, window });
    await ctx.progress({ done: window.offset, message: `${client.title} orders` });
  }
  await save({ updatedAfter: window.startedAt });
}

/** Orders created in the window (GetOrders CreatedAfter/CreatedBefore), with their items, for the reconciler: nothing is imported. */
export async function* listSellerCenterOrders(
  client: SellerCenterClient,
  ctx: ConnectorContext,
  window: { from: string; to: string },
  options: OrderSyncOptions,
): AsyncIterable<OrderFact[]> {
  // The platform keeps seconds and both bounds exclude: widened to whole seconds, so the window's first and last second are listed.
  const second = (iso: string, round: (n: number) => number) => new Date(round(Date.parse(iso) / 1000) * 1000);
  const filter = {
    CreatedAfter: requestTimestamp(new Date(second(window.from, Math.floor).getTime() - 1000)),
    CreatedBefore: requestTimestamp(second(window.to, (n) => Math.floor(n) + 1)),
    SortBy: 'created_at',
    SortDirection: 'ASC',
  };
  for await (const page of client.orderPages(ctx, filter)) {
    const items = await client.orderItems(
      ctx,
      page.orders.map((o) => o.OrderId),
    );
    yield page.orders.map((o) => toOrderFact(o, items.get(o.OrderId) ?? [], page.utcOffset, options.currency));
  }
}

/** Recent orders looked through for an order number GetOrder does not know as an OrderId (§4 has no OrderNumber filter). */
const NUMBER_SEARCH_PAGES = 10;

/** The order of this OrderNumber among those created in the last `days` (newest first), or null. */
export async function findSellerCenterOrder(
  client: SellerCenterClient,
  ctx: ConnectorContext,
  number: string,
  days: number,
): Promise<{ order: SellerCenterOrder; utcOffset: number } | null> {
  let pages = 0;
  const since = requestTimestamp(new Date(Date.now() - days * 86_400_000));
  for await (const page of client.orderPages(ctx, {
    CreatedAfter: since,
    SortBy: 'created_at',
    SortDirection: 'DESC',
  })) {
    const found = page.orders.find((o) => o.OrderNumber === number);
    if (found) return { order: found, utcOffset: page.utcOffset };
    if (++pages >= NUMBER_SEARCH_PAGES) break;
  }
  return null;
}

/** One order by its OrderNumber (what the seller and the buyer see) or its OrderId; null when neither finds it. */
export async function fetchSellerCenterOrder(
  client: SellerCenterClient,
  ctx: ConnectorContext,
  number: string,
  options: OrderSyncOptions,
): Promise<OrderFact | null> {
  const wanted = number.trim();
  if (/^\d+$/.test(wanted)) {
    const byId = await client.order(ctx, wanted);
    if (byId) return toOrderFact(byId.order, byId.items, byId.utcOffset, options.currency);
  }
  const found = await findSellerCenterOrder(client, ctx, wanted, options.orderDays);
  if (!found) return null;
  const items = (await client.orderItems(ctx, [found.order.OrderId])).get(found.order.OrderId) ?? [];
  return items.length ? toOrderFact(found.order, items, found.utcOffset, options.currency) : null;
}
