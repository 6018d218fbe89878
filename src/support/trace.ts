import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { moduleFor } from '../channels/core/module.ts';
import { CRM_TOPICS, orderKey } from '../crm/flow.ts';
import { crmTargets } from '../crm/links.ts';
import { deliveryOfOrder } from '../delivery/packages.ts';
import { notFound } from '../shared/errors.ts';

/**
 * An order's path (seed 004): marketplace → Sklad → CRM (→ delivery), each hop with its state,
 * time and error; the outbox events that carry it with their failed attempts; every request
 * and answer about it that api_calls kept; and which support actions apply.
 */

export type HopState = 'ok' | 'pending' | 'error' | 'none';

export interface TraceHop {
  hop: 'channel' | 'sklad' | 'crm' | 'delivery';
  state: HopState;
  at: string | null;
  /** What the hop holds of the order: ids, names, the state's own word. */
  detail: Record<string, string | number | null>;
  error: string | null;
}

export interface OrderTrace {
  order: {
    id: number;
    key: string;
    channel: string;
    channel_title: string;
    account_id: number | null;
    account_name: string | null;
    external_id: string;
    posting_number: string | null;
    status: string;
    crm_state: string;
    crm_id: string | null;
    delivery_state: string;
    delivery_id: string | null;
  };
  hops: TraceHop[];
  events: {
    id: number;
    name: string;
    topic: string;
    key: string;
    state: 'pending' | 'done' | 'dead';
    attempts: number;
    created_at: string;
    processed_at: string | null;
    last_error: string | null;
    errors: { id: number; attempt: number; error: string; http_status: number | null; at: string }[];
  }[];
  calls: {
    id: number;
    at: string;
    account_id: number | null;
    method: string;
    url: string;
    status: number | null;
    duration_ms: number;
    error: string | null;
    request_body: string | null;
    response_body: string | null;
  }[];
  actions: { reimport: string | null; reexport: boolean; change_status: boolean; append_comment: boolean };
}

interface OrderRow {
  id: number;
  account_id: number | null;
  account_name: string | null;
  channel: string;
  external_id: string;
  posting_number: string | null;
  status: string;
  channel_status: string | null;
  ordered_at: string;
  created_at: string;
  updated_at: string;
  warehouse: string | null;
  stock_note: string | null;
  crm_state: string;
  crm_id: string | null;
  crm_error: string | null;
  crm_attempts: number;
  crm_sent_at: string | null;
  crm_stage: string | null;
  crm_account_name: string | null;
  delivery_state: string;
  delivery_id: string | null;
  delivery_error: string | null;
  shipping: Record<string, unknown> | null;
}

export async function orderTrace(hub: Hub, orderId: number): Promise<OrderTrace> {
  const [o] = await rows<OrderRow>(
    hub.db,
    sql`select o.id, o.account_id, a.name as account_name, o.channel, o.external_id, o.posting_number, o.status, o.channel_status,
               iso(o.ordered_at) as ordered_at, iso(o.created_at) as created_at, iso(o.updated_at) as updated_at,
               w.name as warehouse, o.stock_note, o.crm_state, o.crm_id, o.crm_error, o.crm_attempts, iso(o.crm_sent_at) as crm_sent_at,
               o.crm_stage, c.name as crm_account_name, o.delivery_state, o.delivery_id, o.delivery_error, o.shipping
          from orders o
          left join channel_accounts a on a.id = o.account_id
          left join channel_accounts c on c.id = o.crm_account_id
          left join warehouses w on w.id = o.warehouse_id
         where o.id = ${orderId}`,
  );
  if (!o) throw notFound('Order', orderId);
  const module = moduleFor(o.channel);
  const key = orderKey(o);
  const delivery = await deliveryOfOrder(hub.db, o.id);
  const refs = [key, o.external_id, o.posting_number, o.crm_id, o.delivery_id, delivery?.number].filter(
    (r): r is string => !!r,
  );
  const targets = await crmTargets(hub.db, [o.id]);

  const hops: TraceHop[] = [
    {
      hop: 'channel',
      state: 'ok',
      at: o.ordered_at,
      detail: {
        channel: module?.connector.title ?? o.channel,
        account: o.account_name,
        external_id: o.external_id,
        posting_number: o.posting_number,
        channel_status: o.channel_status,
      },
      error: null,
    },
    {
      hop: 'sklad',
      state: o.stock_note ? 'error' : 'ok',
      at: o.created_at,
      detail: { order_id: o.id, status: o.status, warehouse: o.warehouse },
      error: o.stock_note,
    },
    {
      hop: 'crm',
      state:
        o.crm_state === 'sent'
          ? o.crm_error
            ? 'error'
            : 'ok'
          : o.crm_state === 'send_error'
            ? 'error'
            : targets.size
              ? 'pending'
              : 'none',
      at: o.crm_sent_at,
      detail: {
        state: o.crm_state,
        deal_id: o.crm_id,
        stage: o.crm_stage,
        portal: o.crm_account_name,
        attempts: o.crm_attempts,
      },
      error: o.crm_error,
    },
  ];
  if (delivery || o.delivery_id || o.delivery_state !== 'not_sent') {
    hops.push({
      hop: 'delivery',
      state: o.delivery_state === 'sent' ? 'ok' : o.delivery_state === 'send_error' ? 'error' : 'pending',
      at: null,
      detail: {
        state: o.delivery_state,
        number: delivery?.number ?? null,
        delivery_id: delivery?.trackingNumber ?? o.delivery_id,
        service_status: delivery?.status ?? null,
      },
      error: o.delivery_error,
    });
  }

  const events = await rows<OrderTrace['events'][number] & { dead_at: string | null }>(
    hub.db,
    sql`select id, topic || ':' || key as name, topic, key, attempts, iso(created_at) as created_at, iso(processed_at) as processed_at,
               iso(dead_at) as dead_at, last_error
          from outbox
         where (topic = any(${sql.param([...CRM_TOPICS])}::text[]) and key = ${String(o.id)})
            or (payload ? 'orderId' and (payload ->> 'orderId') = ${String(o.id)})
         order by id`,
  );
  const errors = events.length
    ? await rows<{
        id: number;
        outbox_id: number;
        attempt: number;
        error: string;
        http_status: number | null;
        at: string;
      }>(
        hub.db,
        sql`select id, outbox_id, attempt, error, http_status, iso(at) as at from outbox_errors
             where outbox_id = any(${sql.param(events.map((e) => e.id))}::bigint[]) order by id`,
      )
    : [];
  const calls = await rows<OrderTrace['calls'][number]>(
    hub.db,
    sql`select id, iso(at) as at, account_id, method, url, status, duration_ms, error, request_body, response_body
          from api_calls where about && ${sql.param(refs)}::text[] order by id desc limit 200`,
  );

  return {
    order: {
      id: o.id,
      key,
      channel: o.channel,
      channel_title: module?.connector.title ?? o.channel,
      account_id: o.account_id,
      account_name: o.account_name,
      external_id: o.external_id,
      posting_number: o.posting_number,
      status: o.status,
      crm_state: o.crm_state,
      crm_id: o.crm_id,
      delivery_state: o.delivery_state,
      delivery_id: o.delivery_id,
    },
    hops,
    events: events.map(({ dead_at, ...e }) => ({
      ...e,
      id: Number(e.id),
      state: e.processed_at ? 'done' : dead_at ? 'dead' : 'pending',
      errors: errors.filter((x) => Number(x.outbox_id) === Number(e.id)).map(({ outbox_id: _o, ...x }) => x),
    })),
    calls,
    actions: {
      reimport:
        module?.connector.fetchOrder && o.account_id ? (module.support?.fetchOrderAction ?? 'fetch_order') : null,
      reexport: targets.size > 0,
      change_status: targets.size > 0,
      append_comment: !!(module?.support?.commentWarehouseAfterStatus && o.crm_id),
    },
  };
}
