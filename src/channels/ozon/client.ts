import { z } from 'zod';
import {
  ChannelHttpError,
  CredentialsRejected,
  type ConnectorAccount,
  type ConnectorContext,
  type PushOutcome,
} from '../core/connector.ts';
import { orderWarehouseSetting, type GroupLimit } from '../core/module.ts';

/**
 * How Sklad calls Ozon: every method is a POST on api-seller.ozon.ru with `Client-Id` and
 * `Api-Key`; a 403 means the keys are wrong (Ozon answers 403 code 7 for a bad Api-Key):
 * core turns it into CredentialsRejected with the module's wording (module.ts).
 */

export const ozonSettings = z.object({
  /** The FBS warehouse Sklad pushes quantities to; the first FBS warehouse of /v1/warehouse/list when not set. */
  fbsWarehouseId: z.number().int().positive().optional(),
  /** Where FBS orders are written off from: core's setting (orderWarehouse). */
  stockWarehouseId: orderWarehouseSetting,
  /** Per-warehouse detail: /v1/analytics/stocks (default) or the seed's /v2/analytics/stock_on_warehouses. */
  warehouseDetail: z.enum(['v1', 'v2']).default('v1'),
  /** How far back the first postings import reaches. */
  postingDays: z.number().int().min(1).max(365).default(30),
  /** Page sizes (Ozon's maximum is 1000). */
  pageSize: z.number().int().min(1).max(1000).default(1000),
});
export type OzonSettings = z.infer<typeof ozonSettings>;

export const settingsOf = (account: ConnectorAccount): OzonSettings => ozonSettings.parse(account.settings ?? {});

/**
 * Method groups with a limit of their own (the module's limit groups, kept by core in
 * PostgreSQL for every process). /v2/products/stocks allows 80 calls a minute: a bucket of 5
 * refilled every 800 ms never puts more than 80 in any minute (5 + 75).
 */
export const ozonLimitGroups = { stockUpdate: { intervalMs: 800, burst: 5 } } satisfies Record<string, GroupLimit>;

export async function ozonCall<T extends z.ZodType>(
  ctx: ConnectorContext,
  path: string,
  body: unknown,
  schema: T,
  options: { attempts?: number; limitGroup?: keyof typeof ozonLimitGroups } = {},
): Promise<z.infer<T>> {
  const { clientId, apiKey } = ctx.account.credentials;
  const res = await ctx.http.request({
    method: 'POST',
    path,
    headers: { 'Client-Id': clientId, 'Api-Key': apiKey },
    body,
    secrets: [apiKey],
    attempts: options.attempts,
    limitGroup: options.limitGroup,
  });
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) throw new Error(`POST ${path} answered a shape Sklad cannot read: ${shapeIssues(parsed.error)}`);
  return parsed.data;
}

/** The first issues of an answer that did not parse, by field: "result.items.0.offer_id: expected string". */
function shapeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(the answer)'}: ${i.message}`)
    .join('; ');
}

/** Ozon's `{code, message, details}` error body, for the message a person reads. */
export function ozonMessage(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? `: ${message}` : '';
}

/**
 * A push request (stock or prices) that failed as a whole: each item failed with Ozon's words,
 * retryable unless Ozon refused the request itself. Refused keys are not an item's failure: rethrown.
 */
export function allFailed(items: readonly { listing: { listingId: number } }[], error: unknown): PushOutcome[] {
  if (error instanceof CredentialsRejected) throw error;
  const retryable = !(error instanceof ChannelHttpError) || error.retryable;
  const message =
    error instanceof ChannelHttpError ? `${error.message}${ozonMessage(error.body)}` : (error as Error).message;
  return items.map((i) => ({ listingId: i.listing.listingId, ok: false, error: message, retryable }));
}
