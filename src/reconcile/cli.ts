import type { Command } from 'commander';
import { z } from 'zod';
import { followJob, JobAccepted, jobFailure, shaped } from '../cli/hub-api.ts';
import { positiveInt, table, viaHubOrDatabase } from '../cli/runtime.ts';
import { findingFilter, findingKinds, listFindings } from './findings.ts';
import { reconcileOrders, type ReconcileSummary } from './run.ts';

/**
 * The reconciler in the terminal: `sklad reconcile <accountId>` runs one now (its safe fixes
 * are applied as the reconciler; the CRM exports they queue go out with the workers of a
 * running Sklad) and `sklad findings` lists what is open. `--json` for scripts. Beside a
 * running `sklad start` both ask it over its API.
 */

export function reconcileCommands(program: Command) {
  program
    .command('reconcile <accountId>')
    .description("Compare a sales channel account's orders (the last --days) with Sklad's, the CRM's deals and the delivery orders")
    .option('--days <n>', 'the window in days (default 7)', positiveInt)
    .option('--json', 'print JSON')
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
        console.log(`Run ${summary.run_id}: ${summary.status} · read ${r.channel} on the channel, ${r.sklad} in Sklad, ${r.deals} deals, ${r.packages} packages · waited ${summary.waited_ms} ms`);
        console.log(`Found ${summary.found} (${summary.new} new), fixed ${summary.fixed}, closed ${summary.closed}`);
        for (const p of summary.problems) console.log(`  not checked: ${p}`);
      }
      if (summary.status === 'partial') process.exitCode = 2;
    });

  program
    .command('findings')
    .description('What the reconciler found and is still open (or --state fixed|closed)')
    .option('--state <state>', 'open (default), fixed or closed', 'open')
    .option('--kind <kind>', findingKinds.join(', '))
    .option('--account <id>', 'one account')
    .option('--json', 'print JSON')
    .action(async (options: { state: string; kind?: string; account?: string; json?: boolean }) => {
      const filter = findingFilter.parse({ state: options.state, kind: options.kind, account_id: options.account });
      type Found = Awaited<ReturnType<typeof listFindings>>;
      const found = await viaHubOrDatabase({
        hub: async (api) =>
          (await api.get('/findings', z.object({ items: z.array(shaped<Found[number]>('id', 'kind', 'account_id', 'detail')) }), {
            state: filter.state, kind: filter.kind, account_id: filter.account_id,
          })).items,
        database: (hub) => listFindings(hub.db, filter),
      });
      if (options.json) return console.log(JSON.stringify(found, null, 2));
      if (!found.length) return console.log(`No ${filter.state} findings`);
      console.log(
        table(
          ['ID', 'KIND', 'ACCOUNT', 'ORDER', 'FIX', 'SINCE', 'DETAIL'],
          found.map((f) => [`#${f.id}`, f.kind, f.account_name ?? f.account_id, f.order_id ? `order ${f.order_id}` : f.key, `${f.fix ?? '-'}${f.safe ? ' (safe)' : ''}`, f.first_seen_at, f.detail]),
        ),
      );
    });
}
