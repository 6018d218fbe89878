import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** What one benchmark measured: one BENCH line each. */
export interface BenchResult {
  name: string;
  /** Printed as key=value in this order, before ratio and goal. */
  metrics: Record<string, number | string>;
  /** Measured ÷ ceiling (or whatever the benchmark compares); the goal is a lower bound. */
  ratio: number;
  goal: number;
  /** A line or two for a person. */
  summary: string;
}

/** A `bench/*.bench.ts` file's default export. */
export interface Benchmark {
  name: string;
  run(): Promise<BenchResult[]>;
}

export const benchLine = (r: BenchResult) =>
  [
    'BENCH',
    r.name,
    ...Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`),
    `ratio=${r.ratio.toFixed(2)}`,
    `goal=${r.goal}`,
  ].join(' ');

/** The PostgreSQL server benchmarks make their scratch databases on (trust auth on localhost by default). */
export const pgServerUrl = () =>
  process.env.SKLAD_BENCH_PG_URL ?? process.env.SKLAD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A new empty database on the server; `drop` removes it (and anything still connected). */
export async function scratchPostgres(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: pgServerUrl() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(pgServerUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/**
 * Runs `op` from `callers` concurrent loops for `ms` milliseconds and counts completed calls.
 * Each loop passes its own running counter so operations can spread over rows.
 */
export async function throughput(
  callers: number,
  ms: number,
  op: (n: number) => Promise<unknown>,
): Promise<{ ops: number; seconds: number }> {
  let next = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        await op(next++);
        done++;
      }
    }),
  );
  return { ops: done, seconds: (performance.now() - started) / 1000 };
}

/**
 * Contenders measured in alternating rounds (the order rotates each round), so a neighbour's
 * burst on a shared machine slows all of them rather than one: operations per second of each
 * over all rounds.
 */
export async function alternate<K extends string>(
  rounds: number,
  msPerRound: number,
  callers: number,
  contenders: Record<K, (n: number) => Promise<unknown>>,
): Promise<Record<K, number>> {
  const names = Object.keys(contenders) as K[];
  const total = Object.fromEntries(names.map((k) => [k, { ops: 0, seconds: 0 }])) as Record<
    K,
    { ops: number; seconds: number }
  >;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      const r = await throughput(callers, msPerRound, contenders[name]);
      total[name].ops += r.ops;
      total[name].seconds += r.seconds;
    }
  }
  return Object.fromEntries(names.map((k) => [k, total[k].ops / total[k].seconds])) as Record<K, number>;
}

/**
 * A measurement in a process of its own (its peak RSS is the measurement's alone): `run(job)`
 * starts the benchmark's file again with the job in the environment variable `envName` and
 * answers the JSON line it prints last; `serve(work)`, at the file's end, does the job when the
 * file runs as such a child.
 */
export function childRunner<J, R>(moduleUrl: string, envName: string, what: string) {
  return {
    run: (job: J) =>
      new Promise<R>((resolve, reject) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(moduleUrl)], {
          env: { ...process.env, [envName]: JSON.stringify(job) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        proc.stdout.on('data', (chunk) => (out += chunk));
        proc.on('error', reject);
        proc.on('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as R)
            : reject(new Error(`${what} exited ${code}`)),
        );
      }),
    async serve(work: (job: J) => Promise<R>) {
      const job = process.env[envName];
      if (job) console.log(JSON.stringify(await work(JSON.parse(job) as J)));
    },
  };
}
