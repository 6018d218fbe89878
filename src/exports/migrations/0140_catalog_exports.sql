-- A catalog moved from one channel account to another as feeds (seed 004 §3, Lamoda RU → KZ):
-- the export, each feed it sent (the service's id: SellerCenter's RequestId) and the products
-- it could not send because a required column was empty.
create table catalog_exports (
  id bigint generated always as identity primary key,
  from_account_id bigint not null references channel_accounts (id) on delete cascade,
  to_account_id bigint not null references channel_accounts (id) on delete cascade,
  -- the file of the export (the seed's save_csv `headers` and `separator`)
  format text not null check (format in ('csv', 'xlsx')),
  separator text check (separator in (';', ',', E'\t')),
  state text not null default 'queued' check (state in ('queued', 'sending', 'processing', 'finished', 'failed')),
  job_id bigint,
  -- every product up to this id is sent or listed as invalid: a retried job goes on from here
  cursor_product_id bigint not null default 0,
  products integer not null default 0,
  invalid integer not null default 0,
  sent integer not null default 0,
  processed integer not null default 0,
  failed integer not null default 0,
  warnings integer not null default 0,
  error text,
  actor text not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index catalog_exports_from on catalog_exports (from_account_id);
create index catalog_exports_to on catalog_exports (to_account_id);

create table catalog_export_feeds (
  id bigint generated always as identity primary key,
  export_id bigint not null references catalog_exports (id) on delete cascade,
  feed_id text not null,
  state text not null default 'queued' check (state in ('queued', 'processing', 'finished', 'canceled', 'error')),
  -- rows sent in the feed, and what the service said of them
  total integer not null,
  processed integer not null default 0,
  failed integer not null default 0,
  errors jsonb not null default '[]'::jsonb,
  warnings jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  checked_at timestamptz,
  unique (export_id, feed_id)
);

create table catalog_export_invalid (
  export_id bigint not null references catalog_exports (id) on delete cascade,
  product_id bigint not null,
  sku text not null,
  -- the keys of the required columns the product has no value for
  fields text[] not null,
  primary key (export_id, product_id)
);
