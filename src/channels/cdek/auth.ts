import crypto from 'node:crypto';
import { ChannelHttpError, type ConnectorContext, type HttpRequest, type HttpResponse } from '../core/connector.ts';
import { describeIssues, refusalText, tokenAnswer } from './types.ts';

/**
 * CDEK's client-credentials token (CONTRACT.md §1): the integration's Account and Secure
 * password buy a token that lives an hour (§9: cache it, renew on 401). It is kept in the
 * account's connector state until shortly before it expires, so every worker shares it. A 401
 * renews it once and tries again; a second 401, or a refusal of the keys themselves, is a
 * refusal of the credentials (cdekRefusal, the module's rejectedCredentials).
 */

const TOKEN_PATH = '/v2/oauth/token';

interface TokenState {
  accessToken?: string;
  /** ms since epoch, already short of the real expiry. */
  accessTokenExpiresAt?: number;
  /** Which keys and host the token was given for: new credentials start afresh. */
  grant?: string;
}

const grantOf = (ctx: ConnectorContext) =>
  crypto
    .createHash('sha256')
    .update(
      `${ctx.account.baseUrl}\u0000${ctx.account.credentials.clientId}\u0000${ctx.account.credentials.clientSecret}`,
    )
    .digest('hex')
    .slice(0, 16);

/** Asks CDEK for a new token and keeps it; answers it and its scope. */
export async function requestToken(ctx: ConnectorContext): Promise<{ token: string; scope: string | null }> {
  const { clientId, clientSecret } = ctx.account.credentials;
  // Form-encoded in the body (§1 allows the query string too, where the secret would reach logs).
  const res = await ctx.http.request({
    method: 'POST',
    path: TOKEN_PATH,
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    secrets: [clientSecret],
  });
  const parsed = tokenAnswer.safeParse(res.body);
  if (!parsed.success)
    throw new Error(`CDEK answered ${TOKEN_PATH} in an unexpected shape: ${describeIssues(parsed.error)}`);
  const lifetimeMs = parsed.data.expires_in * 1000;
  // Renewed a minute early (a tenth early for a short-lived one), so no call goes out with a token about to lapse.
  const state: TokenState = {
    accessToken: parsed.data.access_token,
    accessTokenExpiresAt: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10),
    grant: grantOf(ctx),
  };
  await ctx.saveState({ ...((await ctx.loadState()) ?? {}), ...state });
  return { token: parsed.data.access_token, scope: parsed.data.scope ?? null };
}

/** Renewals in flight per account and keys: requests of one process that all meet a 401 renew once. */
const renewing = new Map<string, Promise<string>>();

function renewToken(ctx: ConnectorContext): Promise<string> {
  const key = `${ctx.account.id}:${grantOf(ctx)}`;
  let pending = renewing.get(key);
  if (!pending) {
    pending = requestToken(ctx)
      .then((t) => t.token)
      .finally(() => renewing.delete(key));
    renewing.set(key, pending);
  }
  return pending;
}

async function keptToken(ctx: ConnectorContext, except?: string): Promise<string | null> {
  const state = await ctx.loadState<TokenState>();
  const live = state?.accessToken && state.grant === grantOf(ctx) && (state.accessTokenExpiresAt ?? 0) > Date.now();
  return live && state.accessToken !== except ? state.accessToken! : null;
}

/**
 * One call to the API with the bearer token. A 401 gets one other token (one another request
 * already renewed, or a renewal) and one more try; a second 401 fails the call, and cdekRefusal
 * reads it as refused credentials. CDEK's refusals keep its own words in the error.
 */
export async function cdekRequest<T = unknown>(ctx: ConnectorContext, req: HttpRequest): Promise<HttpResponse<T>> {
  const send = (token: string, accept: number[]) =>
    ctx.http.request<T>({
      ...req,
      headers: { ...req.headers, authorization: `Bearer ${token}` },
      accept,
      secrets: [...(req.secrets ?? []), token],
    });
  try {
    const used = (await keptToken(ctx)) ?? (await renewToken(ctx));
    const res = await send(used, [...(req.accept ?? []), 401]);
    if (res.status !== 401) return res;
    return await send((await keptToken(ctx, used)) ?? (await renewToken(ctx)), req.accept ?? []);
  } catch (error) {
    const words = error instanceof ChannelHttpError ? refusalText(error.body) : null;
    if (!words || !(error instanceof ChannelHttpError)) throw error;
    throw new ChannelHttpError(
      `${error.message}: ${words}`,
      error.status,
      error.retryable,
      error.body,
      error.retryAfterMs,
    );
  }
}

/**
 * Which failed answers mean CDEK refused the credentials: the token endpoint's 400 or 401 (a
 * wrong Account or Secure password), and an API call's 401 after a renewal (cdekRequest retries
 * the first itself). A 403 is not: CDEK answers it for an entity of another client (§8).
 */
export function cdekRefusal(error: ChannelHttpError, request: HttpRequest): string | null {
  const words = refusalText(error.body) ?? 'no reason given';
  if (request.path === TOKEN_PATH) {
    if (error.status !== 400 && error.status !== 401) return null;
    return `CDEK refused the Account or Secure password (HTTP ${error.status}: ${words})`;
  }
  return error.status === 401 ? `CDEK refused a freshly issued token (HTTP 401: ${words})` : null;
}
