-- Bumped when a re-import brings other lines than the stored ones: the write-offs and returns of
-- the new lines carry the revision in their ledger references (order:{id}:v{n}:line:{no}:…), so a
-- corrected order writes off its new lines once and a later cancellation returns exactly those.
alter table orders add column lines_revision integer not null default 0;
