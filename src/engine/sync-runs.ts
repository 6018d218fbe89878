import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { userMessage } from '../shared/errors.ts';
import type { SyncRunCounter } from '../channels/core/connector.ts';

type Counts = Record<'fetched' | 'created' | 'updated' | 'pushed' | 'failed' | 'duplicates', number>;
const countNames: (keyof Counts)[] = ['fetched', 'created', 'updated', 'pushed', 'failed', 'duplicates'];
type Paging = Record<string, { stop: string; pages: number }>;
// A run with many bad items keeps the first problems and counts the rest.
const MAX_PROBLEMS = 100;
// Counts of a long run are written while it runs, so the history shows it moving.
const FLUSH_EVERY_MS = 2_000;

export interface SyncRun extends SyncRunCounter {
  readonly counts: Readonly<Counts>;
  readonly problems: readonly { message: string; details?: unknown }[];
  readonly paging: Readonly<Paging>;
}

/**
 * Runs `fn` as one sync run: a `sync_runs` row is written at the start (status running) and
 * finished with the counts: succeeded, partial (problems were reported) or failed (fn threw;
 * the error is kept and rethrown). While it runs, its lease is renewed (SKLAD_SYNC_RUN_LEASE_SECONDS);
 * if the process dies, `reapSyncRuns` finds the lease expired and fails the run.
 */
export async function withSyncRun<T>(
  hub: Hub,
  input: { type: string; accountId?: number | null; jobId?: number | null },
  fn: (run: SyncRun) => Promise<T>,
): Promise<T> {
  const leaseSeconds = hub.config.SKLAD_SYNC_RUN_LEASE_SECONDS;
  const [{ id }] = await rows<{ id: number }>(
    hub.db,
    sql`insert into sync_runs (type, account_id, job_id, lease_until)
        values (${input.type}, ${input.accountId ?? null}, ${input.jobId ?? null}, now() + make_interval(secs => ${leaseSeconds}))
        returning id`,
  );
  const counts: Counts = { fetched: 0, created: 0, updated: 0, pushed: 0, failed: 0, duplicates: 0 };
  const problems: { message: string; details?: unknown }[] = [];
  const paging: Paging = {};
  let problemCount = 0;
  let dirty = false;
  const run: SyncRun = {
    id,
    counts,
    problems,
    paging,
    add(more) {
      for (const name of countNames) counts[name] += more[name] ?? 0;
      dirty = true;
    },
    problem(said, details) {
      problemCount++;
      // A problem's words may quote a database error ("Failed query: …"): its SQL goes to the log, not the history.
      const at = said.indexOf('Failed query:');
      const message = at < 0 ? said : `${said.slice(0, at)}a database error; the details are in the log`;
      if (at >= 0) hub.logger.warn({ syncRunId: id, problem: said }, 'sync run problem with a database error');
      // Why a call stopped reading (a page cap, a repeated cursor) is kept even past the first problems: it explains the run.
      const stopsReading = typeof details === 'object' && details !== null && 'stop' in details && 'call' in details;
      if (problems.length < MAX_PROBLEMS || stopsReading)
        problems.push(details === undefined ? { message } : { message, details });
      dirty = true;
    },
    paged(call, stop, pages) {
      // A call paged twice in one run (resumed, or once per filter) keeps its last stop and all its pages.
      paging[call] = { stop, pages: (paging[call]?.pages ?? 0) + pages };
      dirty = true;
    },
  };
  let renewedAt = Date.now();
  const flush = async () => {
    // The lease is renewed a few times in its span, with the counts when they changed.
    const renew = Date.now() - renewedAt >= (leaseSeconds * 1000) / 4;
    if (!dirty && !renew) return;
    if (renew) renewedAt = Date.now();
    const wrote = dirty;
    dirty = false;
    await writeCounts(hub.db, id, wrote ? { counts, problems, problemCount, paging } : null, leaseSeconds).catch(
      (err) => hub.logger.warn({ err, syncRunId: id }, 'could not save sync run counts'),
    );
  };
  const timer = setInterval(() => void flush(), Math.min(FLUSH_EVERY_MS, (leaseSeconds * 1000) / 4));
  timer.unref();
  try {
    const result = await fn(run);
    clearInterval(timer);
    await finish(hub.db, id, problemCount ? 'partial' : 'succeeded', null, counts, problems, problemCount, paging);
    return result;
  } catch (error) {
    clearInterval(timer);
    // The history shows the error's words; a database error's SQL goes to the log only.
    const message = userMessage(error);
    if (message !== (error as Error)?.message)
      hub.logger.warn({ err: error, syncRunId: id }, 'sync run failed on a database error');
    await finish(hub.db, id, 'failed', message, counts, problems, problemCount, paging);
    throw error;
  }
}

async function writeCounts(
  ex: Executor,
  id: number,
  state: { counts: Counts; problems: unknown[]; problemCount: number; paging: Paging } | null,
  leaseSeconds: number,
) {
  const c = state?.counts;
  const lease = sql`lease_until = now() + make_interval(secs => ${leaseSeconds})`;
  await ex.execute(
    c
      ? sql`update sync_runs set fetched = ${c.fetched}, created = ${c.created}, updated = ${c.updated}, pushed = ${c.pushed},
              failed = ${c.failed}, duplicates = ${c.duplicates}, problems = ${JSON.stringify(state.problems)}::jsonb, problem_count = ${state.problemCount},
              paging = ${JSON.stringify(state.paging)}::jsonb, ${lease}
            where id = ${id} and status = 'running'`
      : sql`update sync_runs set ${lease} where id = ${id} and status = 'running'`,
  );
}

const REAPED = 'the process running it stopped (killed or lost) and its lease expired';

/**
 * Sync runs whose process died: their lease ran out with no renewal, or the job that ran them
 * is no longer running (the engine took it back when its own lease ran out, src/engine/claims.ts,
 * which may happen before the run's lease does). Each is failed with the reason, so the history
 * is true and nothing waits on it. The workers call this right after reclaimExpired.
 */
export async function reapSyncRuns(ex: Executor): Promise<number> {
  const reaped = await rows<{ id: number }>(
    ex,
    sql`update sync_runs set status = 'failed', error = ${REAPED}, finished_at = least(lease_until, now()), lease_until = null,
          duration_ms = greatest(0, round(extract(epoch from least(lease_until, now()) - started_at) * 1000))::int
        where id in (select r.id from sync_runs r where r.status = 'running'
                       and (r.lease_until < now() or exists (select 1 from jobs j where j.id = r.job_id and j.status <> 'running'))
                     for update of r skip locked)
        returning id`,
  );
  return reaped.length;
}

async function finish(
  ex: Executor,
  id: number,
  status: string,
  error: string | null,
  c: Counts,
  problems: unknown[],
  problemCount: number,
  paging: Paging,
) {
  await ex.execute(sql`
    update sync_runs set status = ${status}, error = ${error}, finished_at = clock_timestamp(), lease_until = null,
      duration_ms = greatest(0, round(extract(epoch from clock_timestamp() - started_at) * 1000))::int,
      fetched = ${c.fetched}, created = ${c.created}, updated = ${c.updated}, pushed = ${c.pushed},
      failed = ${c.failed}, duplicates = ${c.duplicates}, problems = ${JSON.stringify(problems)}::jsonb, problem_count = ${problemCount},
      paging = ${JSON.stringify(paging)}::jsonb
    where id = ${id}`);
}

export interface SyncHistoryFilter {
  type?: string;
  accountId?: number;
  status?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listSyncRuns(ex: Executor, f: SyncHistoryFilter) {
  const where = sql`(${f.type ?? null}::text is null or type = ${f.type ?? null})
    and (${f.accountId ?? null}::bigint is null or account_id = ${f.accountId ?? null})
    and (${f.status ?? null}::text is null or status = ${f.status ?? null})
    and (${f.from ?? null}::timestamptz is null or started_at >= ${f.from ?? null}::timestamptz)
    and (${f.to ?? null}::timestamptz is null or started_at < ${f.to ?? null}::timestamptz)`;
  const items = await rows(
    ex,
    sql`select id, type, account_id, job_id, status, iso(started_at) as started_at, iso(finished_at) as finished_at, duration_ms,
          fetched, created, updated, pushed, failed, duplicates, error, problems, problem_count, paging, waited_ms
        from sync_runs where ${where} order by started_at desc, id desc limit ${f.limit} offset ${f.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(
    ex,
    sql`select count(*)::int as total from sync_runs where ${where}`,
  );
  return { items, total };
}
