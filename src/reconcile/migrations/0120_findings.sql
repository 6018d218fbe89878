-- The reconciler (src/reconcile): what a run found differing between a channel, Sklad, the CRM
-- and the delivery service (issue 22). A finding is open until fixed or until a later run that
-- checked it no longer sees it.
create table findings (
  id bigint generated always as identity primary key,
  account_id bigint not null references channel_accounts(id) on delete cascade,
  order_id bigint references orders(id) on delete set null,
  kind text not null check (kind in ('missing_in_sklad', 'status_differs', 'amount_differs', 'no_deal', 'deal_differs', 'no_delivery_order', 'delivery_status_differs')),
  -- what names the thing on every side: the channel's number, our key, the deal id, the package …
  key text not null,
  ids jsonb not null default '{}'::jsonb,
  detail text not null,
  fix text check (fix in ('reimport', 're_export', 'change_status', 'retry_delivery')),
  -- a safe fix is applied by the run itself
  safe boolean not null default false,
  state text not null default 'open' check (state in ('open', 'fixed', 'closed')),
  fix_error text,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  closed_at timestamptz,
  run_id bigint
);

-- One finding at a time of a kind about one thing of an account (a fixed one stays until a run checks it).
create unique index findings_live on findings (kind, account_id, key) where state <> 'closed';
create index findings_state on findings (state, kind, account_id);

-- How long a run's requests waited on the services' limits (the reconciler writes it; other runs leave it null).
alter table sync_runs add column waited_ms integer;
