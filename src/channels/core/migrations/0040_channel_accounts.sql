-- A seller's account on a channel: many per channel, each with its own base URL (production,
-- sandbox or a simulator). Credentials are sealed (AES-256-GCM under the master key) and
-- never stored or returned in clear; the fingerprint finds the same key added twice.
create table channel_accounts (
  id bigint generated always as identity primary key,
  channel text not null,
  name text not null check (btrim(name) <> ''),
  base_url text not null,
  status text not null default 'active' check (status in ('active', 'needs_reauth', 'disabled')),
  status_reason text,
  credentials_sealed text not null,
  credentials_fingerprint text not null,
  -- what may be shown: each credential field as ••••last4
  credentials_masked jsonb not null default '{}'::jsonb,
  settings jsonb not null default '{}'::jsonb,
  -- what the connector keeps between runs (OAuth tokens, cursors): sealed as well
  state_sealed text,
  validated_at timestamptz,
  -- one pusher per account at a time, so an older quantity never overtakes a newer one
  push_lease_owner text,
  push_lease_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index channel_accounts_name on channel_accounts (channel, lower(name));
create index channel_accounts_fingerprint on channel_accounts (credentials_fingerprint);

-- Product ↔ channel ids per account, matched by SKU, EAN or external id (or by hand).
create table listings (
  id bigint generated always as identity primary key,
  account_id bigint not null references channel_accounts (id) on delete cascade,
  external_id text not null,
  sku text,
  ean text,
  name text,
  data jsonb not null default '{}'::jsonb,
  product_id bigint references products (id) on delete set null,
  match_state text not null default 'unmatched' check (match_state in ('matched', 'unmatched', 'ambiguous')),
  matched_by text check (matched_by in ('sku', 'ean', 'external_id', 'manual')),
  -- an ambiguous listing: the products it could be; their pushes to this account wait for a decision
  candidate_product_ids bigint[] not null default '{}',
  channel_quantity integer,
  channel_quantity_at timestamptz,
  last_pushed_quantity integer,
  last_pushed_at timestamptz,
  last_push_error text,
  -- set by a stock change or a reconcile difference; change_seq tells a newer change from the one being pushed
  needs_push boolean not null default false,
  change_seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, external_id)
);
create index listings_product on listings (product_id, account_id) where product_id is not null;
create index listings_account_state on listings (account_id, match_state, id);
create index listings_needs_push on listings (account_id, id) where needs_push;

-- Which warehouses feed an account, a safety buffer and a cap:
-- channel quantity = clamp(sum(available) − safety_buffer, 0, max_quantity).
create table account_stock_rules (
  account_id bigint primary key references channel_accounts (id) on delete cascade,
  -- empty: every own (not read-only) warehouse
  warehouse_ids bigint[] not null default '{}',
  safety_buffer integer not null default 0 check (safety_buffer >= 0),
  max_quantity integer check (max_quantity >= 0),
  updated_at timestamptz not null default now()
);

-- A token bucket per account, shared by every worker in every process: refilled and taken
-- in one UPDATE … RETURNING. Tokens may go below zero: that is a reservation, and the
-- caller waits −tokens ÷ rate seconds before sending.
create table rate_buckets (
  account_id bigint primary key references channel_accounts (id) on delete cascade,
  tokens double precision not null,
  capacity double precision not null,
  refill_per_second double precision not null,
  updated_at timestamptz not null default clock_timestamp()
);
