import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { readFailure, retryDelayMs } from './failures.ts';

/**
 * Outbox consumers: the workers claim pending messages of a topic in batches (SKIP LOCKED),
 * hand them to the consumer and mark them processed. A failing consumer leaves the batch for
 * a retry with back-off, and every failure is logged in outbox_errors, one row per message, as
 * job type 'outbox:<topic>'. A consumer may answer per message (a CRM batch where one deal
 * was refused): those fail alone, the rest are done. With `maxAttempts`, a message failing
 * that often, or failing permanently, is dead; without it (stock.changed) it is never dropped.
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

/** What a consumer answers of a batch: messages not named here are done. */
export interface OutboxOutcome {
  /** Messages that failed, each with its own error (a PermanentJobError kills it at once). */
  failed?: { id: number; error: unknown }[];
  /** Messages to look at again after a while, not failed: the service's asynchronous state is not reached yet, or another worker holds the thing. */
  later?: { id: number; delayMs: number }[];
}

export type OutboxHandler = (
  hub: Hub,
  messages: OutboxMessage[],
) => Promise<OutboxOutcome | undefined | void> | OutboxOutcome | undefined | void;

export interface OutboxConsumer {
  topic: string;
  handler: OutboxHandler;
  batchSize: number;
  leaseMs: number;
  backoffMs: number;
  /** Attempts before a message is dead; null: retried for ever. */
  maxAttempts: number | null;
  /**
   * While a batch of the topic is being handled anywhere, the next is taken only once its
   * oldest message has waited this long (0: at once). Like Nagle's algorithm: an idle topic
   * answers at once, a busy one gets batches of a size set by its rate, not by how many
   * workers poll it (docs/decisions/235).
   */
  lingerMs: number;
}

const consumers = new Map<string, OutboxConsumer>();

/** One consumer per topic; the channels core uses it for 'stock.changed'. */
export function defineOutboxConsumer(
  topic: string,
  handler: OutboxHandler,
  options: { batchSize?: number; leaseMs?: number; backoffMs?: number; maxAttempts?: number; lingerMs?: number } = {},
): OutboxConsumer {
  const consumer = {
    topic,
    handler,
    batchSize: options.batchSize ?? 100,
    leaseMs: options.leaseMs ?? 60_000,
    backoffMs: options.backoffMs ?? 1_000,
    maxAttempts: options.maxAttempts ?? null,
    lingerMs: options.lingerMs ?? 0,
  };
  consumers.set(topic, consumer);
  return consumer;
}

export const outboxConsumers = () => [...consumers.values()];

export async function claimOutbox(ex: Executor, workerId: string, consumer: OutboxConsumer): Promise<OutboxMessage[]> {
  const waiting = sql`
    select id, available_at from outbox
     where topic = ${consumer.topic} and processed_at is null and dead_at is null and available_at <= now()
       and (lease_until is null or lease_until < now())
     order by id limit ${consumer.batchSize}
       for update skip locked`;
  // With a linger: nothing of the topic in hand anywhere, or the oldest waiting long enough.
  const due = consumer.lingerMs
    ? sql`and (not exists (select 1 from outbox f
                            where f.topic = ${consumer.topic} and f.processed_at is null and f.dead_at is null
                              and f.lease_until >= now())
               or (select min(available_at) from waiting) <= now() - make_interval(secs => ${consumer.lingerMs} / 1000.0))`
    : sql``;
  return rows<OutboxMessage>(
    ex,
    sql`with waiting as (${waiting})
        update outbox set attempts = attempts + 1, locked_by = ${workerId},
          lease_until = now() + make_interval(secs => ${consumer.leaseMs} / 1000.0)
        where id in (select id from waiting) ${due}
        returning id, topic, key, payload, iso(created_at) as "createdAt", attempts as attempt`,
  );
}

export async function renewOutboxLease(ex: Executor, workerId: string, ids: number[], leaseMs: number) {
  await ex.execute(sql`
    update outbox set lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0)
    where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId} and processed_at is null`);
}

export async function markProcessed(ex: Executor, ids: number[]) {
  if (!ids.length) return;
  await ex.execute(sql`
    update outbox set processed_at = now(), locked_by = null, lease_until = null
    where id = any(${sql.param(ids)}::bigint[]) and processed_at is null`);
}

/** The batch waits for its back-off; each message's failure is logged. */
export async function failBatch(ex: Executor, consumer: OutboxConsumer, messages: OutboxMessage[], error: unknown) {
  return failMessages(
    ex,
    consumer,
    messages.map((message) => ({ message, error })),
  );
}

/**
 * Each message waits for its own back-off, or is dead when its failure is permanent or its
 * attempts are used up; every failure is a row in outbox_errors. Answers the longest delay.
 */
export async function failMessages(
  ex: Executor,
  consumer: OutboxConsumer,
  failures: { message: OutboxMessage; error: unknown }[],
) {
  if (!failures.length) return 0;
  const read = failures.map(({ message, error }) => {
    const failure = readFailure(error);
    const dead = failure.permanent || (consumer.maxAttempts !== null && message.attempt >= consumer.maxAttempts);
    return {
      id: message.id,
      failure,
      dead,
      delayMs: dead ? 0 : retryDelayMs(message.attempt, consumer.backoffMs, failure.retryAfterMs),
    };
  });
  await ex.execute(sql`
    with failed as (
      select * from unnest(${sql.param(read.map((r) => r.id))}::bigint[], ${sql.param(read.map((r) => r.delayMs))}::int[],
                           ${sql.param(read.map((r) => r.dead))}::boolean[], ${sql.param(read.map((r) => r.failure.message))}::text[],
                           ${sql.param(read.map((r) => r.failure.httpStatus))}::int[], ${sql.param(read.map((r) => r.failure.accountId))}::bigint[],
                           ${sql.param(read.map((r) => r.failure.sku))}::text[]) as f(id, delay_ms, dead, error, http_status, account_id, sku)),
    retried as (
      update outbox o set available_at = now() + make_interval(secs => f.delay_ms / 1000.0), locked_by = null, lease_until = null,
             dead_at = case when f.dead then now() end, last_error = f.error
        from failed f where o.id = f.id and o.processed_at is null)
    insert into outbox_errors (outbox_id, job_type, attempt, error, http_status, account_id, sku)
    select o.id, ${`outbox:${consumer.topic}`}, o.attempts, f.error, f.http_status,
           coalesce(f.account_id, case when o.payload ->> 'accountId' ~ '^[0-9]{1,15}$' then (o.payload ->> 'accountId')::bigint end), f.sku
      from outbox o join failed f on f.id = o.id`);
  return Math.max(...read.map((r) => r.delayMs));
}

/** Messages to look at again after their delay: not a failure, so the attempt is not counted. */
export async function postponeMessages(ex: Executor, later: { id: number; delayMs: number }[]) {
  if (!later.length) return;
  await ex.execute(sql`
    update outbox o set available_at = now() + make_interval(secs => l.delay_ms / 1000.0), locked_by = null, lease_until = null,
           attempts = greatest(o.attempts - 1, 0)
      from unnest(${sql.param(later.map((l) => l.id))}::bigint[], ${sql.param(later.map((l) => Math.max(0, Math.round(l.delayMs))))}::int[]) as l(id, delay_ms)
     where o.id = l.id and o.processed_at is null`);
}

/** On a clean stop: the batch is free for another worker at once, the attempt not counted. */
export async function releaseOutbox(ex: Executor, workerId: string, ids: number[]) {
  if (!ids.length) return;
  await ex.execute(sql`
    update outbox set attempts = greatest(attempts - 1, 0), locked_by = null, lease_until = null
    where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId} and processed_at is null`);
}
