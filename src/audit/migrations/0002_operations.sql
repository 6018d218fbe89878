-- The history of every change a person or a sync made: who, when, what, before and after.
create table operations (
  id bigint generated always as identity primary key,
  entity_type text not null,
  entity_id text not null,
  action text not null,
  actor text not null,
  at timestamptz not null default now(),
  changes jsonb not null default '{}'::jsonb
);
create index operations_entity on operations (entity_type, entity_id, id);

-- Idempotency-Key: the first answer to a key is kept and returned again for the same key.
create table idempotency_keys (
  key text not null,
  scope text not null,
  request_hash text not null,
  status integer,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);
