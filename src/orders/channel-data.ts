import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor } from '../db/database.ts';

/**
 * Buyouts, returns, reviews and claims as channels report them. Each is unique per
 * (channel, account, external id): a replayed page updates in place and never adds a row,
 * and the result says which rows are new so the event detector can tell.
 */

const isoDate = z.string().datetime({ offset: true });
const base = {
  accountId: z.number().int().positive().nullable(),
  channel: z.string().min(1).max(50),
  externalId: z.string().trim().min(1).max(200),
  productId: z.number().int().positive().nullish(),
  sku: z.string().max(200).nullish(),
  raw: z.unknown().optional(),
};

export const saleInput = z.object({
  ...base,
  orderExternalId: z.string().max(200).nullish(),
  kind: z.enum(['buyout', 'return']),
  quantity: z.number().int().min(1).max(1_000_000).default(1),
  amountMinor: z.number().int(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('RUB'),
  warehouseName: z.string().max(300).nullish(),
  soldAt: isoDate,
});
export const reviewInput = z.object({
  ...base,
  productName: z.string().max(500).nullish(),
  rating: z.number().int().min(1).max(5),
  text: z.string().max(10_000).nullish(),
  author: z.string().max(300).nullish(),
  answered: z.boolean().default(false),
  reviewedAt: isoDate,
});
export const claimInput = z.object({
  ...base,
  orderExternalId: z.string().max(200).nullish(),
  status: z.string().min(1).max(100),
  reason: z.string().max(5000).nullish(),
  claimedAt: isoDate,
});

export type SaleInput = z.input<typeof saleInput>;
export type ReviewInput = z.input<typeof reviewInput>;
export type ClaimInput = z.input<typeof claimInput>;

export interface UpsertResult {
  externalId: string;
  id: number;
  created: boolean;
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

// `xmax = 0` is true only for a freshly inserted row: it tells new rows from updated ones in one statement.
export async function upsertSales(ex: Executor, inputs: SaleInput[]): Promise<UpsertResult[]> {
  return upsertEach(
    ex,
    inputs.map((i) => saleInput.parse(i)),
    (s) => sql`
    insert into sales (account_id, channel, external_id, order_external_id, kind, product_id, sku, quantity,
                       amount_minor, currency, warehouse_name, sold_at, raw)
    values (${s.accountId}, ${s.channel}, ${s.externalId}, ${s.orderExternalId ?? null}, ${s.kind}, ${s.productId ?? null},
            ${s.sku ?? null}, ${s.quantity}, ${s.amountMinor}, ${s.currency}, ${s.warehouseName ?? null}, ${s.soldAt},
            ${json(s.raw)}::jsonb)
    on conflict (channel, coalesce(account_id, 0), external_id) do update
       set kind = excluded.kind, amount_minor = excluded.amount_minor, quantity = excluded.quantity,
           product_id = coalesce(excluded.product_id, sales.product_id), raw = coalesce(excluded.raw, sales.raw)
    returning id, (xmax = 0) as created`,
  );
}

export async function upsertReviews(ex: Executor, inputs: ReviewInput[]): Promise<UpsertResult[]> {
  return upsertEach(
    ex,
    inputs.map((i) => reviewInput.parse(i)),
    (r) => sql`
    insert into reviews (account_id, channel, external_id, product_id, sku, product_name, rating, text, author, answered,
                         reviewed_at, raw)
    values (${r.accountId}, ${r.channel}, ${r.externalId}, ${r.productId ?? null}, ${r.sku ?? null}, ${r.productName ?? null},
            ${r.rating}, ${r.text ?? null}, ${r.author ?? null}, ${r.answered}, ${r.reviewedAt}, ${json(r.raw)}::jsonb)
    on conflict (channel, coalesce(account_id, 0), external_id) do update
       set rating = excluded.rating, text = excluded.text, answered = excluded.answered,
           product_id = coalesce(excluded.product_id, reviews.product_id)
    returning id, (xmax = 0) as created`,
  );
}

export async function upsertClaims(ex: Executor, inputs: ClaimInput[]): Promise<UpsertResult[]> {
  return upsertEach(
    ex,
    inputs.map((i) => claimInput.parse(i)),
    (c) => sql`
    insert into claims (account_id, channel, external_id, order_external_id, product_id, sku, status, reason, claimed_at, raw)
    values (${c.accountId}, ${c.channel}, ${c.externalId}, ${c.orderExternalId ?? null}, ${c.productId ?? null},
            ${c.sku ?? null}, ${c.status}, ${c.reason ?? null}, ${c.claimedAt}, ${json(c.raw)}::jsonb)
    on conflict (channel, coalesce(account_id, 0), external_id) do update
       set status = excluded.status, reason = excluded.reason, updated_at = now()
    returning id, (xmax = 0) as created`,
  );
}

/** Runs one upsert per row (each `returning id, created`), so a caller learns which rows are new. */
async function upsertEach<T extends { externalId: string }>(
  ex: Executor,
  inputs: T[],
  upsert: (input: T) => SQL,
): Promise<UpsertResult[]> {
  const results: UpsertResult[] = [];
  for (const input of inputs) {
    const [row] = await rows<{ id: number; created: boolean }>(ex, upsert(input));
    results.push({ externalId: input.externalId, id: row.id, created: row.created });
  }
  return results;
}
