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
import { say, sayError, sayPair, statusWord } from '../../cli/lang.ts';

/**
 * `sklad ozon test [ID]` (or `--account ID`): checks each Ozon account's keys against Ozon and says
 * OK or why not (the account's status is left as it is; the API's validate changes it).
 * Beside a running `sklad start` both ask that hub (its workers run the parts); else they
 * open the database here.
 * `sklad sync ozon [ID]` (also `sklad ozon sync [--account ID]`): a full sync in the
 * foreground (stock, postings, then listings with the stock push), each part in its own
 * sync run, with a progress bar.
 */

const parseId = (value: string) => {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError(say('cli.accountIdBad'));
  return id;
};

const AccountRow = z.object({ id: z.number(), name: z.string(), channel: z.string(), status: z.string() });
type AccountRow = z.infer<typeof AccountRow>;
const Verdict = z.object({ ok: z.boolean(), text: z.string(), said: z.object({ ru: z.string(), en: z.string() }) });
/** A check's verdict in the CLI's language. */
const verdictText = (v: Pick<z.infer<typeof Verdict>, 'said'>) => sayPair(v.said);

/** Where the command runs: the running hub's API, or the database opened here. */
type Target = { api: HubApi } | { hub: Hub };

async function ozonAccounts(target: Target, accountId?: number): Promise<AccountRow[]> {
  const all =
    'api' in target
      ? (await target.api.get('/channels/accounts', z.object({ items: z.array(AccountRow) }), { channel: 'ozon' }))
          .items
      : await listAccounts(target.hub.db, { channel: 'ozon' });
  const accounts = all.filter((a) => accountId === undefined || a.id === accountId);
  if (!accounts.length)
    throw new Error(
      accountId === undefined ? say('cli.channel.none', { title }) : say('cli.channel.notIt', { id: accountId, title }),
    );
  return accounts;
}

const accountStatus = async (target: Target, id: number) =>
  'api' in target
    ? (await target.api.get(`/channels/accounts/${id}`, AccountRow)).status
    : (await getAccount(target.hub.db, id)).status;

const title = 'Ozon';
const label = (a: Pick<AccountRow, 'id' | 'name'>) => say('cli.channel.account', { title, id: a.id, name: a.name });

/** One account's check: OK with what Ozon said, or the reason it failed (the account is left as it is). */
const testOne = (target: Target, account: AccountRow) =>
  'api' in target
    ? target.api.post(`/channels/accounts/${account.id}/test`, Verdict)
    : testAccountKey(target.hub, account.id);

type Progress = (u: ProgressUpdate) => void;

interface Part {
  title: 'stock' | 'postings' | 'listings';
  type: string;
  local(hub: Hub, accountId: number, progress: (u: ProgressUpdate) => Promise<void>): Promise<unknown>;
  /** The API call that queues the part in the running hub. */
  start: (accountId: number) => string;
}

const parts: Part[] = [
  {
    title: 'stock',
    type: 'ozon.stocks',
    local: (hub, id, progress) => runConnectorJob(hub, id, 'stocks', { progress }),
    start: (id) => `/channels/accounts/${id}/jobs/stocks`,
  },
  {
    title: 'postings',
    type: 'ozon.postings',
    local: (hub, id, progress) => runConnectorJob(hub, id, 'postings', { progress }),
    start: (id) => `/channels/accounts/${id}/jobs/postings`,
  },
  {
    title: 'listings',
    type: 'channels.sync',
    local: (hub, id, progress) =>
      withSyncRun(hub, { type: 'channels.sync', accountId: id }, (run) => syncAccount(hub, id, { run, progress })),
    start: (id) => `/channels/accounts/${id}/sync`,
  },
];

/** A part's name in the CLI's language, and the widths its lines are padded to. */
const partName = (part: Part['title']) => say(`cli.part.${part}`);
const width = Math.max(...parts.map((p) => partName(p.title).length));
const statusWidth = Math.max(...['succeeded', 'failed', 'partial', 'running'].map((s) => statusWord(s).length));

async function runPart(target: Target, part: Part, accountId: number, progress: Progress) {
  if ('api' in target) await runInHub(target.api, accountId, part.start(accountId), progress);
  else await part.local(target.hub, accountId, async (u) => progress(u));
}

async function syncOne(target: Target, account: AccountRow): Promise<boolean> {
  // The account's newest run before this sync: the runs after it are this sync's.
  const [before] = await accountRuns(target, account.id, { limit: 1 });
  const started = performance.now();
  console.log(say('cli.channel.fullSync', { account: label(account) }));
  let ok = true;
  for (const part of parts) {
    const bar = progressBar(partName(part.title).padEnd(width));
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
      console.log(say('cli.channel.partFailed', { part: partName(part.title), message: sayError(failure) }));
      // Refused keys fail every part the same way.
      if (failure instanceof CredentialsRejected || (await accountStatus(target, account.id)) === 'needs_reauth') break;
    }
  }
  const runs = (await accountRuns(target, account.id, { from: before?.started_at, limit: 100 }))
    // This sync's parts: a push the hub's workers ran meanwhile is not one of them.
    .filter((r) => (!before || r.id > before.id) && parts.some((p) => p.type === r.type))
    .sort((a, b) => a.id - b.id);
  for (const run of runs) {
    const part = parts.find((p) => p.type === run.type);
    const status = statusWord(run.status);
    console.log(
      say('cli.channel.partRun', {
        part: (part ? partName(part.title) : run.type).padEnd(width),
        status: status.padEnd(statusWidth),
        counts: runCounts(run),
      }),
    );
    for (const p of run.problems ?? []) console.log(say('cli.channel.partProblem', { message: sayError(p.message) }));
    if (run.status === 'failed') ok = false;
  }
  console.log(
    say('cli.channel.total', {
      verdict: say(ok ? 'cli.verdict.done' : 'cli.verdict.partly'),
      seconds: ((performance.now() - started) / 1000).toFixed(1),
    }),
  );
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
  const ozon = program.command('ozon').description(say('cli.channel.command', { title }));

  ozon
    .command('test [accountId]')
    .description(say('cli.channel.test', { title }))
    .option('--account <id>', say('cli.onlyAccount'), parseId)
    .option('--json', say('cli.json'))
    .action(async (accountId: string | undefined, options: { account?: number; json?: boolean }) => {
      const only = accountId === undefined ? options.account : parseId(accountId);
      const check = async (target: Target) => {
        const results = [];
        for (const account of await ozonAccounts(target, only))
          results.push({ account_id: account.id, name: account.name, ...(await testOne(target, account)) });
        return results;
      };
      const results = await viaHubOrDatabase({ hub: (api) => check({ api }), database: (hub) => check({ hub }) });
      printResult(options.json, results, () =>
        results
          .map((r) =>
            say(r.ok ? 'cli.channel.ok' : 'cli.channel.bad', {
              account: label({ id: r.account_id, name: r.name }),
              text: verdictText(r),
            }),
          )
          .join('\n'),
      );
      if (!results.every((r) => r.ok)) process.exitCode = 1;
    });

  ozon
    .command('sync')
    .description(say('cli.channel.sync', { title }))
    .option('--account <id>', say('cli.onlyAccount'), parseId)
    .action(async (options: { account?: number }) => {
      if (!(await syncOzon(options.account))) process.exitCode = 1;
    });
}
