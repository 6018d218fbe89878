import type { Command } from 'commander';
import { positiveInt, withCliHub } from '../cli/runtime.ts';
import { findingFilter, listFindings } from './findings.ts';
import { reconcileOrders } from './run.ts';

/**
 * The reconciler in the terminal: `sklad reconcile <accountId>` runs one now (its safe fixes
 * are applied as the reconciler; the CRM exports they queue go out with the workers of a
 * running Sklad) and `sklad findings` lists what is open. `--json` for scripts.
 */



export function reconcileCommands(program: Command) {
  program
    .command('reconcile <accountId>')
    .description("Compare a sales channel account's orders (the last --days) with Sklad's, the CRM's deals and the delivery orders")
    .option('--days <n>', 'the window in days (default 7)', positiveInt)
    .option('--json', 'print JSON')
    .action(async (accountId: string, options: { days?: number; json?: boolean }) => {
      const summary = await withCliHub((hub) => reconcileOrders(hub, positiveInt(accountId), { days: options.days }));
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
    .option('--kind <kind>', 'missing_in_sklad, status_differs, amount_differs, no_deal, deal_differs, no_delivery_order, delivery_status_differs')
    .option('--account <id>', 'one account')
    .option('--json', 'print JSON')
    .action(async (options: { state: string; kind?: string; account?: string; json?: boolean }) => {
      const filter = findingFilter.parse({ state: options.state, kind: options.kind, account_id: options.account });
      const found = await withCliHub((hub) => listFindings(hub.db, filter));
      if (options.json) return console.log(JSON.stringify(found, null, 2));
      if (!found.length) return console.log(`No ${filter.state} findings`);
      for (const f of found) {
        console.log(`#${f.id}\t${f.kind}\t${f.account_name ?? f.account_id}\t${f.order_id ? `order ${f.order_id}` : f.key}\t${f.fix ?? '-'}${f.safe ? ' (safe)' : ''}\tsince ${f.first_seen_at}\t${f.detail}`);
      }
    });
}
