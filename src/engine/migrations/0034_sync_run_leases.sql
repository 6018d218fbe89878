-- A running sync run holds a lease its process renews; a run whose process died (SIGKILL, a
-- lost machine) is found by its expired lease and marked failed, instead of running for ever.
alter table sync_runs add column lease_until timestamptz;
-- Runs already running get the longest an attempt may take (15 minutes) to end by themselves.
update sync_runs set lease_until = now() + interval '15 minutes' where status = 'running';
create index sync_runs_leases on sync_runs (lease_until) where status = 'running';
