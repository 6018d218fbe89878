-- What a failed attempt was about, for support to group errors per problem: the channel account
-- (a job's own account_id says it too; an outbox message's only here) and the SKU, when one
-- product is concerned (the push of one listing, a CRM deal's line …).
alter table outbox_errors
  add column account_id bigint,
  add column sku text;
-- Error groups are read newest first per job type; open ones by their job.
create index outbox_errors_account on outbox_errors (account_id, id desc) where account_id is not null;
