-- Places stock is kept: our own, and read-only mirrors of marketplace-run warehouses
-- (Ozon FBO, WB) whose levels a sync sets and no person moves.
create table warehouses (
  id bigint generated always as identity primary key,
  code text not null check (code = btrim(code) and code <> ''),
  name text not null check (btrim(name) <> ''),
  kind text not null check (kind in ('own', 'mirror')),
  -- where a mirror's numbers come from, e.g. 'ozon:fbo'
  source text,
  read_only boolean not null default false,
  archived_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index warehouses_code_unique on warehouses (lower(code));

-- The current stock of a product in a warehouse; changed only together with a ledger row.
create table stock_levels (
  product_id bigint not null references products(id),
  warehouse_id bigint not null references warehouses(id),
  on_hand bigint not null default 0,
  reserved bigint not null default 0,
  available bigint generated always as (on_hand - reserved) stored,
  updated_at timestamptz not null default now(),
  primary key (product_id, warehouse_id),
  constraint stock_never_negative check (on_hand >= 0 and reserved >= 0 and reserved <= on_hand)
);
create index stock_levels_warehouse on stock_levels (warehouse_id, product_id);

-- The append-only ledger: every change of a level is one row here (two for a transfer).
-- The sum of `quantity` per product × warehouse is its on_hand; of `reserved_delta`, its reserved.
create table stock_movements (
  id bigint generated always as identity primary key,
  type text not null check (type in ('receipt', 'write_off', 'sale', 'return', 'transfer', 'adjustment', 'reserve', 'release')),
  product_id bigint not null references products(id),
  warehouse_id bigint not null references warehouses(id),
  -- signed change of on_hand
  quantity bigint not null,
  -- signed change of reserved
  reserved_delta bigint not null default 0,
  -- the level right after this movement, so the ledger reads like a bank statement
  on_hand_after bigint not null,
  reserved_after bigint not null,
  -- pairs the outgoing and incoming rows of one transfer
  transfer_id uuid,
  reason text,
  -- the caller's id for the event (e.g. 'order:42:line:1:sale:1'): a second call with it is a no-op.
  -- A transfer carries it on its outgoing row only.
  reference text,
  actor text not null,
  created_at timestamptz not null default now()
);
create unique index stock_movements_reference on stock_movements (type, reference) where reference is not null;
create index stock_movements_product on stock_movements (product_id, id);
create index stock_movements_warehouse on stock_movements (warehouse_id, id);
create index stock_movements_transfer on stock_movements (transfer_id) where transfer_id is not null;

-- A ledger is never edited: a mistake is corrected by a new movement, so history stays true.
create function stock_movements_append_only() returns trigger
  language plpgsql
  as $$
begin
  raise exception 'stock_movements is append-only: record a correcting movement instead'
    using errcode = 'restrict_violation';
end
$$;
create trigger stock_movements_no_update_or_delete
  before update or delete or truncate on stock_movements
  for each statement execute function stock_movements_append_only();
