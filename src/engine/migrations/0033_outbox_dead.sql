-- An outbox message whose consumer gives up on it (a permanent error, or its attempts used up)
-- is dead: kept with its last error for support to see and retry, never claimed again by itself.
alter table outbox
  add column dead_at timestamptz,
  add column last_error text;
drop index outbox_pending;
create index outbox_pending on outbox (topic, id) where processed_at is null and dead_at is null;
-- Support finds a flow's events by their key (seed 004: ProcessDeliveryJob:Package:{id}).
create index outbox_topic_key on outbox (topic, key);
-- An order's trace finds the events of its flows by the order id their payload names.
create index outbox_order on outbox ((payload ->> 'orderId')) where payload ? 'orderId';
