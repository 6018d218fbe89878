-- Our own small job queue (docs/decisions/030-own-job-queue.md). A job is claimed with
-- FOR UPDATE SKIP LOCKED under a lease the worker renews while the handler runs.
-- status: queued (waiting for run_at) → running → succeeded, or failed (the attempt failed,
-- a retry waits for run_at) → … → dead (no attempts left, or a permanent error); cancelled by hand.
create table jobs (
  id bigint generated always as identity primary key,
  type text not null,
  payload jsonb not null default '{}'::jsonb,
  account_id bigint,
  -- dedup: at most one queued/failed/running job per key
  key text,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 5 check (max_attempts >= 1),
  run_at timestamptz not null default now(),
  locked_by text,
  lease_until timestamptz,
  heartbeat_at timestamptz,
  progress jsonb,
  result jsonb,
  last_error text,
  last_http_status integer,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create unique index jobs_active_key on jobs (key) where key is not null and status in ('queued', 'failed', 'running');
create index jobs_ready on jobs (run_at, id) where status in ('queued', 'failed');
create index jobs_leases on jobs (lease_until) where status = 'running';
create index jobs_type_account on jobs (type, account_id, id desc);
create index jobs_created on jobs (created_at desc, id desc);

-- Every failed attempt of a job or of an outbox batch (seed 004 names the table).
create table outbox_errors (
  id bigint generated always as identity primary key,
  job_id bigint,
  -- the outbox message, when the failure was an outbox consumer's (one row per message of the batch)
  outbox_id bigint,
  -- the job type, or 'outbox:<topic>'
  job_type text not null,
  attempt integer not null,
  error text not null,
  http_status integer,
  at timestamptz not null default now()
);
create index outbox_errors_at on outbox_errors (at desc, id desc);
create index outbox_errors_job on outbox_errors (job_id) where job_id is not null;
create index outbox_errors_outbox on outbox_errors (outbox_id) where outbox_id is not null;
create index outbox_errors_type on outbox_errors (job_type, id desc);

-- Outbox consumers claim batches of messages the same way jobs are claimed.
alter table outbox
  add column attempts integer not null default 0,
  add column available_at timestamptz not null default now(),
  add column locked_by text,
  add column lease_until timestamptz;

-- Cron overrides per schedule and account; name '*' with an account switches all of its schedules.
create table schedules (
  name text not null,
  account_id bigint,
  cron text,
  enabled boolean not null default true,
  -- the last cron slot fired: a slot fires once, whoever leads
  last_slot timestamptz,
  updated_at timestamptz not null default now(),
  unique nulls not distinct (name, account_id)
);

-- Named leases with an expiry (the scheduler's leadership): whoever holds an unexpired row leads.
create table leases (
  name text primary key,
  holder text not null,
  until timestamptz not null
);
