import { sql } from 'drizzle-orm';
import { rows, type Executor, type Tx } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { recordEvent, type EventInput } from './events.ts';
import type { EventPayload } from './messages.ts';

/**
 * The event detector (seed 001: EventDetector + StatusMonitor). It reads what the pulls of
 * any channel stored — orders, their status history, sales, reviews, stock levels — and
 * records an event for each new thing, keyed so that a re-run sync or a replayed page
 * records none twice (docs/decisions/080):
 *
 *   new order      new_order:<account>:<order external id>
 *   cancellation   cancellation:<account>:<order external id>
 *   buyout         buyout:<account>:<order external id>  (a WB S… row and an order gone 'delivered' are one buyout)
 *   return         return:<account>:<order external id>
 *   review         negative_review:<account>:<review external id>
 *   stock          critical_stock:<account>:<product>:<threshold>:<episode>
 *
 * Baseline: nothing before the cabinet's first completed pull (or before it got its first
 * member, if it was synced earlier) is news, and rows a later run imports that are older than
 * LATE_ARRIVAL are history caught up, not events: a month of history never floods anyone.
 */

/** How late a report may bring a row that is still news (WB's reports lag by hours, not days). */
const LATE_ARRIVAL = sql`interval '2 days'`;
/** Rows committed by a transaction that started before the last pass are still seen: passes overlap this much. */
const OVERLAP = sql`interval '15 minutes'`;

export interface DetectSummary {
  accountId: number;
  /** 'waiting': no completed pull yet, so no baseline. */
  state: 'unwatched' | 'waiting' | 'baseline' | 'checked';
  events: number;
  deliveries: number;
}

interface Watch {
  baseline_at: string | null;
  checked_at: string | null;
  created_at: string;
  now: string;
}

/** Pull runs only: pushes and reconciles write no orders. */
const PULL_RUN = sql`type not in ('channels.push', 'channels.reconcile') and status in ('succeeded', 'partial') and finished_at is not null`;

export async function detectEvents(hub: Hub, accountId: number): Promise<DetectSummary> {
  return hub.db.transaction(async (tx) => {
    // The row lock makes passes over one cabinet take turns across workers.
    const [watch] = await rows<Watch>(
      tx,
      sql`
      select iso(baseline_at) as baseline_at, iso(checked_at) as checked_at, iso(created_at) as created_at, iso(now()) as now
        from notification_watch where account_id = ${accountId} for update`,
    );
    const summary: DetectSummary = { accountId, state: 'checked', events: 0, deliveries: 0 };
    if (!watch) return { ...summary, state: 'unwatched' };

    if (!watch.baseline_at) {
      const [first] = await rows<{ at: string | null }>(
        tx,
        sql`
        select iso(min(finished_at)) as at from sync_runs where account_id = ${accountId} and ${PULL_RUN}`,
      );
      if (!first.at) return { ...summary, state: 'waiting' };
      const [set] = await rows<{ at: string }>(
        tx,
        sql`
        update notification_watch set baseline_at = greatest(${first.at}::timestamptz, created_at), checked_at = greatest(${first.at}::timestamptz, created_at)
         where account_id = ${accountId} returning iso(baseline_at) as at`,
      );
      await updateStockAlerts(tx, accountId, true);
      hub.logger.info({ accountId, baseline: set.at }, 'notifications: cabinet baseline set');
      watch.baseline_at = set.at;
      watch.checked_at = set.at;
      summary.state = 'baseline';
    }

    const found = [
      ...(await newOrders(tx, accountId, watch)),
      ...(await statusChanges(tx, accountId, watch)),
      ...(await salesEvents(tx, accountId, watch)),
      ...(await negativeReviews(tx, accountId, watch)),
      ...(await updateStockAlerts(tx, accountId, false)),
    ];
    const [cabinet] = await rows<{ name: string; channel: string }>(
      tx,
      sql`select name, channel from channel_accounts where id = ${accountId}`,
    );
    for (const event of found) {
      const recorded = await recordEvent(tx, {
        ...event,
        payload: { cabinet: cabinet.name, channel: cabinet.channel, ...event.payload },
      });
      if (!recorded) continue;
      summary.events++;
      summary.deliveries += recorded.deliveries;
    }
    await tx.execute(sql`update notification_watch set checked_at = ${watch.now} where account_id = ${accountId}`);
    return summary;
  });
}

/** Every watched cabinet, one after another; a failing one does not stop the rest. */
export async function detectAll(hub: Hub): Promise<DetectSummary[]> {
  const watched = await rows<{ account_id: number }>(
    hub.db,
    sql`
    select w.account_id from notification_watch w join channel_accounts a on a.id = w.account_id
     where exists (select 1 from cabinet_users cu where cu.account_id = w.account_id) order by w.account_id`,
  );
  const results: DetectSummary[] = [];
  for (const { account_id } of watched) {
    try {
      results.push(await detectEvents(hub, account_id));
    } catch (error) {
      hub.logger.error({ err: error, accountId: account_id }, 'notifications: detection failed for a cabinet');
    }
  }
  return results;
}

type Found = Omit<EventInput, 'accountId'> & { accountId: number };

/** Rows of the window: newer than the last pass (less the overlap) and never older than the baseline. */
const since = (w: Watch) => sql`greatest(${w.baseline_at}::timestamptz, ${w.checked_at}::timestamptz - ${OVERLAP})`;

interface OrderRow {
  id: number;
  external_id: string;
  status: string;
  ordered_at: string;
  at: string;
  total_minor: number;
  currency: string;
  product_name: string | null;
  sku: string | null;
  quantity: number;
}

/** The first line's product (most marketplace orders have one) and the order's unit count. */
const orderFields = sql`o.id, o.external_id, o.status, iso(o.ordered_at) as ordered_at, o.total_minor, o.currency,
  first_line.product_name, first_line.sku, (select coalesce(sum(quantity), 0)::int from order_lines q where q.order_id = o.id) as quantity`;
const firstLine = sql`left join lateral (
    select coalesce(p.name, l.name) as product_name, coalesce(p.sku, l.sku) as sku
      from order_lines l left join products p on p.id = l.product_id where l.order_id = o.id order by l.line_no limit 1) first_line on true`;
/** An order the cabinet knew before the baseline, or one that is recent: not caught-up history. */
const orderIsNews = (w: Watch) =>
  sql`(o.created_at <= ${w.baseline_at}::timestamptz or o.ordered_at >= ${w.baseline_at}::timestamptz - ${LATE_ARRIVAL})`;

const orderPayload = (o: OrderRow): EventPayload => ({
  order_id: o.id,
  external_id: o.external_id,
  product_name: o.product_name,
  sku: o.sku,
  quantity: o.quantity,
  amount_minor: Number(o.total_minor),
  currency: o.currency,
});

async function newOrders(tx: Executor, accountId: number, w: Watch): Promise<Found[]> {
  const found = await rows<OrderRow>(
    tx,
    sql`
    select ${orderFields}, iso(o.created_at) as at from orders o ${firstLine}
     where o.account_id = ${accountId} and o.created_at > ${since(w)} and o.status <> 'cancelled'
       and o.ordered_at >= ${w.baseline_at}::timestamptz - ${LATE_ARRIVAL}
     order by o.ordered_at, o.id`,
  );
  return found.map((o) => ({
    accountId,
    type: 'new_order',
    dedupKey: `new_order:${accountId}:${o.external_id}`,
    payload: orderPayload(o),
    occurredAt: o.ordered_at,
  }));
}

const statusEvent = { cancelled: 'cancellation', returned: 'return', delivered: 'buyout' } as const;

async function statusChanges(tx: Executor, accountId: number, w: Watch): Promise<Found[]> {
  const found = await rows<OrderRow & { new_status: keyof typeof statusEvent }>(
    tx,
    sql`
    select ${orderFields}, h.status as new_status, iso(h.at) as at
      from order_status_history h join orders o on o.id = h.order_id ${firstLine}
     where o.account_id = ${accountId} and h.at > ${since(w)} and h.status in ('cancelled', 'returned', 'delivered') and ${orderIsNews(w)}
     order by h.id`,
  );
  return found.map((o) => {
    const type = statusEvent[o.new_status];
    return {
      accountId,
      type,
      dedupKey: `${type}:${accountId}:${o.external_id}`,
      payload: orderPayload(o),
      occurredAt: o.at,
    };
  });
}

async function salesEvents(tx: Executor, accountId: number, w: Watch): Promise<Found[]> {
  const found = await rows<{
    id: number;
    external_id: string;
    order_external_id: string | null;
    kind: 'buyout' | 'return';
    sku: string | null;
    product_name: string | null;
    quantity: number;
    amount_minor: number;
    currency: string;
    sold_at: string;
  }>(
    tx,
    sql`
    select s.id, s.external_id, s.order_external_id, s.kind, coalesce(p.sku, s.sku) as sku, coalesce(p.name, s.sku) as product_name,
           s.quantity, s.amount_minor, s.currency, iso(s.sold_at) as sold_at
      from sales s left join products p on p.id = s.product_id
     where s.account_id = ${accountId} and s.created_at > ${since(w)} and s.sold_at >= ${w.baseline_at}::timestamptz - ${LATE_ARRIVAL}
     order by s.sold_at, s.id`,
  );
  return found.map((s) => ({
    accountId,
    type: s.kind,
    // Keyed by the order when the channel names it, so a sale row and an order status are one event.
    dedupKey: `${s.kind}:${accountId}:${s.order_external_id ?? `sale:${s.external_id}`}`,
    payload: {
      external_id: s.order_external_id ?? s.external_id,
      sale_id: s.external_id,
      product_name: s.product_name,
      sku: s.sku,
      quantity: s.quantity,
      amount_minor: Number(s.amount_minor),
      currency: s.currency,
    },
    occurredAt: s.sold_at,
  }));
}

async function negativeReviews(tx: Executor, accountId: number, w: Watch): Promise<Found[]> {
  // Recorded when any member counts it as negative; each member's own threshold picks who gets it.
  const found = await rows<{
    external_id: string;
    rating: number;
    text: string | null;
    author: string | null;
    sku: string | null;
    product_name: string | null;
    reviewed_at: string;
  }>(
    tx,
    sql`
    select r.external_id, r.rating, r.text, r.author, coalesce(p.sku, r.sku) as sku, coalesce(p.name, r.product_name) as product_name, iso(r.reviewed_at) as reviewed_at
      from reviews r left join products p on p.id = r.product_id
     where r.account_id = ${accountId} and r.created_at > ${since(w)} and r.reviewed_at >= ${w.baseline_at}::timestamptz - ${LATE_ARRIVAL}
       and r.rating <= (select max(s.negative_review_max_rating) from cabinet_users cu join notification_settings s on s.user_id = cu.user_id where cu.account_id = ${accountId})
     order by r.reviewed_at, r.id`,
  );
  return found.map((r) => ({
    accountId,
    type: 'negative_review',
    dedupKey: `negative_review:${accountId}:${r.external_id}`,
    payload: {
      review_id: r.external_id,
      rating: r.rating,
      text: r.text,
      author: r.author,
      sku: r.sku,
      product_name: r.product_name,
    },
    occurredAt: r.reviewed_at,
  }));
}

interface StockRow {
  product_id: number;
  sku: string;
  name: string;
  available: number;
  /** Of it, in the cabinet's own warehouses (its availability rule): what Sklad offers the channel. */
  own_available: number;
  /** Of it, what the channel itself holds and reports (its mirror warehouses: WB's, Ozon's FBO …). */
  channel_available: number;
  /** Whether the channel reports this product at all (a pool of its own only then). */
  in_channel: boolean;
}

/**
 * Available stock of the cabinet's products over the cabinet's warehouses: its mirrors of
 * marketplace warehouses (codes `<channel>-<account>-…`, as the connectors name them) and
 * the warehouses of its availability rule (none chosen: every own warehouse). The cabinet's
 * products are those in its mirrors and those matched to its listings. A mirror that breaks
 * another one down (source `<its source>:<part>`, Ozon's FBO per warehouse beside its FBO
 * total) is not counted again.
 */
export async function cabinetStock(
  ex: Executor,
  accountId: number,
  filter: { sku?: string } = {},
): Promise<StockRow[]> {
  const mirrorCode = `^[a-z0-9_]+-${accountId}-`;
  return rows<StockRow>(
    ex,
    sql`
    with all_mirrors as (
      select id, source from warehouses where kind = 'mirror' and code ~* ${mirrorCode}
    ), mirrors as (
      select m.id from all_mirrors m
       where not exists (select 1 from all_mirrors t where t.id <> m.id and t.source is not null and m.source like t.source || ':%')
    ), own_warehouses as (
      select w.id from warehouses w left join account_stock_rules r on r.account_id = ${accountId}
       where w.kind <> 'mirror' and ((coalesce(cardinality(r.warehouse_ids), 0) = 0 and w.kind = 'own' and w.archived_at is null) or w.id = any(r.warehouse_ids))
    ), cabinet_products as (
      select product_id from stock_levels where warehouse_id in (select id from all_mirrors)
      union
      select product_id from listings where account_id = ${accountId} and product_id is not null and match_state = 'matched'
    )
    select p.id as product_id, p.sku, p.name,
           coalesce(sum(sl.available) filter (where sl.warehouse_id in (select id from own_warehouses) or sl.warehouse_id in (select id from mirrors)), 0)::bigint as available,
           coalesce(sum(sl.available) filter (where sl.warehouse_id in (select id from own_warehouses)), 0)::bigint as own_available,
           coalesce(sum(sl.available) filter (where sl.warehouse_id in (select id from mirrors)), 0)::bigint as channel_available,
           exists (select 1 from stock_levels m where m.product_id = p.id and m.warehouse_id in (select id from all_mirrors)) as in_channel
      from cabinet_products cp join products p on p.id = cp.product_id and p.archived_at is null
      left join stock_levels sl on sl.product_id = p.id
     where (${filter.sku ?? null}::text is null or lower(p.sku) = lower(${filter.sku ?? null}))
     group by p.id, p.sku, p.name
     order by p.id`,
  );
}

/**
 * Critical stock, once per episode, threshold and pool: an alert when available falls to or under
 * the threshold, again only after it rose above it. What is already low when first seen (the
 * baseline, a new product, a new threshold) is noted without an alert: only a fall is news.
 * Two pools, each watched alone as every channel's stock is: `own`, the cabinet's own
 * warehouses (all a shop without warehouses of its own sells from), and `channel`, what a
 * marketplace holds and reports (WB's, Ozon's warehouses) for products it holds; a sum of the
 * two would hide either falling.
 */
type Pool = 'own' | 'channel';

async function updateStockAlerts(tx: Tx, accountId: number, silent: boolean): Promise<Found[]> {
  const thresholds = (
    await rows<{ t: number }>(
      tx,
      sql`
    select distinct s.critical_stock_threshold as t from cabinet_users cu join notification_settings s on s.user_id = cu.user_id
     where cu.account_id = ${accountId} and s.notifications_enabled and s.critical_stocks_enabled order by 1`,
    )
  ).map((r) => r.t);
  await tx.execute(
    sql`delete from stock_alerts where account_id = ${accountId} and not (threshold = any(${sql.param(thresholds)}::int[]))`,
  );
  if (!thresholds.length) return [];
  const stock = await cabinetStock(tx, accountId);
  const states = await rows<{
    product_id: number;
    pool: Pool;
    threshold: number;
    episode: number;
    alerted: boolean;
    available: number;
  }>(
    tx,
    sql`
    select product_id, pool, threshold, episode, alerted, available from stock_alerts where account_id = ${accountId}`,
  );
  const stateOf = new Map(states.map((s) => [`${s.product_id}:${s.pool}:${s.threshold}`, s]));
  const found: Found[] = [];
  const writes: {
    product_id: number;
    pool: Pool;
    threshold: number;
    episode: number;
    alerted: boolean;
    available: number;
  }[] = [];
  const pools = (p: StockRow): [Pool, number][] => [
    ['own', Number(p.own_available)],
    ...(p.in_channel ? [['channel', Number(p.channel_available)] as [Pool, number]] : []),
  ];
  for (const p of stock)
    for (const [pool, available] of pools(p)) {
      for (const threshold of thresholds) {
        const state = stateOf.get(`${p.product_id}:${pool}:${threshold}`);
        const low = available <= threshold;
        if (!state) {
          writes.push({ product_id: p.product_id, pool, threshold, episode: 1, alerted: low, available });
        } else if (low && !state.alerted) {
          writes.push({ ...state, alerted: true, available });
          if (!silent) {
            found.push({
              accountId,
              type: 'critical_stock',
              // The own pool keeps the key it had before pools (no alert of an episode twice across the change).
              dedupKey: `critical_stock:${accountId}:${p.product_id}:${pool === 'own' ? '' : `${pool}:`}${threshold}:${state.episode}`,
              payload: { product_id: p.product_id, sku: p.sku, product_name: p.name, available, threshold, pool },
              occurredAt: new Date().toISOString(),
            });
          }
        } else if (!low && state.alerted) {
          writes.push({ ...state, episode: state.episode + 1, alerted: false, available });
        } else if (state.available !== available) {
          writes.push({ ...state, available });
        }
      }
    }
  if (writes.length) {
    await tx.execute(sql`
      insert into stock_alerts (account_id, product_id, pool, threshold, episode, alerted, available)
      select ${accountId}, p, o, t, e, a, v
        from unnest(${sql.param(writes.map((x) => x.product_id))}::bigint[], ${sql.param(writes.map((x) => x.pool))}::text[],
                    ${sql.param(writes.map((x) => x.threshold))}::int[],
                    ${sql.param(writes.map((x) => x.episode))}::int[], ${sql.param(writes.map((x) => x.alerted))}::boolean[],
                    ${sql.param(writes.map((x) => x.available))}::bigint[]) as t(p, o, t, e, a, v)
      on conflict (account_id, product_id, pool, threshold) do update
         set episode = excluded.episode, alerted = excluded.alerted, available = excluded.available, updated_at = now()`);
  }
  return found;
}
