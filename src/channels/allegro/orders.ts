import type { OrderFact, OrderStatusFact } from '../core/facts.ts';
import type { CheckoutForm, OrderEvent } from './types.ts';

/**
 * From an Allegro checkout form (or, while Allegro has not made the form yet, the event's
 * own line items) to an order fact. Each line names its offer (the account's listing) and the
 * offer's external.id (the seller's SKU); core ingestion (src/channels/core/ingest.ts) matches
 * them to products, writes the stock off once and returns it on cancellation.
 */

const statusOf: Record<CheckoutForm['status'], OrderStatusFact> = {
  BOUGHT: 'new',
  FILLED_IN: 'new',
  READY_FOR_PROCESSING: 'confirmed',
  CANCELLED: 'cancelled',
};

const minor = (amount: string) => Math.round(Number(amount) * 100);

/** The order as Allegro has it: from the checkout form when there is one, else from the event. */
export function orderFromAllegro(event: OrderEvent, form: CheckoutForm | null): OrderFact {
  const cancelled = event.type === 'BUYER_CANCELLED' || event.type === 'AUTO_CANCELLED';
  const channelStatus = form?.status ?? (cancelled ? 'CANCELLED' : event.type === 'READY_FOR_PROCESSING' ? 'READY_FOR_PROCESSING' : 'BOUGHT');
  const lines = (form?.lineItems ?? event.order.lineItems).filter((l) => l.quantity > 0);
  const currency = lines[0]?.price.currency ?? form?.summary.totalToPay.currency ?? 'PLN';
  return {
    externalId: event.order.checkoutForm.id,
    status: statusOf[channelStatus],
    channelStatus,
    orderedAt: new Date(lines[0]?.boughtAt ?? event.occurredAt).toISOString(),
    currency,
    totalMinor: form ? minor(form.summary.totalToPay.amount) : lines.reduce((sum, l) => sum + minor(l.price.amount) * l.quantity, 0),
    // The seller ships Allegro orders from their own stock.
    fulfilledBy: 'seller',
    customer: { allegroBuyerId: (form?.buyer ?? event.order.buyer).id, login: form?.buyer.login ?? null },
    lines: lines.map((l) => ({
      ref: { listingExternalId: l.offer.id, sku: l.offer.external?.id || null },
      sku: l.offer.external?.id || `allegro-offer-${l.offer.id}`,
      externalSku: l.offer.id,
      name: l.offer.name || `Allegro offer ${l.offer.id}`,
      quantity: l.quantity,
      priceMinor: minor(l.price.amount),
    })),
    raw: form ?? event,
  };
}
