import { ChannelHttpError, type ConnectorContext } from '../../core/connector.ts';
import type { OrderActions, OrderActionTarget } from '../../core/order-actions.ts';
import { bodies, type SellerCenterOrderItem } from './answers.ts';
import { type Params, SellerCenterError, sellerCenterClient, type SellerCenterClient } from './client.ts';
import { channelStatusOf, findSellerCenterOrder } from './orders.ts';

/**
 * What a seller does with a SellerCenter order from Sklad (docs/decisions/192; CONTRACT.md §4:
 * statuses are per order item), for Lamoda and Namshi alike:
 *   confirm  SetStatusToPackedByMarketplace for the order's pending items
 *   ship     the pending items packed first (the digest leaves open whether an instance needs
 *            that, and it is allowed on every one), then SetStatusToReadyToShip, each with the
 *            seller's tracking number (`TrackingNumber`) and carrier (`ShippingProvider`)
 *   cancel   SetStatusToCanceled for each item not cancelled, with a GetFailureReasons reason
 *            of Type `canceled` and the seller's words as `ReasonDetail`
 * Sklad keeps the OrderNumber as the order's id: its OrderId is looked up among recent orders,
 * and its items read with GetOrderItems before every attempt, so items already where the action
 * leads them are skipped and a repeat after a lost answer sends nothing twice. Writes go once
 * per attempt (a second send would be refused as a wrong status); the flow retries the attempt.
 * A refusal is SellerCenter's ErrorResponse, its ErrorMessage kept in the action's reason.
 */

/** The SDK's delivery type for a seller who sends the parcel out itself (docs/Managers/OrderManager.md). */
const DELIVERY_TYPE = 'dropship';
/** How far back an order with an action is looked for: an order still open is recent. */
const LOOKBACK_DAYS = 90;

/** The item statuses an action leaves an item in, or one past it. */
const DONE = {
  confirm: ['packed', 'ready_to_ship', 'shipped', 'delivered'],
  ship: ['ready_to_ship', 'shipped', 'delivered'],
} as const;
/** Items no action moves on: left out while the order has others. */
const CLOSED = ['canceled', 'failed', 'returned'];

/**
 * The items to send: those not yet where the action leads and not closed. An order with none
 * open and none done (every item cancelled meanwhile) sends them all the same, so that the
 * refusal is SellerCenter's own.
 */
function itemsToMove(items: SellerCenterOrderItem[], done: readonly string[]): SellerCenterOrderItem[] {
  const open = items.filter((i) => !done.includes(i.Status) && !CLOSED.includes(i.Status));
  if (!open.length && !items.some((i) => done.includes(i.Status))) return items;
  return open;
}

/** A reason of GetFailureReasons that says the seller could not fulfil it, by its name. */
const SELLERS_REASON = /stock|sourcing|couldn.?t find|unavailable|seller/i;

export function sellerCenterOrderActions(title: string): OrderActions {
  const client: SellerCenterClient = sellerCenterClient(title);

  /** SellerCenter's ErrorResponse as the flow's refusal (or a retry, for a Platform error), its words kept. */
  async function asked<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SellerCenterError) throw new ChannelHttpError(error.message, null, error.retryable);
      throw error;
    }
  }

  /** The order's items as SellerCenter has them now. */
  async function itemsOf(ctx: ConnectorContext, order: OrderActionTarget): Promise<SellerCenterOrderItem[]> {
    const found = await asked(() => findSellerCenterOrder(client, ctx, order.externalId, LOOKBACK_DAYS));
    if (!found)
      throw new ChannelHttpError(
        `${title} lists no order ${order.externalId} created in the last ${LOOKBACK_DAYS} days`,
        null,
        false,
      );
    const { body } = await asked(() =>
      client.call(ctx, 'GetOrderItems', { OrderId: found.order.OrderId }, bodies.orderItems),
    );
    if (!body.OrderItems.length)
      throw new ChannelHttpError(`${title} gave no items for order ${order.externalId}`, null, false);
    return body.OrderItems;
  }

  /** One status change of these items; each is then in `status`. */
  async function move(
    ctx: ConnectorContext,
    action: 'SetStatusToPackedByMarketplace' | 'SetStatusToReadyToShip',
    items: SellerCenterOrderItem[],
    status: string,
    input: { trackingNumber?: string; carrier?: string },
  ) {
    const params: Params = {
      OrderItemIds: JSON.stringify(items.map((i) => Number(i.OrderItemId))),
      DeliveryType: DELIVERY_TYPE,
      ShippingProvider: input.carrier,
      TrackingNumber: input.trackingNumber,
    };
    await asked(() => client.call(ctx, action, params, bodies.statusChange, { post: true, attempts: 1 }));
    for (const item of items) item.Status = status;
  }

  /** The reason a cancellation is sent with: the one the seller named, else a seller's one, else the first of Type `canceled`. */
  async function reasonFor(ctx: ConnectorContext, said: string | undefined): Promise<string> {
    const { body } = await asked(() => client.call(ctx, 'GetFailureReasons', {}, bodies.failureReasons));
    const canceled = body.Reasons.filter((r) => r.Type.toLowerCase() === 'canceled').map((r) => r.Name);
    const named = said && canceled.find((name) => name.toLowerCase() === said.trim().toLowerCase());
    const reason = named || canceled.find((name) => SELLERS_REASON.test(name)) || canceled[0];
    if (!reason)
      throw new ChannelHttpError(`${title} GetFailureReasons lists no reason of Type "canceled"`, null, false);
    return reason;
  }

  return {
    async confirm(ctx, order) {
      const items = await itemsOf(ctx, order);
      const open = itemsToMove(items, DONE.confirm);
      if (open.length) await move(ctx, 'SetStatusToPackedByMarketplace', open, 'packed', {});
      return { channelStatus: channelStatusOf(items) };
    },

    // Ends at ready_to_ship, which the orders job reads as shipped (orders.ts).
    async ship(ctx, order, input) {
      const items = await itemsOf(ctx, order);
      const toShip = itemsToMove(items, DONE.ship);
      const toPack = toShip.filter((i) => i.Status === 'pending');
      if (toPack.length) await move(ctx, 'SetStatusToPackedByMarketplace', toPack, 'packed', input);
      if (toShip.length) await move(ctx, 'SetStatusToReadyToShip', toShip, 'ready_to_ship', input);
      return { channelStatus: channelStatusOf(items) };
    },

    async cancel(ctx, order, input) {
      const items = await itemsOf(ctx, order);
      const open = items.filter((i) => i.Status !== 'canceled');
      if (open.length) {
        const reason = await reasonFor(ctx, input.reason);
        // One item per call (§4: `OrderItemId`); an item cancelled here is skipped by a repeat.
        for (const item of open) {
          await asked(() =>
            client.call(
              ctx,
              'SetStatusToCanceled',
              { OrderItemId: item.OrderItemId, Reason: reason, ReasonDetail: input.reason },
              bodies.statusChange,
              { post: true, attempts: 1 },
            ),
          );
          item.Status = 'canceled';
        }
      }
      return { channelStatus: channelStatusOf(items) };
    },
  };
}
