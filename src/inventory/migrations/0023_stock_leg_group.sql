-- A group of simple legs, each a movement that is its own transaction, as ONE call
-- (docs/decisions/182, 241). The levels it names are locked first, in (product, warehouse)
-- order and without waiting (`skip locked`); then stock_leg runs, in the group's order, for
-- each leg whose level the group holds. So a group never waits on a level another transaction
-- holds, and cannot be one side of a deadlock with a transaction that locks several levels in
-- its own order (an order's lines). A leg it did not run (its level locked elsewhere, or not
-- there yet) gives no row, and neither does one stock_leg refused: the caller runs those alone.
-- The rows come back whole: the statement that calls this cannot see them in stock_movements.
create function stock_leg_group(
  p_products bigint[], p_warehouses bigint[], p_on_hands bigint[], p_reserveds bigint[],
  p_types text[], p_reasons text[], p_actors text[]
) returns table (leg integer, movement stock_movements)
  language plpgsql
  as $$
declare
  held bigint[];
begin
  -- the positions of the legs whose level this transaction now holds
  select coalesce(array_agg(x.i), '{}') into held
    from unnest(p_products, p_warehouses) with ordinality as x(product_id, warehouse_id, i)
    join (select s.product_id, s.warehouse_id from stock_levels s
           where (s.product_id, s.warehouse_id) in (select * from unnest(p_products, p_warehouses))
           order by s.product_id, s.warehouse_id
             for update skip locked) as l using (product_id, warehouse_id);
  return query
    select x.i::integer, m
      from unnest(p_products, p_warehouses, p_on_hands, p_reserveds, p_types, p_reasons, p_actors)
           with ordinality as x(p_product, p_warehouse, p_on_hand, p_reserved, p_type, p_reason, p_actor, i)
      cross join lateral stock_leg(x.p_product, x.p_warehouse, x.p_on_hand, x.p_reserved, x.p_type, null::uuid, x.p_reason,
                                   null::text, x.p_actor, x.p_product::text,
                                   jsonb_build_object('warehouseIds', jsonb_build_array(x.p_warehouse)), true) as m
     where x.i = any (held)
     order by x.i;
end
$$;
