import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { accountRuntime, guardCredentials, type AccountRuntime } from '../channels/core/context.ts';
import type { FoundDeal } from '../channels/core/crm.ts';
import type { OrderFact, OrderLineFact } from '../channels/core/facts.ts';
import { bucketWaitMs } from '../channels/core/http-client.ts';
import { orderKey } from '../crm/flow.ts';
import { crmTargets } from '../crm/links.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import { recordEvent } from '../notifications/events.ts';
import { userMessage } from '../shared/errors.ts';
import { currencyDigits, minorToDecimal } from '../shared/money.ts';
import { applyFix, type FindingKind, type FixKind } from './findings.ts';

/**
 * One reconciliation of a channel account over a window (issue 22): the channel's own order
 * list against Sklad's orders, Sklad's orders against their CRM deals, and their packages
 * against the delivery service. Each side is checked whole or not at all: a side that met an
 * error is a problem of the run (which ends partial) and closes none of its findings, so a
 * fault never reads as "all in order". Safe fixes run at once, as the reconciler.
 */

export const RECONCILE_JOB = 'reconcile.account';
export const RECONCILER = 'reconciler';
const DEFAULT_DAYS = 7;
/** An order stored this recently may still be on its way to the CRM: its deal is not looked for yet. */
const CRM_GRACE_MS = 10 * 60_000;
/** A package not made this long after it was stored is a finding: its hand-over is near. */
const DELIVERY_GRACE_MS = 60 * 60_000;

interface Seen {
  kind: FindingKind;
  key: string;
  orderId: number | null;
  ids: Record<string, unknown>;
  detail: string;
  fix: FixKind | null;
  safe: boolean;
}

/** What a side checked: its findings, and the keys it looked at (a finding of these kinds on one of them not seen again is closed). */
interface SideResult {
  kinds: FindingKind[];
  checked: string[];
  seen: Seen[];
}

export interface ReconcileSummary {
  run_id: number;
  status: 'succeeded' | 'partial';
  window: { from: string; to: string };
  read: { channel: number; sklad: number; deals: number; packages: number };
  found: number;
  new: number;
  fixed: number;
  closed: number;
  /** Milliseconds the listing calls waited on the services' limits. */
  waited_ms: number;
  problems: string[];
}

interface SkladOrder {
  id: number;
  channel: string;
  account_id: number;
  external_id: string;
  posting_number: string | null;
  status: string;
  currency: string;
  total_minor: number;
  crm_state: string;
  crm_id: string | null;
  stored_ms: number;
}

export async function reconcileOrders(
  hub: Hub,
  accountId: number,
  options: { days?: number; jobId?: number | null; signal?: AbortSignal } = {},
): Promise<ReconcileSummary> {
  return withSyncRun(hub, { type: RECONCILE_JOB, accountId, jobId: options.jobId }, async (run) => {
    const to = new Date();
    const window = {
      from: new Date(to.getTime() - (options.days ?? DEFAULT_DAYS) * 86_400_000).toISOString(),
      to: to.toISOString(),
    };
    const runtime = await accountRuntime(hub, accountId, { syncRunId: run.id, run, signal: options.signal });
    const waitedBefore = new Map<number, number>();
    const waitOf = (id: number) => {
      if (!waitedBefore.has(id)) waitedBefore.set(id, bucketWaitMs(id));
    };
    waitOf(accountId);
    const problems: string[] = [];
    const read = { channel: 0, sklad: 0, deals: 0, packages: 0 };
    const side = async (name: string, fn: () => Promise<SideResult | null>) => {
      try {
        return await fn();
      } catch (error) {
        const message = `${name}: ${userMessage(error)}`;
        problems.push(message);
        run.problem(message);
        return null;
      }
    };
    const orders = await skladOrders(hub.db, accountId, window);
    read.sklad = orders.length;
    const results = [
      await side(`${runtime.connector.title} orders`, () => channelSide(hub, runtime, window, orders, read)),
      await side('CRM deals', () => crmSide(hub, orders, read, waitOf)),
      await side('delivery orders', () => deliverySide(hub, accountId, window, read, waitOf)),
    ];
    const done = results.filter((r): r is SideResult => r !== null);
    const seen = done.flatMap((r) => r.seen);
    const stored = await storeFindings(hub.db, accountId, run.id, seen);
    let closed = 0;
    for (const r of done) closed += await closeUnseen(hub.db, accountId, run.id, r);
    let fixed = 0;
    for (const f of stored.filter((s) => s.safe && s.state === 'open')) {
      if (await applyFix(hub, f.id, RECONCILER).then((r) => r.state === 'fixed')) fixed++;
    }
    await announceNew(
      hub,
      runtime,
      run.id,
      stored.filter((s) => s.created),
    );
    const waited = Math.round([...waitedBefore].reduce((sum, [id, before]) => sum + bucketWaitMs(id) - before, 0));
    await hub.db.execute(sql`update sync_runs set waited_ms = ${waited} where id = ${run.id}`);
    run.add({
      fetched: read.channel,
      created: stored.filter((s) => s.created).length,
      updated: fixed,
      failed: problems.length,
    });
    return {
      run_id: run.id,
      status: problems.length ? 'partial' : 'succeeded',
      window,
      read,
      found: seen.length,
      new: stored.filter((s) => s.created).length,
      fixed,
      closed,
      waited_ms: waited,
      problems,
    } satisfies ReconcileSummary;
  });
}

async function skladOrders(
  ex: Executor,
  accountId: number,
  window: { from: string; to: string },
): Promise<SkladOrder[]> {
  const found = await rows<SkladOrder>(
    ex,
    sql`select id, channel, account_id, external_id, posting_number, status, currency, total_minor, crm_state, crm_id,
               extract(epoch from now() - created_at) * 1000 as stored_ms
          from orders where account_id = ${accountId} and ordered_at >= ${window.from}::timestamptz and ordered_at < ${window.to}::timestamptz`,
  );
  return found.map((o) => ({
    ...o,
    id: Number(o.id),
    account_id: Number(o.account_id),
    total_minor: Number(o.total_minor),
    stored_ms: Number(o.stored_ms),
  }));
}

/**
 * The channel's list against Sklad's orders: missing, status, amount or lines differing (lines
 * only where the list carries them: Kaspi's does not). A channel with no list is not checked.
 */
async function channelSide(
  hub: Hub,
  runtime: AccountRuntime,
  window: { from: string; to: string },
  orders: SkladOrder[],
  read: { channel: number },
): Promise<SideResult | null> {
  const { connector, ctx } = runtime;
  if (!connector.listOrders) return null;
  const facts: OrderFact[] = [];
  await guardCredentials(hub, runtime.account.id, async () => {
    for await (const page of connector.listOrders!(ctx, window)) facts.push(...page);
  });
  read.channel = facts.length;
  const byExternal = new Map(orders.map((o) => [o.external_id, o]));
  const stored = new Map<string, { id: number; status: string; total_minor: number } | null>();
  for (const fact of facts)
    stored.set(
      fact.externalId,
      byExternal.get(fact.externalId) ?? (await storedOrder(hub.db, runtime.account.id, fact.externalId)),
    );
  const lines = await orderLines(
    hub.db,
    [...stored.values()].flatMap((o) => (o ? [o.id] : [])),
  );
  // A channel that cannot fetch one order (WB) offers no re-import: its findings wait for its next pull.
  const reimport = connector.fetchOrder ? ('reimport' as const) : null;
  const seen: Seen[] = [];
  for (const fact of facts) {
    const order = stored.get(fact.externalId) ?? null;
    const number = fact.postingNumber ?? fact.externalId;
    const ids = {
      channel: runtime.account.channel,
      external_id: fact.externalId,
      posting_number: fact.postingNumber ?? null,
      order_id: order?.id ?? null,
    };
    const add = (kind: FindingKind, detail: string, safe = false) =>
      seen.push({
        kind,
        key: fact.externalId,
        orderId: order?.id ?? null,
        ids,
        detail,
        fix: reimport,
        safe: safe && reimport !== null,
      });
    if (!order) {
      add('missing_in_sklad', `${connector.title} has order ${number} (${fact.status}), Sklad has none`, true);
      continue;
    }
    if (order.status !== fact.status)
      add(
        'status_differs',
        `${connector.title} says ${fact.status} (${fact.channelStatus ?? ''}), Sklad says ${order.status}`,
      );
    if (order.total_minor !== fact.totalMinor) {
      add(
        'amount_differs',
        `${connector.title} total ${fact.totalMinor}, Sklad's ${order.total_minor} (minor units, ${fact.currency})`,
      );
    }
    if (fact.lines.length) {
      const differ = lineDifference(fact.lines, lines.get(order.id) ?? []);
      if (differ)
        add(
          'lines_differ',
          `${connector.title}'s lines differ from Sklad's (SKU × quantity @ price in minor units, ${fact.currency}): ${differ}`,
        );
    }
  }
  const checked = [...new Set([...facts.map((f) => f.externalId), ...orders.map((o) => o.external_id)])];
  return { kinds: ['missing_in_sklad', 'status_differs', 'amount_differs', 'lines_differ'], checked, seen };
}

interface StoredLine {
  order_id: number;
  sku: string;
  quantity: number;
  price_minor: number;
}

async function orderLines(ex: Executor, orderIds: number[]): Promise<Map<number, StoredLine[]>> {
  const byOrder = new Map<number, StoredLine[]>();
  if (!orderIds.length) return byOrder;
  const found = await rows<StoredLine>(
    ex,
    sql`select order_id, sku, quantity, price_minor from order_lines where order_id = any(${sql.param(orderIds)}::bigint[]) order by order_id, line_no`,
  );
  for (const l of found) {
    const id = Number(l.order_id);
    byOrder.set(id, [
      ...(byOrder.get(id) ?? []),
      { ...l, order_id: id, quantity: Number(l.quantity), price_minor: Number(l.price_minor) },
    ]);
  }
  return byOrder;
}

/**
 * The channel's lines against Sklad's, as SKU × quantity @ unit price (minor units), the order
 * of lines aside: null when they agree, else what only one side has ("channel: …; Sklad: …").
 */
function lineDifference(channel: OrderLineFact[], sklad: StoredLine[]): string | null {
  const count = (items: string[]) => items.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const theirs = count(channel.map((l) => `${l.sku} × ${l.quantity} @ ${l.priceMinor}`));
  const ours = count(sklad.map((l) => `${l.sku} × ${l.quantity} @ ${l.price_minor}`));
  const only = (a: Map<string, number>, b: Map<string, number>) =>
    [...a].flatMap(([k, n]) => Array<string>(Math.max(0, n - (b.get(k) ?? 0))).fill(k));
  const [channelOnly, skladOnly] = [only(theirs, ours), only(ours, theirs)];
  if (!channelOnly.length && !skladOnly.length) return null;
  return `channel: ${channelOnly.join(', ') || '—'}; Sklad: ${skladOnly.join(', ') || '—'}`;
}

/** A CRM's decimal amount in the order currency's minor units (exact, no float); null when it is no decimal. */
function decimalToMinor(amount: string, currency: string): number | null {
  const m = /^\s*(-?)(\d+)(?:\.(\d+))?\s*$/.exec(amount);
  if (!m) return null;
  const digits = currencyDigits(currency);
  const fraction = (m[3] ?? '').padEnd(digits, '0');
  const kept = BigInt(m[2] + fraction.slice(0, digits));
  // Places past the currency's (a CRM that keeps more) round half up.
  const rounded = fraction.length > digits && Number(fraction[digits]) >= 5 ? kept + 1n : kept;
  return Number(m[1] === '-' ? -rounded : rounded);
}

/** An order listed by the channel but ordered outside Sklad's window (its clock and the channel's differ): looked up by its id. */
async function storedOrder(ex: Executor, accountId: number, externalId: string) {
  const [o] = await rows<{ id: number; status: string; total_minor: number }>(
    ex,
    sql`select id, status, total_minor from orders where account_id = ${accountId} and external_id = ${externalId}`,
  );
  return o ? { ...o, id: Number(o.id), total_minor: Number(o.total_minor) } : null;
}

/** Sklad's orders against their deals: none, or in another stage than the order's status maps to. No CRM: not checked. */
async function crmSide(
  hub: Hub,
  orders: SkladOrder[],
  read: { deals: number },
  waitOf: (id: number) => void,
): Promise<SideResult | null> {
  const due = orders.filter((o) => o.crm_state === 'sent' || o.stored_ms > CRM_GRACE_MS);
  const targets = await crmTargets(
    hub.db,
    due.map((o) => o.id),
  );
  if (!targets.size) return null;
  const seen: Seen[] = [];
  const checked: string[] = [];
  const byCrm = new Map<number, SkladOrder[]>();
  for (const o of due) {
    const t = targets.get(o.id);
    if (t) byCrm.set(t.crmAccountId, [...(byCrm.get(t.crmAccountId) ?? []), o]);
  }
  for (const [crmAccountId, list] of byCrm) {
    waitOf(crmAccountId);
    const runtime = await accountRuntime(hub, crmAccountId);
    const crm = runtime.module.crm!;
    const keys = list.map(orderKey);
    const deals = await guardCredentials(hub, crmAccountId, async () => {
      if (crm.findDeals) return crm.findDeals(runtime.ctx, keys);
      const one = new Map<string, FoundDeal>();
      for (const key of keys) {
        const deal = await crm.findDeal(runtime.ctx, key);
        if (deal) one.set(key, deal);
      }
      return one;
    });
    read.deals += deals.size;
    for (const o of list) {
      const key = orderKey(o);
      checked.push(key);
      const deal = deals.get(key);
      const ids = {
        order_id: o.id,
        key,
        external_id: o.external_id,
        posting_number: o.posting_number,
        crm_account_id: crmAccountId,
        deal_id: deal?.dealId ?? o.crm_id,
      };
      const wanted = targets.get(o.id)!.stageMap[o.status];
      if (!deal) {
        seen.push({
          kind: 'no_deal',
          key,
          orderId: o.id,
          ids,
          detail: `${runtime.connector.title} has no deal with key ${key}`,
          fix: 're_export',
          safe: true,
        });
      } else {
        if (wanted && deal.stageId !== wanted) {
          seen.push({
            kind: 'deal_differs',
            key,
            orderId: o.id,
            ids,
            detail: `Deal ${deal.dealId} is in stage ${deal.stageId ?? '—'}, order status ${o.status} maps to ${wanted}`,
            fix: 'change_status',
            safe: false,
          });
        }
        // A CRM that says no amount is not checked for one; a deal in another currency differs whatever its number.
        const amount = deal.amount == null ? undefined : decimalToMinor(deal.amount, o.currency);
        const currencyDiffers = Boolean(deal.currency) && deal.currency !== o.currency;
        if (amount !== undefined && (amount !== o.total_minor || currencyDiffers)) {
          seen.push({
            kind: 'deal_amount_differs',
            key,
            orderId: o.id,
            ids: { ...ids, deal_amount: deal.amount, deal_currency: deal.currency ?? null, total_minor: o.total_minor },
            detail: `Deal ${deal.dealId} amount is ${deal.amount} ${deal.currency ?? ''}, the order's total is ${minorToDecimal(o.total_minor, o.currency)} ${o.currency}`,
            fix: 're_export',
            safe: false,
          });
        }
      }
    }
  }
  return { kinds: ['no_deal', 'deal_differs', 'deal_amount_differs'], checked, seen };
}

interface PackageLine {
  id: number;
  order_id: number;
  number: string;
  state: string;
  delivery_account_id: number;
  delivery_status: string | null;
  delivery_uuid: string | null;
  age_ms: number;
}

/** The account's packages against the delivery service: a delivery order that should be there and is not, or whose status differs. */
async function deliverySide(
  hub: Hub,
  accountId: number,
  window: { from: string; to: string },
  read: { packages: number },
  waitOf: (id: number) => void,
): Promise<SideResult | null> {
  const packages = (
    await rows<PackageLine>(
      hub.db,
      sql`select p.id, p.order_id, p.number, p.state, p.delivery_account_id, p.delivery_status, p.delivery_uuid,
                 extract(epoch from now() - p.created_at) * 1000 as age_ms
            from packages p join orders o on o.id = p.order_id
           where p.account_id = ${accountId} and o.ordered_at >= ${window.from}::timestamptz and o.ordered_at < ${window.to}::timestamptz`,
    )
  ).map((p) => ({
    ...p,
    id: Number(p.id),
    order_id: Number(p.order_id),
    delivery_account_id: Number(p.delivery_account_id),
    age_ms: Number(p.age_ms),
  }));
  // Made and refused ones, and the rest once past the threshold: a package just stored is still on its way.
  const due = packages.filter((p) => p.state === 'made' || p.state === 'invalid' || p.age_ms > DELIVERY_GRACE_MS);
  if (!due.length)
    return packages.length ? { kinds: ['no_delivery_order', 'delivery_status_differs'], checked: [], seen: [] } : null;
  read.packages = due.length;
  const seen: Seen[] = [];
  const runtimes = new Map<number, AccountRuntime>();
  for (const p of due) {
    waitOf(p.delivery_account_id);
    const runtime = runtimes.get(p.delivery_account_id) ?? (await accountRuntime(hub, p.delivery_account_id));
    runtimes.set(p.delivery_account_id, runtime);
    const service = runtime.module.delivery!;
    const found = await guardCredentials(hub, p.delivery_account_id, () => service.findOrder(runtime.ctx, p.number));
    const ids = {
      order_id: p.order_id,
      package_id: p.id,
      number: p.number,
      delivery_account_id: p.delivery_account_id,
      delivery_uuid: p.delivery_uuid,
    };
    if (!found || found.state === 'invalid') {
      const why = found ? `refused it (${found.errors.map((e) => e.code).join(', ')})` : 'has none';
      seen.push({
        kind: 'no_delivery_order',
        key: p.number,
        orderId: p.order_id,
        ids,
        detail: `Package ${p.id} is ${p.state}; ${runtime.connector.title} ${why} under ${p.number}`,
        fix: 'retry_delivery',
        safe: false,
      });
    } else if (found.state === 'made' && p.state !== 'made') {
      // The service made it and Sklad never heard: a retry looks it up first under our number and takes it.
      seen.push({
        kind: 'delivery_status_differs',
        key: p.number,
        orderId: p.order_id,
        ids,
        detail: `${runtime.connector.title} made ${p.number}; Sklad's package is ${p.state}`,
        fix: 'retry_delivery',
        safe: false,
      });
    } else if (found.state === 'made' && found.status && found.status !== p.delivery_status) {
      seen.push({
        kind: 'delivery_status_differs',
        key: p.number,
        orderId: p.order_id,
        ids,
        detail: `${runtime.connector.title} says ${found.status}, Sklad says ${p.delivery_status ?? '—'}`,
        fix: null,
        safe: false,
      });
    }
  }
  return { kinds: ['no_delivery_order', 'delivery_status_differs'], checked: due.map((p) => p.number), seen };
}

interface StoredFinding {
  id: number;
  kind: FindingKind;
  state: string;
  safe: boolean;
  created: boolean;
}

/** Upserts what the run saw: a new finding, or the open one's last sighting (a fixed one seen again is open again). */
async function storeFindings(ex: Executor, accountId: number, runId: number, seen: Seen[]): Promise<StoredFinding[]> {
  if (!seen.length) return [];
  const got = await rows<StoredFinding>(
    ex,
    sql`insert into findings (account_id, order_id, kind, key, ids, detail, fix, safe, run_id)
        select ${accountId}, s.order_id, s.kind, s.key, s.ids, s.detail, s.fix, s.safe, ${runId}
          from unnest(${sql.param(seen.map((s) => s.orderId))}::bigint[], ${sql.param(seen.map((s) => s.kind))}::text[],
                      ${sql.param(seen.map((s) => s.key))}::text[], ${sql.param(seen.map((s) => JSON.stringify(s.ids)))}::jsonb[],
                      ${sql.param(seen.map((s) => s.detail))}::text[], ${sql.param(seen.map((s) => s.fix))}::text[],
                      ${sql.param(seen.map((s) => s.safe))}::boolean[]) as s(order_id, kind, key, ids, detail, fix, safe)
        on conflict (kind, account_id, key) where state <> 'closed' do update
           set last_seen_at = now(), run_id = excluded.run_id, ids = excluded.ids, detail = excluded.detail,
               order_id = coalesce(excluded.order_id, findings.order_id), state = 'open'
        returning id, kind, state, safe, (xmax = 0) as created`,
  );
  return got.map((f) => ({ ...f, id: Number(f.id) }));
}

/**
 * One notification per run that wrote new findings, to the cabinet's members who switched
 * `findings_new_enabled` on: how many of each kind, and the panel's page of them when Sklad's
 * address is known. A run that only saw the same findings again sends nothing.
 */
async function announceNew(hub: Hub, runtime: AccountRuntime, runId: number, created: StoredFinding[]) {
  if (!created.length) return;
  const counts: Record<string, number> = {};
  for (const f of created) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  const base = hub.config.SKLAD_PUBLIC_URL?.replace(/\/+$/, '');
  const accountId = runtime.account.id;
  await recordEvent(hub.db, {
    accountId,
    type: 'findings_new',
    dedupKey: `findings_new:${accountId}:${runId}`,
    occurredAt: new Date().toISOString(),
    payload: {
      cabinet: runtime.account.name,
      channel: runtime.connector.title,
      counts,
      run_id: runId,
      link: base ? `${base}/findings?account_id=${accountId}` : null,
    },
  });
}

/** Closes the findings of a side's kinds on what it checked that this run did not see again. */
async function closeUnseen(ex: Executor, accountId: number, runId: number, side: SideResult): Promise<number> {
  if (!side.checked.length) return 0;
  const closed = await rows<{ id: number }>(
    ex,
    sql`update findings set state = 'closed', closed_at = now()
         where account_id = ${accountId} and state <> 'closed' and run_id is distinct from ${runId}
           and kind = any(${sql.param(side.kinds)}::text[]) and key = any(${sql.param(side.checked)}::text[])
        returning id`,
  );
  return closed.length;
}
