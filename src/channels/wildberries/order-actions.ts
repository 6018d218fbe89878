import { ChannelHttpError, type ConnectorContext } from '../core/connector.ts';
import type { OrderActions, OrderActionTarget } from '../core/order-actions.ts';
import { wbCall, wbMessage } from './client.ts';
import { fbsStatuses } from './types.ts';

/**
 * What a seller does with a Wildberries order from Sklad (docs/decisions/192), by WB's
 * marketplace API: only an FBS assembly task can be cancelled
 * (`PATCH /api/v3/orders/{orderId}/cancel`, its id is the order's posting number). Confirming and
 * shipping go through WB's supplies (a supply of many tasks handed over at once), which Sklad does
 * not make, so the module declares neither.
 */

async function cancel(ctx: ConnectorContext, order: OrderActionTarget) {
  const taskId = Number(order.postingNumber);
  if (!Number.isSafeInteger(taskId) || taskId <= 0) {
    throw new ChannelHttpError(
      `Order ${order.externalId} is no FBS assembly task of Wildberries: WB lets the seller cancel only those`,
      null,
      false,
    );
  }
  try {
    await wbCall(
      ctx,
      { family: 'marketplace', group: 'orders', method: 'PATCH', path: `/api/v3/orders/${taskId}/cancel` },
      fbsStatuses,
    );
  } catch (error) {
    if (!(error instanceof ChannelHttpError) || (error.status !== 404 && error.status !== 409)) throw error;
    // A repeat after a lost answer meets WB's 409 for a task already cancelled: that is the yes it lost.
    if (error.status === 409 && (await supplierStatus(ctx, taskId)) === 'cancel') return { channelStatus: 'cancel' };
    throw new ChannelHttpError(
      `Wildberries did not cancel assembly task ${taskId} (HTTP ${error.status}${wbMessage(error.body)})`,
      error.status,
      false,
      error.body,
    );
  }
  return { channelStatus: 'cancel' };
}

async function supplierStatus(ctx: ConnectorContext, taskId: number): Promise<string | undefined> {
  const { body } = await wbCall(
    ctx,
    {
      family: 'marketplace',
      group: 'orders',
      method: 'POST',
      path: '/api/v3/orders/status',
      body: { orders: [taskId] },
    },
    fbsStatuses,
  );
  return body.orders.find((o) => o.id === taskId)?.supplierStatus;
}

export const wildberriesOrderActions: OrderActions = { cancel };
