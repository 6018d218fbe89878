-- Tokens a process took from an account's bucket as a block (docs/decisions/181, 182) and may
-- still send: a process takes up to a few slots in one UPDATE and hands them out in memory, so
-- the shared row is touched once a block, not once a request. Held tokens count against the
-- bucket's capacity until their process reports the block spent, so the row, which refills only
-- up to the capacity less them, never promises more than the service's bucket (which has not seen
-- them yet) holds. They are counted in the lease window of their take (held_window = floor(epoch
-- ÷ lease)); a block lives less than one lease, so a window's count is dropped two windows later,
-- also when its process died without reporting it.
alter table rate_buckets add column held_window bigint not null default 0;
alter table rate_buckets add column held_now double precision not null default 0;
alter table rate_buckets add column held_before double precision not null default 0;
