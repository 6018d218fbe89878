import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { readFailure, retryDelayMs } from './failures.ts';

/**
 * Outbox consumers: the workers claim pending messages of a topic in batches (SKIP LOCKED),
 * hand them to the consumer and mark them processed. A failing consumer leaves the batch for
 * a retry with back-off (messages are never dropped: a stock change must reach the channels)
 * and every failure is logged in outbox_errors, one row per message, as job type 'outbox:<topic>'.
 */

export interface OutboxMessage {
  id: number;
  topic: string;
  key: string;
  payload: Record<string, unknown>;
  createdAt: string;
  /** This delivery's attempt number, from 1. */
  attempt: number;
}

export type OutboxHandler = (hub: Hub, messages: OutboxMessage[]) => Promise<void> | void;

export interface OutboxConsumer {
  topic: string;
  handler: OutboxHandler;
  batchSize: number;
  leaseMs: number;
  backoffMs: number;
}

const consumers = new Map<string, OutboxConsumer>();

/** One consumer per topic; the channels core uses it for 'stock.changed'. */
export function defineOutboxConsumer(
  topic: string,
  handler: OutboxHandler,
  options: { batchSize?: number; leaseMs?: number; backoffMs?: number } = {},
): OutboxConsumer {
  const consumer = { topic, handler, batchSize: options.batchSize ?? 100, leaseMs: options.leaseMs ?? 60_000, backoffMs: options.backoffMs ?? 1_000 };
  consumers.set(topic, consumer);
  return consumer;
}

export const outboxConsumers = () => [...consumers.values()];

export async function claimOutbox(ex: Executor, workerId: string, consumer: OutboxConsumer): Promise<OutboxMessage[]> {
  return rows<OutboxMessage>(
    ex,
    sql`update outbox set attempts = attempts + 1, locked_by = ${workerId},
          lease_until = now() + make_interval(secs => ${consumer.leaseMs} / 1000.0)
        where id in (
          select id from outbox
          where topic = ${consumer.topic} and processed_at is null and available_at <= now()
            and (lease_until is null or lease_until < now())
          order by id limit ${consumer.batchSize}
          for update skip locked)
        returning id, topic, key, payload, iso(created_at) as "createdAt", attempts as attempt`,
  );
}

export async function renewOutboxLease(ex: Executor, workerId: string, ids: number[], leaseMs: number) {
  await ex.execute(sql`
    update outbox set lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0)
    where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId} and processed_at is null`);
}

export async function markProcessed(ex: Executor, ids: number[]) {
  await ex.execute(sql`
    update outbox set processed_at = now(), locked_by = null, lease_until = null
    where id = any(${sql.param(ids)}::bigint[]) and processed_at is null`);
}

/** The batch waits for its back-off; each message's failure is logged. */
export async function failBatch(ex: Executor, consumer: OutboxConsumer, messages: OutboxMessage[], error: unknown) {
  const failure = readFailure(error);
  const attempt = Math.max(...messages.map((m) => m.attempt));
  const delayMs = retryDelayMs(attempt, consumer.backoffMs, failure.retryAfterMs);
  const ids = messages.map((m) => m.id);
  await ex.execute(sql`
    with retried as (
      update outbox set available_at = now() + make_interval(secs => ${delayMs} / 1000.0), locked_by = null, lease_until = null
      where id = any(${sql.param(ids)}::bigint[]) and processed_at is null)
    insert into outbox_errors (outbox_id, job_type, attempt, error, http_status)
    select id, ${`outbox:${consumer.topic}`}, attempts, ${failure.message}, ${failure.httpStatus}
    from outbox where id = any(${sql.param(ids)}::bigint[])`);
  return delayMs;
}

/** On a clean stop: the batch is free for another worker at once, the attempt not counted. */
export async function releaseOutbox(ex: Executor, workerId: string, ids: number[]) {
  if (!ids.length) return;
  await ex.execute(sql`
    update outbox set attempts = greatest(attempts - 1, 0), locked_by = null, lease_until = null
    where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId} and processed_at is null`);
}
