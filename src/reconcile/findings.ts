import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { retryPackage } from '../delivery/support.ts';
import { DomainError, notFound, userMessage } from '../shared/errors.ts';
import { reexportOrder, reimportOrder } from '../support/actions.ts';

/**
 * Findings of the reconciler and their fixes: each fix is one of the support tools (re-import,
 * re-export, status re-send, delivery retry), logged in `operations` with who asked for it.
 */

export const findingKinds = [
  'missing_in_sklad',
  'status_differs',
  'amount_differs',
  'lines_differ',
  'no_deal',
  'deal_differs',
  'deal_amount_differs',
  'no_delivery_order',
  'delivery_status_differs',
] as const;
export type FindingKind = (typeof findingKinds)[number];
export type FixKind = 'reimport' | 're_export' | 'change_status' | 'retry_delivery';
export const findingStates = ['open', 'fixed', 'closed'] as const;

export interface FindingRow {
  id: number;
  account_id: number;
  account_name: string | null;
  channel: string | null;
  order_id: number | null;
  kind: FindingKind;
  key: string;
  ids: Record<string, unknown>;
  detail: string;
  fix: FixKind | null;
  safe: boolean;
  state: (typeof findingStates)[number];
  fix_error: string | null;
  first_seen_at: string;
  last_seen_at: string;
  closed_at: string | null;
  run_id: number | null;
}

export const findingFilter = z.object({
  state: z.enum(findingStates).optional(),
  kind: z.enum(findingKinds).optional(),
  account_id: z.coerce.number().int().positive().optional(),
});
export type FindingFilter = z.infer<typeof findingFilter>;

const columns = sql`f.id, f.account_id, a.name as account_name, a.channel, f.order_id, f.kind, f.key, f.ids, f.detail, f.fix, f.safe, f.state,
  f.fix_error, iso(f.first_seen_at) as first_seen_at, iso(f.last_seen_at) as last_seen_at, iso(f.closed_at) as closed_at, f.run_id`;

const normal = (f: FindingRow): FindingRow => ({
  ...f,
  id: Number(f.id),
  account_id: Number(f.account_id),
  order_id: f.order_id === null ? null : Number(f.order_id),
  run_id: f.run_id === null ? null : Number(f.run_id),
});

export async function listFindings(ex: Executor, f: FindingFilter): Promise<FindingRow[]> {
  const found = await rows<FindingRow>(
    ex,
    sql`select ${columns} from findings f left join channel_accounts a on a.id = f.account_id
         where (${f.state ?? null}::text is null or f.state = ${f.state ?? null})
           and (${f.kind ?? null}::text is null or f.kind = ${f.kind ?? null})
           and (${f.account_id ?? null}::bigint is null or f.account_id = ${f.account_id ?? null})
         order by f.kind, f.account_id, f.first_seen_at, f.id limit 1000`,
  );
  return found.map(normal);
}

/** How many findings wait for someone (the dashboard's count). */
export async function openFindingCount(ex: Executor): Promise<number> {
  const [{ n }] = await rows<{ n: number }>(ex, sql`select count(*)::int as n from findings where state = 'open'`);
  return n;
}

async function getFinding(ex: Executor, id: number): Promise<FindingRow> {
  const [f] = await rows<FindingRow>(
    ex,
    sql`select ${columns} from findings f left join channel_accounts a on a.id = f.account_id where f.id = ${id}`,
  );
  if (!f) throw notFound('Finding', id);
  return normal(f);
}

/** Applies the finding's fix as `actor`; the finding is then `fixed` (a later run closes it, or opens it again), or keeps the fix's error. */
export async function applyFix(hub: Hub, id: number, actor: string): Promise<FindingRow & { result?: unknown }> {
  const f = await getFinding(hub.db, id);
  if (f.state === 'closed')
    throw new DomainError('FINDING_CLOSED', `Finding ${id} is closed: a later check no longer saw it`, 409, {
      finding_id: id,
    });
  if (!f.fix)
    throw new DomainError('FINDING_NO_FIX', `Finding ${id} (${f.kind}) has no automatic fix: check it by hand`, 409, {
      finding_id: id,
      kind: f.kind,
    });
  try {
    const result = await runFix(hub, f, actor);
    await hub.db.execute(sql`update findings set state = 'fixed', fix_error = null where id = ${id}`);
    return { ...(await getFinding(hub.db, id)), result };
  } catch (error) {
    await hub.db.execute(sql`update findings set fix_error = ${userMessage(error).slice(0, 2000)} where id = ${id}`);
    if (actor === 'reconciler') return getFinding(hub.db, id);
    throw error;
  }
}

function runFix(hub: Hub, f: FindingRow, actor: string) {
  const ids = f.ids as { posting_number?: string | null; external_id?: string; package_id?: number };
  switch (f.fix) {
    case 'reimport':
      return reimportOrder(hub, f.account_id, ids.posting_number ?? ids.external_id ?? f.key, actor);
    case 're_export':
    case 'change_status':
      return reexportOrder(hub, String(f.order_id), actor, f.fix === 're_export' ? 're_export' : 'change_order_status');
    case 'retry_delivery':
      return retryPackage(hub, Number(ids.package_id), {}, actor);
    default:
      throw new DomainError(
        'FINDING_NO_FIX',
        `Finding ${f.id} (${f.kind}) has no automatic fix: check it by hand`,
        409,
        { finding_id: f.id, kind: f.kind },
      );
  }
}

/** Fixes every open finding of a kind (of one account, or all): answers how many were fixed and which failed, and why. */
export async function fixAll(hub: Hub, kind: FindingKind, accountId: number | undefined, actor: string) {
  const open = await listFindings(hub.db, { state: 'open', kind, account_id: accountId });
  const failed: { id: number; error: string }[] = [];
  let fixed = 0;
  for (const f of open.filter((o) => o.fix)) {
    try {
      await applyFix(hub, f.id, actor);
      fixed++;
    } catch (error) {
      failed.push({ id: f.id, error: userMessage(error) });
    }
  }
  return { kind, account_id: accountId ?? null, fixed, failed };
}
