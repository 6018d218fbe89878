-- The iiko restaurant menu (seed 003). Table names are the seed's; `products` is the catalog's,
-- so the menu's items are `menu_products` (docs/decisions/090). Every synced row keeps iiko's id
-- (external_id) per setting and organization; local fields (is_visible, seo_title,
-- seo_description, tags, image_urls, sort_order) are written only by people, never by a sync;
-- rows gone upstream get deleted_at, they are not dropped.

-- One iiko connection. Its API login lives sealed in the linked channel account (the shared HTTP
-- client, rate limit and api_calls log are per account); this row holds what is iiko's own.
create table iiko_settings (
  id bigint generated always as identity primary key,
  account_id bigint not null unique references channel_accounts (id) on delete cascade,
  -- organizations to sync; empty: every organization the login sees
  organization_ids text[] not null default '{}',
  -- [{id, name, code}] as /api/1/organizations answered
  organizations jsonb not null default '[]'::jsonb,
  organizations_loaded_at timestamptz,
  currency text not null default 'RUB' check (currency ~ '^[A-Z]{3}$'),
  -- the token iiko sends back in Authorization with every webhook; sealed, found by its fingerprint
  webhook_token_sealed text not null,
  webhook_token_fingerprint text not null unique,
  -- cron per sync kind (menu, prices, stoplist, terminals, payments); null turns one off
  schedules jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Where the last nomenclature answer left off: the next price sync asks only for what changed since.
create table menu_revisions (
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  nomenclature_revision bigint not null,
  updated_at timestamptz not null default now(),
  primary key (setting_id, organization_id)
);

-- Every nomenclature group: menu categories, and the groups that hold modifiers (is_group_modifier).
create table categories (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  external_id text not null,
  parent_external_id text,
  parent_id bigint references categories (id) on delete set null,
  name text not null,
  description text,
  code text,
  iiko_order integer not null default 0,
  is_included_in_menu boolean not null default true,
  is_group_modifier boolean not null default false,
  iiko_image_links text[] not null default '{}',
  -- local fields
  is_visible boolean not null default true,
  seo_title text,
  seo_description text,
  tags text[] not null default '{}',
  image_urls text[] not null default '{}',
  sort_order integer,
  revision bigint,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (setting_id, organization_id, external_id)
);
create index categories_parent on categories (parent_id);

create table menu_products (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  external_id text not null,
  category_external_id text,
  category_id bigint references categories (id) on delete set null,
  -- Dish, Good, Modifier, Service as iiko types them
  type text,
  code text,
  name text not null,
  description text,
  weight numeric,
  measure_unit text,
  fat_amount numeric,
  proteins_amount numeric,
  carbohydrates_amount numeric,
  energy_amount numeric,
  fat_full_amount numeric,
  proteins_full_amount numeric,
  carbohydrates_full_amount numeric,
  energy_full_amount numeric,
  -- the default size's price
  price_minor bigint,
  currency text not null default 'RUB',
  iiko_order integer not null default 0,
  is_included_in_menu boolean not null default true,
  iiko_image_links text[] not null default '{}',
  iiko_tags text[] not null default '{}',
  -- false while the product is on a stop list with nothing left
  is_available boolean not null default true,
  -- local fields
  is_visible boolean not null default true,
  seo_title text,
  seo_description text,
  tags text[] not null default '{}',
  image_urls text[] not null default '{}',
  sort_order integer,
  revision bigint,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (setting_id, organization_id, external_id)
);
create index menu_products_category on menu_products (category_id, id);
create index menu_products_listing on menu_products (setting_id, is_available, id) where deleted_at is null;

-- Sizes and their prices; a product without sizes has one row with size_key ''.
create table product_sizes (
  id bigint generated always as identity primary key,
  product_id bigint not null references menu_products (id) on delete cascade,
  size_key text not null,
  size_external_id text,
  name text,
  priority integer,
  is_default boolean not null default false,
  price_minor bigint not null,
  currency text not null default 'RUB',
  is_included_in_menu boolean not null default true,
  unique (product_id, size_key)
);

-- The rules of one modifier group on one product: how many of its modifiers a guest picks.
create table modifier_groups (
  id bigint generated always as identity primary key,
  product_id bigint not null references menu_products (id) on delete cascade,
  external_id text not null,
  min_amount integer not null,
  max_amount integer not null,
  required boolean not null default false,
  position integer not null default 0,
  unique (product_id, external_id)
);

-- A modifier offered on a product: in a group (modifier_group_id) or on its own.
create table modifiers (
  id bigint generated always as identity primary key,
  product_id bigint not null references menu_products (id) on delete cascade,
  modifier_group_id bigint references modifier_groups (id) on delete cascade,
  external_id text not null,
  -- the modifier as an item of the nomenclature (its name and price)
  modifier_product_id bigint references menu_products (id) on delete set null,
  min_amount integer not null,
  max_amount integer not null,
  default_amount integer not null default 0,
  required boolean not null default false,
  free_of_charge_amount integer not null default 0,
  position integer not null default 0
);
create unique index modifiers_unique on modifiers (product_id, coalesce(modifier_group_id, 0), external_id);

create table combos (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  external_id text not null,
  name text not null,
  category_external_id text,
  category_name text,
  -- iiko's ComboPriceModificationType (0…5) and its value: a price, a discount or a percent
  price_modification_type integer,
  price_modification numeric,
  is_active boolean not null default true,
  start_date text,
  expiration_date text,
  sort_order integer,
  groups jsonb not null default '[]'::jsonb,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  unique (setting_id, organization_id, external_id)
);

-- The current stop lists, replaced per organization on every stop-list sync.
create table stop_lists (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  terminal_group_external_id text not null,
  product_external_id text not null,
  size_key text not null default '',
  size_external_id text,
  product_id bigint references menu_products (id) on delete set null,
  sku text,
  balance numeric not null,
  added_at timestamptz,
  synced_at timestamptz not null default now(),
  unique (setting_id, organization_id, terminal_group_external_id, product_external_id, size_key)
);
create index stop_lists_product on stop_lists (product_id);

create table terminal_groups (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  external_id text not null,
  name text not null,
  address text,
  time_zone text,
  -- iiko answers sleeping terminal groups apart (terminalGroupsInSleep)
  is_in_sleep boolean not null default false,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  unique (setting_id, organization_id, external_id)
);

create table payment_types (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  external_id text not null,
  code text,
  name text,
  comment text,
  kind text,
  processing_type text,
  combinable boolean,
  is_deleted_in_iiko boolean not null default false,
  terminal_group_ids text[] not null default '{}',
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  unique (setting_id, organization_id, external_id)
);

create table price_categories (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  external_id text not null,
  name text not null,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  unique (setting_id, external_id)
);

create table external_menus (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  external_id text not null,
  name text not null,
  synced_at timestamptz not null default now(),
  deleted_at timestamptz,
  unique (setting_id, external_id)
);

-- A webhook registered with iiko for one organization, and what has come in on it.
create table webhook_configs (
  id bigint generated always as identity primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  organization_id text not null,
  webhook_url text not null,
  filter jsonb not null default '{}'::jsonb,
  registered_at timestamptz not null default now(),
  last_event_at timestamptz,
  last_event_type text,
  events_received integer not null default 0,
  unique (setting_id, organization_id)
);

-- What an iiko sync run was about, beside its sync_runs row (type 'iiko.<kind>').
create table menu_sync_runs (
  sync_run_id bigint primary key,
  setting_id bigint not null references iiko_settings (id) on delete cascade,
  kind text not null,
  organization_ids text[] not null default '{}',
  -- per entity: {status, synced, duration_ms, error?}
  results jsonb not null default '{}'::jsonb
);
create index menu_sync_runs_setting on menu_sync_runs (setting_id, sync_run_id desc);

-- The seed's service tables, as views over the shared logs (sync_runs, api_calls).
create view sync_history as
select r.id, s.setting_id, s.organization_ids[1] as organization_id, s.organization_ids, substr(r.type, 6) as sync_type,
       case r.status when 'succeeded' then 'success' else r.status end as status,
       r.created + r.updated as items_synced, r.fetched, r.created, r.updated, r.duration_ms,
       r.started_at, r.finished_at as completed_at, r.error as error_message, s.results
  from sync_runs r
  left join menu_sync_runs s on s.sync_run_id = r.id
 where r.type like 'iiko.%';

create view api_logs as
select c.id, st.id as setting_id, c.sync_run_id, c.method, c.url as endpoint, c.status as response_status, c.duration_ms,
       c.request_bytes, c.response_bytes, c.error, c.at as created_at
  from api_calls c
  join iiko_settings st on st.account_id = c.account_id;
