import { sql } from 'drizzle-orm';
import { Agent, request as undiciRequest } from 'undici';
import { rows, type Executor } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import {
  ChannelHttpError,
  type ChannelHttp,
  type ChannelLimits,
  type Connector,
  type ConnectorAccount,
  type HttpRequest,
  type HttpResponse,
} from './connector.ts';

/**
 * The one HTTP client every connector talks through (docs/decisions/040): undici with
 * keep-alive, a timeout per request, retries with exponential back-off and full jitter on
 * 429/5xx/network errors (Retry-After, or WB's X-Ratelimit-Retry, honoured), a token
 * bucket per account kept in PostgreSQL so every worker in every process together keeps the channel's rate, a cap on
 * requests in flight per account (per process), and one `api_calls` row per request with
 * secrets cut out.
 */

export interface ChannelHttpOptions {
  syncRunId?: number | null;
  signal?: AbortSignal;
  /** Default timeout of one attempt. */
  timeoutMs?: number;
  /** Base of the exponential back-off; the n-th retry waits up to base·2ⁿ (capped), at random. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_ATTEMPTS = 5;
const MAX_LOGGED_BODY = 2_000;

// One connection pool for all channels; undici keeps sockets alive per origin.
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

export function limitsOf(connector: Connector, account: ConnectorAccount): ChannelLimits {
  return connector.limitsFor?.(account) ?? connector.limits;
}

export function createChannelHttp(hub: Hub, account: ConnectorAccount, connector: Connector, options: ChannelHttpOptions = {}): ChannelHttp {
  const limits = limitsOf(connector, account);
  const accountSecrets = collectSecrets(account.credentials);
  const backoffBase = options.backoffBaseMs ?? 200;
  const backoffMax = options.backoffMaxMs ?? 10_000;

  return {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const secrets = [...accountSecrets, ...collectSecrets(req.secrets ?? []), ...secretHeaderValues(req.headers, connector.secretHeaders)];
      const url = buildUrl(account.baseUrl, req.path, req.query);
      const shownUrl = redactUrl(url, secrets);
      const { body, contentType } = encodeBody(req.body);
      const headers: Record<string, string> = { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}), ...req.headers };
      const attempts = Math.max(1, req.attempts ?? DEFAULT_ATTEMPTS);
      let lastError: ChannelHttpError | undefined;

      for (let attempt = 1; attempt <= attempts; attempt++) {
        options.signal?.throwIfAborted();
        const release = await acquireSlot(account.id, limits.maxConcurrent);
        let outcome: Attempt;
        try {
          await takeToken(hub.db, account.id, limits, options.signal);
          outcome = await send(url, req.method, headers, body, req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.signal);
        } finally {
          release();
        }
        const error = outcome.error
          ? redact(outcome.error, secrets)
          : outcome.status !== undefined && !isAnswer(outcome.status, req.accept)
            ? redact(`HTTP ${outcome.status}${serviceMessage(outcome.parsed)}`, secrets)
            : null;
        await recordApiCall(hub.db, {
          accountId: account.id, syncRunId: options.syncRunId ?? null, method: req.method, url: shownUrl,
          status: outcome.status ?? null, durationMs: outcome.ms, requestBytes: body ? Buffer.byteLength(body) : 0,
          responseBytes: outcome.bytes, error,
        });
        hub.logger.debug({ accountId: account.id, method: req.method, url: shownUrl, status: outcome.status, ms: outcome.ms, attempt, error }, 'channel request');

        if (outcome.status !== undefined && isAnswer(outcome.status, req.accept)) {
          if (!outcome.error) return { status: outcome.status, headers: outcome.headers!, body: outcome.parsed as T };
        }
        const status = outcome.status ?? null;
        const retryable = status === null || status === 429 || status >= 500 || (!!outcome.error && isAnswer(status, req.accept));
        const retryAfterMs = retryAfterOf(outcome.headers);
        lastError = new ChannelHttpError(
          `${req.method} ${shownUrl} failed: ${error ?? 'no answer'}`,
          status,
          retryable,
          typeof outcome.parsed === 'string' ? redact(outcome.parsed.slice(0, MAX_LOGGED_BODY), secrets) : outcome.parsed,
          retryAfterMs ?? (status === 429 ? 1_000 : undefined),
        );
        if (!retryable || attempt === attempts) break;

        let waitMs = Math.random() * Math.min(backoffMax, backoffBase * 2 ** (attempt - 1));
        if (status === 429 || retryAfterMs !== null) {
          const pause = retryAfterMs ?? 1_000;
          waitMs = Math.max(waitMs, pause);
          // The service told us to slow down: every worker of this account pauses, not only this one,
          // unless the limit was one group's (WB statistics: a minute) and the account's other requests may go on.
          if (status === 429 && !req.limitGroup) await pauseBucket(hub.db, account.id, limits, pause);
        }
        await sleep(waitMs, options.signal);
      }
      throw lastError!;
    },
  };
}

interface Attempt {
  status?: number;
  headers?: Headers;
  parsed?: unknown;
  bytes: number;
  ms: number;
  error?: string;
}

async function send(url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await undiciRequest(url, {
      method: method as 'GET',
      headers,
      body,
      dispatcher: agent,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    const responseHeaders = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const attempt: Attempt = { status: res.statusCode, headers: responseHeaders, bytes: Buffer.byteLength(text), ms: Math.round(performance.now() - started) };
    const looksJson = /json/i.test(responseHeaders.get('content-type') ?? '') || /^\s*[[{]/.test(text);
    if (text && looksJson) {
      try {
        attempt.parsed = JSON.parse(text);
      } catch {
        attempt.parsed = text.slice(0, MAX_LOGGED_BODY);
        attempt.error = 'the answer is not valid JSON';
      }
    } else {
      attempt.parsed = text;
    }
    return attempt;
  } catch (error) {
    signal?.throwIfAborted();
    const ms = Math.round(performance.now() - started);
    const timedOut = timeout.aborted || /timeout/i.test((error as Error).name ?? '') || /timeout/i.test((error as Error).message);
    return { bytes: 0, ms, error: timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${(error as Error).message}` };
  }
}

/** The service's own words about a failure, when its error body has a message. */
function serviceMessage(body: unknown): string {
  if (!body) return '';
  if (typeof body === 'string') return `: ${body.slice(0, 300)}`;
  const b = body as { message?: unknown; error?: unknown; errors?: unknown };
  const message = b.message ?? (typeof b.error === 'object' && b.error ? (b.error as { message?: unknown }).message : b.error) ?? b.errors;
  if (message === undefined || message === null) return '';
  return `: ${(typeof message === 'string' ? message : JSON.stringify(message)).slice(0, 300)}`;
}

const isAnswer = (status: number | null | undefined, accept?: number[]) =>
  status !== null && status !== undefined && ((status >= 200 && status < 300) || !!accept?.includes(status));

// --- rate limit: a token bucket per account in the database ---------------------------------

const ensuredBuckets = new Map<number, string>();

async function ensureBucket(db: Executor, accountId: number, limits: ChannelLimits) {
  const shape = `${limits.burst}:${limits.requestsPerSecond}`;
  if (ensuredBuckets.get(accountId) === shape) return;
  await db.execute(sql`
    insert into rate_buckets (account_id, tokens, capacity, refill_per_second)
    values (${accountId}, ${limits.burst}, ${limits.burst}, ${limits.requestsPerSecond})
    on conflict (account_id) do update set capacity = excluded.capacity, refill_per_second = excluded.refill_per_second
     where rate_buckets.capacity <> excluded.capacity or rate_buckets.refill_per_second <> excluded.refill_per_second`);
  ensuredBuckets.set(accountId, shape);
}

/**
 * Takes one token in one statement, shared by all processes. The bucket may go below zero:
 * the caller has then reserved a later slot and waits −tokens ÷ rate seconds for it, so
 * callers are served in the order they asked and never spin on the row.
 */
export async function takeToken(db: Executor, accountId: number, limits: ChannelLimits, signal?: AbortSignal): Promise<void> {
  await ensureBucket(db, accountId, limits);
  const [bucket] = await rows<{ tokens: number; refill_per_second: number }>(db, sql`
    update rate_buckets b
       set tokens = least(b.capacity, b.tokens + extract(epoch from (n.t - b.updated_at)) * b.refill_per_second) - 1,
           updated_at = n.t
      from (select clock_timestamp() as t) n
     where b.account_id = ${accountId}
    returning b.tokens, b.refill_per_second`);
  if (!bucket) {
    ensuredBuckets.delete(accountId);
    return;
  }
  if (bucket.tokens < 0) {
    const ms = (-bucket.tokens / bucket.refill_per_second) * 1000;
    bucketWaits.set(accountId, (bucketWaits.get(accountId) ?? 0) + ms);
    await sleep(ms, signal);
  }
}

/** Milliseconds this process's requests waited on an account's bucket (benchmarks tell rate-limit waits from work). */
const bucketWaits = new Map<number, number>();
export const bucketWaitMs = (accountId: number) => bucketWaits.get(accountId) ?? 0;

/** After a 429 the bucket is emptied for the Retry-After time, so no worker sends in the meantime. */
async function pauseBucket(db: Executor, accountId: number, limits: ChannelLimits, pauseMs: number) {
  await db.execute(sql`
    update rate_buckets set tokens = least(tokens, ${-(pauseMs / 1000) * limits.requestsPerSecond})
     where account_id = ${accountId}`);
}

// --- a cap on requests in flight per account (per process; docs/decisions/040) -------------

const slots = new Map<number, { free: number; waiting: (() => void)[] }>();

async function acquireSlot(accountId: number, max: number): Promise<() => void> {
  let slot = slots.get(accountId);
  if (!slot) slots.set(accountId, (slot = { free: Math.max(1, max), waiting: [] }));
  if (slot.free > 0) slot.free--;
  else await new Promise<void>((resolve) => slot!.waiting.push(resolve));
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = slot!.waiting.shift();
    if (next) next();
    else slot!.free++;
  };
}

// --- api_calls ------------------------------------------------------------------------------

export interface ApiCall {
  accountId: number | null;
  syncRunId: number | null;
  method: string;
  url: string;
  status: number | null;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
  error: string | null;
}

async function recordApiCall(db: Executor, call: ApiCall) {
  await db.execute(sql`
    insert into api_calls (account_id, sync_run_id, method, url, status, duration_ms, request_bytes, response_bytes, error)
    values (${call.accountId}, ${call.syncRunId}, ${call.method}, ${call.url}, ${call.status}, ${call.durationMs},
            ${call.requestBytes}, ${call.responseBytes}, ${call.error})`);
}

// --- secrets --------------------------------------------------------------------------------

/** Query parameters whose values are secrets by their name alone. */
const SECRET_PARAMS = /^(api[-_]?key|apikey|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|client[-_]?secret|secret|password|passwd|signature|sig|sign|auth|session)$/i;
const SECRET_HEADERS = /^(authorization|api-key|x-api-key|x-api-secret-key|client-secret|cookie|x-access-token)$/i;

/** Secret values worth searching for: short ones (an id like "1") would cut random digits. */
function collectSecrets(values: Record<string, string> | string[]): string[] {
  const list = Array.isArray(values) ? values : Object.values(values);
  return list.map(String).filter((v) => v.length >= 6);
}

function secretHeaderValues(headers: Record<string, string> | undefined, named: string[] = []): string[] {
  if (!headers) return [];
  const extra = new Set(named.map((n) => n.toLowerCase()));
  const values: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (!SECRET_HEADERS.test(k) && !extra.has(k.toLowerCase())) continue;
    values.push(v);
    const bare = v.replace(/^(Bearer|Basic|Token)\s+/i, '');
    if (bare !== v) values.push(bare);
  }
  return collectSecrets(values);
}

/** Replaces each secret value (also URL-encoded) with ***. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    for (const form of new Set([s, encodeURIComponent(s), new URLSearchParams({ x: s }).toString().slice(2)])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}

/** The URL as it may be stored: secret-named query values and known secret values cut. */
export function redactUrl(url: string, secrets: string[] = []): string {
  let shown = url;
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    for (const key of [...u.searchParams.keys()]) {
      if (SECRET_PARAMS.test(key)) u.searchParams.set(key, '***');
    }
    shown = u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    /* not a URL: cut the values only */
  }
  return redact(shown, secrets);
}

// --- small helpers --------------------------------------------------------------------------

function buildUrl(baseUrl: string, path: string, query?: HttpRequest['query']): string {
  const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function encodeBody(body: unknown): { body?: string; contentType?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string') return { body };
  if (body instanceof URLSearchParams) return { body: body.toString(), contentType: 'application/x-www-form-urlencoded' };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/**
 * How long the service asked to wait: `Retry-After`, or Wildberries' `X-Ratelimit-Retry`
 * (seconds, which WB sends with its 429 answers instead of Retry-After).
 */
export function retryAfterOf(headers: Headers | undefined): number | null {
  return parseRetryAfter(headers?.get('retry-after')) ?? parseRetryAfter(headers?.get('x-ratelimit-retry'));
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. Capped at 5 minutes. */
export function parseRetryAfter(value: string | null | undefined): number | null {
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 300_000) : null;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
