import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { Agent, request as undiciRequest } from 'undici';
import { rows, type Executor } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { rateLimitWaits, rateLimitWaitSeconds } from '../../http/metrics.ts';
import {
  ChannelHttpError,
  CredentialsRejected,
  type ChannelHttp,
  type ChannelLimits,
  type Connector,
  type ConnectorAccount,
  type HttpRequest,
  type HttpResponse,
} from './connector.ts';
import { credentialsRefusal, type ChannelModule, type GroupLimit } from './module.ts';

/**
 * The one HTTP client every connector talks through (docs/decisions/040): undici with
 * keep-alive, a timeout per request, retries with exponential back-off and full jitter on
 * 429/5xx/network errors (Retry-After, or WB's X-Ratelimit-Retry, honoured), a token
 * bucket per account kept in PostgreSQL so every worker in every process together keeps the channel's rate (and one
 * per account and limit group for services that limit groups of methods apart: takeGroupToken), a cap on
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
/** The start of a request's and an answer's body kept with a call about orders (their traces show it). */
const KEPT_BODY = 8_000;
const bodyText = (parsed: unknown) => (typeof parsed === 'string' ? parsed : (JSON.stringify(parsed) ?? ''));
/** Fields that hold secrets by their name alone (an OAuth answer's access_token), in JSON, XML and form bodies. */
const SECRET_FIELD = 'access_token|refresh_token|id_token|token|client_secret|secret|password|api_?key|authorization';
const SECRET_JSON_FIELD = new RegExp(`("(?:${SECRET_FIELD})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
const SECRET_FORM_FIELD = new RegExp(`(^|&)((?:${SECRET_FIELD})=)[^&]*`, 'gi');
const SECRET_XML_FIELD = new RegExp(`(<(${SECRET_FIELD})>)[^<]*(</\\2>)`, 'gi');
/** A body kept for a trace: the known secrets and every secret-named field cut out. */
const keptBody = (text: string, secrets: string[]) =>
  redact(text.slice(0, KEPT_BODY), secrets)
    .replace(SECRET_JSON_FIELD, '$1"***"')
    .replace(SECRET_FORM_FIELD, '$1$2***')
    .replace(SECRET_XML_FIELD, '$1***$3');

// One connection pool for all channels; undici keeps sockets alive per origin.
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

export function limitsOf(connector: Connector, account: ConnectorAccount): ChannelLimits {
  return connector.limitsFor?.(account) ?? connector.limits;
}

export function createChannelHttp(
  hub: Hub,
  account: ConnectorAccount,
  module: ChannelModule,
  options: ChannelHttpOptions = {},
): ChannelHttp {
  const { connector } = module;
  const limits = limitsOf(connector, account);
  const accountSecrets = collectSecrets(account.credentials);
  const http: ChannelHttp = {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const group = req.limitGroup ? module.limitGroups?.[req.limitGroup] : undefined;
      if (req.limitGroup && !group)
        throw new Error(`The ${connector.channel} module declares no limit group "${req.limitGroup}"`);
      try {
        if (!group) return await answer<T>(req);
        // The group's bucket is in PostgreSQL (account + group), so all workers together keep its limit.
        const ticket: { seq?: number } = {};
        const askedAt = performance.now();
        const waited = await takeGroupToken(hub.db, account.id, req.limitGroup!, group, options.signal, ticket);
        recordGroupWait(account.id, { group: req.limitGroup!, askedAt, waitedMs: waited });
        let res: HttpResponse<T>;
        try {
          res = await answer<T>(req);
        } catch (error) {
          await releaseGroup(hub.db, account.id, req.limitGroup!);
          throw error;
        }
        const told = module.readRateHeaders?.(res.headers) ?? null;
        if (told) {
          const sentAgo = res.sentAt === undefined ? 0 : performance.now() - res.sentAt;
          await observeGroup(
            hub.db,
            account.id,
            req.limitGroup!,
            group,
            told.remaining,
            told.resetMs,
            ticket.seq,
            sentAgo,
          );
        } else await releaseGroup(hub.db, account.id, req.limitGroup!);
        return res;
      } catch (error) {
        if (error instanceof ChannelHttpError) {
          const refusal = credentialsRefusal(module, error, req);
          if (refusal) throw new CredentialsRejected(redact(refusal, accountSecrets));
        }
        throw error;
      }
    },
  };
  const answer = <T>(req: HttpRequest) => raw.request<T>(req);
  const backoffBase = options.backoffBaseMs ?? 200;
  const backoffMax = options.backoffMaxMs ?? 10_000;

  const raw: ChannelHttp = {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const secrets = [
        ...accountSecrets,
        ...collectSecrets(req.secrets ?? []),
        ...secretHeaderValues(req.headers, connector.secretHeaders),
      ];
      const url = buildUrl(account.baseUrl, req.path, req.query);
      const shownUrl = redactUrl(url, secrets);
      const { body, contentType } = encodeBody(req.body);
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(contentType ? { 'content-type': contentType } : {}),
        ...req.headers,
      };
      const attempts = Math.max(1, req.attempts ?? DEFAULT_ATTEMPTS);
      let lastError: ChannelHttpError | undefined;

      for (let attempt = 1; attempt <= attempts; attempt++) {
        options.signal?.throwIfAborted();
        const release = await acquireSlot(account.id, limits.maxConcurrent);
        let outcome: Attempt;
        try {
          await takeToken(hub.db, account.id, limits, options.signal);
          outcome = await send(
            url,
            req.method,
            headers,
            body,
            req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            options.signal,
          );
        } finally {
          release();
        }
        const error = outcome.error
          ? redact(outcome.error, secrets)
          : outcome.status !== undefined && !isAnswer(outcome.status, req.accept)
            ? redact(`HTTP ${outcome.status}${serviceMessage(outcome.parsed)}`, secrets)
            : null;
        await recordApiCall(hub.db, {
          accountId: account.id,
          syncRunId: options.syncRunId ?? null,
          method: req.method,
          url: shownUrl,
          status: outcome.status ?? null,
          durationMs: outcome.ms,
          requestBytes: body ? Buffer.byteLength(body) : 0,
          responseBytes: outcome.bytes,
          error,
          about: req.about?.length ? req.about : null,
          requestBody: req.about?.length && body ? keptBody(body, secrets) : null,
          responseBody:
            req.about?.length && outcome.parsed !== undefined ? keptBody(bodyText(outcome.parsed), secrets) : null,
        });
        hub.logger.debug(
          {
            accountId: account.id,
            method: req.method,
            url: shownUrl,
            status: outcome.status,
            ms: outcome.ms,
            attempt,
            error,
          },
          'channel request',
        );

        if (outcome.status !== undefined && isAnswer(outcome.status, req.accept)) {
          if (!outcome.error)
            return {
              status: outcome.status,
              headers: outcome.headers!,
              body: outcome.parsed as T,
              sentAt: outcome.sentAt,
            };
        }
        const status = outcome.status ?? null;
        const retryable =
          status === null || status === 429 || status >= 500 || (!!outcome.error && isAnswer(status, req.accept));
        const retryAfterMs = retryAfterOf(outcome.headers);
        lastError = new ChannelHttpError(
          `${req.method} ${shownUrl} failed: ${error ?? 'no answer'}`,
          status,
          retryable,
          typeof outcome.parsed === 'string'
            ? redact(outcome.parsed.slice(0, MAX_LOGGED_BODY), secrets)
            : outcome.parsed,
          retryAfterMs ?? (status === 429 ? 1_000 : undefined),
        );
        if (!retryable || attempt === attempts) break;

        let waitMs = Math.random() * Math.min(backoffMax, backoffBase * 2 ** (attempt - 1));
        if (status === 429 || retryAfterMs !== null) {
          const pause = retryAfterMs ?? 1_000;
          waitMs = Math.max(waitMs, pause);
          // The service told us to slow down: every worker of this account pauses, not only this one,
          // unless the limit was one group's (WB statistics: a minute) and the account's other requests may go on.
          if (status === 429 && !req.limitGroup) {
            dropBlock(hub.db, account.id);
            await pauseBucket(hub.db, account.id, limits, pause);
          } else if (status === 429 && req.limitGroup) await pauseGroup(hub.db, account.id, req.limitGroup, pause);
        }
        await sleep(waitMs, options.signal);
      }
      throw lastError!;
    },
  };
  return http;
}

interface Attempt {
  /** performance.now() when the attempt went out. */
  sentAt: number;
  status?: number;
  headers?: Headers;
  parsed?: unknown;
  bytes: number;
  ms: number;
  error?: string;
}

async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Attempt> {
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
    const attempt: Attempt = {
      sentAt: started,
      status: res.statusCode,
      headers: responseHeaders,
      bytes: Buffer.byteLength(text),
      ms: Math.round(performance.now() - started),
    };
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
    const timedOut =
      timeout.aborted || /timeout/i.test((error as Error).name ?? '') || /timeout/i.test((error as Error).message);
    return {
      sentAt: started,
      bytes: 0,
      ms,
      error: timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${(error as Error).message}`,
    };
  }
}

/** The service's own words about a failure, when its error body has a message. */
function serviceMessage(body: unknown): string {
  if (!body) return '';
  if (typeof body === 'string') return `: ${body.slice(0, 300)}`;
  const b = body as { message?: unknown; error?: unknown; errors?: unknown };
  const message =
    b.message ??
    (typeof b.error === 'object' && b.error ? (b.error as { message?: unknown }).message : b.error) ??
    b.errors;
  if (message === undefined || message === null) return '';
  return `: ${(typeof message === 'string' ? message : JSON.stringify(message)).slice(0, 300)}`;
}

const isAnswer = (status: number | null | undefined, accept?: number[]) =>
  status !== null && status !== undefined && ((status >= 200 && status < 300) || !!accept?.includes(status));

// --- rate limit: a token bucket per account in the database ---------------------------------

const ensuredBuckets = new Map<string, string>();

/** The account's own bucket is the row with limit_group ''; a limit group's has its name. */
async function ensureBucket(
  db: Executor,
  accountId: number,
  limits: Pick<ChannelLimits, 'burst' | 'requestsPerSecond'>,
  group = '',
) {
  const shape = `${limits.burst}:${limits.requestsPerSecond}`;
  const key = `${accountId}\u0000${group}`;
  if (ensuredBuckets.get(key) === shape) return;
  // A group's rate may have been learnt from the service's answers (observeGroup): only its capacity follows the code.
  await db.execute(sql`
    insert into rate_buckets (account_id, limit_group, tokens, capacity, refill_per_second)
    values (${accountId}, ${group}, ${limits.burst}, ${limits.burst}, ${limits.requestsPerSecond})
    on conflict (account_id, limit_group) do update
       set capacity = excluded.capacity,
           refill_per_second = case when ${group}::text = '' then excluded.refill_per_second else rate_buckets.refill_per_second end
     where rate_buckets.capacity <> excluded.capacity or (${group}::text = '' and rate_buckets.refill_per_second <> excluded.refill_per_second)`);
  ensuredBuckets.set(key, shape);
}

/**
 * Takes one token in one statement, shared by all processes. The bucket may go below zero:
 * the caller has then reserved a later slot and waits −tokens ÷ rate seconds for it, so
 * callers are served in the order they asked and never spin on the row.
 */
export async function takeToken(
  db: Executor,
  accountId: number,
  limits: ChannelLimits,
  signal?: AbortSignal,
): Promise<void> {
  const block = blockSizeOf(limits);
  const ms =
    block < 2
      ? await takeFrom(db, accountId, '', limits, signal)
      : await takeFromBlock(db, accountId, limits, block, signal);
  if (ms > 0) bucketWaits.set(accountId, (bucketWaits.get(accountId) ?? 0) + ms);
}

// --- tokens taken in blocks (docs/decisions/181, 182) -----------------------------------------

/**
 * Held tokens are counted in lease windows (floor(epoch ÷ lease)) of their take: a block is
 * spent or dropped within 0.9 of a lease, so the row forgets a window's count two windows on,
 * also when the process that took it died without reporting it.
 */
const BLOCK_LEASE_MS = 2_000;
/** A block hands out slots at most this far ahead of its take: under load a block is a queue's stretch, not only a full bucket's. */
const BLOCK_HORIZON_MS = 500;
const MAX_BLOCK = 16;

/**
 * How many tokens one take of the account's bucket may hand a process: a tenth of a second's
 * worth, at most a quarter of the burst and MAX_BLOCK. Below 2 (a slow channel, a burst under 8)
 * every request takes its own token, as before: blocks pay where the row is hot, at high rates.
 */
const blockSizeOf = (limits: Pick<ChannelLimits, 'burst' | 'requestsPerSecond'>) =>
  Math.min(MAX_BLOCK, Math.floor(limits.requestsPerSecond / 10), Math.floor(limits.burst / 4));

/**
 * This process's block of an account's bucket: `size` slots, the i-th (0-based) due
 * max(0, i + 1 − level) ÷ rate seconds after the take (`level`: the row's tokens when taken),
 * `next` the first not yet handed out, none after `expiresAt` (performance.now()). `held`: the
 * block counts against the capacity in the row until reported (a single reserved slot does not).
 */
interface Block {
  takenAt: number;
  level: number;
  rate: number;
  size: number;
  next: number;
  window: number;
  held: boolean;
  expiresAt: number;
  fetching?: Promise<void>;
}

/** Per database handle (a process's pool; two hubs on one database in one test stand for two processes), per account. */
const blocksByDb = new WeakMap<object, Map<number, Block>>();
const blocksOf = (db: Executor) => {
  let map = blocksByDb.get(db);
  if (!map) blocksByDb.set(db, (map = new Map()));
  return map;
};
/** Updates of an account's shared bucket row by this process's takes (tests and benchmarks show the row is touched once a block). */
const rowTakes = new Map<number, number>();
export const bucketRowTakes = (accountId: number) => rowTakes.get(accountId) ?? 0;

/** A 429 of the account: this process sends none of its block's slots (other processes' blocks end within a lease). */
function dropBlock(db: Executor, accountId: number) {
  const block = blocksOf(db).get(accountId);
  if (block) block.next = block.size;
}

/**
 * One token from this process's block of the account's bucket, waiting for its slot; a new
 * block when it is spent or past its lease. Concurrent callers of the process wait for one
 * take. The take reports the previous block in the same statement: it stops counting against
 * the capacity and its slots never handed out go back. Returns the milliseconds waited.
 */
async function takeFromBlock(
  db: Executor,
  accountId: number,
  limits: ChannelLimits,
  size: number,
  signal?: AbortSignal,
): Promise<number> {
  const blocks = blocksOf(db);
  for (;;) {
    signal?.throwIfAborted();
    const block = blocks.get(accountId);
    if (block?.fetching) {
      await block.fetching;
      continue;
    }
    const now = performance.now();
    if (block && block.next < block.size && now < block.expiresAt) {
      const i = block.next++;
      const dueAt = block.takenAt + (Math.max(0, i + 1 - block.level) / block.rate) * 1000;
      const ms = Math.max(0, dueAt - now);
      if (ms > 0) {
        rateLimitWaits.inc({ group: 'account' });
        rateLimitWaitSeconds.inc({ group: 'account' }, ms / 1000);
        await sleep(ms, signal);
      }
      return ms;
    }
    const report = block?.held
      ? { window: block.window, size: block.size, unused: block.size - block.next }
      : { window: -1, size: 0, unused: 0 };
    const next: Block = {
      takenAt: now,
      level: 0,
      rate: limits.requestsPerSecond,
      size: 0,
      next: 0,
      window: -1,
      held: false,
      expiresAt: 0,
    };
    next.fetching = (async () => {
      const taken = await takeBlock(db, accountId, limits, size, report);
      Object.assign(next, {
        level: taken.level,
        rate: taken.rate,
        window: taken.window,
        expiresAt: now + BLOCK_LEASE_MS * 0.9,
      });
      if (taken.block > 0) Object.assign(next, { size: taken.block, held: true });
      // The bucket's queue is longer than a block may reach: this request's own slot, as takeFrom reserves one.
      else next.size = 1;
    })();
    blocks.set(accountId, next);
    try {
      await next.fetching;
    } catch (error) {
      if (blocks.get(accountId) === next) blocks.delete(accountId);
      throw error;
    } finally {
      next.fetching = undefined;
    }
  }
}

/**
 * One take of the account's row for a block of up to `size` slots, reporting this process's
 * previous block. The row's tokens are what is left for others after every slot handed out
 * (below zero: a queue of slots reserved ahead). Held tokens were taken but may not be sent
 * yet, so the service's bucket has not seen them: the row refills only up to the capacity
 * less them, and so never promises more than the service's bucket holds. Returns the level
 * before the take, the block's size (0: none may be held, the caller reserved one slot), the
 * take's window and the bucket's rate.
 */
async function takeBlock(
  db: Executor,
  accountId: number,
  limits: ChannelLimits,
  size: number,
  report: { window: number; size: number; unused: number },
  again = true,
): Promise<{ level: number; block: number; window: number; rate: number }> {
  await ensureBucket(db, accountId, limits);
  rowTakes.set(accountId, (rowTakes.get(accountId) ?? 0) + 1);
  const w = sql`floor(extract(epoch from n.t) * 1000 / ${BLOCK_LEASE_MS}::double precision)::bigint`;
  const reported = sql`${report.size}::double precision`;
  // The windows' held tokens as of now, less the reported block (counted in its take's window).
  const heldNow = sql`greatest(0, (case when ${w} = b.held_window then b.held_now else 0 end)
                      - (case when ${report.window}::bigint = ${w} then ${reported} else 0 end))`;
  const heldBefore = sql`greatest(0, (case when ${w} = b.held_window then b.held_before when ${w} = b.held_window + 1 then b.held_now else 0 end)
                         - (case when ${report.window}::bigint = ${w} - 1 then ${reported} else 0 end))`;
  // Slots never handed out go back while their block still counts (a forgotten block's tokens are gone with it).
  const back = sql`(case when ${report.window}::bigint >= ${w} - 1 then ${report.unused}::double precision else 0 end)`;
  const elapsed = sql`greatest(0, extract(epoch from (n.t - b.updated_at)))`;
  // The refill stops at the capacity less the held tokens, and never lowers what the row holds.
  // A block is held only while all held stay under the capacity less one, so the refill never stops.
  const level = sql`least(b.capacity, greatest(b.tokens + ${back}, least(b.capacity - ${heldNow} - ${heldBefore}, b.tokens + ${back} + ${elapsed} * b.refill_per_second)))`;
  const reach = BLOCK_HORIZON_MS / 1000;
  const [row] = await rows<{ level: number; block: number; w: string; rate: number }>(
    db,
    sql`
    with n as (select clock_timestamp() as t),
    c as (
      select ${level} as level, ${heldNow} as held_now, ${heldBefore} as held_before, ${w} as w,
             greatest(b.updated_at, n.t) as t, b.refill_per_second as rate, b.capacity
        from rate_buckets b, n
       where b.account_id = ${accountId} and b.limit_group = ''
         for update of b),
    k as (select c.*, greatest(0, least(${size}::double precision, floor(c.level + ${reach}::double precision * c.rate),
                                         floor(c.capacity - 1 - c.held_now - c.held_before))) as block from c)
    update rate_buckets b
       set tokens = k.level - greatest(k.block, 1),
           held_now = k.held_now + k.block,
           held_before = k.held_before,
           held_window = k.w,
           updated_at = k.t
      from k
     where b.account_id = ${accountId} and b.limit_group = ''
    returning k.level, k.block, k.w, k.rate`,
  );
  if (!row) {
    ensuredBuckets.delete(`${accountId}\u0000`);
    if (again) return takeBlock(db, accountId, limits, size, report, false);
    // No row to take from (another database, a deleted account): the request goes, as takeFrom lets it.
    return { level: 1, block: 0, window: -1, rate: limits.requestsPerSecond };
  }
  return { level: row.level, block: row.block, window: Number(row.w), rate: row.rate };
}

async function takeFrom(
  db: Executor,
  accountId: number,
  group: string,
  limits: Pick<ChannelLimits, 'burst' | 'requestsPerSecond'>,
  signal?: AbortSignal,
  again = true,
  ticket?: { seq?: number },
): Promise<number> {
  await ensureBucket(db, accountId, limits, group);
  const [bucket] = await rows<{ tokens: number; refill_per_second: number; seq: string }>(
    db,
    sql`
    update rate_buckets b
       set tokens = least(b.capacity, b.tokens + extract(epoch from (n.t - b.updated_at)) * b.refill_per_second) - 1,
           in_flight = b.in_flight + case when ${group}::text = '' then 0 else 1 end,
           seq = b.seq + case when ${group}::text = '' then 0 else 1 end,
           updated_at = n.t
      from (select clock_timestamp() as t) n
     where b.account_id = ${accountId} and b.limit_group = ${group}
    returning b.tokens, b.refill_per_second, b.seq`,
  );
  if (!bucket) {
    // The row is gone (another database, a deleted account): make it again and take from it, once.
    ensuredBuckets.delete(`${accountId}\u0000${group}`);
    return again ? takeFrom(db, accountId, group, limits, signal, false, ticket) : 0;
  }
  if (ticket) ticket.seq = Number(bucket.seq);
  if (bucket.tokens >= 0) return 0;
  const ms = (-bucket.tokens / bucket.refill_per_second) * 1000;
  rateLimitWaits.inc({ group: group || 'account' });
  rateLimitWaitSeconds.inc({ group: group || 'account' }, ms / 1000);
  await sleep(ms, signal);
  return ms;
}

/** Milliseconds this process's requests waited on an account's bucket (benchmarks tell rate-limit waits from work). */
const bucketWaits = new Map<number, number>();
export const bucketWaitMs = (accountId: number) => bucketWaits.get(accountId) ?? 0;

/** After a 429 the bucket is emptied for the Retry-After time, so no worker sends in the meantime. */
async function pauseBucket(db: Executor, accountId: number, limits: ChannelLimits, pauseMs: number) {
  await db.execute(sql`
    update rate_buckets set tokens = least(tokens, ${-(pauseMs / 1000) * limits.requestsPerSecond})
     where account_id = ${accountId} and limit_group = ''`);
}

// --- limit groups: a bucket per account and group (WB's method groups; docs/decisions/071) ---

/** One wait of a limit group's request: benchmarks tell the waits a documented limit forces from slack. */
export interface GroupWait {
  group: string;
  /** When the request asked to go (performance.now()). */
  askedAt: number;
  waitedMs: number;
}

const groupWaits = new Map<number, GroupWait[]>();

function recordGroupWait(accountId: number, wait: GroupWait) {
  let list = groupWaits.get(accountId);
  if (!list) groupWaits.set(accountId, (list = []));
  list.push(wait);
  if (list.length > 200_000) list.splice(0, 100_000);
}

/** This process's waits on an account's limit groups, oldest first. */
export const groupWaitsOf = (accountId: number): readonly GroupWait[] => groupWaits.get(accountId) ?? [];

const groupShape = (limit: GroupLimit) => ({ burst: limit.burst, requestsPerSecond: 1000 / limit.intervalMs });

/**
 * Takes a token of one limit group of the account, shared by every process like the
 * account's bucket; returns the milliseconds waited. Each take counts as in flight until
 * `observeGroup` or `releaseGroup`.
 */
export async function takeGroupToken(
  db: Executor,
  accountId: number,
  group: string,
  limit: GroupLimit,
  signal?: AbortSignal,
  ticket?: { seq?: number },
): Promise<number> {
  if (!group) throw new Error('A limit group needs a name');
  try {
    return await takeFrom(db, accountId, group, groupShape(limit), signal, true, ticket);
  } catch (error) {
    // Aborted while waiting for its slot: not on its way any more.
    if (signal?.aborted) await releaseGroup(db, accountId, group).catch(() => {});
    throw error;
  }
}

/**
 * A service counts a request when it arrives, a little after it went out: this much of the time
 * since sending is not credited to the bucket's refill (network latency on the way there).
 */
const ARRIVAL_ALLOWANCE_MS = 50;

/**
 * What the service said about the group after a request (WB: X-Ratelimit-Remaining and
 * -Reset). The headers describe the service's bucket when the request arrived, not when its
 * answer was read (a statistics page of 80,000 rows takes seconds to come): what refilled
 * since it was sent (`sentAgoMs`, less ARRIVAL_ALLOWANCE_MS) counts. Remaining 0: the next
 * token comes min(reset, interval) after the arrival, and that is the group's rate from now
 * on (a simulator configured faster than the documentation is followed). Remaining ≥ 1: the
 * bucket holds at most that many (plus the refill since) less the group's other requests on
 * their way (the answer may not count them yet), and is raised to it only when no other
 * request of the group is on its way and nothing was taken or read since this request's take
 * (`takenSeq`, from takeGroupToken's ticket): else the answer may be stale.
 */
export async function observeGroup(
  db: Executor,
  accountId: number,
  group: string,
  limit: GroupLimit,
  remaining: number,
  resetMs: number | null,
  takenSeq?: number,
  sentAgoMs = 0,
) {
  const current = sql`least(b.capacity, b.tokens + extract(epoch from (n.t - b.updated_at)) * b.refill_per_second)`;
  const waitMs = Math.max(1, Math.min(resetMs ?? limit.intervalMs, limit.intervalMs));
  const sinceArrivalS = Math.max(0, sentAgoMs - ARRIVAL_ALLOWANCE_MS) / 1000;
  // Tokens back since the service counted the request: at the new rate after a 0, else at the bucket's.
  const emptySince = Math.min(1, (sinceArrivalS * 1000) / waitMs);
  const told = sql`(${remaining}::double precision + ${sinceArrivalS}::double precision * b.refill_per_second)`;
  await db.execute(sql`
    update rate_buckets b
       set tokens = case when ${remaining}::double precision < 1 then least(${current}, ${emptySince}::double precision)
                         when b.in_flight <= 1 and b.seq = ${takenSeq ?? -1}::bigint then least(b.capacity, ${told})
                         else least(${current}, ${told} - greatest(b.in_flight - 1, 0)) end,
           refill_per_second = case when ${remaining}::double precision < 1 then ${1000 / waitMs}::double precision else b.refill_per_second end,
           in_flight = greatest(b.in_flight - 1, 0),
           seq = b.seq + 1,
           updated_at = n.t
      from (select clock_timestamp() as t) n
     where b.account_id = ${accountId} and b.limit_group = ${group}`);
}

/** A request of the group ended without an answer to read (an error): it is no longer on its way. */
export async function releaseGroup(db: Executor, accountId: number, group: string) {
  await db.execute(sql`
    update rate_buckets set in_flight = greatest(in_flight - 1, 0) where account_id = ${accountId} and limit_group = ${group}`);
}

/** After a group's 429 nobody sends in that group for the service's retry time (the account's other groups go on). */
async function pauseGroup(db: Executor, accountId: number, group: string, pauseMs: number) {
  await db.execute(sql`
    update rate_buckets set tokens = least(tokens, -(${pauseMs / 1000}::double precision) * refill_per_second)
     where account_id = ${accountId} and limit_group = ${group}`);
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
  about: string[] | null;
  requestBody: string | null;
  responseBody: string | null;
}

interface ApiCallQueue {
  pending: { call: ApiCall; done: (error?: unknown) => void }[];
  flushing: boolean;
}

const apiCallQueues = new WeakMap<Executor, ApiCallQueue>();
const MAX_API_CALLS_A_STATEMENT = 200;

/**
 * Stores a request's row and resolves once it is stored (docs/decisions/181). Rows of requests
 * that end while an insert is on its way wait for it and go together in the next one, a group
 * commit: under load one commit carries many requests' rows, at rest each row goes at once.
 * A failed group is stored row by row, so each caller gets its own row's error.
 */
function recordApiCall(db: Executor, call: ApiCall): Promise<void> {
  let queue = apiCallQueues.get(db);
  if (!queue) apiCallQueues.set(db, (queue = { pending: [], flushing: false }));
  const stored = new Promise<void>((resolve, reject) =>
    queue.pending.push({ call, done: (error) => (error === undefined ? resolve() : reject(error)) }),
  );
  if (!queue.flushing) void flushApiCalls(db, queue);
  return stored;
}

async function flushApiCalls(db: Executor, queue: ApiCallQueue) {
  queue.flushing = true;
  try {
    while (queue.pending.length) {
      const group = queue.pending.splice(0, MAX_API_CALLS_A_STATEMENT);
      try {
        await insertApiCalls(
          db,
          group.map((p) => p.call),
        );
        for (const p of group) p.done();
      } catch (error) {
        if (group.length === 1) group[0].done(error);
        else
          for (const p of group)
            await insertApiCalls(db, [p.call]).then(
              () => p.done(),
              (e: unknown) => p.done(e ?? new Error('api_calls insert failed')),
            );
      }
    }
  } finally {
    queue.flushing = false;
  }
}

/**
 * One multi-row insert. Outside a caller's transaction it commits with synchronous_commit off:
 * the request log is not worth a WAL flush a request (a crash may lose its last fraction of a
 * second; stock, ledger and outbox commits keep synchronous_commit on).
 */
async function insertApiCalls(db: Executor, calls: ApiCall[]) {
  const values = sql.join(
    calls.map(
      (
        call,
      ) => sql`(${call.accountId}, ${call.syncRunId}, ${call.method}, ${call.url}, ${call.status}, ${call.durationMs},
            ${call.requestBytes}, ${call.responseBytes}, ${call.error}, ${call.about ? sql`${sql.param(call.about)}::text[]` : null},
            ${call.requestBody}, ${call.responseBody})`,
    ),
    sql`, `,
  );
  const insert = sql`
    insert into api_calls (account_id, sync_run_id, method, url, status, duration_ms, request_bytes, response_bytes, error,
                           about, request_body, response_body)
    values ${values}`;
  if (db instanceof PgTransaction) {
    await db.execute(insert);
    return;
  }
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local synchronous_commit = off`);
    await tx.execute(insert);
  });
}

// --- secrets --------------------------------------------------------------------------------

/** Query parameters whose values are secrets by their name alone. */
const SECRET_PARAMS =
  /^(api[-_]?key|apikey|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|client[-_]?secret|secret|password|passwd|signature|sig|sign|auth|session)$/i;
const SECRET_HEADERS = /^(authorization|api-key|x-api-key|x-api-secret-key|client-secret|cookie|x-access-token)$/i;

/**
 * Secret values worth searching for: short ones (an id like "1") would cut random digits. A
 * credential that is a URL (a Bitrix24 webhook) is secret in its path and query, not in its
 * host: those parts are searched for, so a logged URL still shows where it went.
 */
function collectSecrets(values: Record<string, string> | string[]): string[] {
  const list = (Array.isArray(values) ? values : Object.values(values)).map(String);
  return list.flatMap((v) => urlSecrets(v) ?? [v]).filter((v) => v.length >= 6);
}

function urlSecrets(value: string): string[] | null {
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    const url = new URL(value);
    const parts = [...url.pathname.split('/'), ...[...url.searchParams.values()], url.password].filter(Boolean);
    return parts.length ? parts.map(decodeURIComponent) : null;
  } catch {
    return null;
  }
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
  const url = /^https?:\/\//i.test(path)
    ? new URL(path)
    : new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
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
  if (body instanceof URLSearchParams)
    return { body: body.toString(), contentType: 'application/x-www-form-urlencoded' };
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
