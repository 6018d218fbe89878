import { sql } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import { rows, type Db, type Executor, type Tx } from '../db/database.ts';
import { addManyToOutbox, addToOutbox } from '../engine/outbox.ts';
import { moduleFor } from '../channels/core/module.ts';
import { DomainError, notFound } from '../shared/errors.ts';

/**
 * Prices (docs/decisions/190): a product's base price, and per channel account a price of its
 * own or a rule (base × factor, rounded to the channel's step). Every change is one transaction:
 * the price, a `price_changes` row (who, when, why) and a `price.changed` outbox message, which
 * marks the product's listings and pushes them (src/pricing/push.ts). Money in minor units.
 */

export const Currency = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code of three letters, e.g. RUB');
/** Minor units: 129900 RUB is 1,299.00 ₽. At most 10^12, far below 2^53. */
export const Amount = z.number().int('minor units: a whole number (kopecks, cents)').min(0).max(1_000_000_000_000);
/** A factor as a decimal string ("1.15") with at most three digits after the point: kept as per-mille, never a float. */
export const Factor = z
  .string()
  .trim()
  .regex(/^\d{1,3}(\.\d{1,3})?$/, 'a decimal such as "1.15" (at most three digits after the point)')
  .transform((s) => {
    const [whole, part = ''] = s.split('.');
    return Number(whole) * 1000 + Number(part.padEnd(3, '0'));
  })
  .refine((permille) => permille > 0 && permille <= 100_000, 'a factor between 0.001 and 100');

export const BasePriceInput = z.object({
  amount: Amount,
  currency: Currency,
  reason: z.string().trim().max(500).optional(),
});
export const AccountPriceInput = z.union([
  z.object({ amount: Amount, currency: Currency, reason: z.string().trim().max(500).optional() }).strict(),
  z.object({ factor: Factor, reason: z.string().trim().max(500).optional() }).strict(),
]);

export interface Money {
  amount: number;
  currency: string;
}

export type AccountPrice =
  | { account_id: number; amount: number; currency: string; factor: null }
  | { account_id: number; amount: null; currency: null; factor: string };

export interface PriceChange {
  id: number;
  product_id: number;
  account_id: number | null;
  before: unknown;
  after: unknown;
  actor: string;
  reason: string | null;
  at: string;
}

/** 1150 → "1.15". */
export const factorText = (permille: number) =>
  `${Math.trunc(permille / 1000)}.${String(permille % 1000).padStart(3, '0')}`.replace(/\.?0+$/, '');

/**
 * The price a channel gets: its own, else base × factor, else the base; rounded half up to the
 * channel's step, in integers (BigInt: amount × per-mille may pass 2^53).
 */
export function channelPrice(
  base: Money | null,
  own: { amount: number | null; currency: string | null; factor_permille: number | null } | null,
  step = 1,
): Money | null {
  let amount: bigint;
  let currency: string;
  if (own?.amount != null && own.currency) [amount, currency] = [BigInt(own.amount) * 1000n, own.currency];
  else if (!base) return null;
  else [amount, currency] = [BigInt(base.amount) * BigInt(own?.factor_permille ?? 1000), base.currency];
  const unit = BigInt(Math.max(1, step)) * 1000n;
  return { amount: Number(((amount + unit / 2n) / unit) * BigInt(Math.max(1, step))), currency };
}

async function productExists(ex: Executor, productId: number) {
  const found = await rows(ex, sql`select 1 from products where id = ${productId}`);
  if (!found.length) throw notFound('Product', productId);
}

/** The account exists and its channel takes prices. */
async function pricedAccount(ex: Executor, accountId: number) {
  const [found] = await rows<{ channel: string }>(
    ex,
    sql`select channel from channel_accounts where id = ${accountId}`,
  );
  if (!found)
    throw new DomainError('ACCOUNT_NOT_FOUND', `Channel account ${accountId} does not exist`, 404, {
      account_id: accountId,
    });
  const connector = moduleFor(found.channel)?.connector;
  if (!connector?.capabilities.pushPrices)
    throw new DomainError('PRICE_NOT_TAKEN', `The ${found.channel} channel takes no prices`, 409, {
      channel: found.channel,
    });
}

export async function getBasePrice(ex: Executor, productId: number): Promise<(Money & { updated_at: string }) | null> {
  const [row] = await rows<Money & { updated_at: string }>(
    ex,
    sql`
    select amount::float8 as amount, currency, iso(updated_at) as updated_at from product_prices where product_id = ${productId}`,
  );
  return row ?? null;
}

/** Sets a product's base price; an equal price writes nothing. */
export async function setBasePrice(
  db: Db,
  productId: number,
  input: z.infer<typeof BasePriceInput>,
  actor: string,
): Promise<Money & { updated_at: string }> {
  return db.transaction(async (tx) => {
    await productExists(tx, productId);
    await setBasePrices(
      tx,
      [{ productId, price: { amount: input.amount, currency: input.currency } }],
      actor,
      input.reason,
    );
    return (await getBasePrice(tx, productId))!;
  });
}

/**
 * The base prices of many products in the transaction given (a bulk import's price column, the
 * products bulk edit; setBasePrice for one): for each price that differs, the price, a
 * `price_changes` row (who, when, why) and a `price.changed` outbox message; an equal price
 * writes nothing. One statement per call instead of several per product, so 50,000 prices fit
 * in an import's one transaction. Returns how many prices changed.
 */
export async function setBasePrices(
  tx: Tx,
  prices: { productId: number; price: Money }[],
  actor: string,
  reason?: string,
): Promise<number> {
  if (!prices.length) return 0;
  const changed = await rows<{ product_id: number }>(
    tx,
    sql`
    with input as (
      select * from unnest(${sql.param(prices.map((p) => p.productId))}::bigint[], ${sql.param(prices.map((p) => p.price.amount))}::bigint[],
                           ${sql.param(prices.map((p) => p.price.currency))}::text[]) as i(product_id, amount, currency)
    ), before as (
      select product_id, amount, currency from product_prices where product_id = any(${sql.param(prices.map((p) => p.productId))}::bigint[]) for update
    ), changed as (
      select i.product_id, i.amount, i.currency, b.product_id is not null as had, b.amount as old_amount, b.currency as old_currency
        from input i left join before b using (product_id)
       where b.product_id is null or b.amount <> i.amount or b.currency <> i.currency
    ), price as (
      insert into product_prices (product_id, amount, currency)
      select product_id, amount, currency from changed
      on conflict (product_id) do update set amount = excluded.amount, currency = excluded.currency, updated_at = now()
    ), history as (
      insert into price_changes (product_id, account_id, before, after, actor, reason)
      select product_id, null,
             case when had then jsonb_build_object('amount', old_amount, 'currency', old_currency) end,
             jsonb_build_object('amount', amount, 'currency', currency), ${actor}::text, ${reason ?? null}::text
        from changed order by product_id
    )
    select product_id from changed order by product_id`,
  );
  const ids = changed.map((c) => Number(c.product_id));
  await addManyToOutbox(tx, 'price.changed', ids);
  return ids.length;
}

export async function accountPrices(ex: Executor, productId: number): Promise<AccountPrice[]> {
  const found = await rows<{
    account_id: number;
    amount: number | null;
    currency: string | null;
    factor_permille: number | null;
  }>(
    ex,
    sql`
    select account_id, amount::float8 as amount, currency, factor_permille from account_prices where product_id = ${productId} order by account_id`,
  );
  return found.map(viewOf);
}

const viewOf = (r: {
  account_id: number;
  amount: number | null;
  currency: string | null;
  factor_permille: number | null;
}): AccountPrice =>
  r.factor_permille != null
    ? { account_id: r.account_id, amount: null, currency: null, factor: factorText(r.factor_permille) }
    : { account_id: r.account_id, amount: r.amount!, currency: r.currency!, factor: null };

/** Sets an account's own price or rule for a product. */
export async function setAccountPrice(
  db: Db,
  productId: number,
  accountId: number,
  input: z.infer<typeof AccountPriceInput>,
  actor: string,
): Promise<AccountPrice> {
  return db.transaction(async (tx) => {
    await productExists(tx, productId);
    await pricedAccount(tx, accountId);
    if ('factor' in input && !(await getBasePrice(tx, productId))) {
      throw new DomainError('PRICE_BASE_MISSING', `Product ${productId} has no base price: a rule needs one`, 409, {
        product_id: productId,
      });
    }
    const [old] = await rows<{
      account_id: number;
      amount: number | null;
      currency: string | null;
      factor_permille: number | null;
    }>(
      tx,
      sql`
      select account_id, amount::float8 as amount, currency, factor_permille from account_prices
       where product_id = ${productId} and account_id = ${accountId} for update`,
    );
    const next =
      'factor' in input
        ? { account_id: accountId, amount: null, currency: null, factor_permille: input.factor }
        : { account_id: accountId, amount: input.amount, currency: input.currency, factor_permille: null };
    if (
      old &&
      old.amount === next.amount &&
      old.currency === next.currency &&
      old.factor_permille === next.factor_permille
    )
      return viewOf(old);
    await tx.execute(sql`
      insert into account_prices (account_id, product_id, amount, currency, factor_permille)
      values (${accountId}, ${productId}, ${next.amount}, ${next.currency}, ${next.factor_permille})
      on conflict (account_id, product_id) do update
        set amount = excluded.amount, currency = excluded.currency, factor_permille = excluded.factor_permille, updated_at = now()`);
    const { account_id: _a, ...after } = viewOf(next);
    await recordChange(
      tx,
      productId,
      accountId,
      old ? (({ account_id: _b, ...rest }) => rest)(viewOf(old)) : null,
      after,
      actor,
      input.reason,
      accountId,
    );
    return viewOf(next);
  });
}

/** Drops an account's own price or rule: the account gets the base price again. */
export async function clearAccountPrice(
  db: Db,
  productId: number,
  accountId: number,
  actor: string,
  reason?: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [old] = await rows<{
      account_id: number;
      amount: number | null;
      currency: string | null;
      factor_permille: number | null;
    }>(
      tx,
      sql`
      delete from account_prices where product_id = ${productId} and account_id = ${accountId}
      returning account_id, amount::float8 as amount, currency, factor_permille`,
    );
    if (!old)
      throw new DomainError('NOT_FOUND', `Product ${productId} has no price of its own on account ${accountId}`, 404);
    const { account_id: _a, ...before } = viewOf(old);
    await recordChange(tx, productId, accountId, before, null, actor, reason, accountId);
  });
}

async function recordChange(
  tx: Executor,
  productId: number,
  accountId: number | null,
  before: unknown,
  after: unknown,
  actor: string,
  reason?: string,
  onlyAccount?: number,
) {
  await tx.execute(sql`
    insert into price_changes (product_id, account_id, before, after, actor, reason)
    values (${productId}, ${accountId}, ${before === null ? null : JSON.stringify(before)}::jsonb, ${after === null ? null : JSON.stringify(after)}::jsonb, ${actor}, ${reason ?? null})`);
  await addToOutbox(tx, {
    topic: 'price.changed',
    key: productId,
    payload: onlyAccount ? { accountId: onlyAccount } : {},
  });
}

/** A product's price changes, newest first. */
export async function priceHistory(ex: Executor, productId: number, page: { limit: number; offset: number }) {
  const items = await rows<PriceChange>(
    ex,
    sql`
    select id, product_id, account_id, before, after, actor, reason, iso(created_at) as at
      from price_changes where product_id = ${productId} order by id desc limit ${page.limit} offset ${page.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(
    ex,
    sql`select count(*)::int as total from price_changes where product_id = ${productId}`,
  );
  return { items, total, limit: page.limit, offset: page.offset };
}

export interface ListingPriceView {
  listing_id: number;
  account_id: number;
  external_id: string;
  needs_push: boolean;
  last_pushed_amount: number | null;
  last_pushed_currency: string | null;
  last_pushed_at: string | null;
  /** What the channel said when it refused the price (null: not refused). */
  refusal: string | null;
  refused_at: string | null;
}

/** The price state of a product's listings: what each channel got, or why it refused. */
export async function listingPrices(ex: Executor, productId: number): Promise<ListingPriceView[]> {
  return rows<ListingPriceView>(
    ex,
    sql`
    select l.id as listing_id, l.account_id, l.external_id, coalesce(lp.needs_push, false) as needs_push,
           lp.last_pushed_amount::float8 as last_pushed_amount, lp.last_pushed_currency, iso(lp.last_pushed_at) as last_pushed_at,
           lp.refusal, iso(lp.refused_at) as refused_at
      from listings l left join listing_prices lp on lp.listing_id = l.id
     where l.product_id = ${productId} and l.match_state = 'matched'
     order by l.account_id, l.id`,
  );
}

// ── Reads for the panel's price pages (src/web/pages/prices.tsx) ─────────────────────────────
// Views only, nothing here writes: the pages show what the services above keep without naming
// a table themselves.

export interface PricedAccount {
  id: number;
  name: string;
  channel: string;
  status: string;
  /** The channel's step in minor units (WB: 100) and the currencies it takes (null: any). */
  step: number;
  currencies: readonly string[] | null;
}

/** The channel accounts whose channel takes prices, each with its channel's step and currencies. */
export async function pricedAccounts(ex: Executor): Promise<PricedAccount[]> {
  const found = await rows<{ id: number; name: string; channel: string; status: string }>(
    ex,
    sql`
    select id, name, channel, status from channel_accounts order by id`,
  );
  return found.flatMap((a) => {
    const connector = moduleFor(a.channel)?.connector;
    if (!connector?.capabilities.pushPrices) return [];
    return [{ ...a, step: connector.pricing?.step ?? 1, currencies: connector.pricing?.currencies ?? null }];
  });
}

/** The base prices of these products, by product id (a product without one is not in the map). */
export async function basePricesOf(ex: Executor, productIds: number[]): Promise<Map<number, Money>> {
  if (!productIds.length) return new Map();
  const found = await rows<Money & { product_id: number }>(
    ex,
    sql`
    select product_id, amount::float8 as amount, currency from product_prices where product_id = any(${sql.param(productIds)}::bigint[])`,
  );
  return new Map(found.map(({ product_id, ...money }) => [product_id, money]));
}

export interface RefusedPrice {
  listing_id: number;
  external_id: string;
  product_id: number;
  sku: string;
  name: string;
  account_id: number;
  account: string;
  channel: string;
  refusal: string;
  refused_at: string;
}

/** Listings whose last price push the channel refused, the latest refusal first. */
export async function refusedPrices(ex: Executor, page: { limit: number; offset: number }) {
  const items = await rows<RefusedPrice>(
    ex,
    sql`
    select l.id as listing_id, l.external_id, p.id as product_id, p.sku, p.name, a.id as account_id, a.name as account, a.channel,
           lp.refusal, iso(lp.refused_at) as refused_at
      from listing_prices lp
      join listings l on l.id = lp.listing_id
      join products p on p.id = l.product_id
      join channel_accounts a on a.id = lp.account_id
     where lp.refusal is not null and l.match_state = 'matched'
     order by lp.refused_at desc, l.id limit ${page.limit} offset ${page.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(
    ex,
    sql`
    select count(*)::int as total from listing_prices lp
      join listings l on l.id = lp.listing_id
      join products p on p.id = l.product_id
      join channel_accounts a on a.id = lp.account_id
     where lp.refusal is not null and l.match_state = 'matched'`,
  );
  return { items, total, limit: page.limit, offset: page.offset };
}
