import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { DomainError, notFound } from '../shared/errors.ts';

/**
 * Jobs: a row in `jobs` (migration 0032), enqueued inside the caller's transaction and run by
 * the workers (worker.ts). Why our own queue and not pg-boss: docs/decisions/030-own-job-queue.md.
 */

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];
/** A job in these states still runs (or will): its key is taken. */
export const activeStatuses: JobStatus[] = ['queued', 'failed', 'running'];

export interface Job {
  id: number;
  type: string;
  payload: Record<string, unknown>;
  accountId: number | null;
  key: string | null;
  /** This attempt's number, from 1. */
  attempt: number;
  maxAttempts: number;
  createdAt: string;
}

export interface JobContext {
  hub: Hub;
  job: Job;
  /** Aborted on timeout, when the worker stops, or when the lease was lost. */
  signal: AbortSignal;
  /** Saves progress (shown by GET /api/v1/jobs/{id} and its SSE events). */
  progress(update: JobProgress): Promise<void>;
}

export type JobProgress = { done?: number; total?: number; message?: string } & Record<string, unknown>;
export type JobHandler = (ctx: JobContext) => Promise<unknown> | unknown;

export interface JobTypeOptions {
  /** Attempts in all before the job is dead (default 5); enqueueJob may set its own. */
  maxAttempts?: number;
  /** An attempt running longer fails with a timeout (default 15 minutes). */
  timeoutMs?: number;
  /** How long a claim holds without a heartbeat (default 30 s); renewed every third of it. */
  leaseMs?: number;
  /** First retry delay; doubled each attempt, with jitter, up to 10 minutes (default 2 s). */
  backoffMs?: number;
}

export interface JobType extends Required<JobTypeOptions> {
  type: string;
  handler: JobHandler;
}

const jobTypes = new Map<string, JobType>();

/** Registers what runs a job type. Defined at import time by the module that owns the work. */
export function defineJobType(type: string, handler: JobHandler, options: JobTypeOptions = {}): JobType {
  const definition: JobType = {
    type,
    handler,
    maxAttempts: options.maxAttempts ?? 5,
    timeoutMs: options.timeoutMs ?? 15 * 60_000,
    leaseMs: options.leaseMs ?? 30_000,
    backoffMs: options.backoffMs ?? 2_000,
  };
  jobTypes.set(type, definition);
  return definition;
}

export const getJobType = (type: string) => jobTypes.get(type);
export const jobTypeNames = () => [...jobTypes.keys()];

/**
 * Makes an attempt fail with what the service said: `retryAfterMs` (a Retry-After header)
 * delays the next attempt at least that long; `httpStatus` is kept in outbox_errors.
 * Any thrown error carrying numeric `retryAfterMs` / `httpStatus` properties is read the same way.
 */
export class JobError extends Error {
  readonly retryAfterMs?: number;
  readonly httpStatus?: number;
  constructor(message: string, options: { retryAfterMs?: number; httpStatus?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'JobError';
    this.retryAfterMs = options.retryAfterMs;
    this.httpStatus = options.httpStatus;
  }
}

/** A failure no retry can fix (bad payload, rejected credentials): the job goes straight to dead. */
export class PermanentJobError extends JobError {
  readonly permanent = true;
  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export interface EnqueueInput {
  type: string;
  payload?: Record<string, unknown>;
  accountId?: number | null;
  /** Dedup: while a job with this key is queued, failed-and-waiting or running, no second one is made. */
  key?: string | null;
  runAt?: Date | string;
  maxAttempts?: number;
}

/**
 * Adds a job; inside the caller's transaction it exists only if that commits. With a key
 * already taken by an active job, returns that job with `deduplicated: true`.
 */
export async function enqueueJob(ex: Executor, input: EnqueueInput): Promise<{ id: number; deduplicated: boolean }> {
  const maxAttempts = input.maxAttempts ?? getJobType(input.type)?.maxAttempts ?? 5;
  const runAt = input.runAt ? new Date(input.runAt).toISOString() : null;
  const [row] = await rows<{ id: number }>(
    ex,
    sql`insert into jobs (type, payload, account_id, key, run_at, max_attempts)
        values (${input.type}, ${JSON.stringify(input.payload ?? {})}::jsonb, ${input.accountId ?? null},
                ${input.key ?? null}, coalesce(${runAt}::timestamptz, now()), ${maxAttempts})
        on conflict (key) where key is not null and status in ('queued', 'failed', 'running') do nothing
        returning id`,
  );
  if (row) {
    notifyEnqueued();
    return { id: row.id, deduplicated: false };
  }
  const [existing] = await rows<{ id: number }>(
    ex,
    sql`select id from jobs where key = ${input.key ?? null} and status in ('queued', 'failed', 'running')`,
  );
  // The other job ended between the two statements: try once more.
  if (!existing) return enqueueJob(ex, input);
  return { id: existing.id, deduplicated: true };
}

/** Many jobs in one statement (bulk work, tests); keys are deduplicated as in enqueueJob. */
export async function enqueueJobs(ex: Executor, inputs: EnqueueInput[]): Promise<number> {
  if (!inputs.length) return 0;
  const types = inputs.map((i) => i.type);
  const payloads = inputs.map((i) => JSON.stringify(i.payload ?? {}));
  const accounts = inputs.map((i) => i.accountId ?? null);
  const keys = inputs.map((i) => i.key ?? null);
  const runAts = inputs.map((i) => (i.runAt ? new Date(i.runAt).toISOString() : null));
  const attempts = inputs.map((i) => i.maxAttempts ?? getJobType(i.type)?.maxAttempts ?? 5);
  const inserted = await rows<{ id: number }>(
    ex,
    sql`insert into jobs (type, payload, account_id, key, run_at, max_attempts)
        select t, p, a, k, coalesce(r, now()), m
        from unnest(${sql.param(types)}::text[], ${sql.param(payloads)}::jsonb[], ${sql.param(accounts)}::bigint[],
                    ${sql.param(keys)}::text[], ${sql.param(runAts)}::timestamptz[], ${sql.param(attempts)}::int[]) as u(t, p, a, k, r, m)
        on conflict (key) where key is not null and status in ('queued', 'failed', 'running') do nothing
        returning id`,
  );
  if (inserted.length) notifyEnqueued();
  return inserted.length;
}

export interface JobRow {
  id: number;
  type: string;
  status: JobStatus;
  payload: Record<string, unknown>;
  account_id: number | null;
  key: string | null;
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  lease_until: string | null;
  heartbeat_at: string | null;
  progress: JobProgress | null;
  result: unknown;
  last_error: string | null;
  last_http_status: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const jobColumns = sql`id, type, status, payload, account_id, key, attempts, max_attempts, iso(run_at) as run_at,
  locked_by, iso(lease_until) as lease_until, iso(heartbeat_at) as heartbeat_at, progress, result, last_error,
  last_http_status, iso(created_at) as created_at, iso(started_at) as started_at, iso(finished_at) as finished_at`;

export async function findJob(ex: Executor, id: number): Promise<JobRow | undefined> {
  const [row] = await rows<JobRow>(ex, sql`select ${jobColumns} from jobs where id = ${id}`);
  return row;
}

export async function getJob(ex: Executor, id: number): Promise<JobRow> {
  const row = await findJob(ex, id);
  if (!row) throw notFound('Job', id);
  return row;
}

/** A dead, failed or cancelled job runs again now, with its attempts counted from zero. */
export async function retryJob(ex: Executor, id: number): Promise<JobRow> {
  const job = await getJob(ex, id);
  if (!['dead', 'failed', 'cancelled'].includes(job.status)) {
    throw new DomainError(
      'JOB_NOT_RETRYABLE',
      `Job ${id} is ${job.status}; only a dead, failed or cancelled job can be retried`,
      409,
      { job_id: id, status: job.status },
    );
  }
  try {
    await ex.execute(sql`
      update jobs set status = 'queued', attempts = 0, run_at = now(), finished_at = null, locked_by = null, lease_until = null
      where id = ${id} and status in ('dead', 'failed', 'cancelled')`);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505' && !/jobs_active_key/.test(String(error))) throw error;
    throw new DomainError('JOB_KEY_TAKEN', `Another job with key ${job.key} is already waiting or running`, 409, {
      key: job.key,
    });
  }
  // Read back before the workers are woken: the answer is the job as retried, not as a worker already took it.
  const retried = await getJob(ex, id);
  notifyEnqueued();
  return retried;
}

/** Stops a job: a waiting one never runs; a running one is told through its signal at the next heartbeat. */
export async function cancelJob(ex: Executor, id: number): Promise<JobRow> {
  const job = await getJob(ex, id);
  if (!activeStatuses.includes(job.status)) {
    throw new DomainError('JOB_NOT_ACTIVE', `Job ${id} is ${job.status} and cannot be cancelled`, 409, {
      job_id: id,
      status: job.status,
    });
  }
  await ex.execute(sql`
    update jobs set status = 'cancelled', finished_at = now(), locked_by = null, lease_until = null
    where id = ${id} and status in ('queued', 'failed', 'running')`);
  return getJob(ex, id);
}

// Workers in this process wake at once when a job is added here (others poll).
const wakeListeners = new Set<() => void>();
export function onJobEnqueued(listener: () => void): () => void {
  wakeListeners.add(listener);
  return () => wakeListeners.delete(listener);
}
export function notifyEnqueued() {
  for (const listener of wakeListeners) listener();
}
