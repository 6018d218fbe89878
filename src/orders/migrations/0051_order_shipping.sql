-- How the order is delivered, as the channel reported it (method, recipient, address, parcel):
-- the delivery flow (src/delivery) makes its packages from it.
alter table orders add column shipping jsonb;
