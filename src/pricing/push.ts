import { sql } from 'drizzle-orm';
import { rows, type Db, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import {
  ChannelHttpError,
  CredentialsRejected,
  type PushOutcome,
  type SyncRunCounter,
} from '../channels/core/connector.ts';
import { accountRuntime, guardCredentials, type AccountRuntime } from '../channels/core/context.ts';
import { toMapped } from '../channels/core/listings.ts';
import { withPushLease } from '../channels/core/propagation.ts';
import { moduleFor } from '../channels/core/module.ts';
import { channelPrice, type Money } from './prices.ts';

/**
 * Prices reach the channels the way stock does (docs/decisions/041, 190): a change marks the
 * product's matched listings in `listing_prices` (bumping change_seq), so many changes before a
 * push coalesce into one push of the latest price; one pusher per account at a time (the same
 * lease as stock's), prices computed at push time, those equal to the last pushed skipped, the
 * rest in batches of the connector's `pushBatchSize` through the one HTTP client (its limits and
 * retries). A refusal (not retryable) is kept on the listing with the channel's words.
 */

export interface PricePushSummary {
  busy: boolean;
  pushed: number;
  unchanged: number;
  failed: number;
  refused: number;
  remaining: number;
  retryAfterMs?: number;
  failure?: string;
}

/** Marks the matched listings of these products (of one account, when given); returns the active accounts concerned. */
export async function markPricesChanged(ex: Executor, productIds: number[], accountId?: number): Promise<number[]> {
  if (!productIds.length) return [];
  const found = await rows<{ account_id: number }>(
    ex,
    sql`
    with marked as (
      insert into listing_prices (listing_id, account_id, needs_push, change_seq)
      select l.id, l.account_id, true, 1 from listings l
       where l.product_id = any(${sql.param(productIds)}::bigint[]) and l.match_state = 'matched'
         ${accountId ? sql`and l.account_id = ${accountId}` : sql``}
      on conflict (listing_id) do update set needs_push = true, change_seq = listing_prices.change_seq + 1
      returning account_id)
    select distinct m.account_id from marked m join channel_accounts a on a.id = m.account_id where a.status = 'active'`,
  );
  return found.map((r) => r.account_id);
}

/**
 * Marks these newly matched listings of an account for a price push and queues the push, when
 * the account's channel is pushed prices: core's match calls it (onListingsMatched, registered
 * in jobs.ts) in the statement's transaction, as the match marks them for a stock push. Only
 * listings whose product has a price are marked; without one there is nothing to send.
 */
export async function markMatchedForPrices(ex: Executor, accountId: number, listingIds: number[]): Promise<boolean> {
  if (!listingIds.length) return false;
  const [account] = await rows<{ channel: string }>(
    ex,
    sql`select channel from channel_accounts where id = ${accountId}`,
  );
  const connector = account ? moduleFor(account.channel)?.connector : undefined;
  if (!connector?.capabilities.pushPrices || !connector.pushPrices) return false;
  const marked = await rows<{ listing_id: number }>(
    ex,
    sql`
    insert into listing_prices (listing_id, account_id, needs_push, change_seq)
    select l.id, l.account_id, true, 1 from listings l
     where l.id = any(${sql.param(listingIds)}::bigint[]) and l.account_id = ${accountId} and l.match_state = 'matched'
       and (exists (select 1 from product_prices pp where pp.product_id = l.product_id)
            or exists (select 1 from account_prices ap where ap.account_id = l.account_id and ap.product_id = l.product_id))
    on conflict (listing_id) do update set needs_push = true, change_seq = listing_prices.change_seq + 1
    returning listing_id`,
  );
  return marked.length > 0;
}

/** The price columns a push and a feed read: the base, and the account's own price or rule. */
interface PriceColumns {
  base_amount: number | null;
  base_currency: string | null;
  own_amount: number | null;
  own_currency: string | null;
  factor_permille: number | null;
}

const priceOfRow = (row: PriceColumns, step: number): Money | null =>
  channelPrice(
    row.base_amount != null && row.base_currency ? { amount: row.base_amount, currency: row.base_currency } : null,
    { amount: row.own_amount, currency: row.own_currency, factor_permille: row.factor_permille },
    step,
  );

/**
 * The prices of these products on an account, computed as a push computes them (its own, else
 * base × factor, else the base, rounded to `step`): what a channel that downloads its prices
 * from Sklad gets (Kaspi's price list). A product without a price is not in the map.
 */
export async function accountPricesOf(
  ex: Executor,
  accountId: number,
  productIds: number[],
  step = 1,
): Promise<Map<number, Money>> {
  const prices = new Map<number, Money>();
  if (!productIds.length) return prices;
  const found = await rows<PriceColumns & { product_id: number }>(
    ex,
    sql`
    select p.id as product_id, pp.amount::float8 as base_amount, pp.currency as base_currency,
           ap.amount::float8 as own_amount, ap.currency as own_currency, ap.factor_permille
      from unnest(${sql.param(productIds)}::bigint[]) as p(id)
      left join product_prices pp on pp.product_id = p.id
      left join account_prices ap on ap.account_id = ${accountId} and ap.product_id = p.id
     where pp.product_id is not null or ap.product_id is not null`,
  );
  for (const row of found) {
    const price = priceOfRow(row, step);
    if (price) prices.set(Number(row.product_id), price);
  }
  return prices;
}

interface PendingPrice extends PriceColumns {
  id: number;
  product_id: number;
  external_id: string;
  sku: string | null;
  data: Record<string, unknown>;
  change_seq: number;
  last_pushed_amount: number | null;
  last_pushed_currency: string | null;
}

async function pendingPrices(db: Db, accountId: number, skip: number[], limit: number): Promise<PendingPrice[]> {
  return rows<PendingPrice>(
    db,
    sql`
    select l.id, l.product_id, l.external_id, l.sku, l.data, lp.change_seq,
           lp.last_pushed_amount::float8 as last_pushed_amount, lp.last_pushed_currency,
           pp.amount::float8 as base_amount, pp.currency as base_currency,
           ap.amount::float8 as own_amount, ap.currency as own_currency, ap.factor_permille
      from listing_prices lp
      join listings l on l.id = lp.listing_id
      left join product_prices pp on pp.product_id = l.product_id
      left join account_prices ap on ap.account_id = l.account_id and ap.product_id = l.product_id
     where lp.account_id = ${accountId} and lp.needs_push and l.match_state = 'matched' and l.product_id is not null
       and not (l.id = any(${sql.param(skip)}::bigint[]))
     order by l.id limit ${limit}`,
  );
}

interface Settled {
  id: number;
  seq: number;
  amount: number | null;
  currency: string | null;
  outcome: 'ok' | 'retry' | 'refused' | 'nothing';
  error: string | null;
}

async function applyOutcomes(db: Db, settled: Settled[]) {
  if (!settled.length) return;
  await db.execute(sql`
    update listing_prices lp
       set last_pushed_amount = case when s.outcome = 'ok' then s.amount else lp.last_pushed_amount end,
           last_pushed_currency = case when s.outcome = 'ok' then s.currency else lp.last_pushed_currency end,
           last_pushed_at = case when s.outcome = 'ok' then now() else lp.last_pushed_at end,
           refusal = case when s.outcome = 'refused' then s.error when s.outcome = 'ok' then null else lp.refusal end,
           refused_at = case when s.outcome = 'refused' then now() when s.outcome = 'ok' then null else lp.refused_at end,
           needs_push = case when s.outcome = 'retry' then true else lp.change_seq <> s.seq end
      from unnest(${sql.param(settled.map((s) => s.id))}::bigint[], ${sql.param(settled.map((s) => s.seq))}::bigint[],
                  ${sql.param(settled.map((s) => s.amount))}::bigint[], ${sql.param(settled.map((s) => s.currency))}::text[],
                  ${sql.param(settled.map((s) => s.outcome))}::text[], ${sql.param(settled.map((s) => s.error))}::text[])
           as s(id, seq, amount, currency, outcome, error)
     where lp.listing_id = s.id`);
}

async function pushBatch(
  db: Db,
  rt: AccountRuntime,
  batch: { row: PendingPrice; amount: number; currency: string }[],
  summary: PricePushSummary,
  run?: SyncRunCounter,
): Promise<number[]> {
  let outcomes: PushOutcome[];
  try {
    outcomes = await rt.connector.pushPrices!(
      rt.ctx,
      batch.map((b) => ({ listing: toMapped(b.row), amount: b.amount, currency: b.currency })),
    );
  } catch (error) {
    if (error instanceof CredentialsRejected) throw error;
    const retryable = !(error instanceof ChannelHttpError) || error.retryable;
    if (error instanceof ChannelHttpError && error.retryAfterMs)
      summary.retryAfterMs = Math.max(summary.retryAfterMs ?? 0, error.retryAfterMs);
    outcomes = batch.map((b) => ({ listingId: b.row.id, ok: false, error: (error as Error).message, retryable }));
  }
  const byId = new Map(outcomes.map((o) => [o.listingId, o]));
  const settled = batch.map(({ row, amount, currency }): Settled => {
    const o = byId.get(row.id) ?? {
      listingId: row.id,
      ok: false as const,
      error: 'the connector gave no outcome for this item',
      retryable: true,
    };
    if (o.ok) return { id: row.id, seq: row.change_seq, amount, currency, outcome: 'ok', error: null };
    return {
      id: row.id,
      seq: row.change_seq,
      amount,
      currency,
      outcome: o.retryable ? 'retry' : 'refused',
      error: o.error.slice(0, 1000),
    };
  });
  await applyOutcomes(db, settled);
  for (const s of settled) {
    if (s.outcome === 'ok') summary.pushed++;
    else if (s.outcome === 'retry') {
      summary.failed++;
      summary.failure = s.error ?? 'failed';
    } else {
      summary.refused++;
      run?.problem(`The channel refused price ${s.amount} ${s.currency} for listing ${s.id}: ${s.error}`, {
        listing_id: s.id,
      });
    }
  }
  run?.add({
    pushed: settled.filter((s) => s.outcome === 'ok').length,
    failed: settled.filter((s) => s.outcome !== 'ok').length,
  });
  return settled.filter((s) => s.outcome === 'retry').map((s) => s.id);
}

/** Pushes the account's marked prices; `busy` when another pusher holds the account, `remaining` when marks are left. */
export async function pushPendingPrices(
  hub: Hub,
  accountId: number,
  options: { run?: SyncRunCounter; signal?: AbortSignal } = {},
): Promise<PricePushSummary> {
  const summary: PricePushSummary = { busy: false, pushed: 0, unchanged: 0, failed: 0, refused: 0, remaining: 0 };
  const rt = await accountRuntime(hub, accountId, { run: options.run, signal: options.signal });
  const { connector, limits } = rt;
  if (!connector.capabilities.pushPrices || !connector.pushPrices) {
    // A channel that takes no prices, or downloads them from Sklad (Kaspi's price list): nothing goes, so the marks are cleared.
    await hub.db.execute(
      sql`update listing_prices set needs_push = false where account_id = ${accountId} and needs_push`,
    );
    return summary;
  }
  const step = connector.pricing?.step ?? 1;
  const currencies = connector.pricing?.currencies;
  const held = await withPushLease(hub, accountId, () =>
    guardCredentials(hub, accountId, async () => {
      const skip: number[] = [];
      const chunk = limits.pushBatchSize * Math.max(1, limits.maxConcurrent) * 2;
      for (;;) {
        rt.ctx.signal.throwIfAborted();
        const pending = await pendingPrices(hub.db, accountId, skip, chunk);
        if (!pending.length) break;
        const local: Settled[] = [];
        const toSend: { row: PendingPrice; amount: number; currency: string }[] = [];
        for (const row of pending) {
          const price = priceOfRow(row, step);
          if (!price)
            local.push({
              id: row.id,
              seq: row.change_seq,
              amount: null,
              currency: null,
              outcome: 'nothing',
              error: null,
            });
          else if (currencies && !currencies.includes(price.currency)) {
            local.push({
              id: row.id,
              seq: row.change_seq,
              amount: price.amount,
              currency: price.currency,
              outcome: 'refused',
              error: `${connector.title} takes prices in ${currencies.join(', ')} only, not ${price.currency}`,
            });
          } else if (price.amount === row.last_pushed_amount && price.currency === row.last_pushed_currency) {
            local.push({
              id: row.id,
              seq: row.change_seq,
              amount: price.amount,
              currency: price.currency,
              outcome: 'nothing',
              error: null,
            });
            summary.unchanged++;
          } else toSend.push({ row, ...price });
        }
        await applyOutcomes(hub.db, local);
        summary.refused += local.filter((s) => s.outcome === 'refused').length;
        skip.push(...local.map((s) => s.id));
        const batches: (typeof toSend)[] = [];
        for (let i = 0; i < toSend.length; i += limits.pushBatchSize)
          batches.push(toSend.slice(i, i + limits.pushBatchSize));
        // Failed items are not taken again in this pass: the job retries them with back-off.
        for (const failed of await Promise.all(batches.map((b) => pushBatch(hub.db, rt, b, summary, options.run))))
          skip.push(...failed);
      }
    }),
  );
  if (!held) return { ...summary, busy: true };
  const [{ n }] = await rows<{ n: number }>(
    hub.db,
    sql`select count(*)::int as n from listing_prices where account_id = ${accountId} and needs_push`,
  );
  summary.remaining = n;
  return summary;
}
