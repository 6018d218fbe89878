create table products (
  id bigint generated always as identity primary key,
  -- trimmed on the way in; unique without regard to case
  sku text not null check (sku = btrim(sku) and sku <> ''),
  ean text check (ean ~ '^[0-9]{8}$|^[0-9]{12,13}$'),
  name text not null check (btrim(name) <> ''),
  description text,
  attributes jsonb not null default '{}'::jsonb,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create unique index products_sku_unique on products (lower(sku));
create index products_ean on products (ean) where ean is not null;
create index products_name on products (lower(name) text_pattern_ops);
