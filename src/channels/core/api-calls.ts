import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/database.ts';

/** The log of requests to external services (written by http-client.ts), its reading and its retention. */

export interface ApiCallView {
  id: number;
  at: string;
  account_id: number | null;
  sync_run_id: number | null;
  method: string;
  url: string;
  status: number | null;
  duration_ms: number;
  request_bytes: number;
  response_bytes: number;
  error: string | null;
}

export interface ApiCallFilter {
  accountId?: number;
  syncRunId?: number;
  /** An HTTP status, or 'failed' for errors and statuses ≥ 400. */
  status?: number | 'failed';
  limit: number;
  offset: number;
}

export async function listApiCalls(ex: Executor, f: ApiCallFilter): Promise<{ items: ApiCallView[]; total: number }> {
  const status = typeof f.status === 'number' ? f.status : null;
  const failedOnly = f.status === 'failed';
  const items = await rows<ApiCallView & { total: number }>(
    ex,
    sql`
    select id, iso(at) as at, account_id, sync_run_id, method, url, status, duration_ms, request_bytes, response_bytes, error,
           count(*) over () as total
      from api_calls
     where (${f.accountId ?? null}::bigint is null or account_id = ${f.accountId ?? null})
       and (${f.syncRunId ?? null}::bigint is null or sync_run_id = ${f.syncRunId ?? null})
       and (${status}::int is null or status = ${status})
       and (not ${failedOnly} or error is not null or status >= 400 or status is null)
     order by id desc limit ${f.limit} offset ${f.offset}`,
  );
  return { items: items.map(({ total: _t, ...r }) => r), total: Number(items[0]?.total ?? 0) };
}

/** Days api_calls rows are kept: SKLAD_API_CALLS_RETENTION_DAYS, 14 by default. */
export function apiCallsRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const days = Number(env.SKLAD_API_CALLS_RETENTION_DAYS ?? 14);
  return Number.isFinite(days) && days >= 1 ? Math.floor(days) : 14;
}

/** Deletes rows older than the retention, in slices so a large log never locks the table for long. */
export async function deleteOldApiCalls(ex: Executor, days = apiCallsRetentionDays()): Promise<number> {
  let deleted = 0;
  for (;;) {
    const gone = await rows<{ id: number }>(
      ex,
      sql`
      delete from api_calls where id in (
        select id from api_calls where at < now() - ${`${days} days`}::interval order by id limit 10000)
      returning id`,
    );
    deleted += gone.length;
    if (gone.length < 10_000) return deleted;
  }
}
