import type { Hub } from '../hub.ts';
import { failJob, renewLease, saveProgress, type Claim } from './claims.ts';
import { readFailure, retryDelayMs } from './failures.ts';
import { getJobType, type Job } from './jobs.ts';
import {
  failBatch,
  failMessages,
  markProcessed,
  postponeMessages,
  renewOutboxLease,
  type OutboxConsumer,
  type OutboxMessage,
  type OutboxOutcome,
} from './outbox-consumer.ts';

/** A job or an outbox batch a worker is running. */
export interface Task {
  name: string;
  controller: AbortController;
  /** Set when stop() handed it back to the queue: its outcome is no longer ours to write. */
  released: boolean;
  jobId?: number;
  outboxIds?: number[];
}

class LeaseLost extends Error {
  constructor() {
    super('the lease was lost (the job was taken over or cancelled)');
    this.name = 'LeaseLost';
  }
}

class AttemptTimedOut extends Error {
  constructor(ms: number) {
    super(`the attempt timed out after ${ms} ms`);
    this.name = 'AttemptTimedOut';
  }
}

/** Calls `renew` every `everyMs` until stopped; a false answer means the lease is gone. */
function keepLease(everyMs: number, renew: () => Promise<boolean>, onLost: () => void): () => void {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      if (!(await renew())) onLost();
    } catch {
      // A failed renewal is retried at the next beat; if the database stays away the lease runs out.
    } finally {
      busy = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
}

/** Settles when the signal aborts: a handler that ignores its signal cannot hold the slot forever. */
const whenAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

export async function runJob(
  hub: Hub,
  workerId: string,
  claim: Claim,
  task: Task,
  complete: (claim: Claim, result: unknown) => Promise<void>,
): Promise<void> {
  const definition = getJobType(claim.type)!;
  const { controller } = task;
  const stopBeat = keepLease(
    Math.max(50, Math.floor(definition.leaseMs / 3)),
    () => renewLease(hub.db, workerId, claim, definition.leaseMs),
    () => controller.abort(new LeaseLost()),
  );
  const timeout = setTimeout(() => controller.abort(new AttemptTimedOut(definition.timeoutMs)), definition.timeoutMs);
  const job: Job = {
    id: claim.id,
    type: claim.type,
    payload: claim.payload ?? {},
    accountId: claim.account_id,
    key: claim.key,
    attempt: claim.attempts,
    maxAttempts: claim.max_attempts,
    createdAt: claim.created_at,
  };
  try {
    const result = await Promise.race([
      Promise.resolve().then(() =>
        definition.handler({
          hub,
          job,
          signal: controller.signal,
          progress: (update) => saveProgress(hub.db, workerId, claim, update),
        }),
      ),
      whenAborted(controller.signal),
    ]);
    await complete(claim, result);
  } catch (error) {
    if (task.released || error instanceof LeaseLost) return;
    const failure = readFailure(error);
    const delayMs = retryDelayMs(claim.attempts, definition.backoffMs, failure.retryAfterMs);
    const status = await failJob(hub.db, workerId, claim, failure, delayMs).catch((err) => {
      hub.logger.error(
        { err, jobId: claim.id },
        'could not record a failed attempt; the lease will run out and the job will be retried',
      );
      return null;
    });
    hub.logger.warn(
      {
        jobId: claim.id,
        type: claim.type,
        attempt: claim.attempts,
        status,
        error: failure.message,
        err: error,
        retryInMs: status === 'failed' ? delayMs : undefined,
      },
      'job attempt failed',
    );
  } finally {
    stopBeat();
    clearTimeout(timeout);
  }
}

export async function runBatch(
  hub: Hub,
  workerId: string,
  consumer: OutboxConsumer,
  messages: OutboxMessage[],
  task: Task,
): Promise<void> {
  const ids = messages.map((m) => m.id);
  const stopBeat = keepLease(
    Math.max(50, Math.floor(consumer.leaseMs / 3)),
    async () => (await renewOutboxLease(hub.db, workerId, ids, consumer.leaseMs), true),
    () => {},
  );
  try {
    const outcome = await Promise.race([
      Promise.resolve().then(() => consumer.handler(hub, messages)),
      whenAborted(task.controller.signal),
    ]);
    await settleBatch(hub, consumer, messages, outcome || {});
  } catch (error) {
    if (task.released) return;
    const delayMs = await failBatch(hub.db, consumer, messages, error).catch((err) => {
      hub.logger.error(
        { err, topic: consumer.topic },
        'could not record a failed outbox batch; its lease will run out',
      );
      return null;
    });
    hub.logger.warn(
      {
        topic: consumer.topic,
        messages: ids.length,
        error: readFailure(error).message,
        err: error,
        retryInMs: delayMs,
      },
      'outbox batch failed',
    );
  } finally {
    stopBeat();
  }
}

/** Marks the batch done but for the messages the consumer failed or put off. */
async function settleBatch(hub: Hub, consumer: OutboxConsumer, messages: OutboxMessage[], outcome: OutboxOutcome) {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const failed = (outcome.failed ?? []).flatMap(({ id, error }) => {
    const message = byId.get(id);
    return message ? [{ message, error }] : [];
  });
  const later = (outcome.later ?? []).filter((l) => byId.has(l.id));
  const open = new Set([...failed.map((f) => f.message.id), ...later.map((l) => l.id)]);
  await markProcessed(
    hub.db,
    messages.filter((m) => !open.has(m.id)).map((m) => m.id),
  );
  await postponeMessages(hub.db, later);
  await failMessages(hub.db, consumer, failed);
  if (failed.length)
    hub.logger.warn(
      { topic: consumer.topic, failed: failed.length, of: messages.length, err: failed[0].error },
      'outbox messages failed',
    );
}
