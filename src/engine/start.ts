import type { Hub } from '../hub.ts';
import { startScheduler } from './scheduler.ts';
import { startWorkers } from './worker.ts';

/** `sklad start` runs the workers and the scheduler in its own process (a start hook). */
export async function startEngine(hub: Hub): Promise<() => Promise<void>> {
  const concurrency = Number(process.env.SKLAD_WORKER_CONCURRENCY) || 4;
  const stopWorkers = startWorkers(hub, { concurrency });
  const stopScheduler = startScheduler(hub);
  return async () => {
    await stopScheduler();
    await stopWorkers();
  };
}
