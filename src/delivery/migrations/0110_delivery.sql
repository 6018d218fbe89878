-- The delivery flow (src/delivery): which channel accounts' orders a delivery service ships,
-- and a package per order it ships, with the delivery order made for it (seed 004 §4).

-- A channel account's orders whose shipping names one of `methods` or `warehouses` (both empty:
-- every order) are shipped by the delivery account. `defaults` fills what the channel never
-- gives (Ozon: the parcel's weight and size, the buyer's phone).
create table delivery_links (
  account_id bigint primary key references channel_accounts(id) on delete cascade,
  delivery_account_id bigint not null references channel_accounts(id) on delete cascade,
  methods text[] not null default '{}',
  warehouses text[] not null default '{}',
  -- our delivery order's number is the prefix and the posting number (seed 004: OZ-{posting_number})
  number_prefix text not null,
  defaults jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now()
);

create table packages (
  id bigint generated always as identity primary key,
  order_id bigint not null references orders(id) on delete cascade,
  account_id bigint not null,
  delivery_account_id bigint not null,
  posting_number text not null,
  -- our number of the delivery order at the service
  number text not null,
  -- new: to be sent; pending: the service is checking it; made: it exists there; invalid: refused, or not sendable
  state text not null default 'new' check (state in ('new', 'pending', 'made', 'invalid')),
  recipient jsonb not null default '{}'::jsonb,
  address jsonb,
  delivery_point text,
  weight_grams integer,
  length_cm integer,
  width_cm integer,
  height_cm integer,
  items jsonb not null default '[]'::jsonb,
  currency text not null,
  -- fields found missing or bad before sending: [{field, reason}]
  problems jsonb not null default '[]'::jsonb,
  -- why it is invalid: the service's codes and messages, or the problems in words
  error text,
  delivery_uuid text,
  -- the service's own number of the order (CDEK number) and its status
  tracking_number text,
  delivery_status text,
  made_by_hand boolean not null default false,
  -- set once a create went out or support retried: each attempt then looks for the order under our number first
  look_up_first boolean not null default false,
  waybill_uuid text,
  waybill_url text,
  -- how often a pending request was looked at: the next look waits a little longer
  polls integer not null default 0,
  -- one worker at a time sends or polls a package, whichever outbox message brought it
  locked_by text,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  accepted_at timestamptz,
  made_at timestamptz,
  waybill_requested_at timestamptz,
  waybill_at timestamptz
);
create unique index packages_posting on packages (account_id, posting_number);
create unique index packages_number on packages (delivery_account_id, number);
create index packages_order on packages (order_id);
-- support finds a package by any of its numbers
create index packages_posting_number on packages (posting_number);
create index packages_our_number on packages (number);
create index packages_tracking on packages (tracking_number) where tracking_number is not null;
