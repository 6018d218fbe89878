import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { testHub } from '../test/server.ts';
import type { Hub } from '../hub.ts';
import { claimJobs } from './claims.ts';
import { retryDelayMs } from './failures.ts';
import { defineJobType, enqueueJob, getJob, JobError, PermanentJobError, retryJob } from './jobs.ts';
import { startWorkers } from './worker.ts';
import { waitFor } from './test-fixtures/wait.ts';

test('back-off doubles per attempt with jitter between half and all of it, and a longer Retry-After wins', () => {
  expect(retryDelayMs(1, 1000, null, () => 0)).toBe(500);
  expect(retryDelayMs(1, 1000, null, () => 1)).toBe(1000);
  expect(retryDelayMs(3, 1000, null, () => 1)).toBe(4000);
  expect(retryDelayMs(30, 1000, null, () => 1)).toBe(600_000);
  expect(retryDelayMs(1, 1000, 30_000, () => 1)).toBe(30_000);
  expect(retryDelayMs(3, 1000, 10, () => 1)).toBe(4000);
});

describeEachDatabase('jobs', (t) => {
  let hub: Hub;
  let stop: () => Promise<void>;
  const type = (name: string) => `test.${name}.${t.kind}`;
  const ran: Record<string, number> = {};
  const count = (name: string) => (ran[name] = (ran[name] ?? 0) + 1);

  defineJobType(type('echo'), async ({ job, progress }) => {
    count('echo');
    await progress({ done: 1, total: 1, message: 'echoed' });
    return { echoed: job.payload };
  });
  defineJobType(
    type('broken'),
    () => {
      count('broken');
      throw new JobError('the service is down', { httpStatus: 503 });
    },
    { maxAttempts: 3, backoffMs: 5 },
  );
  defineJobType(
    type('throttled'),
    () => {
      count('throttled');
      throw new JobError('slow down', { httpStatus: 429, retryAfterMs: 60_000 });
    },
    { backoffMs: 5 },
  );
  defineJobType(
    type('rejected'),
    () => {
      count('rejected');
      throw new PermanentJobError('the key was rejected', { httpStatus: 401 });
    },
    { backoffMs: 5 },
  );
  defineJobType(
    type('slow'),
    async ({ signal }) => {
      count('slow');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return { aborted: signal.aborted };
    },
    { leaseMs: 2_000 },
  );
  defineJobType(type('lost'), () => ({ done: count('lost') }), { leaseMs: 300 });

  const jobTypes = ['echo', 'broken', 'throttled', 'rejected', 'slow'].map(type);
  const errorsOf = (jobId: number) =>
    rows<{ attempt: number; error: string; http_status: number | null }>(
      hub.db,
      sql`select attempt, error, http_status from outbox_errors where job_id = ${jobId} order by id`,
    );
  const ended = (id: number) =>
    waitFor(`job ${id} to end`, async () => {
      const job = await getJob(hub.db, id);
      return ['succeeded', 'dead', 'cancelled'].includes(job.status) ? job : null;
    });

  beforeAll(() => {
    hub = testHub(t.database);
    stop = startWorkers(hub, { concurrency: 4, types: jobTypes, pollMs: 20, stopGraceMs: 100 });
  });
  afterAll(() => stop());

  test('a job enqueued in a rolled-back transaction does not exist; a committed one runs once', async () => {
    await expect(
      hub.db.transaction(async (tx) => {
        await enqueueJob(tx, { type: type('echo'), key: 'rolled-back' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await rows(hub.db, sql`select id from jobs where key = 'rolled-back'`)).toEqual([]);

    const { id } = await hub.db.transaction((tx) => enqueueJob(tx, { type: type('echo'), payload: { n: 1 } }));
    const job = await ended(id);
    expect(job).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { echoed: { n: 1 } },
      progress: { done: 1, total: 1 },
    });
    expect(ran.echo).toBe(1);
  });

  test('a key is held while the job waits or runs, and free again once it ended', async () => {
    const runAt = new Date(Date.now() + 3_600_000);
    const first = await enqueueJob(hub.db, { type: type('echo'), key: 'account:1:sync', runAt });
    const second = await enqueueJob(hub.db, { type: type('echo'), key: 'account:1:sync' });
    expect(second).toEqual({ id: first.id, deduplicated: true });
    await hub.db.execute(sql`update jobs set run_at = now() where id = ${first.id}`);
    await ended(first.id);
    const third = await enqueueJob(hub.db, { type: type('echo'), key: 'account:1:sync' });
    expect(third.deduplicated).toBe(false);
    expect(third.id).not.toBe(first.id);
    await ended(third.id);
  });

  test('each failed attempt is a row in outbox_errors; after the last one the job is dead', async () => {
    const { id } = await enqueueJob(hub.db, { type: type('broken') });
    const job = await ended(id);
    expect(job).toMatchObject({
      status: 'dead',
      attempts: 3,
      max_attempts: 3,
      last_error: 'JobError: the service is down',
      last_http_status: 503,
    });
    expect(await errorsOf(id)).toEqual(
      [1, 2, 3].map((attempt) => ({ attempt, error: 'JobError: the service is down', http_status: 503 })),
    );
  });

  test('a Retry-After longer than the back-off delays the next attempt that long', async () => {
    const { id } = await enqueueJob(hub.db, { type: type('throttled') });
    const job = await waitFor('the first attempt to fail', async () =>
      (await getJob(hub.db, id)).status === 'failed' ? getJob(hub.db, id) : null,
    );
    expect(job).toMatchObject({ attempts: 1, last_http_status: 429 });
    const [gap] = await rows<{ seconds: number }>(
      hub.db,
      sql`select extract(epoch from j.run_at - e.at)::float8 as seconds from jobs j join outbox_errors e on e.job_id = j.id where j.id = ${id}`,
    );
    expect(gap.seconds).toBeGreaterThan(59);
    expect(gap.seconds).toBeLessThan(61);
    await hub.db.execute(sql`update jobs set status = 'cancelled' where id = ${id}`);
  });

  test('a permanent error makes the job dead at once; retrying it starts its attempts again', async () => {
    const { id } = await enqueueJob(hub.db, { type: type('rejected') });
    expect(await ended(id)).toMatchObject({ status: 'dead', attempts: 1, last_http_status: 401 });
    await expect(
      retryJob(hub.db, (await enqueueJob(hub.db, { type: type('echo'), runAt: new Date(Date.now() + 3_600_000) })).id),
    ).rejects.toMatchObject({ code: 'JOB_NOT_RETRYABLE', status: 409 });
    const before = ran.rejected;
    const retried = await retryJob(hub.db, id);
    expect(retried).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await ended(id)).toMatchObject({ status: 'dead', attempts: 1 });
    expect(ran.rejected).toBe(before + 1);
    expect((await errorsOf(id)).length).toBe(2);
  });

  test('a heartbeat keeps a job longer than its lease; nobody else takes it', async () => {
    const { id } = await enqueueJob(hub.db, { type: type('slow') });
    expect(await ended(id)).toMatchObject({ status: 'succeeded', attempts: 1, result: { aborted: false } });
    expect(ran.slow).toBe(1);
    expect(await errorsOf(id)).toEqual([]);
  });

  test('a job whose worker died is taken over when its lease runs out', async () => {
    const { id } = await enqueueJob(hub.db, { type: type('lost') });
    // A worker that claims and then vanishes: no heartbeat, no result.
    const claimed = await claimJobs(hub.db, 'vanished-worker', [{ type: type('lost'), leaseMs: 300 }], 1);
    expect(claimed.map((c) => c.id)).toEqual([id]);
    const stopOther = startWorkers(hub, { types: [type('lost')], pollMs: 20 });
    const job = await ended(id).finally(stopOther);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, locked_by: null });
    expect(ran.lost).toBe(1);
    const errors = await errorsOf(id);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ attempt: 1 });
    expect(errors[0].error).toMatch(/lease expired/);
  });
});
