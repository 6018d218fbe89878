-- Telegram users of the bot (seed 001): known by their Telegram id.
create table users (
  id bigint generated always as identity primary key,
  telegram_id bigint not null unique,
  username text,
  first_name text,
  last_name text,
  language text not null default 'ru' check (language in ('ru', 'en')),
  -- the Sklad API key this Telegram user proved he holds (/link): editing products and writing
  -- stock off in the bot need one with the operator role (docs/decisions/082)
  api_key_id bigint references api_keys (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- A cabinet is a channel account of any channel; users share it (many-to-many).
create table cabinet_users (
  account_id bigint not null references channel_accounts (id) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (account_id, user_id)
);
create index cabinet_users_user on cabinet_users (user_id, account_id);

-- The seed's seven switches (defaults on) and the two thresholds a user may change.
create table notification_settings (
  user_id bigint primary key references users (id) on delete cascade,
  notifications_enabled boolean not null default true,
  new_orders_enabled boolean not null default true,
  order_buyouts_enabled boolean not null default true,
  order_cancellations_enabled boolean not null default true,
  order_returns_enabled boolean not null default true,
  negative_reviews_enabled boolean not null default true,
  critical_stocks_enabled boolean not null default true,
  -- a review with this rating or lower is negative
  negative_review_max_rating integer not null default 3 check (negative_review_max_rating between 1 and 5),
  -- stock is critical when available is at or under this
  critical_stock_threshold integer not null default 5 check (critical_stock_threshold between 0 and 1000000),
  updated_at timestamptz not null default now()
);

-- What the detector knows of a cabinet: rows older than the baseline are history and never
-- notified (the first import of a month must not flood anyone); checked_at is the last pass.
create table notification_watch (
  account_id bigint primary key references channel_accounts (id) on delete cascade,
  baseline_at timestamptz,
  checked_at timestamptz,
  created_at timestamptz not null default now()
);

-- One row per thing that happened; the dedup key makes a re-run sync or a replayed page a no-op.
create table events (
  id bigint generated always as identity primary key,
  account_id bigint not null references channel_accounts (id) on delete cascade,
  type text not null check (type in ('new_order', 'buyout', 'cancellation', 'return', 'negative_review', 'critical_stock', 'cabinet_invalid')),
  dedup_key text not null unique,
  payload jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index events_account on events (account_id, id desc);

-- One message per event × user. Sent at most once: claimed (sending) → sent; a row left in
-- 'sending' by a crash becomes 'uncertain' and is not sent again (docs/decisions/081).
create table deliveries (
  id bigint generated always as identity primary key,
  -- null for a test notification, which carries its own type and data in `test`
  event_id bigint references events (id) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  test jsonb,
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed', 'uncertain')),
  attempts integer not null default 0,
  -- 429 answers: they wait retry_after and do not use up an attempt (capped)
  postponements integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  claimed_at timestamptz,
  claimed_by text,
  sent_at timestamptz,
  last_error text,
  telegram_message_id bigint,
  created_at timestamptz not null default now(),
  unique (event_id, user_id)
);
create index deliveries_due on deliveries (next_attempt_at) where status = 'pending';
create index deliveries_sending on deliveries (claimed_at) where status = 'sending';
create index deliveries_user on deliveries (user_id, id desc);

-- Critical stock is alerted once per episode: alerted until available rises above the threshold.
-- One row per distinct threshold the cabinet's members chose.
create table stock_alerts (
  account_id bigint not null references channel_accounts (id) on delete cascade,
  product_id bigint not null references products (id) on delete cascade,
  threshold integer not null,
  episode integer not null default 1,
  alerted boolean not null default false,
  available bigint not null,
  updated_at timestamptz not null default now(),
  primary key (account_id, product_id, threshold)
);

-- What the bot waits for from a user (the new name of a product, its photo …).
create table bot_sessions (
  telegram_id bigint primary key,
  state jsonb not null,
  updated_at timestamptz not null default now()
);
