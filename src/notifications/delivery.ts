import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { formatEvent, type EventPayload, type EventType } from './messages.ts';
import { SendFailure, type Sender } from './sender.ts';
import type { Language } from './users.ts';

/**
 * Sends due deliveries at most once each (docs/decisions/081):
 *   claim  pending → sending (committed before the send)
 *   send   one HTTP request
 *   mark   sending → sent | pending again (back-off) | failed | uncertain
 * A row still 'sending' after SENDING_LEASE belonged to a process that died mid-send: it
 * may or may not have reached Telegram, so it becomes 'uncertain' and is never sent again.
 * 3 attempts with exponential back-off; a 429 waits Telegram's retry_after without using one.
 */

export const MAX_ATTEMPTS = 3;
const MAX_POSTPONEMENTS = 20;
const SENDING_LEASE = sql`interval '2 minutes'`;
const STALE_AFTER = sql`interval '24 hours'`;

export interface DeliveryOptions {
  workerId?: string;
  /** First back-off; doubles each attempt (default 2 s). */
  backoffMs?: number;
  batchSize?: number;
}

export interface DeliveryPass {
  sent: number;
  retried: number;
  failed: number;
  uncertain: number;
}

interface Claimed {
  id: number;
  attempts: number;
  postponements: number;
  event_id: number | null;
  test: { type: EventType; payload: EventPayload } | null;
  user_id: number;
  telegram_id: number;
  language: Language;
  type: EventType | null;
  payload: EventPayload | null;
}

/**
 * Deliveries left 'sending' by a crash become 'uncertain': never re-sent blindly. Deliveries
 * still waiting after STALE_AFTER (no sender was configured, or it kept being rate-limited) are
 * dropped as failed: news of a day-old order arriving with a new token would only be noise.
 */
export async function settleAbandoned(hub: Hub): Promise<number> {
  const settled = await rows<{ id: number }>(
    hub.db,
    sql`
    update deliveries set status = 'uncertain', claimed_by = null,
           last_error = 'The sender stopped mid-send; not sent again, to never send twice'
     where status = 'sending' and claimed_at < now() - ${SENDING_LEASE}
     returning id`,
  );
  if (settled.length)
    hub.logger.warn(
      { deliveries: settled.map((r) => r.id) },
      'notifications: deliveries abandoned mid-send marked uncertain',
    );
  const stale = await rows<{ id: number }>(
    hub.db,
    sql`
    update deliveries set status = 'failed', last_error = 'Not sent within 24 hours (no sender configured, or it kept failing); dropped as stale'
     where status = 'pending' and created_at < now() - ${STALE_AFTER}
     returning id`,
  );
  if (stale.length) hub.logger.warn({ deliveries: stale.length }, 'notifications: stale deliveries dropped');
  return settled.length;
}

export async function deliverDue(hub: Hub, sender: Sender, options: DeliveryOptions = {}): Promise<DeliveryPass> {
  const pass: DeliveryPass = { sent: 0, retried: 0, failed: 0, uncertain: 0 };
  const workerId = options.workerId ?? `pid-${process.pid}`;
  const claimed = await rows<Claimed>(
    hub.db,
    sql`
    with due as (
      select id from deliveries where status = 'pending' and next_attempt_at <= now()
       order by next_attempt_at, id limit ${options.batchSize ?? 50}
       for update skip locked
    ), claimed as (
      update deliveries d set status = 'sending', claimed_at = now(), claimed_by = ${workerId}, attempts = d.attempts + 1
        from due where d.id = due.id
      returning d.id, d.attempts, d.postponements, d.event_id, d.test, d.user_id
    )
    select c.*, u.telegram_id, u.language, e.type, e.payload
      from claimed c join users u on u.id = c.user_id left join events e on e.id = c.event_id
     order by c.id`,
  );
  for (const d of claimed) {
    const type = (d.test?.type ?? d.type)!;
    const message = formatEvent(type, (d.test?.payload ?? d.payload)!, d.language, { test: !!d.test });
    try {
      const { messageId } = await sender.send({ userId: d.user_id, telegramId: d.telegram_id }, message, {
        deliveryId: d.id,
        type,
        eventId: d.event_id,
        test: !!d.test,
      });
      await hub.db.execute(sql`
        update deliveries set status = 'sent', sent_at = now(), telegram_message_id = ${messageId}, last_error = null, claimed_by = null
         where id = ${d.id}`);
      pass.sent++;
    } catch (error) {
      const failure =
        error instanceof SendFailure ? error : new SendFailure((error as Error)?.message ?? String(error), 'uncertain');
      const outcome = await markFailure(hub, d, failure, options.backoffMs ?? 2_000);
      pass[outcome]++;
      hub.logger.warn(
        { deliveryId: d.id, userId: d.user_id, kind: failure.kind, outcome, err: failure.message },
        'notifications: send failed',
      );
    }
  }
  return pass;
}

async function markFailure(
  hub: Hub,
  d: Claimed,
  failure: SendFailure,
  backoffMs: number,
): Promise<'retried' | 'failed' | 'uncertain'> {
  if (failure.kind === 'uncertain') {
    await hub.db.execute(
      sql`update deliveries set status = 'uncertain', last_error = ${failure.message}, claimed_by = null where id = ${d.id}`,
    );
    return 'uncertain';
  }
  if (failure.kind === 'rate_limited' && d.postponements < MAX_POSTPONEMENTS) {
    // The attempt is given back: Telegram said plainly it did not take the message.
    await hub.db.execute(sql`
      update deliveries set status = 'pending', attempts = attempts - 1, postponements = postponements + 1, last_error = ${failure.message},
             next_attempt_at = now() + make_interval(secs => ${(failure.retryAfterMs ?? 1000) / 1000}), claimed_by = null
       where id = ${d.id}`);
    return 'retried';
  }
  if (failure.kind === 'permanent' || d.attempts >= MAX_ATTEMPTS || failure.kind === 'rate_limited') {
    await hub.db.execute(
      sql`update deliveries set status = 'failed', last_error = ${failure.message}, claimed_by = null where id = ${d.id}`,
    );
    return 'failed';
  }
  const delayMs = backoffMs * 2 ** (d.attempts - 1);
  await hub.db.execute(sql`
    update deliveries set status = 'pending', last_error = ${failure.message}, claimed_by = null,
           next_attempt_at = now() + make_interval(secs => ${delayMs / 1000})
     where id = ${d.id}`);
  return 'retried';
}

export interface UserDelivery {
  id: number;
  event_id: number | null;
  type: string;
  cabinet_id: number | null;
  cabinet: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  occurred_at: string | null;
  created_at: string;
  sent_at: string | null;
}

/** What one user was sent (tests included), newest first: the bot's and the panel's history. */
export async function userDeliveries(ex: Executor, userId: number, limit = 20): Promise<UserDelivery[]> {
  return rows<UserDelivery>(
    ex,
    sql`
    select d.id, d.event_id, coalesce(e.type, d.test->>'type') as type, e.account_id as cabinet_id, a.name as cabinet,
           d.status, d.attempts, d.last_error, iso(e.occurred_at) as occurred_at, iso(d.created_at) as created_at, iso(d.sent_at) as sent_at
      from deliveries d left join events e on e.id = d.event_id left join channel_accounts a on a.id = e.account_id
     where d.user_id = ${userId}
     order by d.id desc limit ${limit}`,
  );
}
