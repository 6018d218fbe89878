import { sql } from 'drizzle-orm';
import { recordMovement } from '../../inventory/movements.ts';
import { defineJobType } from '../jobs.ts';

/**
 * Job types for workers.scale.test.ts, loaded by `sklad worker` through
 * SKLAD_EXTRA_JOB_MODULES. Each job's effect is made once per job id (idempotent, as every
 * handler's side effects must be), so after a SIGKILL there is still exactly one effect per job.
 */
// Every execution is logged, to count them.
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

/**
 * A write-off of one unit, as an order import makes it: its reference (the job id) makes a
 * second execution replay the first instead of writing again. The movement's outbox message
 * carries the change to the channels through the workers' stock.changed consumer.
 */
defineJobType(
  'test.scale.writeoff',
  async ({ hub, job }) => {
    const { productId, warehouseId } = job.payload as { productId: number; warehouseId: number };
    const { replayed } = await recordMovement(
      hub.db,
      { type: 'write_off', productId, warehouseId, quantity: 1, reference: `scale-job-${job.id}` },
      'scale test',
    );
    return { replayed };
  },
  { leaseMs: 5_000 },
);
