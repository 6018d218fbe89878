import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { ChannelHttpError, type ConnectorContext, type HttpRequest } from '../core/connector.ts';
import {
  accessTokenAnswer,
  combosAnswer,
  correlationAnswer,
  iikoErrorText,
  menusAnswer,
  nomenclatureAnswer,
  organizationsAnswer,
  paymentTypesAnswer,
  stopListsAnswer,
  terminalGroupsAnswer,
  type TerminalGroup,
} from './types.ts';

/**
 * The iiko Cloud calls Sklad makes, through the shared channel HTTP client (so each lands in
 * api_calls). iiko trades the API login for a token (`/api/1/access_token`) that lives about an
 * hour; it is kept in memory per account and fetched again when iiko answers 401 to it.
 */

export const IIKO_BASE_URL = 'https://api-ru.iiko.services';

// Tokens are valid for 60 minutes (iiko docs); renewing at 50 leaves room for clock skew.
const TOKEN_LIFETIME_MS = 50 * 60_000;
const tokens = new Map<string, { token: string; until: number }>();

/** One cache entry per account and login, so a changed login never reuses the old login's token. */
const tokenKey = (ctx: ConnectorContext) =>
  `${ctx.account.id}:${createHash('sha256')
    .update(ctx.account.baseUrl + ctx.account.credentials.apiLogin)
    .digest('hex')}`;

const TOKEN_PATH = '/api/1/access_token';

async function accessToken(ctx: ConnectorContext, fresh = false): Promise<string> {
  const key = tokenKey(ctx);
  const cached = tokens.get(key);
  if (cached && !fresh && cached.until > Date.now()) return cached.token;
  const apiLogin = ctx.account.credentials.apiLogin;
  const res = await ctx.http.request({ method: 'POST', path: TOKEN_PATH, body: { apiLogin }, secrets: [apiLogin] });
  const { token } = accessTokenAnswer.parse(res.body);
  tokens.set(key, { token, until: Date.now() + TOKEN_LIFETIME_MS });
  return token;
}

/**
 * How iiko refuses a login (the module's `rejectedCredentials`, read by the core HTTP client):
 * only the token exchange judges the API login. A 401 on any other call is an expired or
 * revoked token, which `call` renews once; a 403 there is a call the login may not make.
 */
export function iikoLoginRefusal(error: ChannelHttpError, request: HttpRequest): string | null {
  if (request.path !== TOKEN_PATH || (error.status !== 401 && error.status !== 403)) return null;
  return `iiko refused the API login (HTTP ${error.status}: ${iikoErrorText(error.body) ?? 'no reason given'})`;
}

/** Forgets an account's token (its login changed, or a test expired it). */
export function forgetIikoToken(accountId: number) {
  for (const key of tokens.keys()) if (key.startsWith(`${accountId}:`)) tokens.delete(key);
}

/** A POST with the token; a 401 (token expired or revoked) gets one new token and one more try. */
async function call<S extends z.ZodType>(
  ctx: ConnectorContext,
  path: string,
  body: unknown,
  schema: S,
): Promise<z.infer<S>> {
  for (let attempt = 1; ; attempt++) {
    const token = await accessToken(ctx, attempt > 1);
    try {
      const res = await ctx.http.request({
        method: 'POST',
        path,
        body,
        headers: { authorization: `Bearer ${token}` },
        secrets: [token],
      });
      const parsed = schema.safeParse(res.body);
      if (!parsed.success)
        throw new Error(
          `iiko answered ${path} in an unexpected shape: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      return parsed.data;
    } catch (error) {
      if (error instanceof ChannelHttpError && error.status === 401 && attempt === 1) continue;
      if (error instanceof ChannelHttpError && error.status !== null && error.status < 500) {
        throw new ChannelHttpError(
          `iiko ${path}: ${iikoErrorText(error.body) ?? error.message}`,
          error.status,
          error.retryable,
          error.body,
        );
      }
      throw error;
    }
  }
}

export const iikoApi = {
  organizations: async (ctx: ConnectorContext) =>
    (
      await call(
        ctx,
        '/api/1/organizations',
        { organizationIds: null, returnAdditionalInfo: false, includeDisabled: false },
        organizationsAnswer,
      )
    ).organizations,

  /** The whole nomenclature, or with `startRevision` only what changed since (deleted items flagged). */
  nomenclature: (ctx: ConnectorContext, organizationId: string, startRevision?: number | null) =>
    call(
      ctx,
      '/api/1/nomenclature',
      startRevision ? { organizationId, startRevision } : { organizationId },
      nomenclatureAnswer,
    ),

  stopLists: async (ctx: ConnectorContext, organizationIds: string[]) =>
    (await call(ctx, '/api/1/stop_lists', { organizationIds, returnSize: true }, stopListsAnswer))
      .terminalGroupStopLists,

  async terminalGroups(ctx: ConnectorContext, organizationIds: string[]): Promise<TerminalGroup[]> {
    const answer = await call(
      ctx,
      '/api/1/terminal_groups',
      { organizationIds, includeDisabled: false },
      terminalGroupsAnswer,
    );
    return [
      ...answer.terminalGroups.flatMap((o) => o.items.map((t) => ({ ...t, inSleep: false }))),
      ...(answer.terminalGroupsInSleep ?? []).flatMap((o) => o.items.map((t) => ({ ...t, inSleep: true }))),
    ];
  },

  paymentTypes: async (ctx: ConnectorContext, organizationIds: string[]) =>
    (await call(ctx, '/api/1/payment_types', { organizationIds }, paymentTypesAnswer)).paymentTypes,

  combos: (ctx: ConnectorContext, organizationId: string) =>
    call(ctx, '/api/1/combo', { organizationId, extraData: false }, combosAnswer),

  /** External menus and price categories: `/api/2/menu` takes no body. */
  menus: (ctx: ConnectorContext) => call(ctx, '/api/2/menu', undefined, menusAnswer),

  /** Points iiko's webhooks for one organization at `uri`; iiko sends `authToken` back in Authorization. */
  registerWebhook: (ctx: ConnectorContext, organizationId: string, uri: string, authToken: string) =>
    call(
      ctx,
      '/api/1/webhooks/update_settings',
      {
        organizationId,
        webHooksUri: uri,
        authToken,
        webHooksFilter: { stopListUpdateFilter: { updates: true }, nomenclatureUpdateFilter: { updates: true } },
      },
      correlationAnswer,
    ),
};
