-- One row per request to an external service, secrets cut from the URL and the error.
-- No foreign keys: the log outlives the account and the sync run it belongs to.
create table api_calls (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  account_id bigint,
  sync_run_id bigint,
  method text not null,
  url text not null,
  status integer,
  duration_ms integer not null,
  request_bytes integer not null default 0,
  response_bytes integer not null default 0,
  error text
);
create index api_calls_account on api_calls (account_id, id desc);
create index api_calls_sync_run on api_calls (sync_run_id) where sync_run_id is not null;
create index api_calls_at on api_calls (at);
