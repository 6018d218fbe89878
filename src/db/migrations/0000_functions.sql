-- Times leave the database as UTC ISO-8601 with milliseconds, whatever the session's time zone.
create function iso(ts timestamptz) returns text
  language sql immutable strict parallel safe
  as $$ select to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
