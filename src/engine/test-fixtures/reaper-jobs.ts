import { defineJobType } from '../jobs.ts';
import { withSyncRun } from '../sync-runs.ts';

/**
 * For reaper.sigkill.test.ts: a job whose first attempt opens a sync run and never ends (its
 * worker is killed in it); a later attempt ends its run at once. Loaded by the test and by the
 * worker it kills (test-fixtures/embedded-worker.ts).
 */
defineJobType(
  'test.reaper.sync',
  ({ hub, job }) =>
    withSyncRun(hub, { type: 'test.reaper.sync', jobId: job.id }, async (run) => {
      run.add({ fetched: 1 });
      if (job.attempt === 1) {
        console.log(`reaper run started (job ${job.id})`); // the test kills this process when it reads it
        await new Promise(() => {});
      }
      return { attempt: job.attempt };
    }),
  { leaseMs: 1_000 },
);
