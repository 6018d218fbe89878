-- The key of seed 001's Telegram bot has a role of its own (docs/decisions/150).
alter table api_keys drop constraint api_keys_role_check;
alter table api_keys add constraint api_keys_role_check check (role in ('admin', 'operator', 'readonly', 'bot'));
