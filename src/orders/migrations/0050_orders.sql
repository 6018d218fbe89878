-- One model for the orders of every channel. account_id has no foreign key on purpose:
-- an order outlives the channel account it came through (history a seller needs).
create table orders (
  id bigint generated always as identity primary key,
  account_id bigint,
  channel text not null,
  external_id text not null,
  posting_number text,
  status text not null check (status in ('new', 'confirmed', 'shipped', 'delivered', 'cancelled', 'returned')),
  channel_status text,
  ordered_at timestamptz not null,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  total_minor bigint not null,
  warehouse_id bigint references warehouses(id),
  customer jsonb,
  -- set when the order could not be written off in full (the channel sold more than we had)
  stock_note text,
  crm_state text not null default 'not_sent' check (crm_state in ('not_sent', 'sent', 'send_error')),
  crm_id text,
  crm_error text,
  delivery_state text not null default 'not_sent' check (delivery_state in ('not_sent', 'sent', 'send_error')),
  delivery_id text,
  delivery_error text,
  raw jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index orders_account_external on orders (channel, coalesce(account_id, 0), external_id);
create index orders_posting_number on orders (posting_number) where posting_number is not null;
create index orders_crm_id on orders (crm_id) where crm_id is not null;
create index orders_ordered_at on orders (ordered_at desc);
create index orders_account_status on orders (account_id, status);

create table order_lines (
  id bigint generated always as identity primary key,
  order_id bigint not null references orders(id) on delete cascade,
  line_no integer not null,
  product_id bigint references products(id),
  sku text not null,
  external_sku text,
  name text not null,
  quantity integer not null check (quantity > 0),
  price_minor bigint not null,
  unique (order_id, line_no)
);
create index order_lines_product on order_lines (product_id) where product_id is not null;

create table order_status_history (
  id bigint generated always as identity primary key,
  order_id bigint not null references orders(id) on delete cascade,
  status text not null,
  channel_status text,
  at timestamptz not null default now(),
  actor text not null
);
create index order_status_history_order on order_status_history (order_id, id);

-- Buyouts and returns as the channel reports them (WB's sales report: S… and R… rows).
create table sales (
  id bigint generated always as identity primary key,
  account_id bigint,
  channel text not null,
  external_id text not null,
  order_external_id text,
  kind text not null check (kind in ('buyout', 'return')),
  product_id bigint references products(id),
  sku text,
  quantity integer not null default 1,
  amount_minor bigint not null default 0,
  currency text not null default 'RUB',
  warehouse_name text,
  sold_at timestamptz not null,
  raw jsonb,
  created_at timestamptz not null default now()
);
create unique index sales_account_external on sales (channel, coalesce(account_id, 0), external_id);
create index sales_sold_at on sales (account_id, sold_at desc);

create table reviews (
  id bigint generated always as identity primary key,
  account_id bigint,
  channel text not null,
  external_id text not null,
  product_id bigint references products(id),
  sku text,
  product_name text,
  rating integer not null check (rating between 1 and 5),
  text text,
  author text,
  answered boolean not null default false,
  reviewed_at timestamptz not null,
  raw jsonb,
  created_at timestamptz not null default now()
);
create unique index reviews_account_external on reviews (channel, coalesce(account_id, 0), external_id);

create table claims (
  id bigint generated always as identity primary key,
  account_id bigint,
  channel text not null,
  external_id text not null,
  order_external_id text,
  product_id bigint references products(id),
  sku text,
  status text not null,
  reason text,
  claimed_at timestamptz not null,
  raw jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index claims_account_external on claims (channel, coalesce(account_id, 0), external_id);
