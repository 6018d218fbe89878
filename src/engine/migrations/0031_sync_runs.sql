-- One row per run of a sync (a pull of orders, a stock push, a reconcile): what it did and how it ended.
-- Other domains build views on it: the columns are a contract (see the team brief).
create table sync_runs (
  id bigint generated always as identity primary key,
  type text not null,
  account_id bigint,
  job_id bigint,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'partial')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_ms integer,
  fetched integer not null default 0,
  created integer not null default 0,
  updated integer not null default 0,
  pushed integer not null default 0,
  failed integer not null default 0,
  error text,
  -- problems that did not stop the run (at most 100 kept; problem_count has them all)
  problems jsonb not null default '[]'::jsonb,
  problem_count integer not null default 0
);
create index sync_runs_started on sync_runs (started_at desc, id desc);
create index sync_runs_account on sync_runs (account_id, started_at desc) where account_id is not null;
create index sync_runs_type on sync_runs (type, started_at desc);
create index sync_runs_job on sync_runs (job_id) where job_id is not null;
