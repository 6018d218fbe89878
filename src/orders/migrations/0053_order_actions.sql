-- What the seller asked a channel to do with an order (confirm, ship with a tracking number,
-- cancel: docs/decisions/192). One row per request; its outbox message (`order.action`, key
-- OrderAction:{id}) sends it, and the row keeps the outcome: done with the channel's status,
-- or failed with the service's reason. One request of an order waits at a time.
create table order_actions (
  id bigint generated always as identity primary key,
  order_id bigint not null references orders(id) on delete cascade,
  action text not null check (action in ('confirm', 'ship', 'cancel')),
  input jsonb not null default '{}'::jsonb,
  state text not null default 'queued' check (state in ('queued', 'done', 'failed')),
  channel_status text,
  error text,
  actor text not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index order_actions_order on order_actions (order_id, id);
create unique index order_actions_one_waiting on order_actions (order_id) where state = 'queued';
