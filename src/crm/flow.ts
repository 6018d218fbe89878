import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { aboutOrders, accountRuntime, guardCredentials } from '../channels/core/context.ts';
import type { DealDraft, DealOutcome } from '../channels/core/crm.ts';
import { moduleFor } from '../channels/core/module.ts';
import { PermanentJobError } from '../engine/jobs.ts';
import { defineOutboxConsumer, type OutboxMessage, type OutboxOutcome } from '../engine/outbox-consumer.ts';
import { minorToDecimal } from '../shared/money.ts';
import { crmTargets, type CrmTarget } from './links.ts';

/**
 * The CRM flow (DESIGN.md, "order stored ──> outbox: CRM export"): every order a channel
 * stores announces itself in the outbox in the same transaction (order.created,
 * order.changed), and support's re-export adds crm.export. Here those messages become deals
 * in the CRM account the order's channel account is linked to, through the CRM module's
 * adapter (src/channels/core/crm.ts), and the order keeps its state: not_sent, sent (with the
 * deal id) or send_error (with the reason and the attempts).
 *
 * One export of an order runs at a time: the order row carries a lease taken in one UPDATE, so
 * two workers never look for the deal at once (which could make two). A deal is found again by
 * our key, so a retry after a crash updates the deal the lost attempt made.
 */

export const CRM_TOPICS = ['order.created', 'order.changed', 'crm.export'] as const;

/** Failed attempts before a message is dead: with the back-off doubling to 10 minutes, about half an hour of a CRM away. */
const MAX_ATTEMPTS = 12;
/** How long a worker holds an order's export; a killed worker's orders are free again after it. */
const LEASE_MS = 30_000;
/** An order another worker is exporting is looked at again this soon. */
const BUSY_DELAY_MS = 500;

export function registerCrmFlow() {
  for (const topic of CRM_TOPICS) {
    defineOutboxConsumer(topic, exportMessages, {
      batchSize: 200,
      leaseMs: 20_000,
      backoffMs: 1_000,
      maxAttempts: MAX_ATTEMPTS,
    });
  }
}

/** Our key of an order in the CRM: the same order re-imported keeps it. */
export const orderKey = (o: { channel: string; account_id: number | null; external_id: string }) =>
  `${o.channel}:${o.account_id ?? 0}:${o.external_id}`;

interface OrderForDeal {
  id: number;
  account_id: number | null;
  account_name: string | null;
  channel: string;
  external_id: string;
  posting_number: string | null;
  status: string;
  ordered_at: string;
  currency: string;
  total_minor: number;
  customer: Record<string, unknown> | null;
  crm_id: string | null;
  crm_account_id: number | null;
  delivery_id: string | null;
  delivery_state: string;
  first_request: boolean;
}

async function exportMessages(hub: Hub, messages: OutboxMessage[]): Promise<OutboxOutcome> {
  const workerId = `crm:${process.pid}:${messages[0].id}`;
  const byOrder = new Map<number, OutboxMessage[]>();
  for (const m of messages) {
    const id = Number(m.key);
    if (Number.isSafeInteger(id) && id > 0) byOrder.set(id, [...(byOrder.get(id) ?? []), m]);
  }
  const targets = await crmTargets(hub.db, [...byOrder.keys()]);
  const wanted = [...byOrder.keys()].filter((id) => targets.has(id));
  const leased = await leaseOrders(hub.db, wanted, workerId);
  const outcome: Required<OutboxOutcome> = { failed: [], later: [] };
  for (const id of wanted) {
    if (!leased.has(id)) for (const m of byOrder.get(id)!) outcome.later.push({ id: m.id, delayMs: BUSY_DELAY_MS });
  }
  try {
    const groups = new Map<number, { target: CrmTarget; orders: OrderForDeal[] }>();
    for (const order of leased.values()) {
      const target = targets.get(order.id)!;
      const group = groups.get(target.crmAccountId) ?? { target, orders: [] };
      group.orders.push(order);
      groups.set(target.crmAccountId, group);
    }
    for (const { orders } of groups.values()) {
      const failures = await exportGroup(hub, orders, targets);
      for (const [orderId, error] of failures)
        for (const m of byOrder.get(orderId)!) outcome.failed.push({ id: m.id, error });
    }
  } finally {
    await releaseOrders(hub.db, [...leased.keys()], workerId);
  }
  return outcome;
}

/** Exports one CRM account's orders in requests of its batch size; answers the orders that failed and why. */
async function exportGroup(
  hub: Hub,
  orders: OrderForDeal[],
  targets: Map<number, CrmTarget>,
): Promise<Map<number, unknown>> {
  const failures = new Map<number, unknown>();
  const crmAccountId = targets.get(orders[0].id)!.crmAccountId;
  let runtime: Awaited<ReturnType<typeof accountRuntime>>;
  try {
    runtime = await accountRuntime(hub, crmAccountId);
  } catch (error) {
    // The CRM account needs a new key or was switched off: every order waits, and says why.
    await recordFailures(
      hub.db,
      orders.map((o) => ({ orderId: o.id, error: describe(error) })),
      crmAccountId,
    );
    for (const o of orders) failures.set(o.id, error);
    return failures;
  }
  const crm = runtime.module.crm!;
  const lines = await linesOf(
    hub.db,
    orders.map((o) => o.id),
  );
  for (let i = 0; i < orders.length; i += crm.batchSize) {
    const chunk = orders.slice(i, i + crm.batchSize);
    const drafts = chunk.map((o) => draftOf(o, targets.get(o.id)!, lines.get(o.id) ?? []));
    let outcomes: DealOutcome[];
    try {
      const ctx = aboutOrders(
        runtime.ctx,
        drafts.map((d) => d.key),
      );
      outcomes = await guardCredentials(hub, crmAccountId, () => crm.exportDeals(ctx, drafts));
    } catch (error) {
      await recordFailures(
        hub.db,
        chunk.map((o) => ({ orderId: o.id, error: describe(error) })),
        crmAccountId,
      );
      for (const o of chunk) failures.set(o.id, error);
      continue;
    }
    const byKey = new Map(outcomes.map((r) => [r.key, r]));
    const sent: { orderId: number; dealId: string; stage: string | null }[] = [];
    const refused: { orderId: number; error: string }[] = [];
    for (const [n, draft] of drafts.entries()) {
      const orderId = chunk[n].id;
      const result = byKey.get(draft.key);
      if (result?.ok) sent.push({ orderId, dealId: result.dealId, stage: draft.stageId });
      else {
        const error = result ? result.error : `${runtime.connector.title} answered nothing about this deal`;
        refused.push({ orderId, error });
        const retryable = result ? result.retryable : true;
        failures.set(
          orderId,
          retryable
            ? Object.assign(new Error(error), { httpStatus: result?.httpStatus ?? null })
            : new PermanentJobError(error),
        );
      }
    }
    await recordSent(hub.db, sent, crmAccountId);
    await recordFailures(hub.db, refused, crmAccountId);
  }
  return failures;
}

function draftOf(o: OrderForDeal, target: CrmTarget, lines: DraftLine[]): DealDraft {
  const module = moduleFor(o.channel);
  const title = module?.connector.title ?? o.channel;
  const fields: Record<string, string> = {};
  const put = (name: string | undefined, value: string | null) => {
    if (name && value) fields[name] = value;
  };
  put(target.fields.postingNumber, o.posting_number);
  put(target.fields.externalId, o.external_id);
  put(target.fields.orderId, String(o.id));
  put(target.fields.deliveryNumber, o.delivery_id);
  put(target.fields.deliveryStatus, o.delivery_id ? o.delivery_state : null);
  const c = o.customer ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    key: orderKey(o),
    dealId: o.crm_account_id === target.crmAccountId ? o.crm_id : null,
    mayExist: !o.first_request,
    title: `${title} ${o.posting_number ?? o.external_id}`,
    amount: minorToDecimal(o.total_minor, o.currency),
    currency: o.currency,
    categoryId: target.categoryId,
    stageId: target.stageMap[o.status] ?? null,
    channel: { id: o.channel, title, account: o.account_name ?? '' },
    externalId: o.external_id,
    postingNumber: o.posting_number,
    orderId: o.id,
    orderedAt: o.ordered_at,
    buyer: o.customer
      ? { name: text(c.name), phone: text(c.phone), email: text(c.email), address: text(c.address) }
      : null,
    lines: lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      price: minorToDecimal(l.price_minor, o.currency),
    })),
    fields,
  };
}

/** Takes the export of these orders for this worker; answers those it got (another worker holds the rest). */
async function leaseOrders(ex: Executor, ids: number[], workerId: string): Promise<Map<number, OrderForDeal>> {
  if (!ids.length) return new Map();
  const got = await rows<OrderForDeal>(
    ex,
    sql`with before as (select id, crm_requested_at from orders where id = any(${sql.param(ids)}::bigint[])),
         taken as (
           update orders o set crm_locked_by = ${workerId}, crm_lease_until = now() + make_interval(secs => ${LEASE_MS} / 1000.0),
                  crm_requested_at = coalesce(o.crm_requested_at, now())
             from before b
            where o.id = b.id and (o.crm_lease_until is null or o.crm_lease_until < now())
            returning o.id, o.account_id, o.channel, o.external_id, o.posting_number, o.status, iso(o.ordered_at) as ordered_at,
                      o.currency, o.total_minor, o.customer, o.crm_id, o.crm_account_id, o.delivery_id, o.delivery_state,
                      b.crm_requested_at is null as first_request)
        select t.*, a.name as account_name from taken t left join channel_accounts a on a.id = t.account_id`,
  );
  return new Map(got.map((o) => [Number(o.id), { ...o, id: Number(o.id), total_minor: Number(o.total_minor) }]));
}

async function releaseOrders(ex: Executor, ids: number[], workerId: string) {
  if (!ids.length) return;
  await ex.execute(sql`
    update orders set crm_locked_by = null, crm_lease_until = null
     where id = any(${sql.param(ids)}::bigint[]) and crm_locked_by = ${workerId}`);
}

interface DraftLine {
  order_id: number;
  sku: string;
  name: string;
  quantity: number;
  price_minor: number;
}

async function linesOf(ex: Executor, orderIds: number[]): Promise<Map<number, DraftLine[]>> {
  const found = await rows<DraftLine>(
    ex,
    sql`select order_id, sku, name, quantity, price_minor from order_lines where order_id = any(${sql.param(orderIds)}::bigint[]) order by order_id, line_no`,
  );
  const out = new Map<number, DraftLine[]>();
  for (const l of found) {
    const id = Number(l.order_id);
    out.set(id, [...(out.get(id) ?? []), { ...l, price_minor: Number(l.price_minor) }]);
  }
  return out;
}

async function recordSent(
  ex: Executor,
  sent: { orderId: number; dealId: string; stage: string | null }[],
  crmAccountId: number,
) {
  if (!sent.length) return;
  await ex.execute(sql`
    update orders o set crm_state = 'sent', crm_id = s.deal_id, crm_stage = coalesce(s.stage, o.crm_stage), crm_error = null,
           crm_attempts = 0, crm_sent_at = now(), crm_account_id = ${crmAccountId}
      from unnest(${sql.param(sent.map((s) => s.orderId))}::bigint[], ${sql.param(sent.map((s) => s.dealId))}::text[],
                  ${sql.param(sent.map((s) => s.stage))}::text[]) as s(order_id, deal_id, stage)
     where o.id = s.order_id`);
}

async function recordFailures(ex: Executor, failed: { orderId: number; error: string }[], crmAccountId: number) {
  if (!failed.length) return;
  await ex.execute(sql`
    update orders o set crm_state = case when o.crm_state = 'sent' then 'sent' else 'send_error' end, crm_error = f.error,
           crm_attempts = o.crm_attempts + 1, crm_account_id = ${crmAccountId}
      from unnest(${sql.param(failed.map((f) => f.orderId))}::bigint[], ${sql.param(failed.map((f) => f.error.slice(0, 2000)))}::text[]) as f(order_id, error)
     where o.id = f.order_id`);
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
