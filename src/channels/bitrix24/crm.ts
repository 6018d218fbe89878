import { z } from 'zod';
import { ChannelHttpError, CredentialsRejected, type ConnectorContext } from '../core/connector.ts';
import type { CrmService, CrmStage, DealDraft, DealOutcome, FoundDeal } from '../core/crm.ts';
import {
  batchAnswer,
  bitrixCall,
  command,
  listAnswer,
  MAX_BATCH,
  refusalText,
  refusesWebhook,
  wireId,
  type BitrixError,
} from './api.ts';
import { settingsOf, statusRow, type Bitrix24Settings } from './connector.ts';
import { pageGuard } from '../core/paging.ts';

/**
 * Sklad's orders as Bitrix24 deals (CONTRACT.md §2–§6). An export is at most two requests: one
 * crm.deal.list finds the deals of its keys at once (`@` is IN, §4), one batch adds the
 * missing and updates the found (§6, up to 50 calls). The batch is sent once: a deal write whose
 * answer was lost may have been made, so a failed write is tried again from the lookup, which
 * then finds it — a retry never makes a second deal.
 */

/** ORIGINATOR_ID of Sklad's deals: ORIGIN_ID is an element's id in the source this names (§2). */
const ORIGINATOR = 'sklad';

/** Lookups and writes of one export before its failure is the flow's to retry. */
const WRITE_ROUNDS = 3;

/** Pages of a list read at most (50 rows each, §4): the page guard's cap for these lists (a repeated `next` stops sooner). */
const MAX_PAGES = 200;

/** §7 and §8 system codes: the call may succeed later (with their HTTP status). */
const TRANSIENT: Record<string, number> = {
  QUERY_LIMIT_EXCEEDED: 503,
  OVERLOAD_LIMIT: 503,
  OPERATION_TIME_LIMIT: 429,
  INTERNAL_SERVER_ERROR: 500,
  ERROR_UNEXPECTED_ANSWER: 500,
};

const decimal = /^-?\d+(\.\d+)?$/;

type FieldNames = Bitrix24Settings['fields'];

// OPPORTUNITY comes back as a decimal string (§4); a number is read as one too.
const dealRow = z.looseObject({
  ID: wireId,
  STAGE_ID: z.string().nullish(),
  OPPORTUNITY: z.union([z.string(), z.number()]).nullish(),
  CURRENCY_ID: z.string().nullish(),
});

/** The deals with these keys, oldest first per key (a deal made twice by hand: the first one is Sklad's). */
async function findByKeys(ctx: ConnectorContext, names: FieldNames, keys: string[]): Promise<Map<string, FoundDeal>> {
  const filter =
    names.orderKey === 'ORIGIN_ID'
      ? { '@ORIGIN_ID': keys, ORIGINATOR_ID: ORIGINATOR }
      : { [`@${names.orderKey}`]: keys };
  const wanted = new Set(keys);
  const found = new Map<string, FoundDeal>();
  let start = 0;
  const pages = pageGuard(ctx, 'crm.deal.list', { start, cap: MAX_PAGES });
  for (;;) {
    const params = {
      filter,
      select: ['ID', 'STAGE_ID', 'OPPORTUNITY', 'CURRENCY_ID', names.orderKey],
      order: { ID: 'ASC' },
      start,
    };
    const answer = await bitrixCall(ctx, 'crm.deal.list', params, listAnswer(dealRow));
    for (const row of answer.result) {
      const raw = row[names.orderKey];
      const key = typeof raw === 'string' ? raw : Array.isArray(raw) && typeof raw[0] === 'string' ? raw[0] : null;
      if (key !== null && wanted.has(key) && !found.has(key))
        found.set(key, {
          dealId: row.ID,
          stageId: row.STAGE_ID ?? null,
          amount: row.OPPORTUNITY == null ? null : String(row.OPPORTUNITY),
          currency: row.CURRENCY_ID ?? null,
        });
    }
    // §4: `next` is the offset of the next page, absent on the last; one given before (or none after an empty page) ends paging.
    if (!pages.more({ items: answer.result.length, next: answer.next ?? null })) break;
    start = answer.next!;
  }
  return found;
}

/** COMMENTS (§2): what a manager reads on the deal — the order's ids, buyer and lines. */
function comments(d: DealDraft): string {
  const buyer = [d.buyer?.name, d.buyer?.phone, d.buyer?.email, d.buyer?.address].filter(Boolean).join(', ');
  return [
    `Sklad order ${d.orderId}: ${d.channel.title} (${d.channel.account}), ordered ${d.orderedAt}`,
    `Order ${d.externalId}${d.postingNumber ? `, posting ${d.postingNumber}` : ''}`,
    ...(buyer ? [`Buyer: ${buyer}`] : []),
    ...d.lines.map((l) => `${l.sku} ${l.name} × ${l.quantity} at ${l.price} ${d.currency}`),
    `Total: ${d.amount} ${d.currency}`,
  ].join('\n');
}

/** Sklad's names of id fields a draft may carry in `fields`, mapped to the account's custom fields. */
const idFields = ['postingNumber', 'externalId', 'deliveryNumber', 'deliveryStatus'] as const;
const isIdField = (k: string): k is (typeof idFields)[number] => (idFields as readonly string[]).includes(k);

function dealFields(d: DealDraft, names: FieldNames, isNew: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    TITLE: d.title,
    // The exact decimal string: Bitrix24 keeps what it is sent, a float would round big amounts.
    OPPORTUNITY: d.amount,
    IS_MANUAL_OPPORTUNITY: 'Y',
    CURRENCY_ID: d.currency,
    ORIGINATOR_ID: ORIGINATOR,
    ORIGIN_ID: d.key,
    COMMENTS: comments(d),
  };
  // §3: crm.deal.update does not move a deal to another funnel; the funnel is chosen once.
  if (isNew && d.categoryId !== null) fields.CATEGORY_ID = d.categoryId;
  if (d.stageId !== null) fields.STAGE_ID = d.stageId;
  if (names.orderKey !== 'ORIGIN_ID') fields[names.orderKey] = d.key;
  if (names.externalId) fields[names.externalId] = d.externalId;
  if (names.postingNumber && d.postingNumber) fields[names.postingNumber] = d.postingNumber;
  for (const [key, value] of Object.entries(d.fields)) {
    const name = isIdField(key) ? names[key] : key;
    if (name) fields[name] = value;
  }
  return fields;
}

/** A sub-request's error as the draft's outcome; one that refuses the webhook is the whole account's. */
function failed(key: string, e: BitrixError, update: boolean): DealOutcome {
  if (refusesWebhook(e.error)) throw new CredentialsRejected(refusalText(e, null));
  const transient = Object.hasOwn(TRANSIENT, e.error);
  // A found deal deleted since: the next export looks it up again and makes it anew.
  const gone = update && e.error === '' && /not found/i.test(e.error_description);
  return {
    key,
    ok: false,
    error: [e.error, e.error_description].filter(Boolean).join(': '),
    httpStatus: transient ? TRANSIENT[e.error] : e.error === '' ? 400 : null,
    retryable: transient || gone,
  };
}

const addResult = z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).transform(String);

/** One batch of adds and updates; the outcome of each draft by its key. */
async function writeDeals(
  ctx: ConnectorContext,
  names: FieldNames,
  drafts: DealDraft[],
  found: Map<string, FoundDeal>,
): Promise<DealOutcome[]> {
  const cmd = Object.fromEntries(
    drafts.map((d, i) => {
      const deal = found.get(d.key);
      const call = deal
        ? command('crm.deal.update', { id: deal.dealId, fields: dealFields(d, names, false) })
        : command('crm.deal.add', { fields: dealFields(d, names, true) });
      return [`d${i}`, call];
    }),
  );
  const answer = await bitrixCall(ctx, 'batch', { halt: 0, cmd }, batchAnswer, { attempts: 1 });
  return drafts.map((d, i): DealOutcome => {
    const id = `d${i}`;
    const deal = found.get(d.key);
    const error = answer.result.result_error[id];
    if (error) return failed(d.key, error, deal !== undefined);
    if (!(id in answer.result.result)) return unreadable(d.key, 'Bitrix24 gave no answer for this deal');
    const result = answer.result.result[id];
    if (deal) {
      if (result === true) return { key: d.key, ok: true, dealId: deal.dealId, created: false };
      return unreadable(d.key, `crm.deal.update answered ${JSON.stringify(result)}, not true`);
    }
    const made = addResult.safeParse(result);
    if (made.success) return { key: d.key, ok: true, dealId: made.data, created: true };
    return unreadable(d.key, `crm.deal.add answered ${JSON.stringify(result)}, not a deal id`);
  });
}

/** An answer to one call Sklad cannot read: the deal may exist, and the next export finds it by its key. */
const unreadable = (key: string, error: string): DealOutcome => ({
  key,
  ok: false,
  error,
  httpStatus: 200,
  retryable: true,
});

function pause(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * Looks the keys up and writes, again from the lookup while the write fails in a way that may
 * pass. The first round trusts what the flow knows: a draft with the deal's id is updated by
 * it, and one never exported before (`mayExist: false`) is added without a lookup, so a backlog
 * costs one request per 50 deals. After a failed write every key is looked up: the lost write
 * may have made its deals.
 */
async function exportOnce(ctx: ConnectorContext, names: FieldNames, drafts: DealDraft[]): Promise<DealOutcome[]> {
  let trusting = true;
  for (let round = 1; ; round++) {
    const found = new Map<string, FoundDeal>();
    if (trusting) for (const d of drafts) if (d.dealId) found.set(d.key, { dealId: d.dealId, stageId: null });
    const lookup = trusting ? drafts.filter((d) => !d.dealId && d.mayExist !== false) : drafts;
    if (lookup.length)
      for (const [key, deal] of await findByKeys(
        ctx,
        names,
        lookup.map((d) => d.key),
      ))
        found.set(key, deal);
    try {
      const outcomes = await writeDeals(ctx, names, drafts, found);
      if (!trusting) return outcomes;
      // A deal known by its id but deleted in Bitrix24 since: look its key up, and make it anew if none has it.
      const gone = drafts.filter((d, i) => {
        const o = outcomes[i];
        return d.dealId && !o.ok && /not found/i.test(o.error);
      });
      if (!gone.length) return outcomes;
      const again = new Map(
        (
          await exportOnce(
            ctx,
            names,
            gone.map((d) => ({ ...d, dealId: null, mayExist: true })),
          )
        ).map((o) => [o.key, o]),
      );
      return outcomes.map((o) => again.get(o.key) ?? o);
    } catch (error) {
      if (!(error instanceof ChannelHttpError) || !error.retryable || round === WRITE_ROUNDS) throw error;
      trusting = false;
      await pause(error.retryAfterMs ?? 250 * 2 ** round * (0.5 + Math.random() / 2), ctx.signal);
    }
  }
}

export const bitrix24Crm: CrmService = {
  batchSize: MAX_BATCH,

  async exportDeals(ctx, deals) {
    if (deals.length > MAX_BATCH)
      throw new Error(`Bitrix24 takes ${MAX_BATCH} deals in one export, not ${deals.length}`);
    const names = settingsOf(ctx.account).fields;
    const outcomes = new Map<string, DealOutcome>();
    // One deal per key even when a key came twice (its last draft counts).
    const latest = new Map(deals.map((d) => [d.key, d]));
    const valid = [...latest.values()].filter((d) => {
      if (decimal.test(d.amount)) return true;
      outcomes.set(d.key, {
        key: d.key,
        ok: false,
        error: `The amount "${d.amount}" is not a decimal number`,
        httpStatus: null,
        retryable: false,
      });
      return false;
    });
    if (valid.length) for (const o of await exportOnce(ctx, names, valid)) outcomes.set(o.key, o);
    return deals.map((d) => outcomes.get(d.key)!);
  },

  async findDeal(ctx, key) {
    return (await findByKeys(ctx, settingsOf(ctx.account).fields, [key])).get(key) ?? null;
  },

  async findDeals(ctx, keys) {
    const names = settingsOf(ctx.account).fields;
    const found = new Map<string, FoundDeal>();
    // One list filter per batch of keys: the filter's array stays a sane size in the query.
    for (let i = 0; i < keys.length; i += MAX_BATCH)
      for (const [key, deal] of await findByKeys(ctx, names, keys.slice(i, i + MAX_BATCH))) found.set(key, deal);
    return found;
  },

  async addComment(ctx, dealId, text) {
    // §5: since crm 23.100.0 only the lower-case `fields` is read.
    const fields = { ENTITY_ID: Number(dealId), ENTITY_TYPE: 'deal', COMMENT: text };
    const answer = await bitrixCall(ctx, 'crm.timeline.comment.add', { fields }, z.object({ result: wireId }));
    return answer.result;
  },

  async stages(ctx) {
    // §2: a funnel's stages are the crm_status rows of DEAL_STAGE (funnel 0) or DEAL_STAGE_<n>; the list holds other
    // entities' statuses too, so every page is read and the deal stages kept.
    const stages: CrmStage[] = [];
    let start = 0;
    const pages = pageGuard(ctx, 'crm.status.list', { start, cap: MAX_PAGES });
    for (;;) {
      const answer = await bitrixCall(
        ctx,
        'crm.status.list',
        { order: { ENTITY_ID: 'ASC', SORT: 'ASC' }, start },
        listAnswer(statusRow),
      );
      for (const row of answer.result) {
        const funnel = /^DEAL_STAGE(?:_(\d+))?$/.exec(row.ENTITY_ID);
        // A stage listed twice (a page answered again) is one stage.
        if (funnel && !stages.some((st) => st.id === row.STATUS_ID))
          stages.push({
            id: row.STATUS_ID,
            name: row.NAME,
            categoryId: funnel[1] === undefined ? null : Number(funnel[1]),
          });
      }
      if (!pages.more({ items: answer.result.length, next: answer.next ?? null })) break;
      start = answer.next!;
    }
    return stages;
  },
};
