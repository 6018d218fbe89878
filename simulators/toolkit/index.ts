import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';

/**
 * What every marketplace simulator shares: a request log (for contract tests and the
 * economy benchmark), a rate limit that answers the way the real service does, fault
 * injection (429 with Retry-After, 5xx, slow and malformed answers) and a control API
 * under /__sim for tests and benchmarks in other processes.
 */

export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  responseBody: unknown;
  fault?: FaultKind;
}

export type FaultKind = '429' | '500' | '502' | '503' | 'timeout' | 'slow' | 'malformed';

export interface FaultSettings {
  /** Share of requests (0..1) that get a fault, drawn at random from `kinds`. */
  rate: number;
  kinds: FaultKind[];
  retryAfterSeconds?: number;
  /** How long a 'slow' answer waits, and how long a 'timeout' hangs before dropping. */
  slowMs?: number;
  /** Only paths that start with one of these; all paths when empty. */
  paths?: string[];
}

export interface RateLimit {
  /** Requests per interval; the bucket holds `burst` (default: the same number). */
  requests: number;
  intervalMs: number;
  burst?: number;
  /** Which limit a request counts against: per token, per path group… Default: one for all. */
  scope?: (c: Context) => string;
}

export interface SimulatorSpec {
  name: string;
  rateLimits?: RateLimit[];
  /** The service's own 429 answer (its error body, its headers). */
  tooManyRequests?: (c: Context, retryAfterSeconds: number) => Response;
  /** The service's own 5xx answer. */
  serverError?: (c: Context, status: 500 | 502 | 503) => Response;
}

export interface Simulator {
  name: string;
  app: Hono;
  log: LoggedRequest[];
  faults: FaultControl;
  /** Counts of answers by status, for "zero 429" checks and benchmarks. */
  statusCounts(): Record<number, number>;
  /** The most requests it was answering at once since the last resetLog (a client's concurrency cap). */
  peakConcurrency(): number;
  resetLog(): void;
  listen(port?: number): Promise<{ url: string; close(): Promise<void> }>;
}

export interface FaultControl {
  set(settings: FaultSettings | null): void;
  /** The next `count` requests (matching `paths`) get this fault, then none. */
  next(kind: FaultKind, count?: number, paths?: string[]): void;
  readonly settings: FaultSettings | null;
}

/** Header names whose values the request log never keeps whole. */
const SECRET_HEADERS = /^(authorization|api-key|client-id|x-api-secret-key|cookie)$/i;

export function createSimulator(spec: SimulatorSpec): Simulator {
  const app = new Hono();
  const log: LoggedRequest[] = [];
  let settings: FaultSettings | null = null;
  let queued: { kind: FaultKind; left: number; paths?: string[] }[] = [];
  const buckets = new Map<string, { tokens: number; at: number }>();
  const counts: Record<number, number> = {};
  let inFlight = 0;
  let peak = 0;

  const tooMany =
    spec.tooManyRequests ??
    ((c: Context, retryAfter: number) =>
      c.json({ error: 'Too Many Requests' }, 429, { 'retry-after': String(retryAfter) }));
  const serverError =
    spec.serverError ?? ((c: Context, status: 500 | 502 | 503) => c.json({ error: 'Internal Server Error' }, status));

  const faults: FaultControl = {
    set: (s) => {
      settings = s;
      queued = [];
    },
    next: (kind, count = 1, paths) => void queued.push({ kind, left: count, paths }),
    get settings() {
      return settings;
    },
  };

  const pickFault = (path: string): FaultKind | undefined => {
    if (path.startsWith('/__sim')) return undefined;
    const q = queued.find((f) => f.left > 0 && (!f.paths?.length || f.paths.some((p) => path.startsWith(p))));
    if (q) {
      q.left--;
      return q.kind;
    }
    if (!settings || settings.rate <= 0) return undefined;
    if (settings.paths?.length && !settings.paths.some((p) => path.startsWith(p))) return undefined;
    if (Math.random() >= settings.rate) return undefined;
    return settings.kinds[Math.floor(Math.random() * settings.kinds.length)];
  };

  /** Token bucket per limit and scope: answers how many seconds until a token, or 0 if one was taken. */
  const takeToken = (c: Context): number => {
    for (const [i, limit] of (spec.rateLimits ?? []).entries()) {
      const key = `${i}:${limit.scope?.(c) ?? ''}`;
      const capacity = limit.burst ?? limit.requests;
      const now = Date.now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * limit.requests) / limit.intervalMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        return Math.max(1, Math.ceil(((1 - bucket.tokens) * limit.intervalMs) / limit.requests / 1000));
      }
    }
    for (const [i, limit] of (spec.rateLimits ?? []).entries())
      buckets.get(`${i}:${limit.scope?.(c) ?? ''}`)!.tokens -= 1;
    return 0;
  };

  const recorder: MiddlewareHandler = async (c, next) => {
    if (c.req.path.startsWith('/__sim')) return next();
    peak = Math.max(peak, ++inFlight);
    try {
      return await record(c, next);
    } finally {
      inFlight--;
    }
  };

  const record: MiddlewareHandler = async (c, next) => {
    let body: unknown = null;
    const raw = await c.req.raw.clone().text();
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const entry: LoggedRequest = {
      at: new Date().toISOString(),
      method: c.req.method,
      path: c.req.path,
      query: c.req.queries() as Record<string, string[]>,
      headers: Object.fromEntries(
        [...c.req.raw.headers].map(([k, v]) => [k, SECRET_HEADERS.test(k) ? `${v.slice(0, 4)}…` : v]),
      ),
      body,
      status: 0,
      responseBody: null,
    };
    const fault = pickFault(c.req.path);
    entry.fault = fault;
    if (fault === 'timeout') {
      // Hang long past any client timeout, then drop the answer.
      await new Promise((r) => setTimeout(r, settings?.slowMs ?? 30_000));
      entry.status = 504;
      log.push(entry);
      counts[504] = (counts[504] ?? 0) + 1;
      return c.body(null, 504);
    }
    if (fault === 'slow') await new Promise((r) => setTimeout(r, settings?.slowMs ?? 2_000));
    let res: Response;
    const wait = takeToken(c);
    if (wait > 0) res = tooMany(c, wait);
    else if (fault === '429') res = tooMany(c, settings?.retryAfterSeconds ?? 1);
    else if (fault === '500' || fault === '502' || fault === '503') res = serverError(c, Number(fault) as 500);
    else if (fault === 'malformed') res = c.body('{"result": [ {"broken', 200, { 'content-type': 'application/json' });
    else {
      await next();
      res = c.res;
    }
    entry.status = res.status;
    const text = await res.clone().text();
    try {
      entry.responseBody = text ? JSON.parse(text) : null;
    } catch {
      entry.responseBody = text;
    }
    counts[res.status] = (counts[res.status] ?? 0) + 1;
    log.push(entry);
    // Keep memory bounded on long benchmarks.
    if (log.length > 200_000) log.splice(0, 100_000);
    c.res = res;
  };

  app.use('*', recorder);

  app.get('/__sim/requests', (c) => c.json({ requests: log, counts }));
  app.post('/__sim/faults', async (c) => {
    const s = (await c.req.json().catch(() => null)) as FaultSettings | null;
    faults.set(s && typeof s.rate === 'number' ? s : null);
    return c.json({ ok: true, settings });
  });
  app.post('/__sim/reset-log', (c) => {
    log.length = 0;
    for (const k of Object.keys(counts)) delete counts[Number(k)];
    return c.json({ ok: true });
  });

  return {
    name: spec.name,
    app,
    log,
    faults,
    statusCounts: () => ({ ...counts }),
    peakConcurrency: () => peak,
    resetLog() {
      log.length = 0;
      peak = inFlight;
      for (const k of Object.keys(counts)) delete counts[Number(k)];
    },
    async listen(port = 0) {
      const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        url,
        close: () =>
          new Promise<void>((resolve) => {
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => resolve());
          }),
      };
    },
  };
}
