import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createGenericSimulator, type GenericSimulator } from '../simulators/generic/index.ts';
import { syncAccount } from '../src/channels/core/sync.ts';
import { createGenericAccount, seedCatalog } from '../src/channels/core/testing.ts';
import { channelsBenchHub, percentile, writeOffUntilSeen } from './channels-fixture.ts';
import type { Benchmark, BenchResult } from './harness.ts';

/**
 * Issue 18, "Scale-out": the propagation workload (write-offs through the API until all 3
 * channels show them) with 1, 2 and 4 real `sklad worker` processes (default concurrency)
 * against one PostgreSQL, a fresh database per run. The simulators answer every request
 * after ~80 ms (a marketplace's latency, the toolkit's 'slow' fault on every request) and
 * their limits are high. 400 write-offs/s are offered, more than one worker carries on a
 * 2-core machine; the figure is write-offs reaching every channel per second. Goal: 4 workers
 * ÷ 1 worker ≥ 3. While each run goes, pg_stat_activity is sampled for wait events, and each
 * process's CPU is read, so the bend is named (docs/decisions/235).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SKUS = 3_000;
const ACCOUNTS = 3;
const LATENCY_MS = 80;
const PER_SECOND = Number(process.env.SKLAD_BENCH_SCALE_RATE) || 400;
const SECONDS = 12;
// One listing a request, so a write-off costs each channel one ~80 ms round trip, as a
// marketplace's per-item stock call does: the worker waits, the machine does not work.
const PUSH_BATCH = 1;
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64'); // the key channelsHub seals credentials with

interface RunFigures {
  workers: number;
  perSecond: number;
  p50: number;
  p99: number;
  ranTwice: number;
  duplicatePushes: number;
  waits: [string, number][];
  blockers: [string, number][];
  samples: number;
  /** Share of the machine's cores busy (all processes, /proc/stat) while the run went, 0–1. */
  cpuBusy: number;
  loadAverage: number;
  /** CPU the worker processes used, in cores (1 = one core busy the whole run): the busiest and all together. */
  workerCpuMax: number;
  workerCpuSum: number;
  /** CPU of this process (the hub's API and the simulators), in cores. */
  apiCpu: number;
  /** Sync runs recorded and jobs made while the run went, per write-off. */
  runsPerWriteOff: number;
  jobsPerWriteOff: number;
  /** Updates of rate_buckets rows and commits in the run's database, per write-off. */
  bucketUpdatesPerWriteOff: number;
  commitsPerWriteOff: number;
}

/** The machine's busy and total CPU time so far (Linux /proc/stat; zeros elsewhere). */
function cpuTimes(): { busy: number; total: number } {
  try {
    const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = fields.map(Number);
    const idle = n[3] + (n[4] ?? 0);
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** A process's CPU time so far in seconds (Linux /proc/<pid>/stat utime + stime; 0 elsewhere). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return 0;
  }
}

const dbCounters = async (client: pg.Client) =>
  (
    await client.query<{ upd: string; commits: string }>(`
    select coalesce((select n_tup_upd from pg_stat_user_tables where relname = 'rate_buckets'), 0) as upd,
           (select xact_commit from pg_stat_database where datname = current_database()) as commits`)
  ).rows[0];

async function spawnWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/sklad.mjs', 'worker'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, SKLAD_MASTER_KEY: MASTER_KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const started = performance.now();
  while (!output.includes('Sklad worker running')) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${output}`);
    if (performance.now() - started > 90_000) throw new Error(`worker ${child.pid} did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

async function runWith(workers: number): Promise<RunFigures> {
  const env = await channelsBenchHub(`sklad_bench_scale${workers}`, { api: true });
  const sims: GenericSimulator[] = [];
  const closers: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  const sampler = new pg.Client({ connectionString: env.url });
  try {
    const { hub } = env;
    const catalog = await seedCatalog(hub.db, { count: SKUS, stock: () => 1_000_000 });
    for (let i = 0; i < ACCOUNTS; i++) {
      const sim = createGenericSimulator({ apiKey: `bench-scale-key-${i}`, batchSize: 100 });
      sim.seed({ count: SKUS, from: 1 });
      const server = await sim.listen();
      closers.push(server.close);
      sims.push(sim);
      const accountId = await createGenericAccount(hub, {
        name: `Shop ${i + 1}`,
        baseUrl: server.url,
        apiKey: sim.apiKey,
        settings: { pushBatchSize: PUSH_BATCH, requestsPerSecond: 5_000, burst: 500, maxConcurrent: 64 },
      });
      await syncAccount(hub, accountId);
    }
    for (const sim of sims) {
      sim.pushes.clear();
      sim.faults.set({ rate: 1, kinds: ['slow'], slowMs: LATENCY_MS });
    }
    children.push(...(await Promise.all(Array.from({ length: workers }, () => spawnWorker(env.url)))));

    await sampler.connect();
    const waits = new Map<string, number>();
    const blockers = new Map<string, number>();
    let samples = 0;
    let sampling = true;
    const sampling$ = (async () => {
      while (sampling) {
        const r = await sampler.query<{ w: string; n: number }>(`
          select coalesce(wait_event_type || ':' || wait_event, 'CPU') as w, count(*)::int as n
            from pg_stat_activity
           where datname = current_database() and state not in ('idle') and pid <> pg_backend_pid()
           group by 1`);
        samples++;
        for (const { w, n } of r.rows) waits.set(w, (waits.get(w) ?? 0) + n);
        // Who holds the rows the lock waiters queue on: the blocker's statement names the hot row.
        const blocked = await sampler.query<{ q: string }>(`
          select left(regexp_replace(b.query, '\\s+', ' ', 'g'), 90) as q
            from pg_stat_activity a, unnest(pg_blocking_pids(a.pid)) as bp(pid)
            join pg_stat_activity b on b.pid = bp.pid
           where a.datname = current_database() and a.wait_event_type = 'Lock'`);
        for (const { q } of blocked.rows) blockers.set(q, (blockers.get(q) ?? 0) + 1);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();

    await sampler.query('select pg_stat_clear_snapshot()');
    const countersBefore = await dbCounters(sampler);
    const cpuBefore = cpuTimes();
    const workerCpuBefore = children.map((c) => processCpuSeconds(c.pid!));
    const ownCpuBefore = process.cpuUsage();
    const latencies: number[] = [];
    const write = async (n: number) =>
      void latencies.push(await writeOffUntilSeen(env.api!, sims, catalog, n, { timeoutMs: 120_000, pollMs: 5 }));
    const started = performance.now();
    const pending: Promise<void>[] = [];
    const total = PER_SECOND * SECONDS;
    for (let n = 0; n < total; n++) {
      pending.push(write(n));
      const due = started + ((n + 1) * 1000) / PER_SECOND;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await Promise.all(pending);
    const seconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampling$;
    const cpuAfter = cpuTimes();
    const workerCpu = children.map((c, i) => (processCpuSeconds(c.pid!) - workerCpuBefore[i]) / seconds);
    const ownCpu = process.cpuUsage(ownCpuBefore);
    // PostgreSQL reports a backend's counters when its transaction ends, at most a second late.
    await new Promise((r) => setTimeout(r, 1_500));
    await sampler.query('select pg_stat_clear_snapshot()');
    const countersAfter = await dbCounters(sampler);

    const count = async (q: string) => (await sampler.query<{ n: number }>(q)).rows[0].n;
    const ranTwice = await count(`select count(*)::int as n from jobs where attempts > 1`);
    const runs = await count(
      `select count(*)::int as n from sync_runs where started_at >= now() - make_interval(secs => ${Math.ceil(seconds) + 5})`,
    );
    const jobs = await count(
      `select count(*)::int as n from jobs where created_at >= now() - make_interval(secs => ${Math.ceil(seconds) + 5})`,
    );
    let duplicatePushes = 0;
    for (const sim of sims) for (const list of sim.pushes.values()) duplicatePushes += list.length - new Set(list).size;
    latencies.sort((a, b) => a - b);
    return {
      workers,
      perSecond: total / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      ranTwice,
      duplicatePushes,
      waits: [...waits.entries()].sort((a, b) => b[1] - a[1]),
      blockers: [...blockers.entries()].sort((a, b) => b[1] - a[1]),
      samples,
      cpuBusy:
        cpuAfter.total > cpuBefore.total ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total) : 0,
      loadAverage: os.loadavg()[0],
      workerCpuMax: Math.max(...workerCpu),
      workerCpuSum: workerCpu.reduce((a, b) => a + b, 0),
      apiCpu: (ownCpu.user + ownCpu.system) / 1e6 / seconds,
      runsPerWriteOff: runs / total,
      jobsPerWriteOff: jobs / total,
      bucketUpdatesPerWriteOff: (Number(countersAfter.upd) - Number(countersBefore.upd)) / total,
      commitsPerWriteOff: (Number(countersAfter.commits) - Number(countersBefore.commits)) / total,
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)),
      ),
    );
    await sampler.end().catch(() => undefined);
    for (const close of closers) await close();
    await env.close();
  }
}

/** What bounds a run, from its own figures (docs/decisions/181): the offered rate, the cores, or the top wait. */
function bendOf(r: RunFigures): string {
  if (r.perSecond >= 0.95 * PER_SECOND)
    return `the offered ${PER_SECOND}/s (every write-off carried; more workers cannot raise it)`;
  if (r.cpuBusy >= 0.9)
    return `CPU: ${Math.round(r.cpuBusy * 100)}% of the machine's ${os.cpus().length} cores busy (workers, API, simulators and PostgreSQL share them)`;
  return `waiting: ${r.waits[0]?.[0] ?? 'nothing sampled'}`;
}

const benchmark: Benchmark = {
  name: 'scale-out',
  async run() {
    const runs: RunFigures[] = [];
    for (const workers of [1, 2, 4]) runs.push(await runWith(workers));
    const one = runs[0];
    const results: BenchResult[] = runs.map((r) => ({
      name: `scale-out workers=${r.workers}`,
      metrics: {
        db: 'postgres',
        per_second: r.perSecond.toFixed(1),
        p50: Math.round(r.p50),
        p99: Math.round(r.p99),
        ran_twice: r.ranTwice,
        duplicate_pushes: r.duplicatePushes,
        top_wait: r.waits[0]?.[0] ?? 'none',
        cpu_busy: Number(r.cpuBusy.toFixed(2)),
        load: Number(r.loadAverage.toFixed(1)),
        worker_cpu_max: Number(r.workerCpuMax.toFixed(2)),
        workers_cpu: Number(r.workerCpuSum.toFixed(2)),
        api_cpu: Number(r.apiCpu.toFixed(2)),
        bucket_updates_per_writeoff: Number(r.bucketUpdatesPerWriteOff.toFixed(2)),
        commits_per_writeoff: Number(r.commitsPerWriteOff.toFixed(1)),
        runs_per_writeoff: Number(r.runsPerWriteOff.toFixed(2)),
        jobs_per_writeoff: Number(r.jobsPerWriteOff.toFixed(2)),
      },
      ratio: r.perSecond / one.perSecond,
      goal: r.workers === 1 ? 1 : r.workers === 2 ? 1.5 : 3,
      summary:
        `${r.workers} worker(s): ${r.perSecond.toFixed(1)} write-offs/s reached all ${ACCOUNTS} channels (offered ${PER_SECOND}/s, ${LATENCY_MS} ms a request), ` +
        `p50 ${Math.round(r.p50)} ms, p99 ${Math.round(r.p99)} ms; jobs run twice ${r.ranTwice}, duplicate pushes ${r.duplicatePushes}; ` +
        `active-session wait events over ${r.samples} samples: ${
          r.waits
            .slice(0, 4)
            .map(([w, n]) => `${w} ${n}`)
            .join(', ') || 'none'
        }; ` +
        `lock waiters blocked by: ${
          r.blockers
            .slice(0, 3)
            .map(([q, n]) => `[${q}] ${n}`)
            .join(', ') || 'none'
        }; ` +
        `machine CPU busy ${Math.round(r.cpuBusy * 100)}% of ${os.cpus().length} cores (load ${r.loadAverage.toFixed(1)}); ` +
        `CPU in cores: workers ${r.workerCpuSum.toFixed(2)} (busiest ${r.workerCpuMax.toFixed(2)}), API and simulators ${r.apiCpu.toFixed(2)}, the rest PostgreSQL and the machine; ` +
        `per write-off ${r.bucketUpdatesPerWriteOff.toFixed(2)} rate_buckets updates, ${r.commitsPerWriteOff.toFixed(1)} commits, ${r.runsPerWriteOff.toFixed(2)} sync runs, ${r.jobsPerWriteOff.toFixed(2)} jobs; bound by ${bendOf(r)}`,
    }));
    const four = runs[2];
    results.push({
      name: 'scale-out',
      metrics: {
        db: 'postgres',
        workers_1: one.perSecond.toFixed(1),
        workers_4: four.perSecond.toFixed(1),
        p99_4: Math.round(four.p99),
      },
      ratio: four.perSecond / one.perSecond,
      goal: 3,
      summary:
        `4 workers ÷ 1 worker: ${(four.perSecond / one.perSecond).toFixed(2)}; p99 with 4 workers ${Math.round(four.p99)} ms (goal under 1000); ` +
        `1 worker bound by ${bendOf(one)}; 4 workers bound by ${bendOf(four)}`,
    });
    return results;
  },
};
export default benchmark;
