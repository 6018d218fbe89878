import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Failure } from './failures.ts';

/**
 * The statements a worker runs on `jobs`, each one short and alone (no long transactions:
 * PGlite has one connection). A claim is identified by (job id, worker id, attempt), so a
 * worker that lost its lease can no longer finish or fail the job someone else took over.
 */

export interface Claim {
  id: number;
  type: string;
  payload: Record<string, unknown>;
  account_id: number | null;
  key: string | null;
  attempts: number;
  max_attempts: number;
  created_at: string;
}

export interface ClaimType {
  type: string;
  leaseMs: number;
}

/** Takes up to `limit` due jobs of these types: one UPDATE over a SKIP LOCKED select. */
export async function claimJobs(ex: Executor, workerId: string, types: ClaimType[], limit: number): Promise<Claim[]> {
  if (!types.length || limit < 1) return [];
  const names = types.map((t) => t.type);
  return rows<Claim>(
    ex,
    sql`update jobs j set status = 'running', attempts = j.attempts + 1, locked_by = ${workerId},
          lease_until = now() + make_interval(secs => l.ms / 1000.0), heartbeat_at = now(),
          started_at = coalesce(j.started_at, now()), finished_at = null
        from unnest(${sql.param(names)}::text[], ${sql.param(types.map((t) => t.leaseMs))}::int[]) as l(type, ms)
        where l.type = j.type and j.id in (
          select id from jobs
          where status in ('queued', 'failed') and run_at <= now() and type = any(${sql.param(names)}::text[])
          order by run_at, id limit ${limit}
          for update skip locked)
        returning j.id, j.type, j.payload, j.account_id, j.key, j.attempts, j.max_attempts, iso(j.created_at) as created_at`,
  );
}

/** Renews the lease; false when the job is no longer ours (taken over after expiry, or cancelled). */
export async function renewLease(ex: Executor, workerId: string, claim: Claim, leaseMs: number): Promise<boolean> {
  const renewed = await rows(
    ex,
    sql`update jobs set lease_until = now() + make_interval(secs => ${leaseMs} / 1000.0), heartbeat_at = now()
        where id = ${claim.id} and locked_by = ${workerId} and attempts = ${claim.attempts} and status = 'running'
        returning id`,
  );
  return renewed.length > 0;
}

export async function saveProgress(ex: Executor, workerId: string, claim: Claim, progress: unknown) {
  await ex.execute(sql`
    update jobs set progress = ${JSON.stringify(progress)}::jsonb
    where id = ${claim.id} and locked_by = ${workerId} and attempts = ${claim.attempts} and status = 'running'`);
}

/**
 * Records the failed attempt in outbox_errors (always: it did fail) and, if the job is still
 * ours, schedules the retry (status failed, run_at after the delay) or makes it dead.
 */
export async function failJob(ex: Executor, workerId: string, claim: Claim, failure: Failure, delayMs: number) {
  const [row] = await rows<{ status: string | null }>(
    ex,
    sql`with updated as (
          update jobs set
            status = case when ${failure.permanent} or attempts >= max_attempts then 'dead' else 'failed' end,
            finished_at = case when ${failure.permanent} or attempts >= max_attempts then now() end,
            run_at = now() + make_interval(secs => ${delayMs} / 1000.0),
            last_error = ${failure.message}, last_http_status = ${failure.httpStatus},
            locked_by = null, lease_until = null
          where id = ${claim.id} and locked_by = ${workerId} and attempts = ${claim.attempts} and status = 'running'
          returning status),
        logged as (
          insert into outbox_errors (job_id, job_type, attempt, error, http_status, account_id, sku)
          values (${claim.id}, ${claim.type}, ${claim.attempts}, ${failure.message}, ${failure.httpStatus},
                  coalesce(${failure.accountId}::bigint, ${claim.account_id}::bigint), ${failure.sku}))
        select (select status from updated) as status`,
  );
  return row?.status ?? null;
}

/** On a clean stop: jobs still running go back to the queue at once, the attempt not counted. */
export async function releaseJobs(ex: Executor, workerId: string, ids: number[]) {
  if (!ids.length) return;
  await ex.execute(sql`
    update jobs set status = 'queued', attempts = greatest(attempts - 1, 0), run_at = now(), locked_by = null, lease_until = null
    where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId} and status = 'running'`);
}

const LOST = 'lease expired: the worker stopped renewing it (killed or stalled) mid-attempt';

/**
 * Jobs whose lease ran out (their worker died): the attempt counts as failed and is logged;
 * they are queued again at once, or dead if it was the last attempt.
 */
export async function reclaimExpired(ex: Executor): Promise<number> {
  const lost = await rows<{ id: number }>(
    ex,
    sql`with lost as (
          update jobs set
            status = case when attempts >= max_attempts then 'dead' else 'queued' end,
            finished_at = case when attempts >= max_attempts then now() end,
            run_at = now(), locked_by = null, lease_until = null, last_error = ${LOST}
          where id in (select id from jobs where status = 'running' and lease_until < now() for update skip locked)
          returning id, type, attempts, account_id)
        insert into outbox_errors (job_id, job_type, attempt, error, account_id)
        select id, type, attempts, ${LOST}, account_id from lost
        returning job_id as id`,
  );
  return lost.length;
}
