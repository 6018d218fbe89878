import type { ConnectorContext } from './connector.ts';

/**
 * What a channel lets a seller do with an order from Sklad (issue 20, docs/decisions/192): a
 * module declares the actions its service has as adapter functions (`ChannelModule.orderActions`);
 * Sklad's order flow (src/orders/actions.ts) queues each through the outbox, retries it, logs it
 * in `operations` and stores the outcome. An action a module does not declare is a 409.
 */

export const orderActionNames = ['confirm', 'ship', 'cancel'] as const;
export type OrderActionName = (typeof orderActionNames)[number];

/** The order as the adapter needs it: the channel's numbers and the lines with the channel's own item ids. */
export interface OrderActionTarget {
  externalId: string;
  postingNumber: string | null;
  channelStatus: string | null;
  lines: { sku: string; externalSku: string | null; quantity: number }[];
}

/** What the seller gave with the action: the tracking number (and carrier) of a shipment, a reason for a cancellation. */
interface OrderActionInput {
  trackingNumber?: string;
  carrier?: string;
  reason?: string;
}

/** The channel's status after the action, when the adapter knows it. */
interface OrderActionOutcome {
  channelStatus: string | null;
}

type OrderActionRun = (
  ctx: ConnectorContext,
  order: OrderActionTarget,
  input: OrderActionInput,
) => Promise<OrderActionOutcome>;

/**
 * The actions a channel's service takes. Each call must be safe to repeat after a lost answer
 * (the flow retries a failed attempt): the adapter sends what makes the same end state.
 */
export type OrderActions = Partial<Record<OrderActionName, OrderActionRun>>;
