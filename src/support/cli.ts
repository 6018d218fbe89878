import type { Command } from 'commander';
import { z } from 'zod';
import { HubError, shaped, type HubApi } from '../cli/hub-api.ts';
import { cliActor, positiveInt, printResult, table, viaHubOrDatabase } from '../cli/runtime.ts';
import { exportBacklog } from '../crm/backlog.ts';
import { appendComment, findOrders, reexportOrder, reimportOrder, resolveOrder } from './actions.ts';
import { orderTrace, type OrderTrace } from './trace.ts';
import { say } from '../cli/lang.ts';

/**
 * The support tools in the terminal (seed 004): `sklad order find|trace|reimport|re-export|
 * change-status|comment` and `sklad crm backlog`. Readable by default, `--json` for scripts;
 * each action is logged in `operations` as `cli:<user>` (beside a running `sklad start`, which
 * they ask over its API, as its CLI key "cli (local)").
 */

function traceText(trace: OrderTrace): string {
  const o = trace.order;
  const lines = [
    say('cli.order.trace.head', {
      id: o.id,
      channel: o.channel_title,
      number: o.posting_number ?? o.external_id,
      status: o.status,
    }),
    '',
  ];
  for (const hop of trace.hops) {
    const detail = Object.entries(hop.detail)
      .filter(([, v]) => v !== null && v !== '')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(
      `  ${hop.hop.padEnd(9)} ${hop.state.padEnd(8)} ${hop.at ?? '-'}  ${detail}${hop.error ? `\n${say('cli.order.trace.error', { error: hop.error })}` : ''}`,
    );
  }
  lines.push('', say('cli.order.trace.events', { count: trace.events.length }));
  for (const e of trace.events) {
    lines.push(
      say('cli.order.trace.event', {
        id: e.id,
        name: e.name,
        state: e.state,
        attempts: e.attempts,
        error: e.last_error ?? '',
      }),
    );
    for (const x of e.errors)
      lines.push(
        say('cli.order.trace.attempt', { attempt: x.attempt, at: x.at, status: x.http_status ?? '', error: x.error }),
      );
  }
  lines.push('', say('cli.order.trace.calls', { count: trace.calls.length }));
  for (const c of trace.calls)
    lines.push(
      `  ${c.at} ${c.method} ${c.url} → ${c.status ?? say('cli.order.trace.noAnswer')}${c.error ? ` ${c.error}` : ''}`,
    );
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
  if (!found.length) throw new Error(say('cli.order.none', { ref }));
  if (found.length > 1)
    throw new Error(say('cli.order.many', { ref, count: found.length, ids: found.map((o) => o.id) }));
  return found[0].id;
}

export function supportCommands(program: Command) {
  const order = program.command('order').description(say('cli.order.command'));

  order
    .command('find <id>')
    .description(say('cli.order.find'))
    .option('--json', say('cli.json'))
    .action(async (id: string, options: { json?: boolean }) => {
      const found = await viaHubOrDatabase({
        hub: (api) => findInHub(api, id),
        database: (hub) => findOrders(hub, id),
      });
      if (!found.length) {
        console.error(say('cli.order.noneHint', { ref: id }));
        process.exitCode = 1;
        return;
      }
      printResult(options.json, found, () =>
        table(
          (['id', 'channel', 'order', 'posting', 'status', 'crm', 'delivery'] as const).map((c) =>
            say(`cli.order.col.${c}`),
          ),
          found.map((o) => [
            o.id,
            o.channel,
            o.external_id,
            o.posting_number,
            o.status,
            `${o.crm_state}${o.crm_id ? `:${o.crm_id}` : ''}`,
            o.delivery_state,
          ]),
        ),
      );
    });

  order
    .command('trace <id>')
    .description(say('cli.order.trace'))
    .option('--json', say('cli.json'))
    .action(async (id: string, options: { json?: boolean }) => {
      const trace = await viaHubOrDatabase({
        hub: async (api) =>
          api.get(
            `/orders/${await resolveInHub(api, id)}/trace`,
            shaped<OrderTrace>('order', 'hops', 'events', 'calls'),
          ),
        database: async (hub) => orderTrace(hub, (await resolveOrder(hub, id)).id),
      });
      printResult(options.json, trace, () => traceText(trace));
    });

  order
    .command('reimport <accountId> <number>')
    .description(say('cli.order.reimport'))
    .option('--json', say('cli.json'))
    .action(async (accountId: string, number: string, options: { json?: boolean }) => {
      const account = positiveInt(accountId);
      const result = await viaHubOrDatabase({
        hub: (api) =>
          api.post('/support/reimport', shaped<Reimported>('action', 'order_id'), { account_id: account, number }),
        database: (hub) => reimportOrder(hub, account, number, cliActor()),
      });
      printResult(options.json, result, () =>
        say(result.created ? 'cli.order.reimported.created' : 'cli.order.reimported.updated', {
          action: result.action,
          id: result.order_id,
        }),
      );
    });

  for (const [name, action, description] of [
    ['re-export', 're_export', say('cli.order.re-export')],
    ['change-status', 'change_order_status', say('cli.order.change-status')],
  ] as const) {
    order
      .command(`${name} <id>`)
      .description(description)
      .option('--json', say('cli.json'))
      .action(async (id: string, options: { json?: boolean }) => {
        const result = await viaHubOrDatabase({
          hub: (api) => api.post(`/support/orders/${encodeURIComponent(id)}/${name}`, shaped<Reexported>('order_id')),
          database: (hub) => reexportOrder(hub, id, cliActor(), action),
        });
        printResult(options.json, result, () =>
          say('cli.order.queued', { action, id: result.order_id, next: Boolean(result.next), ref: id }),
        );
      });
  }

  order
    .command('comment <id>')
    .description(say('cli.order.comment'))
    .option('--text <text>', say('cli.order.comment.text'))
    .option('--json', say('cli.json'))
    .action(async (id: string, options: { text?: string; json?: boolean }) => {
      const result = await viaHubOrDatabase({
        hub: (api) =>
          api.post(
            `/support/orders/${encodeURIComponent(id)}/comment`,
            shaped<Commented>('deal_id', 'comment_id', 'text'),
            options.text === undefined ? {} : { text: options.text },
          ),
        database: (hub) => appendComment(hub, id, cliActor(), options.text),
      });
      printResult(options.json, result, () =>
        say('cli.order.commented', { deal: result.deal_id, comment: result.comment_id, text: result.text }),
      );
    });

  program
    .command('crm')
    .description(say('cli.order.crm'))
    .command('backlog')
    .description(say('cli.order.backlog'))
    .option('--json', say('cli.json'))
    .action(async (options: { json?: boolean }) => {
      const result = await viaHubOrDatabase({
        hub: (api) => api.post('/crm/export-backlog', z.object({ queued: z.number() })),
        database: (hub) => exportBacklog(hub, cliActor()),
      });
      printResult(options.json, result, () => say('cli.order.backlog.queued', { count: result.queued }));
    });
}
