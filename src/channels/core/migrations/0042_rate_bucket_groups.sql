-- Buckets per limit group of an account (WB: statistics reports 1 a minute, FBS tasks 300 a
-- minute …), shared by every worker in every process like the account's own bucket, which is
-- the row with limit_group ''. in_flight counts the group's requests taken and not yet answered,
-- and seq counts takes and answers read: a service's "remaining" header may raise the bucket
-- only when nobody else is on the way and nothing was taken or read since that request's take.
alter table rate_buckets add column limit_group text not null default '';
alter table rate_buckets add column in_flight integer not null default 0;
alter table rate_buckets add column seq bigint not null default 0;
alter table rate_buckets drop constraint rate_buckets_pkey;
alter table rate_buckets add primary key (account_id, limit_group);
