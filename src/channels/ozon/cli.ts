import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import type { HubApi, ProgressUpdate } from '../../cli/hub-api.ts';
import { progressBar } from '../../cli/progress.ts';
import { printResult, viaHubOrDatabase } from '../../cli/runtime.ts';
import { withSyncRun } from '../../engine/sync-runs.ts';
import type { Hub } from '../../hub.ts';
import { getAccount, listAccounts } from '../core/accounts.ts';
import { accountRuns, defineChannelSyncCommand, runCounts, runInHub } from '../core/cli.ts';
import { CredentialsRejected } from '../core/connector.ts';
import { runConnectorJob } from '../core/jobs.ts';
import { testAccountKey } from '../core/key-check.ts';
import { syncAccount } from '../core/sync.ts';

/**
 * `sklad ozon test [--account ID]`: checks each Ozon account's keys against Ozon and says
 * OK or why not (the account's status is left as it is; the API's validate changes it).
 * Beside a running `sklad start` both ask that hub (its workers run the parts); else they
 * open the database here.
 * `sklad sync ozon [ID]` (also `sklad ozon sync [--account ID]`): a full sync in the
 * foreground (stock, postings, then listings with the stock push), each part in its own
 * sync run, with a progress bar.
 */

const parseId = (value: string) => {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('an account id is a positive whole number');
  return id;
};

const AccountRow = z.object({ id: z.number(), name: z.string(), channel: z.string(), status: z.string() });
type AccountRow = z.infer<typeof AccountRow>;
const Verdict = z.object({ ok: z.boolean(), text: z.string() });

/** Where the command runs: the running hub's API, or the database opened here. */
type Target = { api: HubApi } | { hub: Hub };

async function ozonAccounts(target: Target, accountId?: number): Promise<AccountRow[]> {
  const all =
    'api' in target
      ? (await target.api.get('/channels/accounts', z.object({ items: z.array(AccountRow) }), { channel: 'ozon' })).items
      : await listAccounts(target.hub.db, { channel: 'ozon' });
  const accounts = all.filter((a) => accountId === undefined || a.id === accountId);
  if (!accounts.length) throw new Error(accountId === undefined ? 'There is no Ozon account: add one first' : `Account ${accountId} is not an Ozon account`);
  return accounts;
}

const accountStatus = async (target: Target, id: number) =>
  'api' in target ? (await target.api.get(`/channels/accounts/${id}`, AccountRow)).status : (await getAccount(target.hub.db, id)).status;

const label = (a: AccountRow) => `Ozon account ${a.id} "${a.name}"`;

/** One account's check: OK with what Ozon said, or the reason it failed (the account is left as it is). */
const testOne = (target: Target, account: AccountRow) =>
  'api' in target ? target.api.post(`/channels/accounts/${account.id}/test`, Verdict) : testAccountKey(target.hub, account.id);

type Progress = (u: ProgressUpdate) => void;

interface Part {
  title: string;
  type: string;
  local(hub: Hub, accountId: number, progress: (u: ProgressUpdate) => Promise<void>): Promise<unknown>;
  /** The API call that queues the part in the running hub. */
  start: (accountId: number) => string;
}

const parts: Part[] = [
  { title: 'stock', type: 'ozon.stocks', local: (hub, id, progress) => runConnectorJob(hub, id, 'stocks', { progress }), start: (id) => `/channels/accounts/${id}/jobs/stocks` },
  { title: 'postings', type: 'ozon.postings', local: (hub, id, progress) => runConnectorJob(hub, id, 'postings', { progress }), start: (id) => `/channels/accounts/${id}/jobs/postings` },
  {
    title: 'listings',
    type: 'channels.sync',
    local: (hub, id, progress) => withSyncRun(hub, { type: 'channels.sync', accountId: id }, (run) => syncAccount(hub, id, { run, progress })),
    start: (id) => `/channels/accounts/${id}/sync`,
  },
];

async function runPart(target: Target, part: Part, accountId: number, progress: Progress) {
  if ('api' in target) await runInHub(target.api, accountId, part.start(accountId), progress);
  else await part.local(target.hub, accountId, async (u) => progress(u));
}

async function syncOne(target: Target, account: AccountRow): Promise<boolean> {
  // The account's newest run before this sync: the runs after it are this sync's.
  const [before] = await accountRuns(target, account.id, { limit: 1 });
  const started = performance.now();
  console.log(`${label(account)}: full sync`);
  let ok = true;
  for (const part of parts) {
    const bar = progressBar(part.title.padEnd(8));
    let failure: unknown;
    try {
      await runPart(target, part, account.id, (u) => bar.update(u));
    } catch (error) {
      failure = error;
    } finally {
      bar.end(failure ? 'failed' : 'done');
    }
    if (failure) {
      ok = false;
      console.log(`  ${part.title} failed: ${(failure as Error).message}`);
      // Refused keys fail every part the same way.
      if (failure instanceof CredentialsRejected || (await accountStatus(target, account.id)) === 'needs_reauth') break;
    }
  }
  const runs = (await accountRuns(target, account.id, { from: before?.started_at, limit: 100 }))
    // This sync's parts: a push the hub's workers ran meanwhile is not one of them.
    .filter((r) => (!before || r.id > before.id) && parts.some((p) => p.type === r.type))
    .sort((a, b) => a.id - b.id);
  for (const run of runs) {
    const part = parts.find((p) => p.type === run.type)?.title ?? run.type;
    console.log(`  ${part.padEnd(8)} ${run.status.padEnd(9)} ${runCounts(run)}`);
    for (const p of run.problems ?? []) console.log(`           problem: ${p.message}`);
    if (run.status === 'failed') ok = false;
  }
  console.log(`  ${ok ? 'done' : 'finished with failures'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

/** Every Ozon account (or one) synced in turn; true when every part of every account succeeded. */
async function syncOzon(accountId?: number): Promise<boolean> {
  const all = async (target: Target) => {
    let ok = true;
    for (const account of await ozonAccounts(target, accountId)) ok = (await syncOne(target, account)) && ok;
    return ok;
  };
  return viaHubOrDatabase({ hub: (api) => all({ api }), database: (hub) => all({ hub }) });
}

export function ozonCommands(program: Command) {
  defineChannelSyncCommand('ozon', syncOzon);
  const ozon = program.command('ozon').description('Ozon accounts: check the keys, run a full sync');

  ozon
    .command('test')
    .description("Check each Ozon account's Client-Id and Api-Key against Ozon (or one: --account ID); the accounts are left as they are")
    .option('--account <id>', 'only this account', parseId)
    .option('--json', 'print JSON')
    .action(async (options: { account?: number; json?: boolean }) => {
      const check = async (target: Target) => {
        const results = [];
        for (const account of await ozonAccounts(target, options.account)) results.push({ account_id: account.id, name: account.name, ...(await testOne(target, account)) });
        return results;
      };
      const results = await viaHubOrDatabase({ hub: (api) => check({ api }), database: (hub) => check({ hub }) });
      printResult(options.json, results, () => results.map((r) => `${label({ id: r.account_id, name: r.name, channel: 'ozon', status: '' })}: ${r.ok ? 'OK' : 'FAILED'} — ${r.text}`).join('\n'));
      if (!results.every((r) => r.ok)) process.exitCode = 1;
    });

  ozon
    .command('sync')
    .description('Run a full sync of each Ozon account now, in the foreground (or one: --account ID)')
    .option('--account <id>', 'only this account', parseId)
    .action(async (options: { account?: number }) => {
      if (!(await syncOzon(options.account))) process.exitCode = 1;
    });
}
