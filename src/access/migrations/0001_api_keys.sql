create table api_keys (
  id bigint generated always as identity primary key,
  name text not null,
  role text not null check (role in ('admin', 'operator', 'readonly')),
  -- sha256 of the whole key: keys are 190 random bits, so a fast hash is enough and lookups stay O(1)
  key_hash text not null unique,
  -- the first characters, shown so a person can tell keys apart; never enough to use
  key_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- Web sessions: the panel keeps only a random session id in an http-only cookie.
create table web_sessions (
  id text primary key,
  api_key_id bigint not null references api_keys(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
