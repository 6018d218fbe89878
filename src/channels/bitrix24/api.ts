import { z } from 'zod';
import { ChannelHttpError, type ConnectorAccount, type ConnectorContext, type HttpRequest } from '../core/connector.ts';
import type { GroupLimit } from '../core/module.ts';

/**
 * How Sklad calls Bitrix24 (../shared/specs/bitrix24/CONTRACT.md): every method is a JSON POST
 * to the incoming webhook `https://<portal>/rest/<user_id>/<code>/<method>` (§1); errors are
 * `{error, error_description}` (§7); a batch packs up to 50 calls whose parameters are query
 * strings (§6).
 */

/**
 * §8: the leaky bucket of every plan but Enterprise drains 2 requests a second and holds 50; a
 * batch is one request. Sklad's bucket holds two less: the portal counts a request when it
 * arrives, and requests paced apart here may arrive bunched (the first on a new connection late).
 */
export const BUCKET = { perSecond: 2, burst: 48 };
export const bitrixLimitGroups = {
  portal: { intervalMs: 1000 / BUCKET.perSecond, burst: BUCKET.burst },
} satisfies Record<string, GroupLimit>;

/** §6: sub-requests in one batch at most. */
export const MAX_BATCH = 50;

/** There is no one production host: each portal has its own. This default stands for "the portal of the webhook URL". */
export const WEBHOOK_PORTAL = 'https://bitrix24.ru';

/** `https://<portal>[/<prefix>]/rest/<user_id>/<code>/`, optionally with a method after it (a URL copied with its example call). */
const WEBHOOK_URL = /^(https?:\/\/[^/?#\s]+(?:\/[^?#\s]*?)?)\/rest\/(\d+)\/([A-Za-z0-9_-]{6,64})(?:\/[a-z0-9_.]*)?\/?$/;

interface Webhook {
  /** The portal's origin (and a path prefix of a self-hosted portal, if any). */
  portal: string;
  userId: string;
  code: string;
}

function parseWebhook(url: string): Webhook | null {
  const m = WEBHOOK_URL.exec(url.trim());
  if (!m) return null;
  const portal = new URL(m[1]);
  // §1: HTTPS is required; plain HTTP is for a simulator or a test portal on this machine only.
  if (portal.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(portal.hostname)) return null;
  return { portal: m[1], userId: m[2], code: m[3] };
}

/** The credentials: the incoming-webhook URL, kept as its base `…/rest/<user_id>/<code>/`. */
export const credentialsSchema = z.object({
  webhookUrl: z
    .string()
    .trim()
    .refine((url) => parseWebhook(url) !== null, {
      message:
        'an incoming-webhook URL looks like https://<portal>.bitrix24.ru/rest/<user id>/<code>/ (Bitrix24: Developer resources → Other → Incoming webhook)',
    })
    .transform((url) => {
      const w = parseWebhook(url)!;
      return `${w.portal}/rest/${w.userId}/${w.code}/`;
    }),
});

/**
 * The URL of a method: on the webhook's own portal, or, when the account sets a base URL of its
 * own (a simulator, a proxy), there with the webhook's `/rest/<user_id>/<code>/`.
 */
function methodUrl(account: ConnectorAccount, method: string): { url: string; code: string } {
  const webhook = parseWebhook(account.credentials.webhookUrl ?? '');
  if (!webhook) throw new Error(`Bitrix24 account ${account.id}: the webhook URL is not an incoming-webhook URL`);
  const base = account.baseUrl === WEBHOOK_PORTAL ? webhook.portal : account.baseUrl.replace(/\/+$/, '');
  return { url: `${base}/rest/${webhook.userId}/${webhook.code}/${method}`, code: webhook.code };
}

/** Why a code refuses the webhook itself (§7): the account needs a new one. */
const REFUSALS: Record<string, string> = {
  NO_AUTH_FOUND: 'the webhook code is wrong, or the webhook was deleted',
  expired_token: 'the webhook has expired',
  INVALID_CREDENTIALS: 'the webhook is not accepted, or its user lacks the rights',
  insufficient_scope: 'the webhook lacks the crm scope',
  user_access_error: 'the webhook’s user has no access to the portal',
  PORTAL_DELETED: 'the portal was deleted',
};

/**
 * Whether an error refuses the webhook, and why: every 401 and 403 (§7: a wrong or expired code,
 * a lacking scope or right, REST closed on a free plan), and 500 PORTAL_DELETED; null otherwise.
 */
export function webhookRefusal(status: number | null, body: unknown): string | null {
  const code = (body as { error?: unknown } | null)?.error;
  return status === 401 || status === 403 || code === 'PORTAL_DELETED' ? refusalText(body, status) : null;
}

/** The reason an account shows: the refusal's meaning and Bitrix24's own words. */
export function refusalText(body: unknown, status: number | null): string {
  const code = (body as { error?: unknown } | null)?.error;
  const hint = typeof code === 'string' && Object.hasOwn(REFUSALS, code) ? REFUSALS[code] : undefined;
  const words = bitrixMessage(body);
  return `Bitrix24 refused the webhook${hint ? `: ${hint}` : ''} (${status === null ? '' : `HTTP ${status} `}${words || 'no reason given'})`;
}

/** A sub-request's error code that refuses the webhook (the whole account's, not the deal's). */
export const refusesWebhook = (code: string) => Object.hasOwn(REFUSALS, code);

/** Bitrix24's words about a failed answer: `CODE: description`. */
function bitrixMessage(body: unknown): string {
  const b = body as { error?: unknown; error_description?: unknown } | null;
  if (!b || typeof b !== 'object') return '';
  const code = typeof b.error === 'string' ? b.error : '';
  const description = typeof b.error_description === 'string' ? b.error_description : '';
  return [code, description].filter(Boolean).join(': ');
}

/**
 * §8: a method over its time budget is blocked until `operating_reset_at` (unix seconds). Where an
 * answer says when, the error carries it, so the flow waits that long rather than a second.
 */
function resetAfterMs(body: unknown): number | undefined {
  const b = body as { operating_reset_at?: unknown; time?: { operating_reset_at?: unknown } } | null;
  const at = Number(b?.operating_reset_at ?? b?.time?.operating_reset_at);
  return Number.isFinite(at) && at > 0 ? Math.min(Math.max(0, at * 1000 - Date.now()), 600_000) : undefined;
}

/** Reads an answer with its schema; a shape it does not have is an error naming the field. */
function parseAnswer<T extends z.ZodType>(schema: T, body: unknown, what: string, status: number): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  throw new ChannelHttpError(
    `Bitrix24 ${what} answered in an unknown shape: ${where}: ${issue.message}`,
    status,
    false,
    body,
  );
}

/**
 * Calls one method through the shared client (paced by the portal's bucket, the code kept out of
 * api_calls) and parses its answer; a failure keeps the client's error with Bitrix24's words added.
 */
export async function bitrixCall<T extends z.ZodType>(
  ctx: ConnectorContext,
  method: string,
  params: Record<string, unknown>,
  schema: T,
  options: Pick<HttpRequest, 'attempts'> = {},
): Promise<z.infer<T>> {
  const { url, code } = methodUrl(ctx.account, method);
  try {
    const res = await ctx.http.request({
      method: 'POST',
      path: url,
      body: params,
      secrets: [code],
      limitGroup: 'portal',
      attempts: options.attempts,
    });
    return parseAnswer(schema, res.body, method, res.status);
  } catch (error) {
    if (!(error instanceof ChannelHttpError) || error.status === 200) throw error;
    const words = bitrixMessage(error.body);
    const retryAfterMs = error.status === 429 ? (resetAfterMs(error.body) ?? error.retryAfterMs) : error.retryAfterMs;
    throw new ChannelHttpError(
      words ? `${error.message} (${words})` : error.message,
      error.status,
      error.retryable,
      error.body,
      retryAfterMs,
    );
  }
}

// --- answers ----------------------------------------------------------------------------------

/** §4: numbers come back as strings ("ID": "37"); a client may see either. */
export const wireId = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

/** A list answer: rows, and `next` when more are left (§4). */
export const listAnswer = <T extends z.ZodType>(row: T) =>
  z.object({ result: z.array(row), next: z.number().int().positive().optional() });

const bitrixError = z.object({ error: z.string(), error_description: z.string() });
export type BitrixError = z.infer<typeof bitrixError>;

/** PHP arrays in a batch answer: `[]` when empty, else keyed by the sub-request's id (§6). */
const keyed = <T extends z.ZodType>(value: T) =>
  z
    .union([z.record(z.string(), value), z.array(value).max(0)])
    .transform((v): Record<string, z.infer<T>> => (Array.isArray(v) ? {} : v));

export const batchAnswer = z.object({
  result: z.object({ result: keyed(z.unknown()), result_error: keyed(bitrixError) }),
});

// --- batch commands -------------------------------------------------------------------------

/**
 * One sub-request as §6 wants it: `method?key=value&…`, parameters as PHP's http_build_query
 * writes them (`fields[TITLE]=…`, `select[0]=ID`), values URL-encoded so `&`, `=`, `+` and `%`
 * in a title or a comment stay theirs.
 */
export function command(method: string, params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) for (const [i, v] of value.entries()) add(`${key}[${i}]`, v);
    else if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) add(`${key}[${encodeURIComponent(k)}]`, v);
    else pairs.push(`${key}=${encodeURIComponent(String(value))}`);
  };
  for (const [k, v] of Object.entries(params)) add(encodeURIComponent(k), v);
  return pairs.length ? `${method}?${pairs.join('&')}` : method;
}
