import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { notifyEnqueued, retryJob } from './jobs.ts';

/**
 * Failed attempts (outbox_errors) grouped per problem, for support: one group is one job type
 * (or outbox topic), one account, one SKU, one HTTP status and one message of the channel's
 * (the error's own words without our wrapper: not `JobError: …`, not the request's URL). Each
 * attempt stays a row, shown in the group's detail.
 *
 * What failed is a *subject*: a job, or an outbox message. A subject is resolved when it
 * succeeded (a job, or a message processed), when a later job of the same type and account
 * succeeded, or a later message of the same topic and key was processed (a re-export), or
 * when a job was cancelled. A group is open while one of its subjects is not resolved.
 */

export const errorGroupStates = ['open', 'resolved', 'all'] as const;
export type ErrorGroupState = (typeof errorGroupStates)[number];

export interface ErrorGroup {
  key: string;
  job_type: string;
  account_id: number | null;
  account: string | null;
  channel: string | null;
  sku: string | null;
  http_status: number | null;
  message: string;
  attempts: number;
  /** Jobs and outbox messages that failed this way. */
  subjects: number;
  /** Of them, those not resolved yet. */
  open_subjects: number;
  /** Of the open ones, those a retry can start again now (dead, failed, cancelled jobs; dead messages). */
  retryable: number;
  first_seen: string;
  last_seen: string;
  open: boolean;
}

export interface ErrorGroupFilter {
  state?: ErrorGroupState;
  accountId?: number;
  channel?: string;
  jobType?: string;
}

/**
 * Every attempt with its group key, its subject and whether that subject is resolved. One
 * statement, read by the three functions below; the regular expressions work the same on PGlite.
 */
const attempts = sql`
  with a as (
    select e.id, e.job_id, e.outbox_id, e.job_type, e.attempt, e.error, e.http_status, e.at,
           coalesce(e.account_id, j.account_id) as account_id, e.sku,
           regexp_replace(regexp_replace(e.error, '^[A-Za-z]*Error: ', ''), '^[A-Z]+ [^ ]+ failed: ', '') as words,
           coalesce('j' || e.job_id::text, 'o' || e.outbox_id::text, 'e' || e.id::text) as subject,
           j.status as job_status, j.type as j_type, j.account_id as j_account,
           o.topic as o_topic, o.key as o_key, o.processed_at as o_processed, o.dead_at as o_dead, o.id as o_id
      from outbox_errors e
      left join jobs j on j.id = e.job_id
      left join outbox o on o.id = e.outbox_id),
  s as (
    -- "HTTP 503: Temporary failure" says "Temporary failure": the status is a column of its own.
    select a.*, coalesce(nullif(regexp_replace(a.words, '^HTTP [0-9]{3}:? *', ''), ''), a.words) as said,
           max(a.at) over (partition by a.subject) as subject_last from a),
  k as (
    select s.*,
           md5(concat_ws('|', s.job_type, coalesce(s.account_id::text, '-'), coalesce(s.sku, '-'), coalesce(s.http_status::text, '-'), s.said)) as key,
           case
             when s.job_id is not null then
               s.job_status is null or s.job_status in ('succeeded', 'cancelled')
               or exists (select 1 from jobs l where l.type = s.j_type and l.account_id is not distinct from s.j_account
                             and l.id <> s.job_id and l.status = 'succeeded' and l.finished_at > s.subject_last)
             when s.outbox_id is not null then
               s.o_id is null or s.o_processed is not null
               or exists (select 1 from outbox x where x.topic = s.o_topic and x.key = s.o_key and x.id <> s.o_id
                             and x.processed_at > s.subject_last)
             else false
           end as resolved,
           (s.job_id is not null and s.job_status in ('dead', 'failed', 'cancelled'))
             or (s.outbox_id is not null and s.o_dead is not null and s.o_processed is null) as can_retry
      from s)`;

const grouped = (where: SQL, having: SQL) => sql`
  ${attempts}
  select k.key, k.job_type, k.account_id, ca.name as account, ca.channel, k.sku, k.http_status, k.said as message,
         count(*)::int as attempts, count(distinct k.subject)::int as subjects,
         count(distinct k.subject) filter (where not k.resolved)::int as open_subjects,
         count(distinct k.subject) filter (where not k.resolved and k.can_retry)::int as retryable,
         iso(min(k.at)) as first_seen, iso(max(k.at)) as last_seen, bool_or(not k.resolved) as open
    from k left join channel_accounts ca on ca.id = k.account_id
   where ${where}
   group by k.key, k.job_type, k.account_id, ca.name, ca.channel, k.sku, k.http_status, k.said
  having ${having}`;

function filters(f: ErrorGroupFilter): { where: SQL; having: SQL } {
  const where = sql`(${f.accountId ?? null}::bigint is null or k.account_id = ${f.accountId ?? null})
    and (${f.channel ?? null}::text is null or ca.channel = ${f.channel ?? null})
    and (${f.jobType ?? null}::text is null or k.job_type = ${f.jobType ?? null})`;
  const state = f.state ?? 'open';
  const having =
    state === 'open'
      ? sql`bool_or(not k.resolved)`
      : state === 'resolved'
        ? sql`not bool_or(not k.resolved)`
        : sql`true`;
  return { where, having };
}

/** Groups, the latest problem first. */
export async function listErrorGroups(ex: Executor, f: ErrorGroupFilter & { limit: number; offset: number }) {
  const { where, having } = filters(f);
  const items = await rows<ErrorGroup>(
    ex,
    sql`${grouped(where, having)} order by max(k.at) desc, k.key limit ${f.limit} offset ${f.offset}`,
  );
  const [{ total }] = await rows<{ total: number }>(
    ex,
    sql`select count(*)::int as total from (${grouped(where, having)}) g`,
  );
  return { items, total };
}

/** Open groups per account (null: not an account's), for the dashboard. */
export async function openErrorCounts(ex: Executor) {
  return rows<{
    account_id: number | null;
    account: string | null;
    channel: string | null;
    groups: number;
    last_seen: string;
  }>(
    ex,
    sql`
    select g.account_id, g.account, g.channel, count(*)::int as groups, max(g.last_seen) as last_seen
      from (${grouped(sql`true`, sql`bool_or(not k.resolved)`)}) g
     group by g.account_id, g.account, g.channel
     order by max(g.last_seen) desc`,
  );
}

export interface ErrorAttempt {
  id: number;
  job_id: number | null;
  outbox_id: number | null;
  attempt: number;
  error: string;
  http_status: number | null;
  at: string;
  job_status: string | null;
  resolved: boolean;
}

/** One group with every attempt in it, newest first (at most 500). */
export async function getErrorGroup(
  ex: Executor,
  key: string,
): Promise<{ group: ErrorGroup; attempts: ErrorAttempt[] }> {
  const [group] = await rows<ErrorGroup>(ex, grouped(sql`k.key = ${key}`, sql`true`));
  if (!group) throw new DomainError('NOT_FOUND', `There is no error group ${key}`, 404, { key });
  const items = await rows<ErrorAttempt>(
    ex,
    sql`
    ${attempts}
    select k.id, k.job_id, k.outbox_id, k.attempt, k.error, k.http_status, iso(k.at) as at,
           case when k.job_id is not null then k.job_status when k.o_processed is not null then 'processed'
                when k.o_dead is not null then 'dead' when k.o_id is not null then 'pending' end as job_status, k.resolved
      from k where k.key = ${key} order by k.id desc limit 500`,
  );
  return { group, attempts: items };
}

export interface GroupRetry {
  key: string;
  jobs: number[];
  outbox: number[];
  /** Jobs that could not be retried now (another job with their key waits or runs). */
  skipped: number[];
}

/** Runs every open subject of the group again now: dead, failed or cancelled jobs, dead outbox messages. */
export async function retryErrorGroup(ex: Executor, key: string): Promise<GroupRetry> {
  await getErrorGroup(ex, key);
  const subjects = await rows<{ job_id: number | null; outbox_id: number | null }>(
    ex,
    sql`
    ${attempts}
    select distinct k.job_id, k.outbox_id from k where k.key = ${key} and not k.resolved and k.can_retry`,
  );
  const result: GroupRetry = { key, jobs: [], outbox: [], skipped: [] };
  for (const { job_id } of subjects) {
    if (job_id === null) continue;
    try {
      await retryJob(ex, job_id);
      result.jobs.push(job_id);
    } catch (error) {
      if (!(error instanceof DomainError) || !['JOB_KEY_TAKEN', 'JOB_NOT_RETRYABLE'].includes(error.code)) throw error;
      result.skipped.push(job_id);
    }
  }
  const outboxIds = subjects.flatMap((s) => (s.outbox_id === null ? [] : [s.outbox_id]));
  if (outboxIds.length) {
    const revived = await rows<{ id: number }>(
      ex,
      sql`
      update outbox set dead_at = null, available_at = now(), attempts = 0, locked_by = null, lease_until = null
       where id = any(${sql.param(outboxIds)}::bigint[]) and dead_at is not null and processed_at is null
      returning id`,
    );
    result.outbox = revived.map((r) => r.id).sort((a, b) => a - b);
    if (revived.length) notifyEnqueued();
  }
  result.jobs.sort((a, b) => a - b);
  return result;
}
