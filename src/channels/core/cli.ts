import { InvalidArgumentError, type Command } from 'commander';
import { withCliHub } from '../../cli/runtime.ts';
// The job types are the assembled app's (src/assembly.ts), so a sync started here runs what `sklad worker` runs.
import { runConnectorJob } from './jobs.ts';
import { reconcileAccount } from './propagation.ts';
import { syncAccount } from './sync.ts';
import { withSyncRun } from '../../engine/sync-runs.ts';

/**
 * A channel's own foreground sync of all its accounts (or one), e.g. Ozon's with a progress
 * bar: `sklad sync ozon [accountId]`. Answers whether every part succeeded.
 */
export type ChannelSyncCommand = (accountId?: number) => Promise<boolean>;
const channelSyncCommands = new Map<string, ChannelSyncCommand>();

export function defineChannelSyncCommand(channel: string, run: ChannelSyncCommand) {
  channelSyncCommands.set(channel, run);
}

/**
 * `sklad sync <account> [job]`: runs an account's full sync, reconcile or connector job now, in this process.
 * `sklad sync <channel> [account]`: the channel's own full sync, where it defines one (defineChannelSyncCommand).
 */
export function channelsCommands(program: Command) {
  program
    .command('sync <accountId> [job]')
    .description(
      "Run an account's sync now: 'full' (default: listings, matching, pushes), 'reconcile', or a connector job such as 'orders'; " +
        "or a channel's full sync with a progress bar: 'sync ozon [accountId]'",
    )
    .action(async (accountId: string, job = 'full') => {
      const channelSync = channelSyncCommands.get(accountId);
      if (channelSync) {
        const only = job === 'full' ? undefined : Number(job);
        if (only !== undefined && (!Number.isSafeInteger(only) || only < 1)) throw new InvalidArgumentError('accountId is a positive whole number');
        if (!(await channelSync(only))) process.exitCode = 1;
        return;
      }
      const id = Number(accountId);
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new InvalidArgumentError(`accountId is a positive whole number${channelSyncCommands.size ? `, or a channel: ${[...channelSyncCommands.keys()].join(', ')}` : ''}`);
      }
      await withCliHub(async (hub) => {
        if (job === 'full' || job === 'reconcile') {
          const summary = await withSyncRun(hub, { type: `channels.${job === 'full' ? 'sync' : 'reconcile'}`, accountId: id }, (run) =>
            job === 'full' ? syncAccount(hub, id, { run }) : reconcileAccount(hub, id, { run }),
          );
          console.log(JSON.stringify(summary));
        } else {
          await runConnectorJob(hub, id, job);
          console.log(`Ran ${job} for account ${id}`);
        }
      });
    });
}
