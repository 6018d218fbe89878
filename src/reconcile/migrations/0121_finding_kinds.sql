-- Two more kinds of finding (issue 22): an order's lines differ between the channel's list and
-- Sklad (SKU, quantity, price), and a deal's amount differs from its order's total.
alter table findings drop constraint findings_kind_check;
alter table findings add constraint findings_kind_check check (kind in (
  'missing_in_sklad', 'status_differs', 'amount_differs', 'lines_differ',
  'no_deal', 'deal_differs', 'deal_amount_differs', 'no_delivery_order', 'delivery_status_differs'));
