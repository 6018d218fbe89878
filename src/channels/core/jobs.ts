import type { Hub } from '../../hub.ts';
import { defineJobType, PermanentJobError } from '../../engine/jobs.ts';
import { defineOutboxConsumer } from '../../engine/outbox-consumer.ts';
import { defineSchedule, setAccountSchedulesEnabled } from '../../engine/schedules.ts';
import { withSyncRun } from '../../engine/sync-runs.ts';
import { enqueueAccountJob, handOnPush } from './account-jobs.ts';
import { deleteOldApiCalls } from './api-calls.ts';
import { CredentialsRejected } from './connector.ts';
import { accountRuntime, guardCredentials, onAccountSchedules } from './context.ts';
import type { ChannelModule } from './module.ts';
import { markStockChanged, pushFailed, pushPending, reconcileAccount, type PushSummary } from './propagation.ts';
import { syncAccount } from './sync.ts';
import { sleep } from './http-client.ts';

/**
 * The channel machinery as engine jobs (docs/decisions/041):
 *   channels.sync       a full sync of an account (POST …/accounts/{id}/sync)
 *   channels.push       pushes an account's marked listings (after stock changes)
 *   channels.reconcile  reads the channel's quantities and pushes the differences (scheduled)
 *   <channel>.<job>     every ConnectorJob, run with its context and a sync run
 * and the 'stock.changed' outbox consumer that marks listings and pushes at once.
 */

/** Runs a connector's job for an account now, in a sync run: `runConnectorJob(hub, 7, 'orders')`. */
export async function runConnectorJob(
  hub: Hub,
  accountId: number,
  jobName: string,
  options: {
    jobId?: number;
    signal?: AbortSignal;
    progress?: (u: { done?: number; total?: number; message?: string }) => Promise<void>;
  } = {},
): Promise<void> {
  const rt0 = await accountRuntime(hub, accountId);
  const job = rt0.connector.jobs?.find((j) => j.name === jobName);
  if (!job) throw new Error(`The ${rt0.connector.channel} connector has no job "${jobName}"`);
  const domainRun = rt0.module.jobRuns?.[job.name];
  await withSyncRun(
    hub,
    { type: `${rt0.connector.channel}.${job.name}`, accountId, jobId: options.jobId },
    async (run) => {
      if (job.accountJob === 'sync') {
        await syncAccount(hub, accountId, { run, signal: options.signal, progress: options.progress });
        return;
      }
      const rt = await accountRuntime(hub, accountId, { run, signal: options.signal, progress: options.progress });
      await guardCredentials(hub, accountId, () => (domainRun ? domainRun(hub, rt.ctx, run) : job.run!(rt.ctx, run)));
    },
  );
}

/** Runs `attempt` again every 50 ms while another pusher holds the account, for up to a minute. */
async function onceFree<S extends { busy: boolean }>(
  accountId: number,
  attempt: () => Promise<S>,
  signal?: AbortSignal,
): Promise<S> {
  const waitUntil = Date.now() + 60_000;
  for (;;) {
    const summary = await attempt();
    if (!summary.busy) return summary;
    if (Date.now() > waitUntil)
      throw new Error(`Account ${accountId} is being pushed by another worker for over a minute`);
    await sleep(50, signal);
  }
}

/**
 * Keeps pushing (stock here, prices in src/pricing) while changes keep coming; waits while
 * another pusher holds the account; a push with failed items ends the job with `failure`'s error.
 */
export async function pushUntilDone<S extends { busy: boolean; failed: number; remaining: number }>(
  accountId: number,
  push: () => Promise<S>,
  failure: (summary: S) => Error,
  signal?: AbortSignal,
): Promise<S> {
  for (;;) {
    const summary = await onceFree(accountId, push, signal);
    if (summary.failed) throw failure(summary);
    if (!summary.remaining) return summary;
  }
}

// A channel that said "Retry-After" is not asked again sooner, by this job or by any other.
const stockPushFailed = (accountId: number) => (summary: PushSummary) => pushFailed(accountId, summary);

/** A rejected key cannot be fixed by a retry: the job goes dead (the account is needs_reauth already). */
const permanentOnRejectedKey = <T>(work: () => Promise<T>) =>
  work().catch((error) => {
    throw error instanceof CredentialsRejected ? new PermanentJobError(error.message, { cause: error }) : error;
  });

/** Registers the job types, schedules and the outbox consumer of these modules (src/assembly.ts); a second call redefines them. */
export function registerChannelJobs(modules: ChannelModule[]) {
  onAccountSchedules((hub, accountId, enabled) => setAccountSchedulesEnabled(hub.db, accountId, enabled));

  defineJobType('channels.sync', async ({ hub, job, signal, progress }) => {
    const accountId = Number((job.payload as { accountId: number }).accountId);
    await permanentOnRejectedKey(() =>
      withSyncRun(hub, { type: 'channels.sync', accountId, jobId: job.id }, (run) =>
        syncAccount(hub, accountId, { run, signal, progress }),
      ),
    );
  });

  // A short lease, so a push taken over from a killed worker resumes within seconds; many
  // attempts, since a change that never reaches the channel would wait for the next reconcile.
  defineJobType(
    'channels.push',
    async ({ hub, job, signal }) => {
      const accountId = Number((job.payload as { accountId: number }).accountId);
      await permanentOnRejectedKey(() =>
        withSyncRun(hub, { type: 'channels.push', accountId, jobId: job.id }, (run) =>
          pushUntilDone(
            accountId,
            () => pushPending(hub, accountId, { run, signal }),
            stockPushFailed(accountId),
            signal,
          ),
        ),
      );
    },
    { leaseMs: 10_000, maxAttempts: 20 },
  );

  defineJobType('channels.reconcile', async ({ hub, job, signal }) => {
    const accountId = Number((job.payload as { accountId: number }).accountId);
    await permanentOnRejectedKey(() =>
      withSyncRun(hub, { type: 'channels.reconcile', accountId, jobId: job.id }, async (run) => {
        // Waits while another pusher holds the account: a reconcile that found it busy read nothing.
        const first = await onceFree(accountId, () => reconcileAccount(hub, accountId, { run, signal }), signal);
        if (first.remaining)
          await pushUntilDone(
            accountId,
            () => pushPending(hub, accountId, { run, signal }),
            stockPushFailed(accountId),
            signal,
          );
      }),
    );
  });

  defineJobType('channels.api_calls_cleanup', async ({ hub }) => {
    const deleted = await deleteOldApiCalls(hub.db);
    hub.logger.info({ deleted }, 'old api_calls removed');
  });
  defineSchedule({ name: 'channels.api_calls_cleanup', jobType: 'channels.api_calls_cleanup', cron: '17 3 * * *' });

  for (const { connector } of modules) {
    if (connector.capabilities.readStock && connector.readQuantities) {
      defineSchedule({
        name: `${connector.channel}.reconcile`,
        jobType: 'channels.reconcile',
        cron: '23 */6 * * *',
        perAccountOfChannel: connector.channel,
      });
    }
    for (const job of connector.jobs ?? []) {
      const type = `${connector.channel}.${job.name}`;
      defineJobType(type, async ({ hub, job: queued, signal, progress }) => {
        const accountId = Number((queued.payload as { accountId: number }).accountId ?? queued.accountId);
        await permanentOnRejectedKey(() =>
          runConnectorJob(hub, accountId, job.name, { jobId: queued.id, signal, progress }),
        );
      });
      if (job.defaultCron)
        defineSchedule({ name: type, jobType: type, cron: job.defaultCron, perAccountOfChannel: connector.channel });
    }
  }

  // A stock change: mark the product's listings, then push each account at once; an account
  // busy or failing gets a push job (retried with back-off by the engine).
  defineOutboxConsumer(
    'stock.changed',
    async (hub, messages) => {
      const productIds = [
        ...new Set(messages.map((m) => Number(m.key)).filter((id) => Number.isSafeInteger(id) && id > 0)),
      ];
      const accountIds = await markStockChanged(hub.db, productIds);
      await Promise.all(
        accountIds.map(async (accountId) => {
          try {
            const summary = await withSyncRun(hub, { type: 'channels.push', accountId }, (run) =>
              pushPending(hub, accountId, { run }),
            );
            await handOnPush(hub, accountId, summary);
          } catch (error) {
            hub.logger.warn({ err: error, accountId }, 'stock push failed; a push job will retry');
            await enqueueAccountJob(hub, accountId, 'push', new Date(Date.now() + 1_000));
          }
        }),
      );
    },
    // A short lease: the batch of a killed worker is taken over within seconds. While a batch
    // is in hand, the next waits up to 50 ms to gather more: a push per account per batch, so
    // more workers must not mean smaller batches (docs/decisions/235).
    { batchSize: 1000, leaseMs: 10_000, lingerMs: 50 },
  );
}
