import crypto from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from '../../db/database.ts';
import { JobError } from '../../engine/jobs.ts';
import type { Hub } from '../../hub.ts';
import { channelQuantitySql } from './availability.ts';
import { ChannelHttpError, CredentialsRejected, type PushOutcome, type SyncRunCounter } from './connector.ts';
import { accountRuntime, guardCredentials, type AccountRuntime } from './context.ts';
import { toMapped } from './listings.ts';

/**
 * Stock changes reach the channels (docs/decisions/041).
 *
 * A change marks the product's matched listings `needs_push` (bumping `change_seq`), so many
 * changes to one SKU before its push coalesce into one push of the latest quantity. One
 * pusher per account at a time (a lease on the account row) computes quantities from stock
 * at push time, skips those equal to what was last pushed, and sends the rest in batches of
 * the connector's `pushBatchSize`. Because one pusher runs per account and a listing is in
 * one batch at a time, a channel never sees an older quantity after a newer one. An item
 * that failed stays marked and is tried again; a listing changed during its push stays
 * marked (its change_seq moved on) and goes out again with the newer quantity.
 */

const LEASE_MS = 10_000;
const RENEW_EVERY_MS = 3_000;

export interface PushSummary {
  /** Another pusher holds the account: it will see these changes. */
  busy: boolean;
  pushed: number;
  unchanged: number;
  /** Failed items that may succeed later (kept marked). */
  failed: number;
  /** Items the channel refused (not retried until the next change). */
  rejected: number;
  /** Products that wait for an ambiguous listing to be mapped. */
  blocked: number;
  /** Marked listings left after the lease was released (a later push must take them). */
  remaining: number;
  requests: number;
  /** The longest Retry-After the channel sent with a failed batch (ms): the retry waits at least that long. */
  retryAfterMs?: number;
  /** What the channel said of the items that failed (the last such answer), and their SKUs: the push job's error. */
  failure?: { message: string; httpStatus: number | null; skus: string[] };
}

const emptySummary = (): PushSummary => ({
  busy: false,
  pushed: 0,
  unchanged: 0,
  failed: 0,
  rejected: 0,
  blocked: 0,
  remaining: 0,
  requests: 0,
});

/** Marks the matched listings of these products for a push; returns the accounts concerned. */
export async function markStockChanged(ex: Executor, productIds: number[]): Promise<number[]> {
  if (!productIds.length) return [];
  const accounts = await rows<{ account_id: number }>(
    ex,
    sql`
    with marked as (
      update listings set needs_push = true, change_seq = change_seq + 1
       where product_id = any(${sql.param(productIds)}::bigint[]) and match_state = 'matched'
      returning account_id)
    select distinct m.account_id from marked m join channel_accounts a on a.id = m.account_id where a.status = 'active'`,
  );
  return accounts.map((a) => a.account_id);
}

// --- the account's push lease ------------------------------------------------------------------

const processId = `${os.hostname()}:${process.pid}`;

async function claimLease(db: Db, accountId: number, owner: string): Promise<boolean> {
  const claimed = await rows(
    db,
    sql`
    update channel_accounts set push_lease_owner = ${owner}, push_lease_until = clock_timestamp() + ${`${LEASE_MS} milliseconds`}::interval
     where id = ${accountId} and (push_lease_until is null or push_lease_until < clock_timestamp() or push_lease_owner = ${owner})
    returning id`,
  );
  return claimed.length > 0;
}

async function releaseLease(db: Db, accountId: number, owner: string) {
  await db.execute(sql`
    update channel_accounts set push_lease_owner = null, push_lease_until = null
     where id = ${accountId} and push_lease_owner = ${owner}`);
}

/** Holds the account's lease while `fn` runs; null when another pusher has it (stock and price pushes share it). */
export async function withPushLease<T>(
  hub: Hub,
  accountId: number,
  fn: () => Promise<T>,
): Promise<{ value: T } | null> {
  const owner = `${processId}:${crypto.randomUUID()}`;
  if (!(await claimLease(hub.db, accountId, owner))) return null;
  const renew = setInterval(() => {
    claimLease(hub.db, accountId, owner).catch((err) =>
      hub.logger.warn({ err, accountId }, 'could not renew the push lease'),
    );
  }, RENEW_EVERY_MS);
  try {
    return { value: await fn() };
  } finally {
    clearInterval(renew);
    await releaseLease(hub.db, accountId, owner).catch((err) =>
      hub.logger.warn({ err, accountId }, 'could not release the push lease'),
    );
  }
}

// --- pushing -------------------------------------------------------------------------------------

interface PendingRow {
  id: number;
  product_id: number;
  external_id: string;
  sku: string | null;
  data: Record<string, unknown>;
  change_seq: number;
  last_pushed_quantity: number | null;
  quantity: number;
}

/** Listings blocked by an ambiguous listing of the same account are left out. */
const notBlocked = sql`not exists (
  select 1 from listings a
   where a.account_id = l.account_id and a.match_state = 'ambiguous' and l.product_id = any(a.candidate_product_ids))`;

async function pendingRows(db: Db, accountId: number, skip: number[], limit: number): Promise<PendingRow[]> {
  return rows<PendingRow>(
    db,
    sql`
    select l.id, l.product_id, l.external_id, l.sku, l.data, l.change_seq, l.last_pushed_quantity,
           ${channelQuantitySql(accountId, sql`l.product_id`)} as quantity
      from listings l
     where l.account_id = ${accountId} and l.needs_push and l.match_state = 'matched' and l.product_id is not null
       and not (l.id = any(${sql.param(skip)}::bigint[]))
       and ${notBlocked}
     order by l.id
     limit ${limit}`,
  );
}

/** Clears the mark of listings whose quantity equals the last one pushed (unless changed since). */
async function settleUnchanged(db: Db, unchanged: PendingRow[]) {
  if (!unchanged.length) return;
  await db.execute(sql`
    update listings l set needs_push = false
      from unnest(${sql.param(unchanged.map((r) => r.id))}::bigint[], ${sql.param(unchanged.map((r) => r.change_seq))}::bigint[]) as u(id, seq)
     where l.id = u.id and l.change_seq = u.seq`);
}

interface Settled {
  id: number;
  seq: number;
  quantity: number;
  outcome: 'ok' | 'retry' | 'rejected';
  error: string | null;
}

async function applyOutcomes(db: Db, settled: Settled[]) {
  if (!settled.length) return;
  await db.execute(sql`
    update listings l
       set last_pushed_quantity = case when s.outcome = 'ok' then s.quantity else l.last_pushed_quantity end,
           last_pushed_at = case when s.outcome = 'ok' then now() else l.last_pushed_at end,
           channel_quantity = case when s.outcome = 'ok' then s.quantity else l.channel_quantity end,
           last_push_error = s.error,
           -- pushed or refused: done, unless the stock changed meanwhile; to retry: stays marked
           needs_push = case when s.outcome = 'retry' then true else l.change_seq <> s.seq end
      from unnest(${sql.param(settled.map((s) => s.id))}::bigint[], ${sql.param(settled.map((s) => s.seq))}::bigint[],
                  ${sql.param(settled.map((s) => s.quantity))}::int[], ${sql.param(settled.map((s) => s.outcome))}::text[],
                  ${sql.param(settled.map((s) => s.error))}::text[]) as s(id, seq, quantity, outcome, error)
     where l.id = s.id`);
}

/** Pushes these rows in batches of the connector's size, all batches at once (the HTTP client paces them). */
async function pushRows(
  hub: Hub,
  rt: AccountRuntime,
  pending: PendingRow[],
  summary: PushSummary,
  run?: SyncRunCounter,
): Promise<number[]> {
  const { connector, limits, ctx } = rt;
  const failedIds: number[] = [];
  const batches: PendingRow[][] = [];
  for (let i = 0; i < pending.length; i += limits.pushBatchSize)
    batches.push(pending.slice(i, i + limits.pushBatchSize));
  await Promise.all(
    batches.map(async (batch) => {
      let outcomes: PushOutcome[];
      let httpStatus: number | null = null;
      summary.requests++;
      try {
        outcomes = await connector.pushQuantities!(
          ctx,
          batch.map((r) => ({ listing: toMapped(r), quantity: r.quantity })),
        );
      } catch (error) {
        if (error instanceof CredentialsRejected) throw error;
        const message = (error as Error).message;
        const retryable = !(error instanceof ChannelHttpError) || error.retryable;
        if (error instanceof ChannelHttpError) httpStatus = error.status;
        if (error instanceof ChannelHttpError && error.retryAfterMs)
          summary.retryAfterMs = Math.max(summary.retryAfterMs ?? 0, error.retryAfterMs);
        outcomes = batch.map((r) => ({ listingId: r.id, ok: false, error: message, retryable }));
      }
      const byId = new Map(outcomes.map((o) => [o.listingId, o]));
      const settled = batch.map((r): Settled => {
        const o = byId.get(r.id) ?? {
          listingId: r.id,
          ok: false as const,
          error: 'the connector gave no outcome for this item',
          retryable: true,
        };
        if (o.ok) return { id: r.id, seq: r.change_seq, quantity: r.quantity, outcome: 'ok', error: null };
        return {
          id: r.id,
          seq: r.change_seq,
          quantity: r.quantity,
          outcome: o.retryable ? 'retry' : 'rejected',
          error: o.error.slice(0, 1000),
        };
      });
      await applyOutcomes(hub.db, settled);
      for (const s of settled) {
        if (s.outcome === 'ok') summary.pushed++;
        else if (s.outcome === 'retry') {
          summary.failed++;
          failedIds.push(s.id);
          const sku = batch.find((r) => r.id === s.id)?.sku ?? `#${s.id}`;
          if (summary.failure?.message === s.error) summary.failure.skus.push(sku);
          else summary.failure = { message: s.error ?? 'failed', httpStatus, skus: [sku] };
        } else {
          summary.rejected++;
          run?.problem(`The channel refused quantity ${s.quantity} for listing ${s.id}: ${s.error}`, {
            listing_id: s.id,
          });
        }
      }
      run?.add({
        pushed: settled.filter((s) => s.outcome === 'ok').length,
        failed: settled.filter((s) => s.outcome !== 'ok').length,
      });
    }),
  );
  return failedIds;
}

/** Pushes everything marked for the account until nothing is left that can go now. */
async function drainPending(hub: Hub, rt: AccountRuntime, summary: PushSummary, run?: SyncRunCounter) {
  const skip: number[] = [];
  const chunk = rt.limits.pushBatchSize * Math.max(1, rt.limits.maxConcurrent) * 2;
  for (;;) {
    rt.ctx.signal.throwIfAborted();
    const pending = await pendingRows(hub.db, rt.account.id, skip, chunk);
    if (!pending.length) break;
    const unchanged = pending.filter((r) => r.quantity === r.last_pushed_quantity);
    await settleUnchanged(hub.db, unchanged);
    summary.unchanged += unchanged.length;
    const changed = pending.filter((r) => r.quantity !== r.last_pushed_quantity);
    skip.push(...unchanged.map((r) => r.id));
    skip.push(...(await pushRows(hub, rt, changed, summary, run)));
  }
}

async function countBlocked(db: Db, accountId: number): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`
    select count(distinct l.product_id)::int as n from listings l
     where l.account_id = ${accountId} and l.needs_push and l.match_state = 'matched' and not ${notBlocked}`,
  );
  return row?.n ?? 0;
}

async function countRemaining(db: Db, accountId: number): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`
    select count(*)::int as n from listings l
     where l.account_id = ${accountId} and l.needs_push and l.match_state = 'matched' and ${notBlocked}`,
  );
  return row?.n ?? 0;
}

export interface PushOptions {
  run?: SyncRunCounter;
  signal?: AbortSignal;
  syncRunId?: number | null;
}

/**
 * Pushes the account's marked listings. Returns `busy` when another pusher holds the
 * account; `remaining` counts marked listings left after the lease was let go (changes
 * that came in at the end, or items that failed): the caller schedules another push.
 */
export async function pushPending(hub: Hub, accountId: number, options: PushOptions = {}): Promise<PushSummary> {
  const summary = emptySummary();
  const rt = await accountRuntime(hub, accountId, {
    syncRunId: options.syncRunId ?? options.run?.id ?? null,
    run: options.run,
    signal: options.signal,
  });
  if (!rt.connector.capabilities.pushStock || !rt.connector.pushQuantities) return summary;
  const held = await withPushLease(hub, accountId, () =>
    guardCredentials(hub, accountId, async () => {
      await drainPending(hub, rt, summary, options.run);
      summary.blocked = await countBlocked(hub.db, accountId);
      if (summary.blocked) {
        options.run?.problem(
          `${summary.blocked} product(s) are not pushed: an ambiguous listing must be mapped first`,
          { account_id: accountId },
        );
      }
    }),
  );
  if (!held) return { ...summary, busy: true };
  summary.remaining = await countRemaining(hub.db, accountId);
  return summary;
}

// --- reconcile -----------------------------------------------------------------------------------

export interface ReconcileSummary extends PushSummary {
  read: number;
  different: number;
}

/**
 * Reads the channel's quantities of every matched listing and pushes only those that
 * differ from what the stock says. Reads and pushes run as a pool of 2 × `maxConcurrent`
 * workers (the HTTP client lets `maxConcurrent` requests out at once), each reading a
 * batch and pushing its differences at once, so the rate limit is used evenly from start
 * to end.
 */
export async function reconcileAccount(
  hub: Hub,
  accountId: number,
  options: PushOptions = {},
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { ...emptySummary(), read: 0, different: 0 };
  const rt = await accountRuntime(hub, accountId, {
    syncRunId: options.syncRunId ?? options.run?.id ?? null,
    run: options.run,
    signal: options.signal,
  });
  const { connector, limits } = rt;
  if (!connector.readQuantities || !connector.pushQuantities) return summary;
  const readBatch = limits.readBatchSize ?? limits.pushBatchSize;

  const held = await withPushLease(hub, accountId, () =>
    guardCredentials(hub, accountId, async () => {
      let cursor = 0;
      let total = 0;
      // Serialises taking the next batch, so workers never read the same listings twice.
      let taking: Promise<unknown> = Promise.resolve();
      const nextBatch = () => {
        const batch = taking.then(async () => {
          const found = await rows<{
            id: number;
            product_id: number;
            external_id: string;
            sku: string | null;
            data: Record<string, unknown>;
          }>(
            hub.db,
            sql`
            select id, product_id, external_id, sku, data from listings
             where account_id = ${accountId} and match_state = 'matched' and product_id is not null and id > ${cursor}
             order by id limit ${readBatch}`,
          );
          if (found.length) cursor = found[found.length - 1].id;
          return found.map(toMapped);
        });
        taking = batch.catch(() => {});
        return batch;
      };
      const worker = async () => {
        for (;;) {
          rt.ctx.signal.throwIfAborted();
          const batch = await nextBatch();
          if (!batch.length) return;
          summary.requests++;
          const quantities = await connector.readQuantities!(rt.ctx, batch);
          summary.read += quantities.size;
          options.run?.add({ fetched: quantities.size });
          const different = await markDifferences(hub.db, accountId, quantities);
          summary.different += different.length;
          if (different.length) await pushRows(hub, rt, different, summary, options.run);
          total += batch.length;
          await rt.ctx.progress({ done: total, message: `${summary.different} different so far` });
        }
      };
      // Twice as many workers as requests may be in flight: while half wait for the database,
      // the others hold the HTTP slots, so the channel's rate is used from start to end.
      await Promise.all(Array.from({ length: 2 * Math.max(1, limits.maxConcurrent) }, worker));
      // Changes that came in while reading, and items whose push failed above, go out now.
      await drainPending(hub, rt, summary, options.run);
      summary.blocked = await countBlocked(hub.db, accountId);
    }),
  );
  if (!held) return { ...summary, busy: true };
  summary.remaining = await countRemaining(hub.db, accountId);
  return summary;
}

/**
 * Saves the channel's quantities and marks the listings whose quantity differs from the
 * stock's (whatever was pushed last: the channel is what counts). Returns them to push.
 */
async function markDifferences(db: Db, accountId: number, quantities: Map<number, number>): Promise<PendingRow[]> {
  if (!quantities.size) return [];
  // Materialized: each row's quantity is computed once, not once per use below.
  return rows<PendingRow>(
    db,
    sql`
    with read as materialized (
      select q.id, q.quantity as channel_quantity, ${channelQuantitySql(accountId, sql`l.product_id`)} as quantity
        from unnest(${sql.param([...quantities.keys()])}::bigint[], ${sql.param([...quantities.values()])}::int[]) as q(id, quantity)
        join listings l on l.id = q.id
       where ${notBlocked}
    )
    update listings l
       set channel_quantity = r.channel_quantity, channel_quantity_at = now(),
           needs_push = l.needs_push or r.channel_quantity <> r.quantity,
           change_seq = case when r.channel_quantity <> r.quantity then l.change_seq + 1 else l.change_seq end,
           last_pushed_quantity = case when r.channel_quantity <> r.quantity then null else l.last_pushed_quantity end
      from read r
     where l.id = r.id
    returning l.id, l.product_id, l.external_id, l.sku, l.data, l.change_seq, l.last_pushed_quantity,
              r.quantity, (r.channel_quantity <> r.quantity) as differs`,
  ).then((found) => (found as (PendingRow & { differs: boolean })[]).filter((r) => r.differs));
}

/**
 * The channel's own words for a push that failed, with its HTTP status and SKU (several SKUs:
 * the first and how many more), so support sees the problem, not a count of items.
 */
export function pushFailed(accountId: number, summary: PushSummary): JobError {
  const f = summary.failure;
  const skus = f?.skus ?? [];
  const error = new JobError(f ? channelWords(f.message) : `${summary.failed} item(s) could not be pushed yet`, {
    retryAfterMs: summary.retryAfterMs,
    httpStatus: f?.httpStatus ?? undefined,
  });
  return Object.assign(error, { accountId, sku: skus.length > 1 ? `${skus[0]} (+${skus.length - 1})` : skus[0] });
}

/** "PUT https://…/stocks failed: HTTP 500: Internal error" says "HTTP 500: Internal error": the status and the channel's message. */
const channelWords = (message: string) => message.replace(/^[A-Z]+ \S+ failed: /, '');
