import { z } from 'zod';
import { ChannelHttpError, type ConnectorContext } from '../core/connector.ts';
import type { OrderActions, OrderActionTarget } from '../core/order-actions.ts';
import { allegroRequest } from './auth.ts';
import { errorMessage } from './types.ts';

/**
 * What a seller does with an Allegro order from Sklad (docs/decisions/192): the seller's status
 * of the checkout form (PUT /order/checkout-forms/{id}/fulfillment) and its parcel tracking
 * number (POST …/shipments, carrier OTHER with the seller's name for it):
 *   confirm  fulfillment PROCESSING
 *   ship     the tracking number (unless the form has it already: a retry adds none), then SENT
 *   cancel   fulfillment CANCELLED
 */

const formPath = (order: OrderActionTarget) => `/order/checkout-forms/${encodeURIComponent(order.externalId)}`;
const refused = [400, 404, 409, 422];

function refusal(what: string, res: { status: number; body: unknown }): never {
  throw new ChannelHttpError(
    `Allegro refused ${what} (HTTP ${res.status}: ${errorMessage(res.body) ?? 'no reason given'})`,
    res.status,
    false,
    res.body,
  );
}

async function setFulfillment(
  ctx: ConnectorContext,
  order: OrderActionTarget,
  status: 'PROCESSING' | 'SENT' | 'CANCELLED',
) {
  const res = await allegroRequest(ctx, {
    method: 'PUT',
    path: `${formPath(order)}/fulfillment`,
    body: { status },
    accept: refused,
  });
  if (res.status >= 300) refusal(`the status ${status}`, res);
  return { channelStatus: status };
}

const shipments = z.object({
  shipments: z.array(z.object({ waybill: z.string().optional() }).passthrough()).default([]),
});

async function addTracking(
  ctx: ConnectorContext,
  order: OrderActionTarget,
  waybill: string,
  carrier: string | undefined,
) {
  const current = await allegroRequest(ctx, { method: 'GET', path: `${formPath(order)}/shipments`, accept: [404] });
  if (current.status === 404) refusal('the order', current);
  if (shipments.parse(current.body).shipments.some((s) => s.waybill === waybill)) return;
  const res = await allegroRequest(ctx, {
    method: 'POST',
    path: `${formPath(order)}/shipments`,
    body: { carrierId: 'OTHER', carrierName: carrier ?? 'Other', waybill },
    accept: refused,
    attempts: 1,
  });
  if (res.status >= 300) refusal(`the tracking number ${waybill}`, res);
}

export const allegroOrderActions: OrderActions = {
  confirm: (ctx, order) => setFulfillment(ctx, order, 'PROCESSING'),
  ship: async (ctx, order, input) => {
    await addTracking(ctx, order, input.trackingNumber ?? '', input.carrier);
    return setFulfillment(ctx, order, 'SENT');
  },
  cancel: (ctx, order) => setFulfillment(ctx, order, 'CANCELLED'),
};
