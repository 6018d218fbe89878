import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { CredentialsRejected } from '../channels/core/connector.ts';
import { channelModules, moduleFor, type ChannelModule } from '../channels/core/module.ts';
import { enqueueJob, defineJobType, PermanentJobError } from '../engine/jobs.ts';
import { defineSchedule } from '../engine/schedules.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { reconcileOrders, RECONCILE_JOB } from './run.ts';

const Payload = z.object({
  accountId: z.coerce.number().int().positive(),
  days: z.number().int().min(1).max(90).optional(),
});

/** A sales channel's module: it takes orders and is no CRM or delivery service (those are checked from their orders' side). */
export const reconciles = (m: ChannelModule) => m.connector.capabilities.orders && !m.crm && !m.delivery;

/** Registers `reconcile.account` and a daily run per account of every sales channel (src/assembly.ts). */
export function registerReconcileJobs() {
  defineJobType(
    RECONCILE_JOB,
    async ({ hub, job, signal }) => {
      const parsed = Payload.safeParse({ ...job.payload, accountId: job.payload.accountId ?? job.accountId });
      if (!parsed.success)
        throw new PermanentJobError(`A ${RECONCILE_JOB} job needs {accountId}: ${parsed.error.message}`);
      try {
        return await reconcileOrders(hub, parsed.data.accountId, { days: parsed.data.days, jobId: job.id, signal });
      } catch (error) {
        if (error instanceof CredentialsRejected || error instanceof DomainError)
          throw new PermanentJobError((error as Error).message, { cause: error });
        throw error;
      }
    },
    // A run reads a week of a channel's orders under its limits: give it time, and no hurry to retry.
    { timeoutMs: 60 * 60_000, maxAttempts: 3, backoffMs: 60_000 },
  );
  for (const m of channelModules().filter(reconciles)) {
    defineSchedule({
      name: `${m.connector.channel}.reconcile_orders`,
      jobType: RECONCILE_JOB,
      cron: '41 4 * * *',
      perAccountOfChannel: m.connector.channel,
    });
  }
}

/** Queues a run of the account's reconciliation (one at a time: a second ask answers the queued job). */
export async function startReconcile(hub: Hub, accountId: number, days?: number) {
  const [account] = await rows<{ channel: string }>(
    hub.db,
    sql`select channel from channel_accounts where id = ${accountId}`,
  );
  if (!account) throw notFound('Channel account', accountId);
  const module = moduleFor(account.channel);
  if (!module || !reconciles(module)) {
    throw new DomainError(
      'RECONCILE_UNSUPPORTED',
      `Account ${accountId} (${account.channel}) is not a sales channel's: its orders are reconciled from their channel's account`,
      409,
      {
        account_id: accountId,
        channel: account.channel,
      },
    );
  }
  const job = await enqueueJob(hub.db, {
    type: RECONCILE_JOB,
    accountId,
    key: `reconcile:${accountId}`,
    payload: { accountId, ...(days ? { days } : {}) },
  });
  return { job_id: job.id, account_id: accountId, deduplicated: job.deduplicated };
}
