import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { queueTestDelivery } from './events.ts';
import { formatEvent, type EventPayload, type EventType } from './messages.ts';
import { SendFailure, type Sender } from './sender.ts';
import { getSettings, type User } from './users.ts';

/**
 * A test notification (the API's POST /notifications/test and the panel's button). It is
 * judged as a real one of its type would be for this user: a negative review above his rating
 * threshold, or stock above his critical-stock threshold, is not sent (his switches are not
 * asked: a test is sent whatever they say). When this process sends notifications, it is sent
 * at once and the answer says whether Telegram took it or why it refused (`chat not found`,
 * bot blocked); otherwise it is queued for the notifier, as before.
 */

/** The sender of this process's notifier, while it runs (src/notifications/runtime.ts). */
export const liveSender: { current: Sender | null } = { current: null };

export type TestOutcome =
  | { status: 'sent'; deliveryId: number; messageId: number | null }
  | { status: 'queued'; deliveryId: number }
  | { status: 'refused'; deliveryId: number; reason: string }
  | { status: 'uncertain'; deliveryId: number; reason: string }
  | { status: 'not_sent'; reason: 'rating_above_threshold' | 'stock_above_threshold'; threshold: number };

export async function sendTestNotification(
  hub: Hub,
  user: User,
  type: EventType,
  sample: EventPayload,
): Promise<TestOutcome> {
  const settings = await getSettings(hub.db, user.id);
  const payload: EventPayload = { ...sample };
  if (type === 'negative_review') {
    payload.rating ??= settings.negative_review_max_rating;
    if (payload.rating > settings.negative_review_max_rating) {
      return { status: 'not_sent', reason: 'rating_above_threshold', threshold: settings.negative_review_max_rating };
    }
  }
  if (type === 'critical_stock') {
    payload.threshold = settings.critical_stock_threshold;
    payload.available ??= settings.critical_stock_threshold;
    if (payload.available > settings.critical_stock_threshold) {
      return { status: 'not_sent', reason: 'stock_above_threshold', threshold: settings.critical_stock_threshold };
    }
  }
  const sender = liveSender.current;
  if (!sender) return { status: 'queued', deliveryId: await queueTestDelivery(hub.db, user.id, type, payload) };

  // Claimed by this request from the start, so the notifier's loop never sends it a second time.
  const [delivery] = await rows<{ id: number }>(
    hub.db,
    sql`
    insert into deliveries (event_id, user_id, test, status, attempts, claimed_at, claimed_by)
    values (null, ${user.id}, ${JSON.stringify({ type, payload })}::jsonb, 'sending', 1, now(), 'test-notification')
    returning id`,
  );
  const message = formatEvent(type, payload, user.language, { test: true });
  try {
    const { messageId } = await sender.send({ userId: user.id, telegramId: user.telegram_id }, message, {
      deliveryId: delivery.id,
      type,
      eventId: null,
      test: true,
    });
    await hub.db.execute(sql`
      update deliveries set status = 'sent', sent_at = now(), telegram_message_id = ${messageId}, claimed_by = null where id = ${delivery.id}`);
    return { status: 'sent', deliveryId: delivery.id, messageId };
  } catch (error) {
    const failure =
      error instanceof SendFailure ? error : new SendFailure((error as Error)?.message ?? String(error), 'uncertain');
    if (failure.kind === 'retry' || failure.kind === 'rate_limited') {
      // Not delivered, and it may go later: the notifier retries it like any other.
      await hub.db.execute(sql`
        update deliveries set status = 'pending', claimed_by = null, last_error = ${failure.message},
               next_attempt_at = now() + make_interval(secs => ${(failure.retryAfterMs ?? 2_000) / 1000})
         where id = ${delivery.id}`);
      return { status: 'queued', deliveryId: delivery.id };
    }
    const status = failure.kind === 'permanent' ? 'failed' : 'uncertain';
    await hub.db.execute(
      sql`update deliveries set status = ${status}, last_error = ${failure.message}, claimed_by = null where id = ${delivery.id}`,
    );
    hub.logger.warn(
      { deliveryId: delivery.id, userId: user.id, err: failure.message },
      'notifications: the test notification was not taken',
    );
    return failure.kind === 'permanent'
      ? { status: 'refused', deliveryId: delivery.id, reason: failure.message }
      : { status: 'uncertain', deliveryId: delivery.id, reason: failure.message };
  }
}
