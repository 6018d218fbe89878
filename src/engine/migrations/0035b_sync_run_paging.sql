-- How each paged call of a run stopped (src/channels/core/paging.ts): {"<call>": {"stop": "short page", "pages": 3}},
-- and how many items the service listed twice in one answer (batch upserts keep the last one).
alter table sync_runs add column paging jsonb not null default '{}'::jsonb;
alter table sync_runs add column duplicates integer not null default 0;
