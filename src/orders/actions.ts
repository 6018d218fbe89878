import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordOperation } from '../audit/operations.ts';
import { ChannelHttpError } from '../channels/core/connector.ts';
import { aboutOrders, accountRuntime, guardCredentials } from '../channels/core/context.ts';
import { moduleFor } from '../channels/core/module.ts';
import { orderActionNames, type OrderActionName, type OrderActionTarget } from '../channels/core/order-actions.ts';
import { rows, type Executor } from '../db/database.ts';
import { PermanentJobError } from '../engine/jobs.ts';
import { addToOutbox } from '../engine/outbox.ts';
import { defineOutboxConsumer, type OutboxMessage, type OutboxOutcome } from '../engine/outbox-consumer.ts';
import type { Hub } from '../hub.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { setOrderStatus, type OrderStatus } from './service.ts';

/**
 * A seller's actions on an order (issue 20, docs/decisions/192): confirm, ship with a tracking
 * number, cancel. The channel's module says which its service takes (`orderActions`); the
 * order's status says which make sense now. A request is a row in order_actions and an outbox
 * message `order.action` in one transaction; the consumer calls the channel, retries what may
 * succeed later, and on the channel's yes sets the order's status (a cancellation returns its
 * stock). Each request and each outcome is logged in `operations`.
 */

const ACTION_TOPIC = 'order.action';
const MAX_ATTEMPTS = 8;

/** The statuses an action starts from, and the status it leads to. */
const flow: Record<OrderActionName, { from: OrderStatus[]; to: OrderStatus }> = {
  confirm: { from: ['new'], to: 'confirmed' },
  ship: { from: ['new', 'confirmed'], to: 'shipped' },
  cancel: { from: ['new', 'confirmed'], to: 'cancelled' },
};

export const orderActionBody = z
  .object({
    tracking_number: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[\x21-\x7E]+$/, 'letters, digits and signs')
      .optional(),
    carrier: z.string().trim().min(1).max(30).optional(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
type OrderActionBody = z.infer<typeof orderActionBody>;

interface OrderRow {
  channel: string;
  account_id: number | null;
  status: string;
  posting_number: string | null;
  channel_status: string | null;
}

/** The actions a channel's module declares for this order (an order without an account, or of a channel not installed, has none). */
const declaredActions = (order: OrderRow): OrderActionName[] => {
  const module = order.account_id === null ? undefined : moduleFor(order.channel);
  const actions = module?.orderActions;
  if (
    !actions ||
    module.orderActionsApply?.({ postingNumber: order.posting_number, channelStatus: order.channel_status }) === false
  )
    return [];
  return orderActionNames.filter((a) => actions[a]);
};

/** The actions the seller may take on this order now: its channel takes them and its status allows them. */
export const availableActions = (order: OrderRow, pending: boolean): OrderActionName[] =>
  pending ? [] : declaredActions(order).filter((a) => flow[a].from.includes(order.status as OrderStatus));

/** Queues an action; a channel without it, or an order not in a status for it, is a 409. Answers the request's row. */
export async function requestOrderAction(
  hub: Hub,
  orderId: number,
  action: OrderActionName,
  body: OrderActionBody,
  actor: string,
) {
  return hub.db.transaction(async (tx) => {
    const [order] = await rows<OrderRow>(
      tx,
      sql`select account_id, channel, status, posting_number, channel_status from orders where id = ${orderId} for update`,
    );
    if (!order) throw notFound('Order', orderId);
    const title = moduleFor(order.channel)?.connector.title ?? order.channel;
    if (!declaredActions(order).includes(action)) {
      throw new DomainError('ORDER_ACTION_UNSUPPORTED', `${title} does not let Sklad ${action} an order`, 409, {
        channel: title,
        action,
        reason: action,
        order_id: orderId,
      });
    }
    const [pending] = await rows<{ id: number }>(
      tx,
      sql`select id from order_actions where order_id = ${orderId} and state = 'queued'`,
    );
    if (pending || !flow[action].from.includes(order.status as OrderStatus)) {
      throw new DomainError(
        'ORDER_ACTION_NOT_NOW',
        pending
          ? `Order ${orderId} waits for the channel's answer to an earlier action`
          : `Order ${orderId} is ${order.status}: it cannot ${action} now`,
        409,
        { order_id: orderId, status: order.status, action, pending: Boolean(pending) },
      );
    }
    if (action === 'ship' && !body.tracking_number) {
      throw new DomainError('VALIDATION_FAILED', 'tracking_number: a shipment needs its tracking number', 400, {
        field: 'tracking_number',
      });
    }
    const input = { trackingNumber: body.tracking_number, carrier: body.carrier, reason: body.reason };
    const [made] = await rows<{ id: number }>(
      tx,
      sql`
      insert into order_actions (order_id, action, input, actor) values (${orderId}, ${action}, ${JSON.stringify(input)}::jsonb, ${actor}) returning id`,
    );
    const id = Number(made.id);
    await addToOutbox(tx, { topic: ACTION_TOPIC, key: `OrderAction:${id}`, payload: { actionId: id, orderId } });
    await recordOperation(tx, {
      entityType: 'order',
      entityId: orderId,
      action,
      actor,
      changes: { action: { before: null, after: { id, state: 'queued', ...input } } },
    });
    return (await listOrderActions(tx, orderId)).find((a) => a.id === id)!;
  });
}

interface OrderActionRow {
  id: number;
  action: OrderActionName;
  input: Record<string, unknown>;
  state: 'queued' | 'done' | 'failed';
  channel_status: string | null;
  error: string | null;
  actor: string;
  created_at: string;
  finished_at: string | null;
}

export async function listOrderActions(ex: Executor, orderId: number): Promise<OrderActionRow[]> {
  const list = await rows<OrderActionRow>(
    ex,
    sql`
    select id, action, input, state, channel_status, error, actor, iso(created_at) as created_at, iso(finished_at) as finished_at
      from order_actions where order_id = ${orderId} order by id desc`,
  );
  return list.map((a) => ({ ...a, id: Number(a.id) }));
}

/** The `order.action` consumer (src/assembly.ts registers it). */
export function registerOrderActionFlow() {
  defineOutboxConsumer(ACTION_TOPIC, runActions, {
    batchSize: 20,
    leaseMs: 30_000,
    backoffMs: 1_000,
    maxAttempts: MAX_ATTEMPTS,
  });
}

async function runActions(hub: Hub, messages: OutboxMessage[]): Promise<OutboxOutcome> {
  const failed: { id: number; error: unknown }[] = [];
  for (const m of messages) {
    try {
      await runAction(hub, m);
    } catch (error) {
      failed.push({ id: m.id, error });
    }
  }
  return { failed };
}

interface ActionJob {
  id: number;
  order_id: number;
  action: OrderActionName;
  input: Record<string, string | undefined>;
  state: string;
  actor: string;
  account_id: number | null;
  external_id: string;
  posting_number: string | null;
  channel_status: string | null;
}

async function runAction(hub: Hub, m: OutboxMessage) {
  const id = Number(/^OrderAction:(\d+)$/.exec(m.key)?.[1]);
  if (!id) throw new PermanentJobError(`"${m.key}" names no order action (OrderAction:{id})`);
  const [job] = await rows<ActionJob>(
    hub.db,
    sql`
    select a.id, a.order_id, a.action, a.input, a.state, a.actor, o.account_id, o.external_id, o.posting_number, o.channel_status
      from order_actions a join orders o on o.id = a.order_id where a.id = ${id}`,
  );
  if (!job) throw new PermanentJobError(`Order action ${id} does not exist`);
  if (job.state !== 'queued') return;
  const orderId = Number(job.order_id);
  try {
    if (job.account_id === null) throw new PermanentJobError(`Order ${orderId} came through no channel account`);
    const accountId = Number(job.account_id);
    const rt = await accountRuntime(hub, accountId);
    const run = rt.module.orderActions?.[job.action];
    if (!run) throw new PermanentJobError(`${rt.connector.title} does not let Sklad ${job.action} an order`);
    const lines = await rows<{ sku: string; external_sku: string | null; quantity: number }>(
      hub.db,
      sql`select sku, external_sku, quantity from order_lines where order_id = ${orderId} order by line_no`,
    );
    const target: OrderActionTarget = {
      externalId: job.external_id,
      postingNumber: job.posting_number,
      channelStatus: job.channel_status,
      lines: lines.map((l) => ({ sku: l.sku, externalSku: l.external_sku, quantity: Number(l.quantity) })),
    };
    const ctx = aboutOrders(rt.ctx, [job.external_id, job.posting_number]);
    const outcome = await guardCredentials(hub, accountId, () => run(ctx, target, job.input));
    await hub.db.transaction(async (tx) => {
      await tx.execute(
        sql`update order_actions set state = 'done', channel_status = ${outcome.channelStatus}, error = null, finished_at = now() where id = ${id}`,
      );
      await setOrderStatus(tx, orderId, flow[job.action].to, outcome.channelStatus, job.actor);
      await recordOperation(tx, {
        entityType: 'order',
        entityId: orderId,
        action: job.action,
        actor: job.actor,
        changes: {
          action: {
            before: { id, state: 'queued' },
            after: { id, state: 'done', channel_status: outcome.channelStatus },
          },
        },
      });
    });
  } catch (error) {
    const refused = error instanceof PermanentJobError || (error instanceof ChannelHttpError && !error.retryable);
    if (refused || m.attempt >= MAX_ATTEMPTS) {
      const reason = error instanceof Error ? error.message : String(error);
      await hub.db.transaction(async (tx) => {
        await tx.execute(
          sql`update order_actions set state = 'failed', error = ${reason}, finished_at = now() where id = ${id} and state = 'queued'`,
        );
        await recordOperation(tx, {
          entityType: 'order',
          entityId: orderId,
          action: job.action,
          actor: job.actor,
          changes: { action: { before: { id, state: 'queued' }, after: { id, state: 'failed', error: reason } } },
        });
      });
      throw error instanceof PermanentJobError ? error : new PermanentJobError(reason, { cause: error });
    }
    throw error;
  }
}
