import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { getStockRule } from '../core/availability.ts';
import { upsertOrder, type OrderInput, type OrderStatus, type UpsertOrderResult } from '../../orders/service.ts';
import type { CheckoutForm, OrderEvent } from './types.ts';

/**
 * From an Allegro checkout form (or, while Allegro has not made the form yet, the event's
 * own line items) to a Sklad order: lines matched to products through the account's
 * listings (offer id), else by the offer's external.id as a SKU. The orders service
 * writes the stock off once and returns it on cancellation; this file only maps.
 */

const statusOf: Record<CheckoutForm['status'], OrderStatus> = {
  BOUGHT: 'new',
  FILLED_IN: 'new',
  READY_FOR_PROCESSING: 'confirmed',
  CANCELLED: 'cancelled',
};

const minor = (amount: string) => Math.round(Number(amount) * 100);

type Line = CheckoutForm['lineItems'][number];

/** The order as Allegro has it: from the checkout form when there is one, else from the event. */
export function orderFromAllegro(accountId: number, event: OrderEvent, form: CheckoutForm | null): Omit<OrderInput, 'lines' | 'warehouseId'> & { lines: Line[] } {
  const cancelled = event.type === 'BUYER_CANCELLED' || event.type === 'AUTO_CANCELLED';
  const channelStatus = form?.status ?? (cancelled ? 'CANCELLED' : event.type === 'READY_FOR_PROCESSING' ? 'READY_FOR_PROCESSING' : 'BOUGHT');
  const lines = (form?.lineItems ?? event.order.lineItems).filter((l) => l.quantity > 0);
  const currency = lines[0]?.price.currency ?? form?.summary.totalToPay.currency ?? 'PLN';
  return {
    accountId,
    channel: 'allegro',
    externalId: event.order.checkoutForm.id,
    status: statusOf[channelStatus],
    channelStatus,
    orderedAt: new Date(lines[0]?.boughtAt ?? event.occurredAt).toISOString(),
    currency,
    totalMinor: form ? minor(form.summary.totalToPay.amount) : lines.reduce((sum, l) => sum + minor(l.price.amount) * l.quantity, 0),
    customer: { allegroBuyerId: (form?.buyer ?? event.order.buyer).id, login: form?.buyer.login ?? null },
    lines,
    raw: form ?? event,
  };
}

/** Products of the ordered offers: the listing the account mapped, else a product with that SKU. */
async function productsFor(ex: Executor, accountId: number, lines: Line[]): Promise<Map<string, number>> {
  const offerIds = lines.map((l) => l.offer.id);
  const skus = lines.map((l) => l.offer.external?.id?.toLowerCase() ?? null);
  const found = await rows<{ offer_id: string; product_id: number | null }>(
    ex,
    sql`select o.offer_id,
               coalesce((select l.product_id from listings l
                          where l.account_id = ${accountId} and l.external_id = o.offer_id and l.product_id is not null),
                        (select min(p.id) from products p
                          where o.sku is not null and lower(p.sku) = o.sku and p.archived_at is null)) as product_id
          from unnest(${sql.param(offerIds)}::text[], ${sql.param(skus)}::text[]) as o(offer_id, sku)`,
  );
  return new Map(found.filter((r) => r.product_id !== null).map((r) => [r.offer_id, r.product_id as number]));
}

/** Writes (or updates) the order in one transaction; the same event twice changes nothing the second time. */
export async function importAllegroOrder(
  hub: Hub,
  accountId: number,
  warehouseId: number | null,
  order: ReturnType<typeof orderFromAllegro>,
): Promise<UpsertOrderResult & { unmatched: string[] }> {
  return hub.db.transaction(async (tx) => {
    const products = await productsFor(tx, accountId, order.lines);
    const unmatched = order.lines.filter((l) => !products.has(l.offer.id)).map((l) => l.offer.external?.id ?? `offer ${l.offer.id}`);
    const result = await upsertOrder(
      tx,
      {
        ...order,
        warehouseId,
        lines: order.lines.map((l) => ({
          productId: products.get(l.offer.id) ?? null,
          sku: l.offer.external?.id || `allegro-offer-${l.offer.id}`,
          externalSku: l.offer.id,
          name: l.offer.name || `Allegro offer ${l.offer.id}`,
          quantity: l.quantity,
          priceMinor: minor(l.price.amount),
        })),
      },
      `allegro:${accountId}`,
    );
    return { ...result, unmatched };
  });
}

/**
 * Where an Allegro order takes its stock from: the account's `warehouseId` setting, else the
 * first warehouse of its stock rule, else the one own warehouse when there is only one.
 */
export async function orderWarehouse(hub: Hub, accountId: number, setting: unknown): Promise<number | null> {
  if (typeof setting === 'number') return setting;
  const rule = await getStockRule(hub.db, accountId);
  if (rule.warehouse_ids.length) return rule.warehouse_ids[0];
  const own = await rows<{ id: number }>(hub.db, sql`select id from warehouses where kind = 'own' and archived_at is null order by id limit 2`);
  return own.length === 1 ? own[0].id : null;
}
