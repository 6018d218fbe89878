import type { Command } from 'commander';
import { z } from 'zod';
import { followJob, JobAccepted, jobFailure, shaped } from '../cli/hub-api.ts';
import { positiveInt, table, viaHubOrDatabase } from '../cli/runtime.ts';
import { findingFilter, findingKinds, listFindings } from './findings.ts';
import { reconcileOrders, type ReconcileSummary } from './run.ts';
import { say, statusWord } from '../cli/lang.ts';

/**
 * The reconciler in the terminal: `sklad reconcile <accountId>` runs one now (its safe fixes
 * are applied as the reconciler; the CRM exports they queue go out with the workers of a
 * running Sklad) and `sklad findings` lists what is open. `--json` for scripts. Beside a
 * running `sklad start` both ask it over its API.
 */

export function reconcileCommands(program: Command) {
  program
    .command('reconcile <accountId>')
    .description(say('cli.reconcile.command'))
    .option('--days <n>', say('cli.reconcile.days'), positiveInt)
    .option('--json', say('cli.json'))
    .action(async (accountId: string, options: { days?: number; json?: boolean }) => {
      const id = positiveInt(accountId);
      const summary = await viaHubOrDatabase({
        hub: async (api) => {
          // The hub's workers run it (one at a time per account); its summary is the job's result.
          const { job_id } = await api.post(`/reconcile/${id}`, JobAccepted, undefined, { days: options.days });
          const job = await followJob(api, job_id);
          const failure = jobFailure(job);
          if (failure) throw failure;
          return shaped<ReconcileSummary>('run_id', 'status', 'read', 'found', 'problems').parse(job.result);
        },
        database: (hub) => reconcileOrders(hub, id, { days: options.days }),
      });
      if (options.json) console.log(JSON.stringify(summary, null, 2));
      else {
        const r = summary.read;
        console.log(
          say('cli.reconcile.run', {
            id: summary.run_id,
            status: statusWord(summary.status),
            ...r,
            waited: summary.waited_ms,
          }),
        );
        console.log(say('cli.reconcile.found', { ...summary }));
        for (const p of summary.problems) console.log(say('cli.reconcile.notChecked', { problem: p }));
      }
      if (summary.status === 'partial') process.exitCode = 2;
    });

  program
    .command('findings')
    .description(say('cli.reconcile.findings'))
    .option('--state <state>', say('cli.reconcile.state'), 'open')
    .option('--kind <kind>', findingKinds.join(', '))
    .option('--account <id>', say('cli.reconcile.account'))
    .option('--json', say('cli.json'))
    .action(async (options: { state: string; kind?: string; account?: string; json?: boolean }) => {
      const filter = findingFilter.parse({ state: options.state, kind: options.kind, account_id: options.account });
      type Found = Awaited<ReturnType<typeof listFindings>>;
      const found = await viaHubOrDatabase({
        hub: async (api) =>
          (
            await api.get(
              '/findings',
              z.object({ items: z.array(shaped<Found[number]>('id', 'kind', 'account_id', 'detail')) }),
              {
                state: filter.state,
                kind: filter.kind,
                account_id: filter.account_id,
              },
            )
          ).items,
        database: (hub) => listFindings(hub.db, filter),
      });
      if (options.json) return console.log(JSON.stringify(found, null, 2));
      if (!found.length) return console.log(say('cli.reconcile.none', { state: filter.state }));
      console.log(
        table(
          (['id', 'kind', 'account', 'order', 'fix', 'since', 'detail'] as const).map((c) =>
            say(`cli.reconcile.col.${c}`),
          ),
          found.map((f) => [
            `#${f.id}`,
            f.kind,
            f.account_name ?? f.account_id,
            f.order_id ? say('cli.reconcile.order', { id: f.order_id }) : f.key,
            `${f.fix ?? '-'}${f.safe ? say('cli.reconcile.safe') : ''}`,
            f.first_seen_at,
            f.detail,
          ]),
        ),
      );
    });
}
