import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { followJob, JobAccepted, jobFailure, type HubApi, type ProgressUpdate } from '../../cli/hub-api.ts';
import { progressBar } from '../../cli/progress.ts';
import { printResult, viaHubOrDatabase } from '../../cli/runtime.ts';
import type { Hub } from '../../hub.ts';
// The job types are the assembled app's (src/assembly.ts), so a sync started here runs what `sklad worker` runs.
import { runConnectorJob } from './jobs.ts';
import { reconcileAccount } from './propagation.ts';
import { syncAccount } from './sync.ts';
import { listSyncRuns, withSyncRun } from '../../engine/sync-runs.ts';

/**
 * A channel's own foreground sync of all its accounts (or one), e.g. Ozon's with a progress
 * bar: `sklad sync ozon [accountId]`. Answers whether every part succeeded.
 */
export type ChannelSyncCommand = (accountId?: number) => Promise<boolean>;
const channelSyncCommands = new Map<string, ChannelSyncCommand>();

export function defineChannelSyncCommand(channel: string, run: ChannelSyncCommand) {
  channelSyncCommands.set(channel, run);
}

/** A sync run as the history keeps it (GET /api/v1/sync/history), the CLI's summary of a part. */
export const SyncRunRow = z.object({
  id: z.coerce.number(),
  type: z.string(),
  job_id: z.coerce.number().nullable(),
  status: z.string(),
  started_at: z.string(),
  duration_ms: z.number().nullable(),
  fetched: z.number(),
  created: z.number(),
  updated: z.number(),
  pushed: z.number(),
  failed: z.number(),
  error: z.string().nullable(),
  problems: z.array(z.object({ message: z.string() }).loose()).nullable().catch([]),
});
export type SyncRunRow = z.infer<typeof SyncRunRow>;
const RunPage = z.object({ items: z.array(SyncRunRow) });

/** The account's sync runs from `from` on, newest first, either way the command runs. */
export async function accountRuns(target: { hub: Hub } | { api: HubApi }, accountId: number, options: { from?: string; limit: number }): Promise<SyncRunRow[]> {
  if ('api' in target) return (await target.api.get('/sync/history', RunPage, { account_id: accountId, from: options.from, limit: options.limit })).items;
  const { items } = await listSyncRuns(target.hub.db, { accountId, from: options.from, limit: options.limit, offset: 0 });
  return RunPage.parse({ items }).items;
}

/** `fetched 3, created 1, … in 1.2 s`: a run's counts in one line. */
export const runCounts = (run: SyncRunRow) =>
  `fetched ${run.fetched}, created ${run.created}, updated ${run.updated}, pushed ${run.pushed}, failed ${run.failed} in ${((run.duration_ms ?? 0) / 1000).toFixed(1)} s`;

/** Asks the hub to run a job of the account and follows it: the runs it made, or its failure. */
export async function runInHub(api: HubApi, accountId: number, start: string, progress?: (u: ProgressUpdate) => void): Promise<SyncRunRow[]> {
  const { job_id } = await api.post(start, JobAccepted);
  const job = await followJob(api, job_id, progress);
  const failure = jobFailure(job);
  if (failure) throw failure;
  return (await accountRuns({ api }, accountId, { limit: 50 })).filter((r) => r.job_id === job_id);
}

/**
 * `sklad sync <account> [job]`: runs an account's full sync, reconcile or connector job now
 * (in the running hub's workers, or in this process with no hub) and prints its sync run.
 * `sklad sync <channel> [account]`: the channel's own full sync, where it defines one (defineChannelSyncCommand).
 */
export function channelsCommands(program: Command) {
  program
    .command('sync <accountId> [job]')
    .description(
      "Run an account's sync now: 'full' (default: listings, matching, pushes), 'reconcile', or a connector job such as 'orders'; " +
        "or a channel's full sync with a progress bar: 'sync ozon [accountId]'",
    )
    .option('--json', "print the sync run as JSON")
    .action(async (accountId: string, job: string | undefined, options: { json?: boolean }) => {
      const channelSync = channelSyncCommands.get(accountId);
      if (channelSync) {
        const only = job === undefined || job === 'full' ? undefined : Number(job);
        if (only !== undefined && (!Number.isSafeInteger(only) || only < 1)) throw new InvalidArgumentError('accountId is a positive whole number');
        if (!(await channelSync(only))) process.exitCode = 1;
        return;
      }
      const id = Number(accountId);
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new InvalidArgumentError(`accountId is a positive whole number${channelSyncCommands.size ? `, or a channel: ${[...channelSyncCommands.keys()].join(', ')}` : ''}`);
      }
      const name = job ?? 'full';
      const title = name === 'full' ? 'full sync' : name;
      const bar = progressBar(title);
      let runs: SyncRunRow[];
      try {
        runs = await viaHubOrDatabase({
          hub: (api) => {
            const start = name === 'full' ? 'sync' : name === 'reconcile' ? 'reconcile' : `jobs/${encodeURIComponent(name)}`;
            return runInHub(api, id, `/channels/accounts/${id}/${start}`, (u) => bar.update(u));
          },
          database: async (hub) => {
            const [before] = await accountRuns({ hub }, id, { limit: 1 });
            const progress = async (u: ProgressUpdate) => bar.update(u);
            if (name === 'full') await withSyncRun(hub, { type: 'channels.sync', accountId: id }, (run) => syncAccount(hub, id, { run, progress }));
            else if (name === 'reconcile') await withSyncRun(hub, { type: 'channels.reconcile', accountId: id }, (run) => reconcileAccount(hub, id, { run }));
            else await runConnectorJob(hub, id, name, { progress });
            return (await accountRuns({ hub }, id, { from: before?.started_at, limit: 50 })).filter((r) => !before || r.id > before.id);
          },
        });
      } catch (error) {
        bar.end('failed');
        throw error;
      }
      bar.end(runs.some((r) => r.status !== 'succeeded') ? 'finished with failures' : 'done');
      printResult(options.json, runs, () =>
        runs
          .map((r) => [`Account ${id} ${title}: ${r.status}, ${runCounts(r)}`, ...(r.problems ?? []).map((p) => `  problem: ${p.message}`), ...(r.error ? [`  error: ${r.error}`] : [])].join('\n'))
          .join('\n') || `Account ${id} ${title}: nothing ran`,
      );
      if (runs.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
