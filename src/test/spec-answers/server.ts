import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkExchange, findOperation, type Spec } from '../openapi-contract.ts';
import { generate, resolve, seededRandom, type GenerateOptions, type Variant } from './generate.ts';

/**
 * A tiny HTTP server that answers every operation of one or more OpenAPI files with answers
 * generated from their schemas (generate.ts): one variant for all answers, or, with
 * `errorStatus`, that documented error status (with its documented body) from every
 * operation that documents it. It keeps each exchange, and checks each request against
 * the spec (the connector must hold to it whatever it is answered).
 */

export interface Served {
  method: string;
  path: string;
  /** The spec's path template; null when no spec has the operation. */
  template: string | null;
  query: Record<string, string | string[]>;
  body: unknown;
  status: number;
  answer: unknown;
}

export interface SpecServerOptions {
  specs: Spec[];
  seed: number;
  variant: Variant;
  /** Answer this status from every operation that documents it (the rest answer as `variant`). */
  errorStatus?: number;
  /** Items of the first array of an answer in the `fullPages` variant when the request names no limit. */
  pageItems?: number;
  /** At most this many items in a full page, whatever limit the request names (default 1000): a longer page is short. */
  maxPageItems?: number;
  /** The connector test's knowledge of one call (its cursor, its total): changes a 2xx answer before it is sent. */
  shape?: (call: Served, answer: any, rng: () => number) => unknown;
  /** A call the specs do not hold but the service documents elsewhere (Allegro's OAuth token endpoint): its answer. */
  outside?: (call: Served) => { status: number; answer: unknown } | undefined;
}

export interface SpecServer {
  url: string;
  log: Served[];
  /** Request departures from the specs, named by call. */
  requestProblems: string[];
  close(): Promise<void>;
}

const isJson = (type: string) => /json/i.test(type) || type === '*/*';

/** The limit a request asks for, wherever the service puts it. */
function limitOf(query: Record<string, string | string[]>, body: any): number | undefined {
  const candidates = [query.limit, query.take, body?.limit, body?.settings?.cursor?.limit, body?.take];
  for (const c of candidates) {
    const n = Number(Array.isArray(c) ? c[0] : c);
    if (Number.isFinite(n) && n > 0) return Math.min(n, 5_000);
  }
  return undefined;
}

function documentedBody(spec: Spec, response: any, o: GenerateOptions & { errorBody?: boolean }): unknown {
  const resolved = resolve(spec, response);
  const type = Object.keys(resolved?.content ?? {}).find(isJson);
  if (!type) return undefined;
  const media = resolved.content[type];
  if (o.variant === 'examples' || o.errorBody) {
    if (media.example !== undefined) return media.example;
    const first = Object.values<any>(media.examples ?? {})[0];
    if (first) return resolve(spec, first).value;
  }
  return media.schema ? generate(spec, media.schema, o) : undefined;
}

export async function startSpecServer(options: SpecServerOptions): Promise<SpecServer> {
  const rng = seededRandom(options.seed);
  const counter = { n: options.seed * 100_000 };
  const log: Served[] = [];
  const requestProblems: string[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query: Record<string, string | string[]> = {};
      for (const key of new Set(url.searchParams.keys())) {
        const all = url.searchParams.getAll(key);
        query[key] = all.length > 1 ? all : all[0];
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* a form or plain text: kept as it came */
      }
      const method = req.method ?? 'GET';
      let spec: Spec | undefined;
      let found: ReturnType<typeof findOperation> = null;
      for (const s of options.specs) {
        found = findOperation(s, method, url.pathname);
        if (found) {
          spec = s;
          break;
        }
      }
      const call: Served = {
        method,
        path: url.pathname,
        template: found?.template ?? null,
        query,
        body,
        status: 404,
        answer: undefined,
      };
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-ratelimit-remaining': '100',
        'x-ratelimit-reset': '0',
      };
      const elsewhere = !found || !spec ? options.outside?.(call) : undefined;
      if (elsewhere) {
        call.status = elsewhere.status;
        call.answer = elsewhere.answer;
      } else if (!found || !spec) {
        call.answer = { message: `no operation ${method} ${url.pathname} in the specs` };
      } else {
        const responses = found.operation.responses ?? {};
        const o: GenerateOptions & { errorBody?: boolean } = {
          variant: options.variant,
          rng,
          counter,
          pageItems: Math.min(limitOf(query, body) ?? options.pageItems ?? 3, options.maxPageItems ?? 1_000),
        };
        const error = options.errorStatus;
        const errorKey = error !== undefined && responses[String(error)] ? String(error) : null;
        if (errorKey) {
          call.status = Number(errorKey);
          o.errorBody = true;
          call.answer = documentedBody(spec, responses[errorKey], { ...o, variant: 'examples' });
          if (call.status === 429) Object.assign(headers, { 'retry-after': '0', 'x-ratelimit-retry': '0' });
        } else {
          const ok =
            ['200', '201', '202', '204', '208'].find((k) => responses[k]) ??
            Object.keys(responses).find((k) => /^2/.test(k)) ??
            '200';
          call.status = Number(ok);
          call.answer = responses[ok] ? documentedBody(spec, responses[ok], o) : undefined;
          if (options.shape && call.answer !== undefined)
            call.answer = options.shape(call, call.answer, rng) ?? call.answer;
        }
        for (const p of checkExchange(spec, {
          method,
          path: url.pathname,
          query,
          headers: req.headers as Record<string, string>,
          body,
          status: call.status,
        })) {
          requestProblems.push(p);
        }
      }
      log.push(call);
      const payload = call.answer === undefined || call.status === 204 ? '' : JSON.stringify(call.answer);
      res.writeHead(call.status, payload ? headers : { ...headers, 'content-length': '0' });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    requestProblems,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The error statuses (4xx, 5xx) the specs document for the operations a run called. */
export function documentedErrors(specs: Spec[], calls: Served[]): number[] {
  const statuses = new Set<number>();
  for (const c of calls) {
    for (const s of specs) {
      const found = findOperation(s, c.method, c.path);
      if (!found) continue;
      for (const key of Object.keys(found.operation.responses ?? {}))
        if (/^[45]\d\d$/.test(key)) statuses.add(Number(key));
      break;
    }
  }
  return [...statuses].sort((a, b) => a - b);
}
