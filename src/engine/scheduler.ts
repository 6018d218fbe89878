import crypto from 'node:crypto';
import os from 'node:os';
import type { Hub } from '../hub.ts';
import { acquireLease, releaseLease } from './leases.ts';
import { fireDueSchedules } from './schedules.ts';

const LEASE = 'scheduler';

/**
 * Runs the scheduler: every process may start one, one of them leads (a row in `leases`,
 * renewed each tick) and fires due schedules; the others wait to take over if it dies.
 * Returns stop(), which gives the leadership up at once.
 */
export function startScheduler(
  hub: Hub,
  options: { tickMs?: number; leaseMs?: number; holder?: string } = {},
): () => Promise<void> {
  const tickMs = options.tickMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 15_000;
  const holder = options.holder ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  let stopping = false;
  let leading = false;
  let timer: NodeJS.Timeout | undefined;
  let wake = () => {};

  const tick = async () => {
    const nowLeading = await acquireLease(hub.db, LEASE, holder, leaseMs);
    if (nowLeading !== leading)
      hub.logger.info({ holder }, nowLeading ? 'this scheduler leads' : 'this scheduler no longer leads');
    leading = nowLeading;
    if (!leading || stopping) return;
    const fired = await fireDueSchedules(hub.db);
    if (fired.length) hub.logger.info({ jobs: fired }, 'scheduled jobs enqueued');
  };

  const loop = (async () => {
    while (!stopping) {
      await tick().catch((err) => hub.logger.error({ err }, 'scheduler tick failed'));
      // A follower looks less often: it only has to notice that the leader is gone.
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, leading ? tickMs : tickMs * 2);
        wake = resolve;
      });
    }
  })();

  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= (async () => {
      stopping = true;
      clearTimeout(timer);
      wake();
      await loop;
      if (leading)
        await releaseLease(hub.db, LEASE, holder).catch((err) =>
          hub.logger.error({ err }, 'could not release the scheduler lease'),
        );
    })());
}
