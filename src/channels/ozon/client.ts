import { z } from 'zod';
import { ChannelHttpError, CredentialsRejected, type ConnectorAccount, type ConnectorContext } from '../core/connector.ts';
import { pacerFor, type Pacer } from '../wildberries/pacer.ts';

/**
 * How Sklad calls Ozon: every method is a POST on api-seller.ozon.ru with `Client-Id` and
 * `Api-Key`; a 403 means the keys are wrong (Ozon answers 403 code 7 for a bad Api-Key).
 */

export const ozonSettings = z.object({
  /** The FBS warehouse Sklad pushes quantities to; the first FBS warehouse of /v1/warehouse/list when not set. */
  fbsWarehouseId: z.number().int().positive().optional(),
  /** Sklad's own warehouse FBS postings are written off from (none: postings are imported without stock moves). */
  stockWarehouseId: z.number().int().positive().optional(),
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
 * Method groups with a limit of their own. /v2/products/stocks allows 80 calls a minute: a
 * bucket of 5 refilled every 800 ms never puts more than 80 in any minute (5 + 75).
 */
export const ozonPaceLimits = { stockUpdate: { intervalMs: 800, burst: 5 } };

export const pacerOf = (ctx: ConnectorContext): Pacer => pacerFor(`ozon:${ctx.account.id}`, ozonPaceLimits);

export async function ozonCall<T extends z.ZodType>(ctx: ConnectorContext, path: string, body: unknown, schema: T, options: { attempts?: number } = {}): Promise<z.infer<T>> {
  const { clientId, apiKey } = ctx.account.credentials;
  try {
    const res = await ctx.http.request({
      method: 'POST',
      path,
      headers: { 'Client-Id': clientId, 'Api-Key': apiKey },
      body,
      secrets: [apiKey],
      attempts: options.attempts,
    });
    return schema.parse(res.body);
  } catch (error) {
    if (error instanceof ChannelHttpError && (error.status === 401 || error.status === 403)) {
      throw new CredentialsRejected(`Ozon refused the Client-Id and Api-Key (HTTP ${error.status}${ozonMessage(error.body)})`);
    }
    throw error;
  }
}

/** Ozon's `{code, message, details}` error body, for the message a person reads. */
export function ozonMessage(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? `: ${message}` : '';
}
