import type { Hub } from '../../hub.ts';
import { enqueueJob } from '../../engine/jobs.ts';

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
