import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { EventPayload, EventType } from './messages.ts';

/**
 * Events and their deliveries. An event is recorded once per dedup key; recording it makes
 * one delivery per member of the cabinet whose switches (master + the type's) are on and
 * whose threshold the event passes. A second record of the same key does nothing.
 */

/** Which switch lets a type through (cabinet_invalid is a service message: always sent). */
export const switchOf: Record<EventType, string | null> = {
  new_order: 'new_orders_enabled',
  buyout: 'order_buyouts_enabled',
  cancellation: 'order_cancellations_enabled',
  return: 'order_returns_enabled',
  negative_review: 'negative_reviews_enabled',
  critical_stock: 'critical_stocks_enabled',
  cabinet_invalid: null,
  findings_new: 'findings_new_enabled',
};

export interface EventInput {
  accountId: number;
  type: EventType;
  dedupKey: string;
  payload: EventPayload;
  occurredAt: string;
}

/** Records the event and its deliveries; null when the key was seen before. */
export async function recordEvent(
  ex: Executor,
  e: EventInput,
): Promise<{ eventId: number; deliveries: number } | null> {
  const [created] = await rows<{ id: number }>(
    ex,
    sql`
    insert into events (account_id, type, dedup_key, payload, occurred_at)
    values (${e.accountId}, ${e.type}, ${e.dedupKey}, ${JSON.stringify(e.payload)}::jsonb, ${e.occurredAt})
    on conflict (dedup_key) do nothing
    returning id`,
  );
  if (!created) return null;
  const conditions: SQL[] = [sql`cu.account_id = ${e.accountId}`];
  const switchName = switchOf[e.type];
  if (switchName) conditions.push(sql`s.notifications_enabled`, sql`s.${sql.identifier(switchName)}`);
  if (e.type === 'negative_review') conditions.push(sql`${e.payload.rating ?? 5} <= s.negative_review_max_rating`);
  if (e.type === 'critical_stock') conditions.push(sql`s.critical_stock_threshold = ${e.payload.threshold ?? -1}`);
  const made = await rows(
    ex,
    sql`
    insert into deliveries (event_id, user_id)
    select ${created.id}, cu.user_id
      from cabinet_users cu join notification_settings s on s.user_id = cu.user_id
     where ${sql.join(conditions, sql` and `)}
    on conflict do nothing
    returning id`,
  );
  return { eventId: created.id, deliveries: made.length };
}

/** A test notification for one user: a delivery without an event, carrying its sample. */
export async function queueTestDelivery(
  ex: Executor,
  userId: number,
  type: EventType,
  payload: EventPayload,
): Promise<number> {
  const [row] = await rows<{ id: number }>(
    ex,
    sql`
    insert into deliveries (event_id, user_id, test) values (null, ${userId}, ${JSON.stringify({ type, payload })}::jsonb) returning id`,
  );
  return row.id;
}
