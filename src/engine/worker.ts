import crypto from 'node:crypto';
import os from 'node:os';
import type { Hub } from '../hub.ts';
import { claimJobs, reclaimExpired, releaseJobs, type Claim } from './claims.ts';
import { getJobType, jobTypeNames, onJobEnqueued } from './jobs.ts';
import { claimOutbox, outboxConsumers, releaseOutbox, type OutboxConsumer } from './outbox-consumer.ts';
import { createCompleter } from './completer.ts';
import { runBatch, runJob, type Task } from './run-task.ts';
import { reapSyncRuns } from './sync-runs.ts';

export interface WorkerOptions {
  /** Jobs (and outbox batches) run at once in this process (default 4). */
  concurrency?: number;
  /** Job types to run (default: every defined one); 'outbox:<topic>' selects outbox consumers. */
  types?: string[];
  /** Idle wait between looks at the queue (default 250 ms); no wait while work is found. */
  pollMs?: number;
  /**
   * The wait instead of pollMs for two seconds after work was found (default 50 ms, or pollMs
   * when smaller): while changes keep coming, the next one is seen sooner; an idle worker still
   * looks only every pollMs.
   */
  busyPollMs?: number;
  /** How long stop() lets running jobs finish before releasing them (default 10 s). */
  stopGraceMs?: number;
  workerId?: string;
}

const RECLAIM_EVERY_MS = 1_000;

/**
 * Runs jobs and outbox batches until stopped. Each claim is one short statement; handlers run
 * outside any transaction, under a lease renewed by a heartbeat. Returns stop(): it lets
 * running jobs finish for a grace period, then hands the rest back to the queue.
 */
export function startWorkers(hub: Hub, options: WorkerOptions = {}): () => Promise<void> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const pollMs = options.pollMs ?? 250;
  const busyPollMs = Math.min(pollMs, options.busyPollMs ?? 50);
  let lastWorkAt = 0;
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const running = new Map<string, Task>();
  const complete = createCompleter(hub.db, workerId);
  let stopping = false;
  let lastReclaim = 0;
  let wakeUp: () => void = () => {};
  const wake = () => wakeUp();
  const unsubscribe = onJobEnqueued(wake);
  const free = () => concurrency - running.size;

  const launch = (task: Task, work: Promise<void>) => {
    running.set(task.name, task);
    void work.finally(() => {
      running.delete(task.name);
      wake();
    });
  };

  const selectedTypes = () =>
    (options.types ?? jobTypeNames()).flatMap((type) => {
      const def = getJobType(type);
      return def ? [{ type, leaseMs: def.leaseMs }] : [];
    });
  const selectedConsumers = () =>
    outboxConsumers().filter((c) => !options.types || options.types.includes(`outbox:${c.topic}`));

  /** One pass: claims what fits in the free slots; true when there may be more waiting. */
  const pass = async (): Promise<boolean> => {
    let more = false;
    if (Date.now() - lastReclaim >= RECLAIM_EVERY_MS) {
      lastReclaim = Date.now();
      const lost = await reclaimExpired(hub.db);
      if (lost) hub.logger.warn({ jobs: lost }, 'took back jobs whose lease ran out');
      const reaped = await reapSyncRuns(hub.db);
      if (reaped) hub.logger.warn({ syncRuns: reaped }, 'failed sync runs whose process stopped (lease expired)');
    }
    for (const consumer of selectedConsumers()) {
      if (free() < 1 || stopping) break;
      const messages = await claimOutbox(hub.db, workerId, consumer);
      if (!messages.length) continue;
      lastWorkAt = Date.now();
      if (messages.length === consumer.batchSize) more = true;
      launchBatch(
        consumer,
        messages.map((m) => m.id),
        messages,
      );
    }
    const slots = free();
    if (slots < 1 || stopping) return more;
    const claims = await claimJobs(hub.db, workerId, selectedTypes(), slots);
    if (claims.length) lastWorkAt = Date.now();
    for (const claim of claims) launchJob(claim);
    return more || claims.length === slots;
  };

  const launchJob = (claim: Claim) => {
    const task: Task = { name: `job:${claim.id}`, controller: new AbortController(), released: false, jobId: claim.id };
    launch(task, runJob(hub, workerId, claim, task, complete));
  };
  const launchBatch = (consumer: OutboxConsumer, ids: number[], messages: Parameters<typeof runBatch>[3]) => {
    const task: Task = {
      name: `outbox:${consumer.topic}:${ids[0]}`,
      controller: new AbortController(),
      released: false,
      outboxIds: ids,
    };
    launch(task, runBatch(hub, workerId, consumer, messages, task));
  };

  const loop = (async () => {
    while (!stopping) {
      let more = false;
      try {
        more = await pass();
      } catch (err) {
        if (stopping) break;
        hub.logger.error({ err }, 'worker could not claim work; trying again in a second');
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (more && free() > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Date.now() - lastWorkAt < 2_000 ? busyPollMs : pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = () => {};
    }
  })();

  hub.logger.info({ workerId, concurrency }, 'workers started');

  let stopped: Promise<void> | undefined;
  return () => (stopped ??= stop());

  async function stop() {
    stopping = true;
    unsubscribe();
    wake();
    await loop;
    const deadline = Date.now() + (options.stopGraceMs ?? 10_000);
    while (running.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const left = [...running.values()];
    for (const task of left) task.released = true;
    await releaseJobs(
      hub.db,
      workerId,
      left.flatMap((t) => (t.jobId ? [t.jobId] : [])),
    ).catch((err) => hub.logger.error({ err }, 'could not release jobs'));
    await releaseOutbox(
      hub.db,
      workerId,
      left.flatMap((t) => t.outboxIds ?? []),
    ).catch((err) => hub.logger.error({ err }, 'could not release outbox'));
    for (const task of left) task.controller.abort(new Error('the worker is stopping'));
    hub.logger.info({ workerId, released: left.length }, 'workers stopped');
  }
}
