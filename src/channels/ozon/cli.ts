import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { onShutdown, openHub } from '../../cli/runtime.ts';
import { listSyncRuns, withSyncRun } from '../../engine/sync-runs.ts';
import type { Hub } from '../../hub.ts';
import { loadMasterKey } from '../../shared/master-key.ts';
import { listAccounts, type AccountView } from '../core/accounts.ts';
import { defineChannelSyncCommand } from '../core/cli.ts';
import { ChannelHttpError, CredentialsRejected } from '../core/connector.ts';
import { accountRuntime } from '../core/context.ts';
import { runConnectorJob } from '../core/jobs.ts';
import { syncAccount } from '../core/sync.ts';

/**
 * `sklad ozon test [--account ID]`: checks each Ozon account's keys against Ozon and says
 * OK or why not (the account's status is left as it is; the API's validate changes it).
 * `sklad sync ozon [ID]` (also `sklad ozon sync [--account ID]`): a full sync in the
 * foreground (stock, postings, then listings with the stock push), each part in its own
 * sync run, with a progress bar.
 */

const parseId = (value: string) => {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('an account id is a positive whole number');
  return id;
};

async function withHub<T>(fn: (hub: Hub) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const hub = await openHub(config, { role: 'cli' });
  try {
    hub.masterKey = loadMasterKey(config, hub.logger);
    onShutdown(hub, []);
    return await fn(hub);
  } finally {
    await hub.database.close();
  }
}

async function ozonAccounts(hub: Hub, accountId?: number): Promise<AccountView[]> {
  const accounts = (await listAccounts(hub.db, { channel: 'ozon' })).filter((a) => accountId === undefined || a.id === accountId);
  if (!accounts.length) throw new Error(accountId === undefined ? 'There is no Ozon account: add one first' : `Account ${accountId} is not an Ozon account`);
  return accounts;
}

const label = (a: AccountView) => `Ozon account ${a.id} "${a.name}"`;

/** One account's check: OK with what Ozon said, or the reason it failed. */
export async function testOzonAccount(hub: Hub, account: AccountView): Promise<{ ok: boolean; text: string }> {
  if (account.status === 'disabled') return { ok: false, text: 'disabled: enable it first' };
  try {
    const rt = await accountRuntime(hub, account.id, { allowInactive: true, timeoutMs: 15_000 });
    const verdict = await rt.connector.validate(rt.ctx);
    return verdict.ok ? { ok: true, text: verdict.details ?? 'Ozon accepted the keys' } : { ok: false, text: verdict.reason };
  } catch (error) {
    if (error instanceof CredentialsRejected) return { ok: false, text: error.message };
    if (error instanceof ChannelHttpError) return { ok: false, text: `Ozon did not answer the check: ${error.message}` };
    return { ok: false, text: (error as Error).message };
  }
}

interface Part {
  title: string;
  type: string;
  run(hub: Hub, accountId: number, progress: (u: { done?: number; total?: number; message?: string }) => Promise<void>): Promise<unknown>;
}

const parts: Part[] = [
  { title: 'stock', type: 'ozon.stocks', run: (hub, id, progress) => runConnectorJob(hub, id, 'stocks', { progress }) },
  { title: 'postings', type: 'ozon.postings', run: (hub, id, progress) => runConnectorJob(hub, id, 'postings', { progress }) },
  {
    title: 'listings',
    type: 'channels.sync',
    run: (hub, id, progress) => withSyncRun(hub, { type: 'channels.sync', accountId: id }, (run) => syncAccount(hub, id, { run, progress })),
  },
];

interface RunRow {
  /** A bigint: a string from the driver. */
  id: number | string;
  started_at: string;
  type: string;
  status: string;
  duration_ms: number;
  fetched: number;
  created: number;
  updated: number;
  pushed: number;
  failed: number;
  problems: { message: string }[];
}

/** The account's sync runs from `from` on, newest first: the engine's history, as the panel reads it. */
async function accountRuns(hub: Hub, accountId: number, options: { from?: string; limit: number }): Promise<RunRow[]> {
  const { items } = await listSyncRuns(hub.db, { accountId, from: options.from, limit: options.limit, offset: 0 });
  return items as unknown as RunRow[];
}

async function syncOne(hub: Hub, account: AccountView): Promise<boolean> {
  // The account's newest run before this sync: the runs after it are this sync's.
  const [before] = await accountRuns(hub, account.id, { limit: 1 });
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    { format: '  {part} [{bar}] {value}/{total} {message}', hideCursor: true, clearOnComplete: true, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  console.log(`${label(account)}: full sync`);
  let ok = true;
  for (const part of parts) {
    bar.start(1, 0, { part: part.title.padEnd(8), message: '' });
    let failure: unknown;
    try {
      await part.run(hub, account.id, async (u) => {
        if (u.total !== undefined) bar.setTotal(Math.max(u.total, u.done ?? 0, 1));
        bar.update(u.done ?? bar.getProgress() * bar.getTotal(), { message: u.message ?? '' });
      });
    } catch (error) {
      failure = error;
    } finally {
      bar.stop();
    }
    if (failure) {
      ok = false;
      console.log(`  ${part.title} failed: ${(failure as Error).message}`);
      // Refused keys fail every part the same way.
      if (failure instanceof CredentialsRejected) break;
    }
  }
  const runs = (await accountRuns(hub, account.id, { from: before?.started_at, limit: 100 }))
    .filter((r) => !before || Number(r.id) > Number(before.id))
    .sort((a, b) => Number(a.id) - Number(b.id));
  for (const run of runs) {
    const part = parts.find((p) => p.type === run.type)?.title ?? run.type;
    console.log(
      `  ${part.padEnd(8)} ${run.status.padEnd(9)} fetched ${run.fetched}, created ${run.created}, updated ${run.updated}, ` +
        `pushed ${run.pushed}, failed ${run.failed} in ${(run.duration_ms / 1000).toFixed(1)} s`,
    );
    for (const p of run.problems ?? []) console.log(`           problem: ${p.message}`);
    if (run.status === 'failed') ok = false;
  }
  console.log(`  ${ok ? 'done' : 'finished with failures'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

/** Every Ozon account (or one) synced in turn; true when every part of every account succeeded. */
async function syncOzon(accountId?: number): Promise<boolean> {
  return withHub(async (hub) => {
    let ok = true;
    for (const account of await ozonAccounts(hub, accountId)) ok = (await syncOne(hub, account)) && ok;
    return ok;
  });
}

export function ozonCommands(program: Command) {
  defineChannelSyncCommand('ozon', syncOzon);
  const ozon = program.command('ozon').description('Ozon accounts: check the keys, run a full sync');

  ozon
    .command('test')
    .description("Check each Ozon account's Client-Id and Api-Key against Ozon (or one: --account ID)")
    .option('--account <id>', 'only this account', parseId)
    .action(async (options: { account?: number }) => {
      const allOk = await withHub(async (hub) => {
        let ok = true;
        for (const account of await ozonAccounts(hub, options.account)) {
          const result = await testOzonAccount(hub, account);
          ok &&= result.ok;
          console.log(`${label(account)}: ${result.ok ? 'OK' : 'FAILED'} — ${result.text}`);
        }
        return ok;
      });
      if (!allOk) process.exitCode = 1;
    });

  ozon
    .command('sync')
    .description('Run a full sync of each Ozon account now, in the foreground (or one: --account ID)')
    .option('--account <id>', 'only this account', parseId)
    .action(async (options: { account?: number }) => {
      if (!(await syncOzon(options.account))) process.exitCode = 1;
    });
}
