import { sql } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';
import type { Claim } from './claims.ts';

/**
 * Marks finished jobs succeeded in batches: what finishes while one write is in flight goes
 * into the next, so a busy worker writes once for many jobs and an idle one at once.
 * Guarded like every write of a claim: (job id, worker, attempt).
 */
export function createCompleter(ex: Executor, workerId: string) {
  let pending: { claim: Claim; result: unknown; done: (error?: unknown) => void }[] = [];
  let writing = false;

  const write = async () => {
    writing = true;
    while (pending.length) {
      const batch = pending;
      pending = [];
      try {
        await ex.execute(sql`
          update jobs j set status = 'succeeded', result = r.result, finished_at = now(), locked_by = null, lease_until = null, last_error = null
          from unnest(${sql.param(batch.map((b) => b.claim.id))}::bigint[], ${sql.param(batch.map((b) => b.claim.attempts))}::int[],
                      ${sql.param(batch.map((b) => JSON.stringify(b.result ?? null)))}::jsonb[]) as r(id, attempt, result)
          where j.id = r.id and j.locked_by = ${workerId} and j.attempts = r.attempt and j.status = 'running'`);
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error);
      }
    }
    writing = false;
  };

  return (claim: Claim, result: unknown) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ claim, result, done: (error) => (error ? reject(error) : resolve()) });
      if (!writing) setImmediate(() => void (writing || write()));
    });
}
