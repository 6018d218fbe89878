import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';

/**
 * The dashboard's and the reports' three figures (issue 20, docs/decisions/220), each one
 * set-based query on either database. Money stays in minor units and per currency: an order in
 * tenge and one in roubles are never added together. Days are UTC days; a window is whole days
 * ending with `to` (today by default), so the same request answers the same rows all day.
 */

/** Orders that did not stay sold: they count as orders, their totals not as revenue. */
const NOT_KEPT = ['cancelled', 'returned'];

export interface DayWindow {
  /** The first day, YYYY-MM-DD (UTC). */
  from: string;
  /** The last day, included. */
  to: string;
  days: number;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `days` whole UTC days ending with `to` (today when not given). */
export function dayWindow(days: number, to?: string, now = new Date()): DayWindow {
  const last = Date.parse(`${to ?? dayOf(now.getTime())}T00:00:00Z`);
  return { from: dayOf(last - (days - 1) * DAY_MS), to: dayOf(last), days };
}

/** Every day of the window in order: a chart's axis has the days nothing was ordered on too. */
export const daysOf = (w: DayWindow) =>
  Array.from({ length: w.days }, (_, i) => dayOf(Date.parse(`${w.from}T00:00:00Z`) + i * DAY_MS));

/** The window's bounds as instants: from its first midnight to the midnight after its last day. */
const bounds = (w: DayWindow) => ({
  start: `${w.from}T00:00:00Z`,
  end: new Date(Date.parse(`${w.to}T00:00:00Z`) + DAY_MS).toISOString(),
});

export interface OrdersDayRow {
  day: string;
  channel: string;
  currency: string;
  /** Every order placed that day, whatever became of it. */
  orders: number;
  /** Of them, cancelled or returned. */
  cancelled: number;
  /** The totals of the others, in minor units of `currency`. */
  revenue_minor: number;
}

export interface OrdersReport {
  window: DayWindow;
  /** One row per day, channel and currency that had an order, by day then channel. */
  rows: OrdersDayRow[];
  /** The window's sums per currency. */
  totals: { currency: string; orders: number; cancelled: number; revenue_minor: number }[];
}

/** Orders and revenue per channel per UTC day over the window, per currency. */
export async function ordersByDay(ex: Executor, window: DayWindow): Promise<OrdersReport> {
  const { start, end } = bounds(window);
  const found = await rows<OrdersDayRow>(
    ex,
    sql`
    select to_char((o.ordered_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day, o.channel, o.currency,
           count(*)::int as orders,
           (count(*) filter (where o.status = any(${sql.param(NOT_KEPT)}::text[])))::int as cancelled,
           coalesce(sum(o.total_minor) filter (where not (o.status = any(${sql.param(NOT_KEPT)}::text[]))), 0)::float8 as revenue_minor
      from orders o
     where o.ordered_at >= ${start}::timestamptz and o.ordered_at < ${end}::timestamptz
     group by 1, 2, 3
     order by 1, 2, 3`,
  );
  const totals = new Map<string, OrdersReport['totals'][number]>();
  for (const r of found) {
    const sum = totals.get(r.currency) ?? { currency: r.currency, orders: 0, cancelled: 0, revenue_minor: 0 };
    sum.orders += r.orders;
    sum.cancelled += r.cancelled;
    sum.revenue_minor += r.revenue_minor;
    totals.set(r.currency, sum);
  }
  // The currency most orders were in first: the one a chart shows first.
  return {
    window,
    rows: found,
    totals: [...totals.values()].sort((a, b) => b.orders - a.orders || a.currency.localeCompare(b.currency)),
  };
}

export interface StockValueRow {
  warehouse_id: number;
  code: string;
  name: string;
  /** Null: the products here that have no base price (their units are counted, not valued). */
  currency: string | null;
  products: number;
  units: number;
  /** On hand × base price, in minor units of `currency`; null without a price. */
  value_minor: number | null;
}

export interface StockValueReport {
  rows: StockValueRow[];
  /** Every own warehouse's value per currency. */
  totals: { currency: string; units: number; value_minor: number }[];
  /** Units on hand of products without a base price, and how many such products hold them. */
  unpriced: { products: number; units: number };
}

/**
 * What the stock on hand in each own warehouse is worth at the products' base prices
 * (src/pricing), per currency. A marketplace's mirror warehouse is left out: its numbers are
 * the channel's reading of stock it keeps, not stock of ours. Archived products are left out.
 */
export async function stockValue(ex: Executor): Promise<StockValueReport> {
  const found = await rows<StockValueRow>(
    ex,
    sql`
    select w.id::int as warehouse_id, w.code, w.name, pp.currency,
           count(*)::int as products, sum(l.on_hand)::float8 as units,
           sum(l.on_hand * pp.amount)::float8 as value_minor
      from stock_levels l
      join warehouses w on w.id = l.warehouse_id and w.kind = 'own' and w.archived_at is null
      join products p on p.id = l.product_id and p.archived_at is null
      left join product_prices pp on pp.product_id = l.product_id
     where l.on_hand > 0
     group by w.id, w.code, w.name, pp.currency
     order by w.code, pp.currency nulls last`,
  );
  const [unpriced] = await rows<{ products: number; units: number }>(
    ex,
    sql`
    select count(distinct l.product_id)::int as products, coalesce(sum(l.on_hand), 0)::float8 as units
      from stock_levels l
      join warehouses w on w.id = l.warehouse_id and w.kind = 'own' and w.archived_at is null
      join products p on p.id = l.product_id and p.archived_at is null
     where l.on_hand > 0 and not exists (select 1 from product_prices pp where pp.product_id = l.product_id)`,
  );
  const totals = new Map<string, StockValueReport['totals'][number]>();
  for (const r of found) {
    if (r.currency === null || r.value_minor === null) continue;
    const sum = totals.get(r.currency) ?? { currency: r.currency, units: 0, value_minor: 0 };
    sum.units += r.units;
    sum.value_minor += r.value_minor;
    totals.set(r.currency, sum);
  }
  return {
    rows: found,
    totals: [...totals.values()].sort((a, b) => b.units - a.units || a.currency.localeCompare(b.currency)),
    unpriced,
  };
}

export interface CoverRow {
  product_id: number;
  sku: string;
  name: string;
  /** Available (on hand less reserved) in own warehouses. */
  available: number;
  /** Units on the window's orders that were not cancelled or returned. */
  units_sold: number;
  /** units_sold ÷ the window's days, to two places. */
  per_day: number;
  /** available ÷ per_day, to one place: how many days the stock lasts at that rate. */
  days_of_cover: number;
}

export interface CoverReport {
  window: DayWindow;
  /** The products that run out soonest, fewest days first (then by SKU). */
  items: CoverRow[];
  /** Products that sold nothing in the window: no rate, so no days of cover; they are left out of `items`. */
  without_sales: number;
}

/**
 * The products closest to running out at their recent sales rate: available stock ÷ the
 * average units sold per day over the window. A product that sold nothing in it has no rate
 * and is counted in `without_sales` instead.
 */
export async function daysOfCover(ex: Executor, window: DayWindow, limit = 10): Promise<CoverReport> {
  const { start, end } = bounds(window);
  const items = await rows<CoverRow>(
    ex,
    sql`
    with sold as (
      select l.product_id, sum(l.quantity)::numeric as units
        from order_lines l join orders o on o.id = l.order_id
       where l.product_id is not null and not (o.status = any(${sql.param(NOT_KEPT)}::text[]))
         and o.ordered_at >= ${start}::timestamptz and o.ordered_at < ${end}::timestamptz
       group by l.product_id),
    stock as (
      select l.product_id, sum(l.available)::numeric as available
        from stock_levels l join warehouses w on w.id = l.warehouse_id and w.kind = 'own' and w.archived_at is null
       group by l.product_id)
    select p.id::int as product_id, p.sku, p.name, coalesce(s.available, 0)::float8 as available, d.units::float8 as units_sold,
           round(d.units / ${window.days}::int, 2)::float8 as per_day,
           round(coalesce(s.available, 0) * ${window.days}::int / d.units, 1)::float8 as days_of_cover
      from sold d
      join products p on p.id = d.product_id and p.archived_at is null
      left join stock s on s.product_id = d.product_id
     order by coalesce(s.available, 0) / d.units, p.sku
     limit ${limit}`,
  );
  const [none] = await rows<{ n: number }>(
    ex,
    sql`
    select count(*)::int as n from products p
     where p.archived_at is null and not exists (
       select 1 from order_lines l join orders o on o.id = l.order_id
        where l.product_id = p.id and not (o.status = any(${sql.param(NOT_KEPT)}::text[]))
          and o.ordered_at >= ${start}::timestamptz and o.ordered_at < ${end}::timestamptz)`,
  );
  return { window, items, without_sales: none.n };
}
