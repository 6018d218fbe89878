import { z } from 'zod';
import {
  ChannelHttpError,
  CredentialsRejected,
  type ConnectorContext,
  type PricePush,
  type PushOutcome,
} from '../core/connector.ts';
import { sleep } from '../core/http-client.ts';
import { wbCall, wbMessage } from './client.ts';

/** POST /api/v2/upload/task: the upload's id (TaskCreated), or WB's `errorText` (ResponseError). */
const taskAnswer = z.object({
  data: z.object({ id: z.number().int(), alreadyExists: z.boolean().optional() }).nullish(),
  error: z.boolean().optional(),
  errorText: z.string().optional(),
});

/** GET /api/v2/history/goods/task: each card's outcome; status 2 updated, 3 not (errorText says why). */
const historyAnswer = z.object({
  data: z
    .object({
      uploadID: z.number().int().optional(),
      historyGoods: z
        .array(
          z.object({ nmID: z.number().int(), status: z.number().int().optional(), errorText: z.string().nullish() }),
        )
        .nullish(),
    })
    .nullish(),
});

/** The answer when nothing is to change: Sklad's prices are WB's already. */
const ALREADY_SET = /already set/i;

/**
 * Prices to Wildberries (spec 02-products.yaml, "Цены и скидки"): one upload of up to 1000
 * cards, `{data: [{nmID, price}]}`, the price in whole rubles (the connector's step is 100
 * kopecks), the discount left as the seller set it. WB processes an upload later; its details
 * (GET /api/v2/history/goods/task) say per card whether the price changed, and why not: a card in
 * WB's sale by the stock index, a price sent to quarantine. A size of one card shares its price.
 */
export async function pushWbPrices(ctx: ConnectorContext, items: PricePush[]): Promise<PushOutcome[]> {
  const byCard = new Map<number, PricePush[]>();
  for (const item of items) {
    const nmId = Number(item.listing.data.nmId);
    byCard.set(nmId, [...(byCard.get(nmId) ?? []), item]);
  }
  const outcome = (list: PricePush[], ok: boolean, error = '', retryable = false): PushOutcome[] =>
    list.map((i) =>
      ok
        ? { listingId: i.listing.listingId, ok: true }
        : { listingId: i.listing.listingId, ok: false, error, retryable },
    );
  const unknown = byCard.get(Number.NaN) ?? [];
  byCard.delete(Number.NaN);
  const outcomes = outcome(unknown, false, 'The listing has no WB nmID: sync the account first');
  // Sizes of one card take one price: the last one asked for (the items are in listing order).
  const data = [...byCard].map(([nmID, list]) => ({ nmID, price: Math.round(list[list.length - 1].amount / 100) }));
  if (!data.length) return outcomes;
  try {
    const { body } = await wbCall(
      ctx,
      { family: 'prices', group: 'prices', method: 'POST', path: '/api/v2/upload/task', body: { data }, accept: [400] },
      taskAnswer,
    );
    if (body.error || !body.data) {
      const text = body.errorText ?? 'Wildberries refused the upload';
      return [
        ...outcomes,
        ...outcome(
          items.filter((i) => !unknown.includes(i)),
          ALREADY_SET.test(text),
          text,
        ),
      ];
    }
    const results = await uploadResults(ctx, body.data.id, data.length);
    for (const [nmId, list] of byCard) {
      const r = results.get(nmId);
      if (!r) outcomes.push(...outcome(list, false, `Wildberries has not processed upload ${body.data.id} yet`, true));
      else if (r.status === 2) outcomes.push(...outcome(list, true));
      else
        outcomes.push(
          ...outcome(list, false, r.errorText || `Wildberries did not change the price (status ${r.status})`),
        );
    }
    return outcomes;
  } catch (error) {
    if (error instanceof CredentialsRejected) throw error;
    const retryable = !(error instanceof ChannelHttpError) || error.retryable;
    return [
      ...outcomes,
      ...outcome(
        items.filter((i) => !unknown.includes(i)),
        false,
        `${(error as Error).message}${error instanceof ChannelHttpError ? wbMessage(error.body) : ''}`,
        retryable,
      ),
    ];
  }
}

/** The processed upload's cards, read a few times while WB has not processed it yet (400 until then). */
async function uploadResults(
  ctx: ConnectorContext,
  uploadId: number,
  expected: number,
): Promise<Map<number, { status: number; errorText: string }>> {
  const results = new Map<number, { status: number; errorText: string }>();
  for (let attempt = 0; attempt < 8 && results.size < expected; attempt++) {
    if (attempt) await sleep(500 * attempt, ctx.signal);
    for (let offset = 0; ; offset += 1000) {
      const res = await wbCall(
        ctx,
        {
          family: 'prices',
          group: 'prices',
          method: 'GET',
          path: '/api/v2/history/goods/task',
          query: { uploadID: uploadId, limit: 1000, offset },
          accept: [400],
        },
        historyAnswer,
      );
      const goods = res.status === 200 ? (res.body.data?.historyGoods ?? []) : [];
      for (const g of goods) results.set(g.nmID, { status: g.status ?? 0, errorText: g.errorText ?? '' });
      if (goods.length < 1000) break;
    }
  }
  return results;
}
