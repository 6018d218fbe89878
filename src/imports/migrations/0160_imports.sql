-- A bulk import of products or stock levels (src/imports): the uploaded file, the columns its
-- header row has, the mapping of each column to a field, and how far its job got.
create table imports (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('products', 'stock')),
  file_name text not null,
  format text not null check (format in ('csv', 'xlsx')),
  content bytea not null,
  -- the header row, and the first rows as read (the preview)
  columns jsonb not null,
  sample jsonb not null,
  -- one field per column ('sku', 'name', 'attribute:colour', 'stock:MAIN', 'ignore', …)
  mapping jsonb not null,
  state text not null default 'uploaded'
    check (state in ('uploaded', 'queued', 'validating', 'applying', 'applied', 'invalid', 'failed')),
  job_id bigint,
  rows_total integer,
  counts jsonb not null default '{}'::jsonb,
  errors_total integer not null default 0,
  error text,
  actor text not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);

-- Each refused row of an import: its line in the file, the column and why (the first 1,000 kept).
create table import_errors (
  import_id bigint not null references imports(id) on delete cascade,
  n integer not null,
  line integer not null,
  field text,
  message text not null,
  primary key (import_id, n)
);
