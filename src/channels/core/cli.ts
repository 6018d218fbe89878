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
import { say, sayError, statusWord } from '../../cli/lang.ts';

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
  problems: z
    .array(z.object({ message: z.string() }).loose())
    .nullable()
    .catch([]),
});
export type SyncRunRow = z.infer<typeof SyncRunRow>;
const RunPage = z.object({ items: z.array(SyncRunRow) });

/** The account's sync runs from `from` on, newest first, either way the command runs. */
export async function accountRuns(
  target: { hub: Hub } | { api: HubApi },
  accountId: number,
  options: { from?: string; limit: number },
): Promise<SyncRunRow[]> {
  if ('api' in target)
    return (
      await target.api.get('/sync/history', RunPage, {
        account_id: accountId,
        from: options.from,
        limit: options.limit,
      })
    ).items;
  const { items } = await listSyncRuns(target.hub.db, {
    accountId,
    from: options.from,
    limit: options.limit,
    offset: 0,
  });
  return RunPage.parse({ items }).items;
}

/** `fetched 3, created 1, … in 1.2 s`: a run's counts in one line. */
export const runCounts = (run: SyncRunRow) =>
  say('cli.sync.counts', { ...run, seconds: ((run.duration_ms ?? 0) / 1000).toFixed(1) });

/** Asks the hub to run a job of the account and follows it: the runs it made, or its failure. */
export async function runInHub(
  api: HubApi,
  accountId: number,
  start: string,
  progress?: (u: ProgressUpdate) => void,
): Promise<SyncRunRow[]> {
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
    .description(say('cli.sync'))
    .option('--json', say('cli.sync.json'))
    .action(async (accountId: string, job: string | undefined, options: { json?: boolean }) => {
      const channelSync = channelSyncCommands.get(accountId);
      if (channelSync) {
        const only = job === undefined || job === 'full' ? undefined : Number(job);
        if (only !== undefined && (!Number.isSafeInteger(only) || only < 1))
          throw new InvalidArgumentError(say('cli.sync.id'));
        if (!(await channelSync(only))) process.exitCode = 1;
        return;
      }
      const id = Number(accountId);
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new InvalidArgumentError(
          channelSyncCommands.size
            ? say('cli.sync.idOrChannel', { channels: [...channelSyncCommands.keys()] })
            : say('cli.sync.id'),
        );
      }
      const name = job ?? 'full';
      const title = name === 'full' ? say('cli.sync.full') : name === 'reconcile' ? say('cli.sync.reconcile') : name;
      const bar = progressBar(title);
      let runs: SyncRunRow[];
      try {
        runs = await viaHubOrDatabase({
          hub: (api) => {
            const start =
              name === 'full' ? 'sync' : name === 'reconcile' ? 'reconcile' : `jobs/${encodeURIComponent(name)}`;
            return runInHub(api, id, `/channels/accounts/${id}/${start}`, (u) => bar.update(u));
          },
          database: async (hub) => {
            const [before] = await accountRuns({ hub }, id, { limit: 1 });
            const progress = async (u: ProgressUpdate) => bar.update(u);
            if (name === 'full')
              await withSyncRun(hub, { type: 'channels.sync', accountId: id }, (run) =>
                syncAccount(hub, id, { run, progress }),
              );
            else if (name === 'reconcile')
              await withSyncRun(hub, { type: 'channels.reconcile', accountId: id }, (run) =>
                reconcileAccount(hub, id, { run }),
              );
            else await runConnectorJob(hub, id, name, { progress });
            return (await accountRuns({ hub }, id, { from: before?.started_at, limit: 50 })).filter(
              (r) => !before || r.id > before.id,
            );
          },
        });
      } catch (error) {
        bar.end('failed');
        throw error;
      }
      bar.end(runs.some((r) => r.status !== 'succeeded') ? 'partly' : 'done');
      printResult(
        options.json,
        runs,
        () =>
          runs
            .map((r) =>
              [
                say('cli.sync.run', { id, title, status: statusWord(r.status), counts: runCounts(r) }),
                ...(r.problems ?? []).map((p) => say('cli.sync.problem', { message: sayError(p.message) })),
                ...(r.error ? [say('cli.sync.error', { message: sayError(r.error) })] : []),
              ].join('\n'),
            )
            .join('\n') || say('cli.sync.nothing', { id, title }),
      );
      if (runs.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
