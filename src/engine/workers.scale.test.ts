import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { enqueueJobs } from './jobs.ts';
import { waitFor } from './test-fixtures/wait.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const JOBS = 10_000;
const CONCURRENCY = 8;

// Issue 3: three real `sklad worker` processes on PostgreSQL (PGlite is one process, so not there).
describe.skipIf(!testKinds().includes('postgres'))('three sklad worker processes [postgres]', () => {
  const t = useTestDatabase('postgres');
  const children: ChildProcess[] = [];
  const db = () => t.database.db;

  const spawnWorker = async () => {
    const child = spawn(process.execPath, ['bin/sklad.mjs', 'worker', '--concurrency', String(CONCURRENCY)], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        SKLAD_EXTRA_JOB_MODULES: 'src/engine/test-fixtures/scale-jobs.ts',
        SKLAD_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitFor(`worker ${child.pid} to start`, () => {
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${output}`);
      return output.includes('Sklad worker running');
    }, 60_000);
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const enqueue = () => enqueueJobs(db(), Array.from({ length: JOBS }, (_, n) => ({ type: 'test.scale', payload: { n } })));
  const succeeded = async () =>
    (await rows<{ n: number }>(db(), sql`select count(*)::int as n from jobs where type = 'test.scale' and status = 'succeeded'`))[0].n;
  const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(db(), query))[0].n;

  beforeAll(async () => {
    await db().execute(sql`create table test_scale_executions (job_id bigint not null, pid integer not null)`);
    await db().execute(sql`create table test_scale_effects (job_id bigint primary key, n integer not null)`);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });

  let workers: ChildProcess[] = [];

  test('process 10,000 jobs, each exactly once, all done', async () => {
    workers = await Promise.all([spawnWorker(), spawnWorker(), spawnWorker()]);
    expect(await enqueue()).toBe(JOBS);
    await waitFor('all jobs to succeed', async () => (await succeeded()) === JOBS, 90_000);

    expect(await count(sql`select count(*)::int as n from test_scale_executions`)).toBe(JOBS);
    expect(await count(sql`select count(distinct job_id)::int as n from test_scale_executions`)).toBe(JOBS);
    expect(await count(sql`select count(*)::int as n from test_scale_effects`)).toBe(JOBS);
    expect(await count(sql`select count(*)::int as n from jobs where type = 'test.scale' and (status <> 'succeeded' or attempts <> 1)`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from outbox_errors`)).toBe(0);
    const pids = await rows<{ pid: number }>(db(), sql`select distinct pid from test_scale_executions`);
    expect(pids.map((p) => p.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
  }, 100_000);

  test('then one worker is SIGKILLed mid-run: every job still completes, each effect exactly once; the others stop cleanly on SIGTERM', async () => {
    expect(workers).toHaveLength(3);
    await db().execute(sql`delete from jobs where type = 'test.scale'`);
    await db().execute(sql`truncate test_scale_executions, test_scale_effects`);
    await enqueue();
    await waitFor('a third of the jobs to be done', async () => (await count(sql`select count(*)::int as n from test_scale_effects`)) >= JOBS / 3, 60_000);
    const victim = workers[0];
    victim.kill('SIGKILL');
    await exited(victim);
    expect(await count(sql`select count(*)::int as n from test_scale_effects`)).toBeLessThan(JOBS);

    await waitFor('all jobs to succeed after the kill', async () => (await succeeded()) === JOBS, 90_000);
    expect(await count(sql`select count(*)::int as n from test_scale_effects`)).toBe(JOBS);
    expect(await count(sql`select count(distinct job_id)::int as n from test_scale_executions`)).toBe(JOBS);
    // At least once: only jobs the victim held when it died may have run twice.
    const executions = await count(sql`select count(*)::int as n from test_scale_executions`);
    expect(executions - JOBS).toBeLessThanOrEqual(CONCURRENCY);
    expect(await count(sql`select count(*)::int as n from test_scale_executions where pid = ${victim.pid!}`)).toBeGreaterThan(0);
    // Jobs taken over from the victim ran a second attempt, and its lost attempt is logged.
    const takenOver = await count(sql`select count(*)::int as n from jobs where type = 'test.scale' and attempts = 2`);
    expect(takenOver).toBeLessThanOrEqual(CONCURRENCY);
    expect(await count(sql`select count(*)::int as n from outbox_errors where error like 'lease expired%'`)).toBe(takenOver);

    for (const w of workers.slice(1)) w.kill('SIGTERM');
    expect(await Promise.all(workers.slice(1).map(exited))).toEqual([0, 0]);
  }, 100_000);
});
