-- A product's base price, in minor units of its currency (docs/decisions/190).
create table product_prices (
  product_id bigint primary key references products (id) on delete cascade,
  amount bigint not null check (amount >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  updated_at timestamptz not null default now()
);

-- Per channel account: a price of its own, or a rule (base × factor_permille / 1000, rounded to the channel's step).
create table account_prices (
  account_id bigint not null references channel_accounts (id) on delete cascade,
  product_id bigint not null references products (id) on delete cascade,
  amount bigint check (amount >= 0),
  currency text check (currency ~ '^[A-Z]{3}$'),
  factor_permille integer check (factor_permille > 0 and factor_permille <= 100000),
  updated_at timestamptz not null default now(),
  primary key (account_id, product_id),
  check ((amount is not null and currency is not null and factor_permille is null) or (amount is null and currency is null and factor_permille is not null))
);

-- Every change of a price (who, when, why), like stock's ledger: append-only; kept after the product is gone.
create table price_changes (
  id bigint generated always as identity primary key,
  product_id bigint not null,
  -- null: the base price; set: that account's own price or rule
  account_id bigint,
  before jsonb,
  after jsonb,
  actor text not null,
  reason text,
  created_at timestamptz not null default now()
);
create index price_changes_product on price_changes (product_id, id desc);

-- Price push state per listing, coalesced as stock's is (needs_push + change_seq), and the channel's refusal.
create table listing_prices (
  listing_id bigint primary key references listings (id) on delete cascade,
  account_id bigint not null references channel_accounts (id) on delete cascade,
  needs_push boolean not null default false,
  change_seq bigint not null default 0,
  last_pushed_amount bigint,
  last_pushed_currency text,
  last_pushed_at timestamptz,
  refusal text,
  refused_at timestamptz
);
create index listing_prices_needs_push on listing_prices (account_id, listing_id) where needs_push;
