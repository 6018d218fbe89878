-- Seed 002: every stock row says where it came from and what kind of stock it is. `source`
-- (already on warehouses) names the feed a mirror's numbers come from; `stock_type` is what
-- the channel calls that stock ('FBO', 'FBS', 'analytics' …). A connector fills both.
alter table warehouses add column stock_type text check (stock_type is null or btrim(stock_type) <> '');
create index warehouses_source on warehouses (lower(source), lower(stock_type)) where source is not null;

-- Units in the channel's confirmed future supplies to a mirror warehouse: a reading a sync sets,
-- shown beside on_hand and reserved, never sold or pushed, so no ledger row moves it.
alter table stock_levels add column promised bigint not null default 0 check (promised >= 0);
