import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createGenericSimulator } from '../../simulators/generic/index.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { channelsHub, createGenericAccount, expectedChannelQuantities, seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { enqueueJobs } from './jobs.ts';
import { waitFor } from './test-fixtures/wait.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const JOBS = 10_000;
const CONCURRENCY = 8;
// The second run's write-offs spread over this many products, each listed on the simulator.
const PRODUCTS = 200;
const STOCK = 1_000;

// Issue 3: three real `sklad worker` processes on PostgreSQL (PGlite is one process, so not there).
describe.skipIf(!testKinds().includes('postgres'))('three sklad worker processes [postgres]', () => {
  const t = useTestDatabase('postgres');
  const children: ChildProcess[] = [];
  /** Everything each process wrote, by pid (grepped for the channel's key). */
  const outputs = new Map<number, string>();
  const db = () => t.database.db;

  const spawnSklad = async (role: 'worker' | 'scheduler') => {
    const args = role === 'worker' ? ['worker', '--concurrency', String(CONCURRENCY)] : ['scheduler'];
    const child = spawn(process.execPath, ['bin/sklad.mjs', ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        SKLAD_EXTRA_JOB_MODULES: 'src/engine/test-fixtures/scale-jobs.ts',
        // The key channelsHub seals the account's credentials with.
        SKLAD_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const keep = (d: Buffer) => {
      output += d;
      outputs.set(child.pid!, (outputs.get(child.pid!) ?? '') + d);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitFor(
      `${role} ${child.pid} to start`,
      () => {
        if (child.exitCode !== null) throw new Error(`${role} exited with ${child.exitCode}: ${output}`);
        return output.includes(`Sklad ${role} running`);
      },
      60_000,
    );
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const enqueue = () =>
    enqueueJobs(
      db(),
      Array.from({ length: JOBS }, (_, n) => ({ type: 'test.scale', payload: { n } })),
    );
  const succeeded = async () =>
    (
      await rows<{ n: number }>(
        db(),
        sql`select count(*)::int as n from jobs where type = 'test.scale' and status = 'succeeded'`,
      )
    )[0].n;
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
  let scheduler: ChildProcess;

  test('process 10,000 jobs, each exactly once, all done', async () => {
    [scheduler, ...workers] = await Promise.all([
      spawnSklad('scheduler'),
      spawnSklad('worker'),
      spawnSklad('worker'),
      spawnSklad('worker'),
    ]);
    expect(await enqueue()).toBe(JOBS);
    await waitFor('all jobs to succeed', async () => (await succeeded()) === JOBS, 180_000);

    expect(await count(sql`select count(*)::int as n from test_scale_executions`)).toBe(JOBS);
    expect(await count(sql`select count(distinct job_id)::int as n from test_scale_executions`)).toBe(JOBS);
    expect(await count(sql`select count(*)::int as n from test_scale_effects`)).toBe(JOBS);
    expect(
      await count(
        sql`select count(*)::int as n from jobs where type = 'test.scale' and (status <> 'succeeded' or attempts <> 1)`,
      ),
    ).toBe(0);
    expect(await count(sql`select count(*)::int as n from outbox_errors`)).toBe(0);
    const pids = await rows<{ pid: number }>(db(), sql`select distinct pid from test_scale_executions`);
    expect(pids.map((p) => p.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
  }, 240_000);

  test('then one worker is SIGKILLed mid-run: every job still completes, each effect once, and the simulator ends equal to the database', async () => {
    expect(workers).toHaveLength(3);
    // A channel in this process, its listings matched to products with stock; the workers'
    // stock.changed consumer carries every write-off to it.
    const sim = createGenericSimulator({ apiKey: 'scale-test-generic-key', batchSize: 100 });
    const simServer = await sim.listen();
    try {
      const hub = channelsHub(t.database);
      sim.seed({ count: PRODUCTS, from: 1 });
      const catalog = await seedCatalog(db(), { count: PRODUCTS, stock: () => STOCK });
      const accountId = await createGenericAccount(hub, {
        baseUrl: simServer.url,
        apiKey: sim.apiKey,
        settings: { pushBatchSize: 100, requestsPerSecond: 5_000, burst: 500, maxConcurrent: 4 },
      });
      await syncAccount(hub, accountId);
      expect(sim.quantityOf('L1')).toBe(STOCK);
      const jobs = Array.from({ length: JOBS }, (_, n) => ({
        type: 'test.scale.writeoff',
        payload: { productId: catalog.productIds[n % PRODUCTS], warehouseId: catalog.warehouseId },
      }));
      expect(await enqueueJobs(db(), jobs)).toBe(JOBS);
      const writeOffs = () =>
        count(sql`select count(*)::int as n from stock_movements where reference like 'scale-job-%'`);
      await waitFor('a third of the write-offs', async () => (await writeOffs()) >= JOBS / 3, 120_000);
      const victim = workers[0];
      victim.kill('SIGKILL');
      await exited(victim);
      expect(await writeOffs()).toBeLessThan(JOBS);

      const done = () =>
        count(sql`select count(*)::int as n from jobs where type = 'test.scale.writeoff' and status = 'succeeded'`);
      await waitFor('every write-off job to succeed after the kill', async () => (await done()) === JOBS, 240_000);
      // Each write-off happened once, however often its job ran.
      expect(await writeOffs()).toBe(JOBS);
      const levels = await rows<{ on_hand: number }>(
        db(),
        sql`
        select on_hand::int from stock_levels where product_id = any(${sql.param(catalog.productIds)}::bigint[])`,
      );
      expect(levels.map((l) => l.on_hand)).toEqual(Array(PRODUCTS).fill(STOCK - JOBS / PRODUCTS));
      // At least once: only the jobs the victim held when it died ran twice (and replayed their write-off).
      expect(
        await count(
          sql`select count(*)::int as n from jobs where type = 'test.scale.writeoff' and (result->>'replayed')::boolean`,
        ),
      ).toBeLessThanOrEqual(CONCURRENCY);
      const takenOver = await count(
        sql`select count(*)::int as n from jobs where type = 'test.scale.writeoff' and attempts = 2`,
      );
      expect(takenOver).toBeLessThanOrEqual(CONCURRENCY);
      expect(
        await count(
          sql`select count(*)::int as n from outbox_errors where job_type = 'test.scale.writeoff' and error like 'lease expired%'`,
        ),
      ).toBe(takenOver);

      // The survivors carry every change to the channel, also those the victim held.
      const truth = await expectedChannelQuantities(db(), accountId);
      expect(truth.get('L1')).toBe(STOCK - JOBS / PRODUCTS);
      await waitFor(
        'the channel to show the stock',
        async () => {
          const settled = await count(sql`
          select (select count(*) from outbox where processed_at is null)
               + (select count(*) from listings where needs_push)
               + (select count(*) from jobs where type = 'channels.push' and status in ('queued', 'running', 'failed'))::int as n`);
          return settled === 0 && [...truth].every(([id, q]) => sim.quantityOf(id) === q);
        },
        60_000,
      );
      for (const [id, quantity] of truth) expect(sim.quantityOf(id), id).toBe(quantity);
      // The channel's key is in no request log row and in nothing the workers wrote.
      expect(await count(sql`select count(*)::int as n from api_calls`)).toBeGreaterThan(0);
      expect(
        await count(
          sql`select count(*)::int as n from api_calls where url like ${`%${sim.apiKey}%`} or error like ${`%${sim.apiKey}%`}`,
        ),
      ).toBe(0);
      for (const output of outputs.values()) expect(output).not.toContain(sim.apiKey);
      // Quantities only went down: no push of an older quantity after a newer one.
      for (const [id, history] of sim.pushes) {
        for (let i = 1; i < history.length; i++)
          expect(history[i], `${id}: ${history.join(' → ')}`).toBeLessThanOrEqual(history[i - 1]);
      }
    } finally {
      await simServer.close();
    }

    for (const w of workers.slice(1)) w.kill('SIGTERM');
    expect(await Promise.all(workers.slice(1).map(exited))).toEqual([0, 0]);
  }, 420_000);

  test('`sklad scheduler` runs alone: it leads, and gives the leadership up when stopped', async () => {
    const holder = async () =>
      (
        await rows<{ holder: string }>(db(), sql`select holder from leases where name = 'scheduler' and until > now()`)
      )[0]?.holder ?? null;
    expect(await waitFor('the scheduler to lead', holder)).toContain(`:${scheduler.pid}:`);
    scheduler.kill('SIGTERM');
    expect(await exited(scheduler)).toBe(0);
    expect(await holder()).toBeNull();
  });
});
