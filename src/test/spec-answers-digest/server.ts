import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A server of spec-shaped answers (docs/decisions/160): over real HTTP on a free port, it answers
 * every request with what a service's answer shape (the other files of this folder) builds from
 * its digest and recorded samples, read from ../shared/specs at run time and never copied here.
 * It counts and keeps every request, so a test can say a run ended within a bound.
 */

/** The shared specs folder (/work/shared/specs beside the project), or SKLAD_SPECS_DIR. */
export const specsDir =
  process.env.SKLAD_SPECS_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/specs');

/** A file of a service's spec folder, as text. */
export const specFile = (...parts: string[]) => fs.readFileSync(path.join(specsDir, ...parts), 'utf8');

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface Answer {
  status?: number;
  /** A string goes as it is (XML), anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AnswerServer {
  url: string;
  readonly requests: Received[];
  close(): Promise<void>;
}

export async function serveAnswers(answer: (req: Received) => Answer | Promise<Answer>): Promise<AnswerServer> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const received: Received = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        text,
        json,
      };
      requests.push(received);
      Promise.resolve()
        .then(() => answer(received))
        .then(
          (a) => {
            const isText = typeof a.body === 'string';
            const payload = a.body === undefined ? '' : isText ? (a.body as string) : JSON.stringify(a.body);
            res.writeHead(a.status ?? 200, {
              'content-type': isText ? 'text/xml; charset=utf-8' : 'application/json',
              ...a.headers,
            });
            res.end(payload);
          },
          (error: unknown) => {
            res.writeHead(599, { 'content-type': 'text/plain' });
            res.end(`the answer shape failed: ${(error as Error).message}`);
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A small seeded generator (mulberry32): the same seed gives the same answers. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
  };
}
export type Rng = ReturnType<typeof seeded>;

/** A string of exactly `length` characters, some of them beyond ASCII (a maximum length is in characters). */
export const longest = (length: number, seed = 1) => {
  const alphabet = 'AbЖя7-_ ';
  return Array.from({ length }, (_, i) => alphabet[(i * 7 + seed) % alphabet.length])
    .join('')
    .replace(/^ | $/g, 'x');
};

/** Fields no digest names, added to a record: a service may add fields at any time. */
export const extra = (rng: Rng) => ({
  [`x_unknown_${rng.int(1, 999)}`]: { nested: [1, 'two', null] },
  zzExtraFlag: rng.chance(0.5),
});

/**
 * The seeds each test runs its cases with: three by default (they cost ≈ 30 s of test time in
 * all on two cores, each file under 30 s at load 5); SKLAD_SPEC_SEEDS=1,2,3,4,5 runs more.
 */
export const seedsToRun = () =>
  (process.env.SKLAD_SPEC_SEEDS ?? '1,2,3').split(',').map(Number).filter(Number.isFinite);
