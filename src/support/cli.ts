import type { Command } from 'commander';
import { z } from 'zod';
import { HubError, shaped, type HubApi } from '../cli/hub-api.ts';
import { cliActor, positiveInt, printResult, table, viaHubOrDatabase } from '../cli/runtime.ts';
import { exportBacklog } from '../crm/backlog.ts';
import { appendComment, findOrders, reexportOrder, reimportOrder, resolveOrder } from './actions.ts';
import { orderTrace, type OrderTrace } from './trace.ts';

/**
 * The support tools in the terminal (seed 004): `sklad order find|trace|reimport|re-export|
 * change-status|comment` and `sklad crm backlog`. Readable by default, `--json` for scripts;
 * each action is logged in `operations` as `cli:<user>` (beside a running `sklad start`, which
 * they ask over its API, as its CLI key "cli (local)").
 */

function traceText(trace: OrderTrace): string {
  const o = trace.order;
  const lines = [`Order ${o.id} · ${o.channel_title} ${o.posting_number ?? o.external_id} · ${o.status}`, ''];
  for (const hop of trace.hops) {
    const detail = Object.entries(hop.detail)
      .filter(([, v]) => v !== null && v !== '')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(`  ${hop.hop.padEnd(9)} ${hop.state.padEnd(8)} ${hop.at ?? '-'}  ${detail}${hop.error ? `\n            error: ${hop.error}` : ''}`);
  }
  lines.push('', `Outbox events (${trace.events.length}):`);
  for (const e of trace.events) {
    lines.push(`  #${e.id} ${e.name} ${e.state} attempts=${e.attempts}${e.last_error ? ` last error: ${e.last_error}` : ''}`);
    for (const x of e.errors) lines.push(`      attempt ${x.attempt} ${x.at} ${x.http_status ?? ''} ${x.error}`);
  }
  lines.push('', `Requests about it (${trace.calls.length}):`);
  for (const c of trace.calls) lines.push(`  ${c.at} ${c.method} ${c.url} → ${c.status ?? 'no answer'}${c.error ? ` ${c.error}` : ''}`);
  return lines.join('\n');
}

type Found = Awaited<ReturnType<typeof findOrders>>;
type Reimported = Awaited<ReturnType<typeof reimportOrder>>;
type Reexported = Awaited<ReturnType<typeof reexportOrder>>;
type Commented = Awaited<ReturnType<typeof appendComment>>;
const FoundPage = z.object({ items: z.array(shaped<Found[number]>('id', 'channel', 'external_id', 'status')) });

/** The orders `ref` names, from the running hub (its 404 is "none"). */
async function findInHub(api: HubApi, ref: string): Promise<Found> {
  try {
    return (await api.get('/support/orders', FoundPage, { q: ref })).items;
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return [];
    throw error;
  }
}

/** The one order `ref` names in the running hub: as resolveOrder says it. */
async function resolveInHub(api: HubApi, ref: string): Promise<number> {
  const found = await findInHub(api, ref);
  if (!found.length) throw new Error(`No order has the id "${ref}"`);
  if (found.length > 1) throw new Error(`"${ref}" names ${found.length} orders (${found.map((o) => o.id).join(', ')}): give Sklad's order id`);
  return found[0].id;
}

export function supportCommands(program: Command) {
  const order = program.command('order').description('Find an order by any id, see its trace, and mend it (seed 004)');

  order
    .command('find <id>')
    .description("Orders any of whose ids is <id>: Sklad's, the marketplace's, the posting number, the CRM deal id, OZ-…")
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const found = await viaHubOrDatabase({ hub: (api) => findInHub(api, id), database: (hub) => findOrders(hub, id) });
      if (!found.length) {
        console.error(`No order has the id "${id}". If the channel has it: sklad order reimport <accountId> ${id}`);
        process.exitCode = 1;
        return;
      }
      printResult(options.json, found, () =>
        table(
          ['ID', 'CHANNEL', 'ORDER', 'POSTING', 'STATUS', 'CRM', 'DELIVERY'],
          found.map((o) => [o.id, o.channel, o.external_id, o.posting_number, o.status, `${o.crm_state}${o.crm_id ? `:${o.crm_id}` : ''}`, o.delivery_state]),
        ),
      );
    });

  order
    .command('trace <id>')
    .description("The order's path marketplace → Sklad → CRM → delivery, its outbox events and errors, and the requests about it")
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const trace = await viaHubOrDatabase({
        hub: async (api) => api.get(`/orders/${await resolveInHub(api, id)}/trace`, shaped<OrderTrace>('order', 'hops', 'events', 'calls')),
        database: async (hub) => orderTrace(hub, (await resolveOrder(hub, id)).id),
      });
      printResult(options.json, trace, () => traceText(trace));
    });

  order
    .command('reimport <accountId> <number>')
    .description('Fetch one order from the channel by its number and import it (Ozon/Lamoda upload_order, Kaspi fetchorder, Namshi notifyOrder)')
    .option('--json', 'print JSON')
    .action(async (accountId: string, number: string, options: { json?: boolean }) => {
      const account = positiveInt(accountId);
      const result = await viaHubOrDatabase({
        hub: (api) => api.post('/support/reimport', shaped<Reimported>('action', 'order_id'), { account_id: account, number }),
        database: (hub) => reimportOrder(hub, account, number, cliActor()),
      });
      printResult(options.json, result, () => `${result.action}: order ${result.order_id} ${result.created ? 'imported' : 'updated and queued for the CRM'}`);
    });

  for (const [name, action, description] of [
    ['re-export', 're_export', 'Export the order (by any id, e.g. its posting number) to the CRM again'],
    ['change-status', 'change_order_status', "Re-send the order's status to the CRM (change_order_status)"],
  ] as const) {
    order
      .command(`${name} <id>`)
      .description(description)
      .option('--json', 'print JSON')
      .action(async (id: string, options: { json?: boolean }) => {
        const result = await viaHubOrDatabase({
          hub: (api) => api.post(`/support/orders/${encodeURIComponent(id)}/${name}`, shaped<Reexported>('order_id')),
          database: (hub) => reexportOrder(hub, id, cliActor(), action),
        });
        printResult(options.json, result, () => `${action}: order ${result.order_id} queued for the CRM${result.next ? `; then: sklad order comment ${id}` : ''}`);
      });
  }

  order
    .command('comment <id>')
    .description("Add a comment to the order's deal; without --text, the one naming the warehouse that ships it (appendcomment)")
    .option('--text <text>', 'the comment')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { text?: string; json?: boolean }) => {
      const result = await viaHubOrDatabase({
        hub: (api) => api.post(`/support/orders/${encodeURIComponent(id)}/comment`, shaped<Commented>('deal_id', 'comment_id', 'text'), options.text === undefined ? {} : { text: options.text }),
        database: (hub) => appendComment(hub, id, cliActor(), options.text),
      });
      printResult(options.json, result, () => `appendcomment: deal ${result.deal_id}, comment ${result.comment_id}: ${result.text}`);
    });

  program
    .command('crm')
    .description('The CRM export')
    .command('backlog')
    .description('Export every order not yet in the CRM (50 deals a request)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await viaHubOrDatabase({
        hub: (api) => api.post('/crm/export-backlog', z.object({ queued: z.number() })),
        database: (hub) => exportBacklog(hub, cliActor()),
      });
      printResult(options.json, result, () => `${result.queued} orders queued for the CRM; the workers of a running Sklad send them`);
    });
}
