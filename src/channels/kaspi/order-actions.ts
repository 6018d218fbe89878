import { z } from 'zod';
import { ChannelHttpError, type ConnectorContext } from '../core/connector.ts';
import type { OrderActions, OrderActionTarget } from '../core/order-actions.ts';
import { kaspiGet, kaspiPost, parseAnswer } from './client.ts';
import { kaspiMessage, orderPage } from './types.ts';

/**
 * What a seller does with a Kaspi order from Sklad (docs/decisions/192), by the status change of
 * CONTRACT.md §5: `POST /orders` with `{data: {type: "orders", id, attributes: {code, status, …}}}`.
 *   confirm  ACCEPTED_BY_MERCHANT (Kaspi takes it for an APPROVED_BY_BANK order)
 *   cancel   CANCELLED with a cancellationReason of §5 (see `cancellationOf`)
 * No ship: Kaspi has no call that takes a tracking number. Its COMPLETED is the hand-over to the
 * buyer, confirmed by a code Kaspi texts to the buyer (§5 [3P]: X-Security-Code), which Sklad
 * never has; ASSEMBLE is packing (it makes Kaspi Delivery's own waybill), not shipping.
 *
 * Sklad keeps the order's code (§3) as its number; the change needs Kaspi's id as well, so each
 * action reads the order by its code first. That read also makes a repeat safe: an order already
 * in the status asked for (a first attempt whose answer was lost) is done without a second change.
 */

const CANCELLATION_REASONS = [
  'BUYER_CANCELLATION_BY_MERCHANT',
  'BUYER_NOT_REACHABLE',
  'MERCHANT_OUT_OF_STOCK',
] as const;
type CancellationReason = (typeof CANCELLATION_REASONS)[number];
/** What the seller most often means by a cancellation: Kaspi's reason when the seller's text names none of §5's. */
const DEFAULT_REASON: CancellationReason = 'MERCHANT_OUT_OF_STOCK';
/** §5: cancellationComment is at most 1000 characters. */
const MAX_COMMENT = 1000;
/** The refusals Kaspi answers with a reason of its own (§8 [3P]: 400 for what it does not take, 404 for no such order). */
const REFUSALS = [400, 404, 409, 415, 422];

const foundOrder = z.object({
  id: z.string().min(1),
  attributes: z.object({ code: z.string(), status: z.string().min(1) }),
});
const changedOrder = z.object({ data: z.object({ attributes: z.object({ status: z.string().min(1) }) }) });

/** §3: the order Kaspi has under this code, with its id and its status now. */
async function orderByCode(ctx: ConnectorContext, code: string) {
  const page = await kaspiGet(
    ctx,
    '/orders',
    { 'page[number]': 0, 'page[size]': 1, 'filter[orders][code]': code },
    orderPage,
  );
  if (!page.data.length) throw new ChannelHttpError(`Kaspi has no order ${code}`, null, false);
  return parseAnswer(foundOrder, page.data[0], 'GET /orders data[0]');
}

/** Kaspi's no, in its own words: not retried, kept as the action's reason. */
function refusal(code: string, status: string, res: { status: number; body: unknown }): never {
  throw new ChannelHttpError(
    `Kaspi refused the status ${status} for order ${code} (HTTP ${res.status}${kaspiMessage(res.body) || ': no reason given'})`,
    res.status,
    false,
    res.body,
  );
}

async function changeStatus(
  ctx: ConnectorContext,
  target: OrderActionTarget,
  status: 'ACCEPTED_BY_MERCHANT' | 'CANCELLED',
  more: (current: string) => Record<string, string> = () => ({}),
) {
  const code = target.externalId;
  const order = await orderByCode(ctx, code);
  if (order.attributes.status === status) return { channelStatus: status };
  const res = await kaspiPost(
    ctx,
    '/orders',
    { data: { type: 'orders', id: order.id, attributes: { code, status, ...more(order.attributes.status) } } },
    { accept: REFUSALS },
  );
  if (res.status >= 300) refusal(code, status, res);
  return { channelStatus: parseAnswer(changedOrder, res.body, 'POST /orders').data.attributes.status };
}

/**
 * §5's reason and comment for the seller's cancellation. The reason is the one of §5 the seller's
 * text names exactly (as a word, e.g. "BUYER_NOT_REACHABLE: no answer"), otherwise
 * MERCHANT_OUT_OF_STOCK. §5 gives cancellationComment for CANCELLING orders only, so the text
 * goes there only for an order Kaspi shows as CANCELLING; otherwise it stays in Sklad's record of
 * the action.
 */
export function cancellationOf(text: string | undefined, current: string): Record<string, string> {
  const named = CANCELLATION_REASONS.filter((r) => new RegExp(`(^|[^A-Z_])${r}([^A-Z_]|$)`).test(text ?? ''));
  const cancellationReason = named.length === 1 ? named[0] : DEFAULT_REASON;
  const comment = text?.trim();
  return current === 'CANCELLING' && comment
    ? { cancellationReason, cancellationComment: comment.slice(0, MAX_COMMENT) }
    : { cancellationReason };
}

export const kaspiOrderActions: OrderActions = {
  confirm: (ctx, order) => changeStatus(ctx, order, 'ACCEPTED_BY_MERCHANT'),
  cancel: (ctx, order, input) =>
    changeStatus(ctx, order, 'CANCELLED', (current) => cancellationOf(input.reason, current)),
};
