-- A notification when a reconciliation run of a cabinet finds new differences (issue 22): its
-- event type, and the per-user switch, off until the user asks for it (bot settings or the API).
alter table notification_settings add column findings_new_enabled boolean not null default false;
alter table events drop constraint events_type_check;
alter table events add constraint events_type_check check (type in (
  'new_order', 'buyout', 'cancellation', 'return', 'negative_review', 'critical_stock', 'cabinet_invalid', 'findings_new'));
