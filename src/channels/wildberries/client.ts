import { z } from 'zod';
import type { ConnectorAccount, ConnectorContext, HttpRequest } from '../core/connector.ts';
import { orderWarehouseSetting, type GroupLimit } from '../core/module.ts';

/**
 * How Sklad calls Wildberries. WB serves its API from several hosts, one per family
 * (docs/decisions/071-wildberries-hosts.md): on production each family goes to its own
 * host; an account whose base URL is not a wildberries.ru host (a simulator) sends every
 * family there; `settings.hosts` overrides single families (a sandbox host, say).
 */

export const families = ['common', 'statistics', 'marketplace', 'content', 'feedbacks', 'returns', 'prices'] as const;
export type WbFamily = (typeof families)[number];

const productionHosts: Record<WbFamily, string> = {
  common: 'https://common-api.wildberries.ru',
  statistics: 'https://statistics-api.wildberries.ru',
  marketplace: 'https://marketplace-api.wildberries.ru',
  content: 'https://content-api.wildberries.ru',
  feedbacks: 'https://feedbacks-api.wildberries.ru',
  returns: 'https://returns-api.wildberries.ru',
  prices: 'https://discounts-prices-api.wildberries.ru',
};

export const wbSettings = z.object({
  /** The seller's FBS warehouse quantities are pushed to (GET /api/v3/warehouses lists them); the first one when not set. */
  fbsWarehouseId: z.number().int().positive().optional(),
  /** Where FBS orders are written off from: core's setting (orderWarehouse). */
  stockWarehouseId: orderWarehouseSetting,
  /** How far back the first sync reaches (the seed: one month). */
  firstSyncDays: z.number().int().min(1).max(90).default(30),
  /** Rows WB puts in one statistics answer at most; a shorter answer is the last page. */
  reportPageRows: z.number().int().min(1).default(80_000),
  hosts: z.record(z.enum(families), z.string().url()).optional(),
});
export type WbSettings = z.infer<typeof wbSettings>;

export const settingsOf = (account: ConnectorAccount): WbSettings => wbSettings.parse(account.settings ?? {});

export function hostFor(account: ConnectorAccount, family: WbFamily): string {
  const override = settingsOf(account).hosts?.[family];
  if (override) return override.replace(/\/+$/, '');
  return /(^|\.)wildberries\.ru$/i.test(new URL(account.baseUrl).hostname)
    ? productionHosts[family]
    : account.baseUrl.replace(/\/+$/, '');
}

/** WB's documented limits per method group (the specs' "Лимит запросов" tables): the module's limit groups. */
export const wbLimitGroups: Record<string, GroupLimit> = {
  'statistics:orders': { intervalMs: 60_000, burst: 1 },
  'statistics:sales': { intervalMs: 60_000, burst: 1 },
  'statistics:stocks': { intervalMs: 60_000, burst: 1 },
  orders: { intervalMs: 200, burst: 20 },
  stocks: { intervalMs: 200, burst: 20 },
  content: { intervalMs: 600, burst: 5 },
  // Prices and discounts: 10 requests in 6 s (600 ms, burst 5) for the whole category.
  prices: { intervalMs: 600, burst: 5 },
  feedbacks: { intervalMs: 333, burst: 6 },
  claims: { intervalMs: 3_000, burst: 10 },
  ping: { intervalMs: 10_000, burst: 3 },
};

export interface WbRequest extends Omit<HttpRequest, 'path'> {
  family: WbFamily;
  path: string;
  /** The limit group the request counts against (wbLimitGroups). */
  group: string;
}

/**
 * One call in its limit group: core takes the group's token from PostgreSQL (shared by every
 * process), reads WB's X-Ratelimit-* answer into it, and turns a 401 into CredentialsRejected
 * (the module's rejectedCredentials). A 429 of one group (WB answers it with X-Ratelimit-Retry)
 * delays that group, not the account's other requests.
 */
export async function wbCall<T extends z.ZodType>(
  ctx: ConnectorContext,
  req: WbRequest,
  schema: T,
): Promise<{ status: number; body: z.infer<T> }> {
  const token = ctx.account.credentials.token;
  const { family, group, ...rest } = req;
  const res = await ctx.http.request({
    ...rest,
    path: hostFor(ctx.account, family) + req.path,
    headers: { Authorization: token },
    secrets: [token],
    limitGroup: group,
  });
  if (res.status === 204) return { status: res.status, body: undefined as z.infer<T> };
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(the answer)'}: ${i.message}`)
      .join('; ');
    throw new Error(`${req.method ?? 'GET'} ${req.path} answered a shape Sklad cannot read: ${issues}`);
  }
  return { status: res.status, body: parsed.data };
}

export function wbMessage(body: unknown): string {
  const b = body as { detail?: unknown; title?: unknown; message?: unknown } | null;
  const text = b?.detail ?? b?.message ?? b?.title;
  return typeof text === 'string' && text ? `: ${text}` : '';
}
