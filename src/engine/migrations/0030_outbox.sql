-- Written in the same transaction as the change it announces (a stock movement, a new order):
-- a committed change always has its outbox row, a rolled-back one never does.
create table outbox (
  id bigint generated always as identity primary key,
  topic text not null,
  -- what the message is about (a product id for stock.changed): rows with one key coalesce
  key text not null,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  processed_at timestamptz
);
create index outbox_pending on outbox (topic, id) where processed_at is null;
