import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { shaped, type HubApi } from '../cli/hub-api.ts';
import { cliActor, positiveInt, printResult, table, viaHubOrDatabase } from '../cli/runtime.ts';
import type { Hub } from '../hub.ts';
import { findPackages, getPackage, packageEvents, type PackageEvent, type PackageRow } from './packages.ts';
import { markMadeByHand, packageFix, retryPackage, type PackageFix } from './support.ts';
import { say } from '../cli/lang.ts';

/**
 * `sklad packages find|show|retry|made-by-hand` (seed 004 §4): a package by OZ-…, the posting
 * number or the service's number, its outbox events and their errors, and the two support
 * actions. Readable by default, `--json` for scripts; each action is logged in `operations`
 * as `cli:<user>`. Beside a running `sklad start` they ask it over its API.
 */

function packageText(p: PackageRow, events: PackageEvent[]): string {
  const a = p.address;
  const or = (value: unknown, none = '-') => (value === null || value === undefined || value === '' ? none : value);
  const to = p.delivery_point
    ? say('cli.packages.point', { point: p.delivery_point })
    : a
      ? [a.countryCode, a.region, a.city, a.address, a.postalCode].filter(Boolean).join(', ')
      : '?';
  const lines = [
    say('cli.packages.head', {
      id: p.id,
      number: p.number,
      state: p.state,
      byHand: p.made_by_hand,
      order: p.order_id,
      posting: or(p.posting_number),
    }),
    say('cli.packages.service', {
      tracking: or(p.tracking_number),
      status: or(p.delivery_status),
      waybill: or(p.waybill_url),
    }),
    say('cli.packages.recipient', { name: or(p.recipient.name, '?'), phone: or(p.recipient.phone, '?') }),
    say('cli.packages.to', { to }),
    say('cli.packages.parcel', {
      weight: or(p.weight_grams, '?'),
      length: or(p.length_cm, '?'),
      width: or(p.width_cm, '?'),
      height: or(p.height_cm, '?'),
    }),
  ];
  if (p.error) lines.push(say('cli.packages.error', { error: p.error }));
  for (const x of p.problems) lines.push(say('cli.packages.missing', { field: x.field, reason: x.reason }));
  lines.push('', say('cli.packages.events', { count: events.length }));
  for (const e of events) {
    lines.push(
      say('cli.packages.event', {
        id: e.id,
        name: e.name,
        state: e.state,
        attempts: e.attempts,
        error: e.last_error ?? '',
      }),
    );
    for (const x of e.errors)
      lines.push(
        say('cli.packages.attempt', { attempt: x.attempt, at: x.at, status: x.http_status ?? '', error: x.error }),
      );
  }
  return lines.join('\n');
}

/** Where the command runs: the running hub's API, or the database opened here. */
type Target = { api: HubApi } | { hub: Hub };
const PackagePage = z.object({
  items: z.array(shaped<PackageRow>('id', 'number', 'state', 'order_id')),
  total: z.number(),
});

async function find(target: Target, q: string, limit: number): Promise<{ items: PackageRow[]; total: number }> {
  if ('api' in target) return target.api.get('/packages', PackagePage, { q, limit, offset: 0 });
  return findPackages(target.hub.db, { q, limit, offset: 0 });
}

async function byId(target: Target, id: number): Promise<PackageRow & { events: PackageEvent[] }> {
  if ('api' in target)
    return target.api.get(
      `/packages/${id}`,
      shaped<PackageRow & { events: PackageEvent[] }>('id', 'number', 'state', 'events'),
    );
  return { ...(await getPackage(target.hub.db, id)), events: await packageEvents(target.hub.db, id) };
}

/** A package by its id, or by any of its numbers when that finds exactly one. */
async function resolvePackage(target: Target, ref: string): Promise<PackageRow & { events: PackageEvent[] }> {
  const found = await find(target, ref, 2);
  if (found.items.length === 1) return byId(target, found.items[0].id);
  if (/^\d{1,15}$/.test(ref)) return byId(target, Number(ref));
  throw new Error(
    found.items.length ? say('cli.packages.many', { ref, count: found.total }) : say('cli.packages.none', { ref }),
  );
}

/** The command's work on either way: the running hub's API, or the database opened here. */
const either = <T>(work: (target: Target) => Promise<T>) =>
  viaHubOrDatabase({ hub: (api) => work({ api }), database: (hub) => work({ hub }) });

export function deliveryCommands(program: Command) {
  const packages = program.command('packages').description(say('cli.packages.command'));

  packages
    .command('find <number>')
    .description(say('cli.packages.find'))
    .option('--json', say('cli.json'))
    .action(async (number: string, options: { json?: boolean }) => {
      const { items } = await either((target) => find(target, number, 50));
      if (!items.length) throw new Error(say('cli.packages.none', { ref: number }));
      printResult(options.json, items, () =>
        table(
          (['id', 'number', 'state', 'service', 'order', 'waybill'] as const).map((c) => say(`cli.packages.col.${c}`)),
          items.map((p) => [
            p.id,
            p.number,
            `${p.state}${p.made_by_hand ? say('cli.packages.byHand') : ''}`,
            p.tracking_number,
            p.order_id,
            say(p.waybill_url ? 'cli.packages.yes' : 'cli.packages.no'),
          ]),
        ),
      );
    });

  packages
    .command('show <package>')
    .description(say('cli.packages.show'))
    .option('--json', say('cli.json'))
    .action(async (ref: string, options: { json?: boolean }) => {
      const p = await either((target) => resolvePackage(target, ref));
      printResult(options.json, p, () => packageText(p, p.events));
    });

  packages
    .command('retry <package>')
    .description(say('cli.packages.retry'))
    .option('--name <name>', say('cli.packages.opt.name'))
    .option('--phone <phone>', say('cli.packages.opt.phone'))
    .option('--country <code>', say('cli.packages.opt.country'))
    .option('--region <region>', say('cli.packages.opt.region'))
    .option('--city <city>', say('cli.packages.opt.city'))
    .option('--address <address>', say('cli.packages.opt.address'))
    .option('--postal-code <code>', say('cli.packages.opt.postalCode'))
    .option('--point <code>', say('cli.packages.opt.point'))
    .option('--weight <grams>', say('cli.packages.opt.weight'), positiveInt)
    .option('--size <LxWxH>', say('cli.packages.opt.size'))
    .option('--json', say('cli.json'))
    .action(async (ref: string, options: RetryOptions) => {
      const fix = fixOf(options);
      const after = await either(async (target) => {
        const p = await resolvePackage(target, ref);
        return 'api' in target
          ? target.api.post(`/packages/${p.id}/retry`, shaped<PackageRow>('id', 'number', 'state'), fix)
          : retryPackage(target.hub, p.id, fix, cliActor());
      });
      printResult(options.json, after, () => say('cli.packages.queued', { ...after }));
    });

  packages
    .command('made-by-hand <package> <number>')
    .description(say('cli.packages.madeByHand'))
    .option('--json', say('cli.json'))
    .action(async (ref: string, number: string, options: { json?: boolean }) => {
      const after = await either(async (target) => {
        const p = await resolvePackage(target, ref);
        return 'api' in target
          ? target.api.post(`/packages/${p.id}/made-by-hand`, shaped<PackageRow>('id', 'number', 'tracking_number'), {
              tracking_number: number,
            })
          : markMadeByHand(target.hub, p.id, number, cliActor());
      });
      printResult(options.json, after, () =>
        say('cli.packages.marked', { id: after.id, number: after.number, tracking: after.tracking_number }),
      );
    });
}

interface RetryOptions {
  name?: string;
  phone?: string;
  country?: string;
  region?: string;
  city?: string;
  address?: string;
  postalCode?: string;
  point?: string;
  weight?: number;
  size?: string;
  json?: boolean;
}

function fixOf(o: RetryOptions): PackageFix {
  const fix: PackageFix = {};
  const recipient = { ...(o.name ? { name: o.name } : {}), ...(o.phone ? { phone: o.phone } : {}) };
  if (Object.keys(recipient).length) fix.recipient = recipient;
  const address = {
    ...(o.country ? { countryCode: o.country.toUpperCase() } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.city ? { city: o.city } : {}),
    ...(o.address ? { address: o.address } : {}),
    ...(o.postalCode ? { postalCode: o.postalCode } : {}),
  };
  if (Object.keys(address).length) fix.address = address;
  if (o.point) fix.delivery_point = o.point;
  if (o.weight) fix.weight_grams = o.weight;
  if (o.size) {
    const [length, width, height] = o.size.split(/[x×*]/i).map((n) => positiveInt(n.trim()));
    if (!height) throw new InvalidArgumentError(say('cli.packages.sizeBad'));
    Object.assign(fix, { length_cm: length, width_cm: width, height_cm: height });
  }
  const checked = packageFix.safeParse(fix);
  if (!checked.success) throw new InvalidArgumentError(z.prettifyError(checked.error));
  return checked.data;
}
