import { sql } from 'drizzle-orm';
import { defineJobType } from '../jobs.ts';

/**
 * A job type for workers.scale.test.ts, loaded by `sklad worker` through
 * SKLAD_EXTRA_JOB_MODULES. Every execution is logged (to count them); the job's effect is
 * written once per job id (idempotent, as every handler's side effects must be), so after a
 * SIGKILL the effect table still holds exactly one row per job.
 */
defineJobType(
  'test.scale',
  async ({ hub, job }) => {
    await hub.db.execute(sql`
      with executed as (insert into test_scale_executions (job_id, pid) values (${job.id}, ${process.pid}))
      insert into test_scale_effects (job_id, n) values (${job.id}, ${Number(job.payload.n)}) on conflict (job_id) do nothing`);
    return null;
  },
  { leaseMs: 5_000 },
);
