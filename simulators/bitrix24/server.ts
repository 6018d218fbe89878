import type { Context } from 'hono';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import {
  BitrixError,
  bitrixDate,
  METHODS,
  renderDeal,
  runBatch,
  type MethodResult,
  type SubResult,
} from './methods.ts';
import { readParams, type Params } from './params.ts';
import { Bitrix24State, type BitrixPortal, type BitrixWebhook, type PortalInput } from './state.ts';

/**
 * Bitrix24 REST as ../shared/specs/bitrix24/CONTRACT.md digests the official docs: incoming
 * webhooks `/rest/<user_id>/<code>/<method>[.json]` (§1), GET or POST with query, JSON, form or
 * multipart parameters; answers `{result, time}` (`total`/`next` for lists), errors
 * `{error, error_description}` (§7). The leaky bucket per portal answers 503
 * QUERY_LIMIT_EXCEEDED (§8); a method over its time budget 429 OPERATION_TIME_LIMIT (§8).
 *
 * Toolkit faults, in Bitrix24's words: '429' → 429 OPERATION_TIME_LIMIT (the one 429 Bitrix24
 * has), '503' → 503 QUERY_LIMIT_EXCEEDED, '500' → 500 INTERNAL_SERVER_ERROR, '502' → the
 * gateway's HTML page; 'timeout', 'slow', 'malformed' as the toolkit makes them.
 * Test controls live under /__sim/bitrix24.
 */

export interface Bitrix24Simulator extends Simulator {
  state: Bitrix24State;
}

export interface Bitrix24SimulatorOptions {
  state?: Bitrix24State;
  /** The leaky bucket for every portal; default by plan (§8: 2/s and 50, Enterprise 5/s and 250); null turns it off. */
  rateLimit?: { perSecond: number; burst: number } | null;
  /**
   * How a webhook with a wrong code is refused. The digest (§7) says 401 NO_AUTH_FOUND; later
   * docs (system-errors.md) say 401 INVALID_CREDENTIALS "Invalid request credentials".
   */
  refusedWebhookCode?: 'NO_AUTH_FOUND' | 'INVALID_CREDENTIALS';
  /** Seconds of `operating` one call of a method costs (§8); default: the time the simulator really took. */
  operatingSeconds?: (method: string) => number;
  /** The clock, ms since epoch; tests freeze it to make the bucket exact. */
  now?: () => number;
}

const bitrixError = (c: Context, status: number, code: string, description: string) =>
  c.json({ error: code, error_description: description }, status as 400);

/** §1: the `time` block of every answer; batch sub-results carry it without the operating pair (batch.md). */
function timeBlock(
  startMs: number,
  elapsedMs: number,
  operating?: { operating: number; resetAt: number },
): Record<string, unknown> {
  const time: Record<string, unknown> = {
    start: startMs / 1000,
    finish: (startMs + elapsedMs) / 1000,
    duration: elapsedMs / 1000,
    processing: elapsedMs / 1000,
    date_start: bitrixDate(new Date(startMs)),
    date_finish: bitrixDate(new Date(startMs + elapsedMs)),
  };
  if (operating) Object.assign(time, { operating_reset_at: operating.resetAt, operating: operating.operating });
  return time;
}

/** What one call answers: the result, `total`/`next` of a list, then `time` (§4). */
const successBody = (r: MethodResult, time: Record<string, unknown>) => ({
  result: r.result,
  ...(r.next !== undefined ? { next: r.next } : {}),
  ...(r.total !== undefined ? { total: r.total } : {}),
  time,
});

export function createBitrix24Simulator(options: Bitrix24SimulatorOptions = {}): Bitrix24Simulator {
  const state = options.state ?? new Bitrix24State();
  const now = options.now ?? Date.now;
  const refusal = options.refusedWebhookCode ?? 'NO_AUTH_FOUND';
  const sim = createSimulator({
    name: 'bitrix24',
    // The bucket is Bitrix24's own (below), not the toolkit's token bucket; this answers the '429' fault.
    tooManyRequests: (c) =>
      bitrixError(c, 429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'),
    serverError: (c, status) => {
      if (status === 503) return bitrixError(c, 503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
      if (status === 502)
        return c.html(
          '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
          502,
        );
      return bitrixError(c, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    },
  });
  const { app } = sim;
  const buckets = new Map<string, { level: number; at: number }>();

  /**
   * §8 leaky bucket per portal: +1 per HTTP request (a batch is one), drains Y per second; a
   * request that would take it past X gets 503 and is not counted.
   */
  const overBucket = (portal: BitrixPortal): boolean => {
    if (options.rateLimit === null) return false;
    const { perSecond, burst } =
      options.rateLimit ?? (portal.plan === 'enterprise' ? { perSecond: 5, burst: 250 } : { perSecond: 2, burst: 50 });
    const t = now();
    const bucket = buckets.get(portal.name) ?? { level: 0, at: t };
    bucket.level = Math.max(0, bucket.level - ((t - bucket.at) / 1000) * perSecond);
    bucket.at = t;
    buckets.set(portal.name, bucket);
    if (bucket.level + 1 > burst) return true;
    bucket.level += 1;
    return false;
  };

  /** One method call, alone or inside a batch: scope, time budget, the method, its cost. */
  const invoke = (
    portal: BitrixPortal,
    webhook: BitrixWebhook,
    method: string,
    params: Params,
    withOperating: boolean,
  ): SubResult => {
    const spec = METHODS[method];
    try {
      if (!spec) throw new BitrixError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
      // §7: 403 insufficient_scope when the webhook lacks the method's scope.
      if (!webhook.scopes.includes(spec.scope))
        throw new BitrixError(
          403,
          'insufficient_scope',
          'The request requires higher privileges than provided by the webhook token',
        );
      if (portal.operatingOf(method, now()).operating > portal.operatingLimitSeconds) {
        throw new BitrixError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.');
      }
      const startMs = now();
      const t0 = performance.now();
      const r = spec.run({ portal, webhook, params, now: new Date(startMs) });
      const elapsedMs = performance.now() - t0;
      portal.spendOperatingTime(method, options.operatingSeconds?.(method) ?? elapsedMs / 1000, startMs);
      return {
        ok: true,
        ...r,
        time: timeBlock(startMs, elapsedMs, withOperating ? portal.operatingOf(method, startMs) : undefined),
      };
    } catch (error) {
      if (!(error instanceof BitrixError)) throw error;
      return { ok: false, error: error.code, error_description: error.description, status: error.status };
    }
  };

  const answer = (c: Context, sub: SubResult) => {
    if (sub.ok) return c.json(successBody(sub, sub.time));
    return bitrixError(c, sub.status ?? 400, sub.error, sub.error_description);
  };

  app.all('/rest/:userId/:code/:method', async (c) => {
    const found = state.findWebhook(c.req.param('userId'), c.req.param('code'));
    // §1: an expired webhook fails with an auth error, the same as an unknown one.
    if (!found || (found.webhook.expiresAt !== undefined && now() > found.webhook.expiresAt)) {
      return bitrixError(
        c,
        401,
        refusal,
        refusal === 'NO_AUTH_FOUND' ? 'Wrong authorization data' : 'Invalid request credentials',
      );
    }
    const { portal, webhook } = found;
    if (overBucket(portal)) return bitrixError(c, 503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
    // §1: `.json` is the default and may be written or left out.
    const method = c.req
      .param('method')
      .toLowerCase()
      .replace(/\.json$/, '');
    const params = await readParams(c);
    if (method !== 'batch') return answer(c, invoke(portal, webhook, method, params, true));
    const startMs = now();
    const t0 = performance.now();
    try {
      // §8: the sub-requests count against their own methods' budgets; the batch itself does not.
      const r = runBatch(params, (m, p) => invoke(portal, webhook, m, p, false));
      return c.json(successBody(r, timeBlock(startMs, performance.now() - t0, portal.operatingOf('batch', startMs))));
    } catch (error) {
      if (!(error instanceof BitrixError)) throw error;
      return bitrixError(c, error.status, error.code, error.description);
    }
  });

  // OAuth calls (`/rest/<method>?auth=…`, §1) are not simulated: without a webhook there is no authorization.
  app.all('/rest/:method', (c) => bitrixError(c, 401, 'NO_AUTH_FOUND', 'Wrong authorization data'));
  app.all('/rest/*', (c) => bitrixError(c, 404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'));

  controls(sim, state);
  return Object.assign(sim, { state });
}

/** Test controls for other processes: seed a portal, read deals and comments, delete or edit a deal, spend a method's time budget. */
function controls(sim: Simulator, state: Bitrix24State): void {
  const { app } = sim;
  const body = async (c: Context) => ((await c.req.json().catch(() => null)) ?? {}) as Record<string, any>;
  const portalOf = (c: Context) => state.portals.get(c.req.param('portal') ?? '');
  app.post('/__sim/bitrix24/portals', async (c) => {
    const portal = state.addPortal((await body(c)) as PortalInput);
    return c.json({ name: portal.name, webhook: portal.webhook, funnels: [...portal.funnels.values()] });
  });
  app.get('/__sim/bitrix24/portals/:portal/deals', (c) => {
    const portal = portalOf(c);
    if (!portal) return c.json({ error: 'no such portal' }, 404);
    return c.json({ deals: portal.deals().map((d) => ({ raw: d.fields, deal: renderDeal(portal, d) })) });
  });
  app.get('/__sim/bitrix24/portals/:portal/comments', (c) => {
    const portal = portalOf(c);
    return portal ? c.json({ comments: portal.comments }) : c.json({ error: 'no such portal' }, 404);
  });
  app.post('/__sim/bitrix24/portals/:portal/deals/:id', async (c) => {
    const portal = portalOf(c);
    const id = Number(c.req.param('id'));
    if (!portal?.deal(id)) return c.json({ error: 'no such deal' }, 404);
    return c.json({ deal: renderDeal(portal, portal.editDeal(id, (await body(c)).fields ?? {})) });
  });
  app.delete('/__sim/bitrix24/portals/:portal/deals/:id', (c) => {
    const portal = portalOf(c);
    return c.json({ deleted: Boolean(portal?.deleteDeal(Number(c.req.param('id')))) });
  });
  app.post('/__sim/bitrix24/portals/:portal/operating', async (c) => {
    const portal = portalOf(c);
    const input = await body(c);
    if (!portal || typeof input.method !== 'string') return c.json({ error: 'portal and method are needed' }, 400);
    if (input.reset) portal.resetOperatingTime(input.method);
    else portal.spendOperatingTime(input.method, Number(input.seconds ?? portal.operatingLimitSeconds + 1));
    return c.json({ ok: true, ...portal.operatingOf(input.method) });
  });
}
