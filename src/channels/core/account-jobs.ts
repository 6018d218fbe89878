import type { Hub } from '../../hub.ts';
import { enqueueJob } from '../../engine/jobs.ts';
import type { PushSummary } from './propagation.ts';

export type AccountJob = 'sync' | 'push' | 'reconcile';

/** Enqueues one of the account jobs (deduplicated per account while one waits or runs); returns its id. */
export async function enqueueAccountJob(hub: Hub, accountId: number, job: AccountJob, runAt?: Date): Promise<number> {
  const { id } = await enqueueJob(hub.db, {
    type: `channels.${job}`,
    accountId,
    payload: { accountId },
    key: `channels.${job}:${accountId}`,
    runAt,
  });
  return id;
}

/**
 * What a push could not do goes to a job: while another pusher held the account (a price push
 * shares the lease, and does not push stock) a `busyJob`, with marks left a push, after the
 * channel's Retry-After. Without it the marked listings would wait for the next change.
 */
export async function handOnPush(hub: Hub, accountId: number, summary: PushSummary, busyJob: AccountJob = 'push') {
  const runAt = summary.retryAfterMs ? new Date(Date.now() + summary.retryAfterMs) : undefined;
  if (summary.busy) await enqueueAccountJob(hub, accountId, busyJob, runAt);
  else if (summary.remaining) await enqueueAccountJob(hub, accountId, 'push', runAt);
}
