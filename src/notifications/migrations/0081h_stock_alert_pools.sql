-- Critical stock is watched per pool (src/notifications/detector.ts): 'own' = the cabinet's own
-- warehouses, 'channel' = what the marketplace holds and reports (its mirror warehouses).
alter table stock_alerts add column pool text not null default 'own' check (pool in ('own', 'channel'));
alter table stock_alerts drop constraint stock_alerts_pkey;
alter table stock_alerts add primary key (account_id, product_id, pool, threshold);
