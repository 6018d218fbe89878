import { z } from 'zod';
import type { ConnectorAccount, ConnectorContext } from '../core/connector.ts';
import { orderWarehouseSetting } from '../core/module.ts';
import { describeIssues } from './types.ts';

/**
 * How Sklad calls Kaspi (CONTRACT.md §1): JSON:API under https://kaspi.kz/shop/api/v2 with the
 * shop's `X-Auth-Token`; core turns a 401 or 403 into CredentialsRejected with the module's
 * wording (module.ts).
 */

export const kaspiSettings = z.object({
  /** The shop's merchant id (the cabinet's «ID магазина»): the price list must name it (§6). */
  merchantId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_]{1,40}$/, 'the merchant id of the Kaspi cabinet: letters and digits')
    .optional(),
  /** The pickup point (store) the price list's quantities are for: PP1, PP2 … as the cabinet names them (§6). */
  storeId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_]{1,40}$/, 'a store id as the Kaspi cabinet names it, e.g. PP1')
    .default('PP1'),
  /** Where orders are written off from: core's setting (orderWarehouse). */
  stockWarehouseId: orderWarehouseSetting,
  /** How far back orders are read on the first run, and how long an order's status is followed. */
  orderDays: z.number().int().min(1).max(60).default(14),
  /** Kaspi publishes no rate limit (§8): the account's pace when it should differ from the connector's. */
  requestsPerSecond: z.number().positive().max(50).optional(),
});
export type KaspiSettings = z.infer<typeof kaspiSettings>;

export const settingsOf = (account: Pick<ConnectorAccount, 'settings'>): KaspiSettings =>
  kaspiSettings.parse(account.settings ?? {});

/** §1: the media type of every request and answer. */
const JSON_API = 'application/vnd.api+json';

/** An answer in a shape Kaspi did not promise; its message names the field. */
export class UnexpectedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswer';
  }
}

export function parseAnswer<T extends z.ZodType>(schema: T, body: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new UnexpectedAnswer(`Kaspi answered ${where} in an unexpected shape: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function kaspiGet<T extends z.ZodType>(
  ctx: ConnectorContext,
  path: string,
  query: Record<string, string | number | undefined>,
  schema: T,
  options: { attempts?: number } = {},
): Promise<z.infer<T>> {
  const { token } = ctx.account.credentials;
  const res = await ctx.http.request({
    method: 'GET',
    path,
    query,
    headers: { 'x-auth-token': token, 'content-type': JSON_API, accept: JSON_API },
    secrets: [token],
    attempts: options.attempts,
  });
  return parseAnswer(schema, res.body, `GET ${path}`);
}

/**
 * A JSON:API document sent by POST (§5). `accept` lists the refusals the caller reads itself;
 * `attempts: 1` by default, as a status change is not repeated blindly: the caller reads the
 * order's status again on its next attempt.
 */
export async function kaspiPost(
  ctx: ConnectorContext,
  path: string,
  body: unknown,
  options: { accept?: number[]; attempts?: number } = {},
): Promise<{ status: number; body: unknown }> {
  const { token } = ctx.account.credentials;
  const res = await ctx.http.request({
    method: 'POST',
    path,
    body,
    headers: { 'x-auth-token': token, 'content-type': JSON_API, accept: JSON_API },
    secrets: [token],
    accept: options.accept,
    attempts: options.attempts ?? 1,
  });
  return { status: res.status, body: res.body };
}
