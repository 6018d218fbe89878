-- One change of one level with its ledger row and its stock.changed outbox row, as ONE call
-- (docs/decisions/021). A PL/pgSQL function keeps the plans of its statements for the
-- session, so neither PostgreSQL nor PGlite (which has no named prepared statements) parses
-- and plans the work again on every movement. It returns no row when it changed nothing
-- (unknown or archived product, closed or read-only warehouse, not enough stock): the caller
-- then asks why. Incoming stock (on_hand up, reserved unchanged) may create the level.
create function stock_leg(
  p_product bigint, p_warehouse bigint, p_on_hand bigint, p_reserved bigint, p_type text,
  p_transfer uuid, p_reason text, p_reference text, p_actor text, p_key text, p_payload jsonb, p_announce boolean
) returns setof stock_movements
  language plpgsql
  as $$
declare
  new_on_hand bigint;
  new_reserved bigint;
  written stock_movements;
begin
  if not exists (select from products p, warehouses w
                  where p.id = p_product and p.archived_at is null
                    and w.id = p_warehouse and not w.read_only and w.archived_at is null) then
    return;
  end if;
  if p_on_hand >= 0 and p_reserved = 0 then
    insert into stock_levels as l (product_id, warehouse_id, on_hand) values (p_product, p_warehouse, p_on_hand)
    on conflict (product_id, warehouse_id) do update set on_hand = l.on_hand + excluded.on_hand, updated_at = now()
    returning l.on_hand, l.reserved into new_on_hand, new_reserved;
  else
    -- the condition is re-checked against the row a concurrent movement left (READ COMMITTED)
    update stock_levels l set on_hand = l.on_hand + p_on_hand, reserved = l.reserved + p_reserved, updated_at = now()
     where l.product_id = p_product and l.warehouse_id = p_warehouse
       and l.reserved + p_reserved >= 0 and l.on_hand + p_on_hand >= l.reserved + p_reserved
    returning l.on_hand, l.reserved into new_on_hand, new_reserved;
    if not found then
      return;
    end if;
  end if;
  insert into stock_movements (type, product_id, warehouse_id, quantity, reserved_delta, on_hand_after, reserved_after,
                               transfer_id, reason, reference, actor)
  values (p_type, p_product, p_warehouse, p_on_hand, p_reserved, new_on_hand, new_reserved,
          p_transfer, p_reason, p_reference, p_actor)
  returning * into written;
  if p_announce then
    -- the row addToOutbox (src/engine/outbox.ts) writes
    insert into outbox (topic, key, payload) values ('stock.changed', p_key, p_payload);
  end if;
  return next written;
end
$$;
