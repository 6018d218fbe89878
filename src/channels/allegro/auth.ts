import crypto from 'node:crypto';
import type { ChannelHttpError, ConnectorContext, HttpRequest, HttpResponse } from '../core/connector.ts';
import { ALLEGRO_MEDIA_TYPE, tokenAnswer } from './types.ts';

/**
 * Allegro's OAuth (device/authorization-code flow done once by the seller; Sklad keeps the
 * refresh token): access tokens live 12 hours, are refreshed with
 * `POST /auth/oauth/token?grant_type=refresh_token` and Basic client auth, and the newest
 * refresh token is kept in the account's connector state. A 401 refreshes once; a refused
 * refresh token (400 invalid_grant) means the seller must connect the account again. The
 * core HTTP client turns those refusals into rejected credentials (allegroRefusal).
 */

export interface AllegroState {
  accessToken?: string;
  /** ms since epoch; refreshed a minute early. */
  accessTokenExpiresAt?: number;
  /** The newest refresh token Allegro gave; the credentials' one until the first refresh. */
  refreshToken?: string;
  /** Which credentials' refresh token the one above descends from: new credentials start afresh. */
  grant?: string;
  /** The id of the last order event handled: GET /order/events?from=… continues after it. */
  eventCursor?: string;
}

/** The token endpoint: on Allegro's own host (allegro.pl), not the API's; a simulator serves both. */
export function tokenUrl(ctx: ConnectorContext): string {
  const override = ctx.account.settings.tokenUrl;
  if (typeof override === 'string' && override) return override;
  const base = new URL(ctx.account.baseUrl);
  if (base.hostname.startsWith('api.allegro.pl')) return `${base.protocol}//${base.hostname.slice(4)}/auth/oauth/token`;
  return `${ctx.account.baseUrl.replace(/\/+$/, '')}/auth/oauth/token`;
}

/** Reads the state fresh and writes it back merged, so the order loop's cursor and a push's token never overwrite each other. */
export async function updateState(ctx: ConnectorContext, patch: Partial<AllegroState>): Promise<void> {
  const current = (await ctx.loadState<AllegroState>()) ?? {};
  await ctx.saveState({ ...current, ...patch });
}

/** Refreshes in flight per account: workers of one process that all see a 401 refresh once. */
const refreshing = new Map<number, Promise<string>>();

function refreshAccessToken(ctx: ConnectorContext): Promise<string> {
  let pending = refreshing.get(ctx.account.id);
  if (!pending) {
    pending = requestAccessToken(ctx).finally(() => refreshing.delete(ctx.account.id));
    refreshing.set(ctx.account.id, pending);
  }
  return pending;
}

async function requestAccessToken(ctx: ConnectorContext): Promise<string> {
  const state = (await ctx.loadState<AllegroState>()) ?? {};
  const { clientId, clientSecret } = ctx.account.credentials;
  const grant = grantOf(ctx);
  const refreshToken = (state.grant === grant && state.refreshToken) || ctx.account.credentials.refreshToken;
  // A refusal (400, 401) fails the request, and allegroRefusal says why.
  const res = await ctx.http.request({
    method: 'POST',
    path: tokenUrl(ctx),
    query: { grant_type: 'refresh_token', refresh_token: refreshToken },
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    secrets: [refreshToken, clientSecret],
  });
  const token = tokenAnswer.parse(res.body);
  await updateState(ctx, {
    accessToken: token.access_token,
    accessTokenExpiresAt: Date.now() + token.expires_in * 1000 - 60_000,
    refreshToken: token.refresh_token ?? refreshToken,
    grant,
  });
  return token.access_token;
}

const grantOf = (ctx: ConnectorContext) =>
  crypto
    .createHash('sha256')
    .update(ctx.account.credentials.refreshToken ?? '')
    .digest('hex')
    .slice(0, 16);

async function currentAccessToken(ctx: ConnectorContext): Promise<string> {
  const state = await ctx.loadState<AllegroState>();
  if (state?.accessToken && state.grant === grantOf(ctx) && (state.accessTokenExpiresAt ?? 0) > Date.now())
    return state.accessToken;
  return refreshAccessToken(ctx);
}

/**
 * The token to try after `used` got a 401: one that another request (or worker) already got
 * in the meantime, else a refresh (shared with every request of the account in flight), so
 * many requests meeting the same expired token refresh it once.
 */
async function tokenAfter401(ctx: ConnectorContext, used: string): Promise<string> {
  const pending = refreshing.get(ctx.account.id);
  if (pending) return pending;
  const state = await ctx.loadState<AllegroState>();
  if (
    state?.accessToken &&
    state.accessToken !== used &&
    state.grant === grantOf(ctx) &&
    (state.accessTokenExpiresAt ?? 0) > Date.now()
  )
    return state.accessToken;
  return refreshAccessToken(ctx);
}

/**
 * One call to the Allegro API with the bearer token and Allegro's media type. A 401 refreshes
 * the token and tries once more; a second 401 fails the call, and allegroRefusal reads it as
 * the grant being gone.
 */
export async function allegroRequest<T = unknown>(ctx: ConnectorContext, req: HttpRequest): Promise<HttpResponse<T>> {
  const send = (token: string, accept: number[]) =>
    ctx.http.request<T>({
      ...req,
      headers: {
        ...req.headers,
        authorization: `Bearer ${token}`,
        accept: ALLEGRO_MEDIA_TYPE,
        ...(req.body !== undefined ? { 'content-type': ALLEGRO_MEDIA_TYPE } : {}),
      },
      // A string body is sent as it is, under Allegro's content type rather than application/json.
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      accept,
      secrets: [...(req.secrets ?? []), token],
    });
  const used = await currentAccessToken(ctx);
  const res = await send(used, [...(req.accept ?? []), 401]);
  if (res.status !== 401) return res;
  return send(await tokenAfter401(ctx, used), req.accept ?? []);
}

const isTokenRequest = (request: HttpRequest) => request.query?.grant_type === 'refresh_token';

/**
 * Which failed answers mean Allegro refused the credentials (the module's rejectedCredentials):
 * the token endpoint's 401 (client id or secret) and 400 (invalid_grant: the refresh token),
 * and an API call's 401 after a refresh (allegroRequest retries the first one itself). A 403
 * is not: Allegro answers it for one resource the grant may not touch (another seller's
 * offer), and the account's other calls go on.
 */
export function allegroRefusal(error: ChannelHttpError, request: HttpRequest): string | null {
  if (isTokenRequest(request)) {
    if (error.status !== 400 && error.status !== 401) return null;
    const body = (error.body ?? {}) as { error?: unknown };
    const reason = typeof body.error === 'string' ? body.error : `HTTP ${error.status}`;
    return `Allegro refused the ${error.status === 401 ? 'client id or secret' : 'refresh token'} (${reason}): connect the account again`;
  }
  return error.status === 401 ? 'Allegro refused a freshly refreshed access token: connect the account again' : null;
}
