-- A refused row's words as a dictionary key and its parameters ({"key": "row.duplicateSku",
-- "params": {...}}, src/imports/words.ts; "code.<CODE>" for a domain error), so the panel says it
-- in the seller's language; null for a catalog schema's own message.
alter table import_errors add column said jsonb;
