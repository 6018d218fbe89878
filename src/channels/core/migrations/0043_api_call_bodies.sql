-- A request about particular orders (a CRM export, a delivery order, a re-import) is kept with
-- what it was about and its request and answer bodies (secrets cut out, the first 8 KB), so an
-- order's trace shows every exchange about it. Other requests keep no bodies.
alter table api_calls
  add column about text[],
  add column request_body text,
  add column response_body text;
create index api_calls_about on api_calls using gin (about) where about is not null;
