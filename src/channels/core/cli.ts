import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { onShutdown, openHub } from '../../cli/runtime.ts';
import { loadMasterKey } from '../../shared/master-key.ts';
// Loading the CLI loads the channel job types, so `sklad worker` runs them.
import { runConnectorJob } from './jobs.ts';
import { reconcileAccount } from './propagation.ts';
import { syncAccount } from './sync.ts';
import { withSyncRun } from '../../engine/sync-runs.ts';

/** `sklad sync <account> [job]`: runs an account's full sync, reconcile or connector job now, in this process. */
export function channelsCommands(program: Command) {
  program
    .command('sync <accountId> [job]')
    .description("Run an account's sync now: 'full' (default: listings, matching, pushes), 'reconcile', or a connector job such as 'orders'")
    .action(async (accountId: string, job = 'full') => {
      const id = Number(accountId);
      if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('accountId is a positive whole number');
      const config = loadConfig();
      const hub = await openHub(config, { role: 'cli' });
      hub.masterKey = loadMasterKey(config, hub.logger);
      onShutdown(hub, []);
      try {
        if (job === 'full' || job === 'reconcile') {
          const summary = await withSyncRun(hub, { type: `channels.${job === 'full' ? 'sync' : 'reconcile'}`, accountId: id }, (run) =>
            job === 'full' ? syncAccount(hub, id, { run }) : reconcileAccount(hub, id, { run }),
          );
          console.log(JSON.stringify(summary));
        } else {
          await runConnectorJob(hub, id, job);
          console.log(`Ran ${job} for account ${id}`);
        }
      } finally {
        await hub.database.close();
      }
    });
}
