import { sql } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import { outboxConsumers } from './outbox-consumer.ts';

export type OutboxTopic = 'stock.changed' | 'order.created' | 'order.changed' | (string & {});

/**
 * A message no consumer takes would wait for ever (issue 19: 77 unread order.created rows after a
 * short demo): writing one is a mistake in the assembly, refused here rather than stored.
 */
function requireConsumer(topic: string) {
  if (!outboxConsumers().some((c) => c.topic === topic))
    throw new Error(`No outbox consumer takes "${topic}": define one (src/assembly.ts) or do not write it`);
}

/** Announces a change inside the transaction that makes it; workers pick it up after commit. */
export async function addToOutbox(
  tx: Executor,
  message: { topic: OutboxTopic; key: string | number; payload?: unknown },
) {
  requireConsumer(message.topic);
  await tx.execute(sql`
    insert into outbox (topic, key, payload)
    values (${message.topic}, ${String(message.key)}, ${JSON.stringify(message.payload ?? {})}::jsonb)`);
}

/** Many messages in one statement: a bulk stock import announces all its products at once. */
export async function addManyToOutbox(
  tx: Executor,
  topic: OutboxTopic,
  keys: (string | number)[],
  payload: unknown = {},
) {
  if (!keys.length) return;
  requireConsumer(topic);
  await tx.execute(sql`
    insert into outbox (topic, key, payload)
    select ${topic}, k, ${JSON.stringify(payload)}::jsonb from unnest(${sql.param(keys.map(String))}::text[]) as k`);
}
