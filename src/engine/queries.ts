import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { jobColumns, type JobRow } from './jobs.ts';

/** Read side of the engine for the API and the panel. */

export async function listJobs(
  ex: Executor,
  f: { type?: string; status?: string; accountId?: number; limit: number; offset: number },
) {
  const where = sql`(${f.type ?? null}::text is null or type = ${f.type ?? null})
    and (${f.status ?? null}::text is null or status = ${f.status ?? null})
    and (${f.accountId ?? null}::bigint is null or account_id = ${f.accountId ?? null})`;
  const items = await rows<JobRow>(
    ex,
    sql`select ${jobColumns} from jobs where ${where} order by id desc limit ${f.limit} offset ${f.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(ex, sql`select count(*)::int as total from jobs where ${where}`);
  return { items, total };
}

export interface OutboxErrorRow {
  id: number;
  job_id: number | null;
  outbox_id: number | null;
  job_type: string;
  attempt: number;
  error: string;
  http_status: number | null;
  at: string;
}

export async function listOutboxErrors(
  ex: Executor,
  f: { jobType?: string; jobId?: number; outboxId?: number; limit: number; offset: number },
) {
  const where = sql`(${f.jobType ?? null}::text is null or job_type = ${f.jobType ?? null})
    and (${f.jobId ?? null}::bigint is null or job_id = ${f.jobId ?? null})
    and (${f.outboxId ?? null}::bigint is null or outbox_id = ${f.outboxId ?? null})`;
  const items = await rows<OutboxErrorRow>(
    ex,
    sql`select id, job_id, outbox_id, job_type, attempt, error, http_status, iso(at) as at
        from outbox_errors where ${where} order by id desc limit ${f.limit} offset ${f.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(
    ex,
    sql`select count(*)::int as total from outbox_errors where ${where}`,
  );
  return { items, total };
}

/** A job's failed attempts, oldest first (at most the last 100). */
export async function jobErrors(ex: Executor, jobId: number) {
  const items = await rows<OutboxErrorRow>(
    ex,
    sql`select id, job_id, outbox_id, job_type, attempt, error, http_status, iso(at) as at
        from outbox_errors where job_id = ${jobId} order by id desc limit 100`,
  );
  return items.reverse();
}
