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
  if (form) return orderFromForm(form, event.occurredAt);
  const cancelled = event.type === 'BUYER_CANCELLED' || event.type === 'AUTO_CANCELLED';
  const channelStatus = cancelled
    ? 'CANCELLED'
    : event.type === 'READY_FOR_PROCESSING'
      ? 'READY_FOR_PROCESSING'
      : 'BOUGHT';
  const lines = event.order.lineItems.filter((l) => l.quantity > 0);
  return {
    externalId: event.order.checkoutForm.id,
    status: statusOf[channelStatus],
    channelStatus,
    orderedAt: new Date(lines[0]?.boughtAt ?? event.occurredAt).toISOString(),
    currency: lines[0]?.price.currency ?? 'PLN',
    totalMinor: lines.reduce((sum, l) => sum + minor(l.price.amount) * l.quantity, 0),
    // The seller ships Allegro orders from their own stock.
    fulfilledBy: 'seller',
    customer: { allegroBuyerId: event.order.buyer.id, login: null },
    lines: lines.map(lineOf),
    raw: event,
  };
}

/**
 * The order of a checkout form alone (the list by date, one form fetched by its id): the same
 * fact the event journal's pull stores, so the reconciler compares like with like.
 */
export function orderFromForm(form: CheckoutForm, occurredAt?: string): OrderFact {
  const lines = form.lineItems.filter((l) => l.quantity > 0);
  const boughtAt = lines[0]?.boughtAt ?? occurredAt ?? form.updatedAt;
  return {
    externalId: form.id,
    status: statusOf[form.status],
    channelStatus: form.status,
    orderedAt: new Date(boughtAt ?? Date.now()).toISOString(),
    currency: lines[0]?.price.currency ?? form.summary.totalToPay.currency,
    totalMinor: minor(form.summary.totalToPay.amount),
    fulfilledBy: 'seller',
    customer: { allegroBuyerId: form.buyer.id, login: form.buyer.login ?? null },
    lines: lines.map(lineOf),
    raw: form,
  };
}

const lineOf = (l: CheckoutForm['lineItems'][number] | OrderEvent['order']['lineItems'][number]) => ({
  ref: { listingExternalId: l.offer.id, sku: l.offer.external?.id || null },
  sku: l.offer.external?.id || `allegro-offer-${l.offer.id}`,
  externalSku: l.offer.id,
  name: l.offer.name || `Allegro offer ${l.offer.id}`,
  quantity: l.quantity,
  priceMinor: minor(l.price.amount),
});
