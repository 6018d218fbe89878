import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { shaped, type HubApi } from '../cli/hub-api.ts';
import { cliActor, positiveInt, printResult, table, viaHubOrDatabase } from '../cli/runtime.ts';
import type { Hub } from '../hub.ts';
import { findPackages, getPackage, packageEvents, type PackageEvent, type PackageRow } from './packages.ts';
import { markMadeByHand, packageFix, retryPackage, type PackageFix } from './support.ts';

/**
 * `sklad packages find|show|retry|made-by-hand` (seed 004 §4): a package by OZ-…, the posting
 * number or the service's number, its outbox events and their errors, and the two support
 * actions. Readable by default, `--json` for scripts; each action is logged in `operations`
 * as `cli:<user>`. Beside a running `sklad start` they ask it over its API.
 */

function packageText(p: PackageRow, events: PackageEvent[]): string {
  const a = p.address;
  const lines = [
    `Package ${p.id} · ${p.number} · ${p.state}${p.made_by_hand ? ' (made by hand)' : ''} · order ${p.order_id} · posting ${p.posting_number}`,
    `  service number: ${p.tracking_number ?? '-'}  status: ${p.delivery_status ?? '-'}  waybill: ${p.waybill_url ?? '-'}`,
    `  recipient: ${p.recipient.name ?? '?'} ${p.recipient.phone ?? '?'}`,
    `  to: ${p.delivery_point ? `pick-up point ${p.delivery_point}` : a ? [a.countryCode, a.region, a.city, a.address, a.postalCode].filter(Boolean).join(', ') : '?'}`,
    `  parcel: ${p.weight_grams ?? '?'} g, ${p.length_cm ?? '?'}×${p.width_cm ?? '?'}×${p.height_cm ?? '?'} cm`,
  ];
  if (p.error) lines.push(`  error: ${p.error}`);
  for (const x of p.problems) lines.push(`  missing: ${x.field} (${x.reason})`);
  lines.push('', `Outbox events (${events.length}):`);
  for (const e of events) {
    lines.push(`  #${e.id} ${e.name} ${e.state} attempts=${e.attempts}${e.last_error ? ` last error: ${e.last_error}` : ''}`);
    for (const x of e.errors) lines.push(`      attempt ${x.attempt} ${x.at} ${x.http_status ?? ''} ${x.error}`);
  }
  return lines.join('\n');
}

/** Where the command runs: the running hub's API, or the database opened here. */
type Target = { api: HubApi } | { hub: Hub };
const PackagePage = z.object({ items: z.array(shaped<PackageRow>('id', 'number', 'state', 'order_id')), total: z.number() });

async function find(target: Target, q: string, limit: number): Promise<{ items: PackageRow[]; total: number }> {
  if ('api' in target) return target.api.get('/packages', PackagePage, { q, limit, offset: 0 });
  return findPackages(target.hub.db, { q, limit, offset: 0 });
}

async function byId(target: Target, id: number): Promise<PackageRow & { events: PackageEvent[] }> {
  if ('api' in target) return target.api.get(`/packages/${id}`, shaped<PackageRow & { events: PackageEvent[] }>('id', 'number', 'state', 'events'));
  return { ...(await getPackage(target.hub.db, id)), events: await packageEvents(target.hub.db, id) };
}

/** A package by its id, or by any of its numbers when that finds exactly one. */
async function resolvePackage(target: Target, ref: string): Promise<PackageRow & { events: PackageEvent[] }> {
  const found = await find(target, ref, 2);
  if (found.items.length === 1) return byId(target, found.items[0].id);
  if (/^\d{1,15}$/.test(ref)) return byId(target, Number(ref));
  throw new Error(found.items.length ? `"${ref}" names ${found.total} packages: give the package id` : `No package has the number "${ref}"`);
}

/** The command's work on either way: the running hub's API, or the database opened here. */
const either = <T>(work: (target: Target) => Promise<T>) => viaHubOrDatabase({ hub: (api) => work({ api }), database: (hub) => work({ hub }) });

export function deliveryCommands(program: Command) {
  const packages = program.command('packages').description('Delivery packages (OZ-…): find, show with outbox events and errors, retry, mark made by hand');

  packages
    .command('find <number>')
    .description('Packages by OZ-{posting_number}, the posting number or the delivery service’s number')
    .option('--json', 'print JSON')
    .action(async (number: string, options: { json?: boolean }) => {
      const { items } = await either((target) => find(target, number, 50));
      if (!items.length) throw new Error(`No package has the number "${number}"`);
      printResult(options.json, items, () =>
        table(
          ['ID', 'NUMBER', 'STATE', 'SERVICE NUMBER', 'ORDER', 'WAYBILL'],
          items.map((p) => [p.id, p.number, `${p.state}${p.made_by_hand ? ' (by hand)' : ''}`, p.tracking_number, p.order_id, p.waybill_url ? 'yes' : 'no']),
        ),
      );
    });

  packages
    .command('show <package>')
    .description('A package (its id or any of its numbers) with its outbox events and their errors')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: { json?: boolean }) => {
      const p = await either((target) => resolvePackage(target, ref));
      printResult(options.json, p, () => packageText(p, p.events));
    });

  packages
    .command('retry <package>')
    .description('Send the package again, with fixed fields if given (checked before anything is queued)')
    .option('--name <name>', 'the recipient’s name')
    .option('--phone <phone>', 'the recipient’s phone')
    .option('--country <code>', 'the country code (RU)')
    .option('--region <region>', 'the region')
    .option('--city <city>', 'the city')
    .option('--address <address>', 'the street, house and flat')
    .option('--postal-code <code>', 'the postal code')
    .option('--point <code>', 'a pick-up point’s code instead of the address')
    .option('--weight <grams>', 'the parcel’s weight in grams', positiveInt)
    .option('--size <LxWxH>', 'the parcel’s size in centimetres, e.g. 30x20x10')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: RetryOptions) => {
      const fix = fixOf(options);
      const after = await either(async (target) => {
        const p = await resolvePackage(target, ref);
        return 'api' in target
          ? target.api.post(`/packages/${p.id}/retry`, shaped<PackageRow>('id', 'number', 'state'), fix)
          : retryPackage(target.hub, p.id, fix, cliActor());
      });
      printResult(options.json, after, () => `Package ${after.id} ${after.number} queued again (${after.state})`);
    });

  packages
    .command('made-by-hand <package> <number>')
    .description('Record the delivery order the service’s support made by hand, with its number (CDEK number): the flow goes on to the waybill')
    .option('--json', 'print JSON')
    .action(async (ref: string, number: string, options: { json?: boolean }) => {
      const after = await either(async (target) => {
        const p = await resolvePackage(target, ref);
        return 'api' in target
          ? target.api.post(`/packages/${p.id}/made-by-hand`, shaped<PackageRow>('id', 'number', 'tracking_number'), { tracking_number: number })
          : markMadeByHand(target.hub, p.id, number, cliActor());
      });
      printResult(options.json, after, () => `Package ${after.id} ${after.number} is made by hand: number ${after.tracking_number}`);
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
    if (!height) throw new InvalidArgumentError('--size is length x width x height in centimetres, e.g. 30x20x10');
    Object.assign(fix, { length_cm: length, width_cm: width, height_cm: height });
  }
  const checked = packageFix.safeParse(fix);
  if (!checked.success) throw new InvalidArgumentError(z.prettifyError(checked.error));
  return checked.data;
}
