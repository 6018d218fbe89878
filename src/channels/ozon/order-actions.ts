import { z } from 'zod';
import { ChannelHttpError, type ConnectorContext } from '../core/connector.ts';
import type { OrderActions, OrderActionTarget } from '../core/order-actions.ts';
import { ozonCall } from './client.ts';

/**
 * What a seller does with an FBS posting from Sklad (docs/decisions/192), by Ozon's Seller API:
 *   confirm  /v4/posting/fbs/ship: the posting assembled as one package (awaiting_packaging → awaiting_deliver)
 *   ship     /v2/fbs/posting/tracking-number/set, then /v2/fbs/posting/delivering (the seller's own delivery)
 *   cancel   /v2/posting/fbs/cancel with reason 402 ("other"), whose message the spec requires
 * Each is sent once per attempt (not idempotent at Ozon): the flow retries only a failed attempt.
 */

const moveStatus = z.object({
  result: z
    .array(
      z.object({ posting_number: z.string().optional(), result: z.boolean().optional(), error: z.string().optional() }),
    )
    .default([]),
});

const postingOf = (order: OrderActionTarget) => order.postingNumber ?? order.externalId;

/** A per-posting refusal inside a 200 answer is the channel's "no", not a failure to retry. */
function refusedIn(answer: z.infer<typeof moveStatus>, path: string) {
  const bad = answer.result.find((r) => r.result === false);
  if (bad) throw new ChannelHttpError(`Ozon refused ${path}: ${bad.error || 'no reason given'}`, 200, false, answer);
}

async function confirm(ctx: ConnectorContext, order: OrderActionTarget) {
  const products = order.lines.map((l) => ({ product_id: Number(l.externalSku), quantity: l.quantity }));
  if (products.some((p) => !Number.isSafeInteger(p.product_id) || p.product_id <= 0)) {
    throw new ChannelHttpError(
      `Posting ${postingOf(order)} has a line without Ozon's SKU: it cannot be assembled from Sklad`,
      null,
      false,
    );
  }
  await ozonCall(
    ctx,
    '/v4/posting/fbs/ship',
    { posting_number: postingOf(order), packages: [{ products }] },
    z.object({ result: z.array(z.string()).optional() }),
    { attempts: 1 },
  );
  return { channelStatus: 'awaiting_deliver' };
}

async function ship(ctx: ConnectorContext, order: OrderActionTarget, input: { trackingNumber?: string }) {
  const posting = postingOf(order);
  const tracked = await ozonCall(
    ctx,
    '/v2/fbs/posting/tracking-number/set',
    { tracking_numbers: [{ posting_number: posting, tracking_number: input.trackingNumber }] },
    moveStatus,
  );
  refusedIn(tracked, 'the tracking number');
  const moved = await ozonCall(ctx, '/v2/fbs/posting/delivering', { posting_number: [posting] }, moveStatus);
  refusedIn(moved, 'the status "delivering"');
  return { channelStatus: 'delivering' };
}

async function cancel(ctx: ConnectorContext, order: OrderActionTarget, input: { reason?: string }) {
  const answer = await ozonCall(
    ctx,
    '/v2/posting/fbs/cancel',
    {
      posting_number: postingOf(order),
      cancel_reason_id: 402,
      cancel_reason_message: input.reason ?? 'Cancelled by the seller in Sklad',
    },
    z.object({ result: z.boolean().optional() }),
    { attempts: 1 },
  );
  if (answer.result === false)
    throw new ChannelHttpError(`Ozon did not cancel posting ${postingOf(order)}`, 200, false, answer);
  return { channelStatus: 'cancelled' };
}

export const ozonOrderActions: OrderActions = { confirm, ship, cancel };
