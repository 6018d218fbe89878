import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { readKeysetPage, type KeysetSort } from '../shared/cursor.ts';
import { notFound } from '../shared/errors.ts';
import { availableActions, listOrderActions } from './actions.ts';
import type { OrderStatus } from './service.ts';

export interface OrderFilter {
  accountIds?: number[];
  channel?: string;
  status?: OrderStatus | 'active';
  /**
   * Matches any id support may have (seed 004): Sklad's order id, the marketplace's order id,
   * the posting number, the CRM deal id, the delivery number (`OZ-{posting number}`, the
   * delivery service's number).
   */
  q?: string;
  /** The CRM export state; the seed's `send_error_bitrix` is `send_error`. */
  crmState?: 'not_sent' | 'sent' | 'send_error' | 'send_error_bitrix';
  from?: string;
  to?: string;
  limit: number;
  offset: number;
  /** The column the list is sorted by (the id breaks ties), newest or largest first unless `direction` is asc. */
  sort?: OrderSort;
  direction?: 'asc' | 'desc';
  /** next_cursor of the previous page: the page after it (offset is then not used). */
  cursor?: string;
  /** prev_cursor of a page: the page before it. */
  before?: string;
}

export const orderSorts = ['ordered_at', 'updated_at', 'total_minor'] as const;
type OrderSort = (typeof orderSorts)[number];
// Timestamps go into the cursor to the microsecond (iso() keeps milliseconds), so no row is skipped between pages.
const microseconds = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const orderSort = (sort: OrderSort, desc: boolean): KeysetSort => {
  const column =
    sort === 'ordered_at' ? sql`o.ordered_at` : sort === 'updated_at' ? sql`o.updated_at` : sql`o.total_minor`;
  const key = `${sort}:${desc ? 'desc' : 'asc'}`;
  if (sort === 'total_minor') return { key, column, id: sql`o.id`, desc, read: column, kind: 'integer' };
  return { key, column, id: sql`o.id`, desc, read: microseconds(column), kind: 'time' };
};

export interface OrderSummary {
  id: number;
  account_id: number | null;
  channel: string;
  external_id: string;
  posting_number: string | null;
  status: OrderStatus;
  channel_status: string | null;
  ordered_at: string;
  currency: string;
  total_minor: number;
  items: number;
  stock_note: string | null;
  crm_state: string;
  crm_id: string | null;
  delivery_state: string;
  delivery_id: string | null;
  updated_at: string;
}

const ACTIVE = sql`o.status not in ('cancelled', 'returned')`;

function orderWhere(f: Omit<OrderFilter, 'limit' | 'offset' | 'status'> & { status?: OrderFilter['status'] }): SQL {
  const parts: SQL[] = [sql`true`];
  if (f.accountIds) parts.push(sql`o.account_id = any(${sql.param(f.accountIds)}::bigint[])`);
  if (f.channel) parts.push(sql`o.channel = ${f.channel}`);
  if (f.status === 'active') parts.push(ACTIVE);
  else if (f.status) parts.push(sql`o.status = ${f.status}`);
  if (f.q) parts.push(anyIdIs(f.q));
  if (f.crmState) parts.push(sql`o.crm_state = ${f.crmState === 'send_error_bitrix' ? 'send_error' : f.crmState}`);
  if (f.from) parts.push(sql`o.ordered_at >= ${f.from}`);
  if (f.to) parts.push(sql`o.ordered_at < ${f.to}`);
  return sql.join(parts, sql` and `);
}

function anyIdIs(q: string): SQL {
  const ids = [
    sql`o.external_id = ${q}`,
    sql`o.posting_number = ${q}`,
    sql`o.crm_id = ${q}`,
    sql`o.delivery_id = ${q}`,
  ];
  if (/^\d{1,15}$/.test(q)) ids.push(sql`o.id = ${Number(q)}`);
  const posting = /^OZ-(.+)$/i.exec(q)?.[1];
  if (posting) ids.push(sql`o.posting_number = ${posting}`);
  return sql`(${sql.join(ids, sql` or `)})`;
}

const orderColumns = sql`o.id, o.account_id, o.channel, o.external_id, o.posting_number, o.status, o.channel_status,
  iso(o.ordered_at) as ordered_at, o.currency, o.total_minor,
  (select coalesce(sum(quantity), 0)::int from order_lines l where l.order_id = o.id) as items,
  o.stock_note, o.crm_state, o.crm_id, o.delivery_state, o.delivery_id, iso(o.updated_at) as updated_at`;

/**
 * A page of orders, sorted by `sort` (default ordered_at, newest first) with the id breaking ties;
 * `next_cursor` reads the page after this one by keyset (rows stored meanwhile do not shift it),
 * `prev_cursor` the one before.
 */
export async function listOrders(
  ex: Executor,
  f: OrderFilter,
): Promise<{ items: OrderSummary[]; total: number; next_cursor: string | null; prev_cursor: string | null }> {
  const where = orderWhere(f);
  const sort = orderSort(f.sort ?? 'ordered_at', (f.direction ?? 'desc') === 'desc');
  const page = await readKeysetPage<OrderSummary>(ex, sort, f, { columns: orderColumns, from: sql`orders o`, where });
  const [count] = await rows<{ n: number }>(ex, sql`select count(*)::int as n from orders o where ${where}`);
  return { ...page, total: count.n };
}

export async function getOrder(ex: Executor, id: number) {
  const [order] = await rows<
    OrderSummary & {
      customer: unknown;
      shipping: unknown;
      warehouse_id: number | null;
      crm_error: string | null;
      delivery_error: string | null;
    }
  >(
    ex,
    sql`select ${orderColumns}, o.customer, o.shipping, o.warehouse_id, o.crm_error, o.delivery_error from orders o where o.id = ${id}`,
  );
  if (!order) throw notFound('Order', id);
  const lines = await rows(
    ex,
    sql`select line_no, product_id, sku, external_sku, name, quantity, price_minor from order_lines where order_id = ${id} order by line_no`,
  );
  const history = await rows(
    ex,
    sql`select status, channel_status, iso(at) as at, actor from order_status_history where order_id = ${id} order by id`,
  );
  // The ledger rows the order caused (its write-offs and returns), found by their references (service.ts lineRef).
  const movements = await rows(
    ex,
    sql`select m.id, m.type, m.product_id, p.sku, m.warehouse_id, w.name as warehouse_name, m.quantity::int as quantity, m.reference,
               iso(m.created_at) as at
          from stock_movements m join products p on p.id = m.product_id join warehouses w on w.id = m.warehouse_id
         where m.reference like ${`order:${id}:%`} and m.type in ('sale', 'return') order by m.id`,
  );
  const packages = await rows(
    ex,
    sql`select id, number, state, tracking_number, delivery_status, error, waybill_url from packages where order_id = ${id} order by id`,
  );
  const pending = await rows(ex, sql`select 1 from order_actions where order_id = ${id} and state = 'queued'`);
  return {
    ...order,
    lines,
    history,
    movements,
    packages,
    actions: await listOrderActions(ex, id),
    available_actions: availableActions(order, pending.length > 0),
  };
}

export interface OrderStatistics {
  total: number;
  active: number;
  cancelled: number;
  returned: number;
  by_status: Record<string, number>;
  /** Sums per currency (alphabetical): a PLN order and a RUB one do not add up. */
  by_currency: CurrencySums[];
}

interface CurrencySums {
  currency: string;
  /** The totals of the orders not cancelled or returned, in minor units. */
  revenue_minor: number;
  cancelled_minor: number;
}

/** Honest counts: cancelled orders are counted and shown, never filtered out (seed 001). */
export async function orderStatistics(
  ex: Executor,
  f: Omit<OrderFilter, 'limit' | 'offset' | 'status' | 'q'>,
): Promise<OrderStatistics> {
  const where = orderWhere(f);
  const groups = await rows<{ status: string; currency: string; n: number; minor: string }>(
    ex,
    sql`select o.status, o.currency, count(*)::int as n, coalesce(sum(o.total_minor), 0)::text as minor
          from orders o where ${where} group by o.status, o.currency order by o.currency`,
  );
  const byStatus: Record<string, number> = {};
  const byCurrency = new Map<string, CurrencySums>();
  for (const g of groups) {
    byStatus[g.status] = (byStatus[g.status] ?? 0) + g.n;
    const sums = byCurrency.get(g.currency) ?? { currency: g.currency, revenue_minor: 0, cancelled_minor: 0 };
    if (g.status === 'cancelled') sums.cancelled_minor += Number(g.minor);
    else if (g.status !== 'returned') sums.revenue_minor += Number(g.minor);
    byCurrency.set(g.currency, sums);
  }
  const count = (s: string) => byStatus[s] ?? 0;
  const total = groups.reduce((a, g) => a + g.n, 0);
  return {
    total,
    active: total - count('cancelled') - count('returned'),
    cancelled: count('cancelled'),
    returned: count('returned'),
    by_status: byStatus,
    by_currency: [...byCurrency.values()],
  };
}

export interface SaleFilter {
  accountIds?: number[];
  kind?: 'buyout' | 'return';
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

function saleWhere(f: Omit<SaleFilter, 'limit' | 'offset'>): SQL {
  const parts: SQL[] = [sql`true`];
  if (f.accountIds) parts.push(sql`s.account_id = any(${sql.param(f.accountIds)}::bigint[])`);
  if (f.kind) parts.push(sql`s.kind = ${f.kind}`);
  if (f.from) parts.push(sql`s.sold_at >= ${f.from}`);
  if (f.to) parts.push(sql`s.sold_at < ${f.to}`);
  return sql.join(parts, sql` and `);
}

export async function listSales(ex: Executor, f: SaleFilter) {
  const where = saleWhere(f);
  const items = await rows(
    ex,
    sql`select s.id, s.account_id, s.channel, s.external_id, s.order_external_id, s.kind, s.product_id, s.sku,
               coalesce(p.name, s.sku) as product_name, s.quantity, s.amount_minor, s.currency, s.warehouse_name, iso(s.sold_at) as sold_at
          from sales s left join products p on p.id = s.product_id
         where ${where} order by s.sold_at desc, s.id desc limit ${f.limit} offset ${f.offset}`,
  );
  const [count] = await rows<{ n: number }>(ex, sql`select count(*)::int as n from sales s where ${where}`);
  return { items, total: count.n };
}

/** Buyout rate = buyouts ÷ (buyouts + returns); null when there are neither. */
export async function salesStatistics(ex: Executor, f: Omit<SaleFilter, 'limit' | 'offset' | 'kind'>) {
  const [row] = await rows<{ buyouts: number; returns: number; buyout_minor: number; return_minor: number }>(
    ex,
    sql`select count(*) filter (where kind = 'buyout')::int as buyouts, count(*) filter (where kind = 'return')::int as returns,
               coalesce(sum(amount_minor) filter (where kind = 'buyout'), 0)::bigint as buyout_minor,
               coalesce(sum(amount_minor) filter (where kind = 'return'), 0)::bigint as return_minor
          from sales s where ${saleWhere(f)}`,
  );
  const decided = row.buyouts + row.returns;
  return {
    buyouts: row.buyouts,
    returns: row.returns,
    total: decided,
    buyout_rate: decided ? Math.round((row.buyouts / decided) * 10_000) / 10_000 : null,
    buyout_minor: Number(row.buyout_minor),
    return_minor: Number(row.return_minor),
  };
}
