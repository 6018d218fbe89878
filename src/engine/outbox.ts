import { sql } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';

export type OutboxTopic = 'stock.changed' | 'order.created' | 'order.changed' | (string & {});

/** Announces a change inside the transaction that makes it; workers pick it up after commit. */
export async function addToOutbox(tx: Executor, message: { topic: OutboxTopic; key: string | number; payload?: unknown }) {
  await tx.execute(sql`
    insert into outbox (topic, key, payload)
    values (${message.topic}, ${String(message.key)}, ${JSON.stringify(message.payload ?? {})}::jsonb)`);
}

/** Many messages in one statement: a bulk stock import announces all its products at once. */
export async function addManyToOutbox(tx: Executor, topic: OutboxTopic, keys: (string | number)[], payload: unknown = {}) {
  if (!keys.length) return;
  await tx.execute(sql`
    insert into outbox (topic, key, payload)
    select ${topic}, k, ${JSON.stringify(payload)}::jsonb from unnest(${sql.param(keys.map(String))}::text[]) as k`);
}
