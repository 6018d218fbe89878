-- The CRM flow (src/crm): where each channel account's orders go, and each order's export state.
-- Which CRM account (a channel account of a CRM module), funnel, stage map and id fields a
-- channel account's orders use; an account with no link goes to the first active CRM account.
create table crm_links (
  account_id bigint primary key references channel_accounts(id) on delete cascade,
  crm_account_id bigint not null references channel_accounts(id) on delete cascade,
  category_id integer,
  -- Sklad's order status → the CRM's stage id
  stage_map jsonb not null default '{}'::jsonb,
  -- which deal fields carry the marketplace ids (postingNumber, externalId …) → field name
  fields jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now()
);

alter table orders
  add column crm_account_id bigint,
  -- failed attempts since the last success (shown with send_error)
  add column crm_attempts integer not null default 0,
  add column crm_sent_at timestamptz,
  -- the stage the deal was last given, so a status change is seen to have moved it
  add column crm_stage text,
  -- one export of an order at a time, whichever worker holds it
  add column crm_locked_by text,
  add column crm_lease_until timestamptz;
create index orders_crm_pending on orders (id) where crm_state <> 'sent';
-- set when the first export request of the order is about to be sent: before it, no deal can
-- carry our key, so the export need not look one up first
alter table orders add column crm_requested_at timestamptz;
-- support finds an order by its external id alone, and by its delivery number
create index orders_external_id on orders (external_id);
create index orders_delivery_id on orders (delivery_id) where delivery_id is not null;
