import crypto from 'node:crypto';
import { z } from 'zod';
import {
  ChannelHttpError,
  type ChannelLimits,
  type Connector,
  type ConnectorContext,
  type ConnectorJob,
  type MappedListing,
  type PushOutcome,
  type QuantityPush,
  type RemoteListing,
  type SyncRunCounter,
} from '../core/connector.ts';
import type { OrderFact } from '../core/facts.ts';
import { orderWarehouseSetting } from '../core/module.ts';
import { pageGuard } from '../core/paging.ts';
import { sleep } from '../core/http-client.ts';
import { allegroRequest, updateState, type AllegroState } from './auth.ts';
import { orderFromAllegro, orderFromForm } from './orders.ts';
import { pushAllegroPrices } from './prices.ts';
import {
  checkoutForm,
  checkoutFormsPage,
  describeIssues,
  EAN_PARAMETER_ID,
  errorMessage,
  eventsPage,
  eventStats,
  generalReport,
  offersPage,
  orderEvent,
  productOffer,
  taskReport,
  type CheckoutForm,
  type OfferListing,
} from './types.ts';

/**
 * Allegro (allegro.pl), spec ../shared/specs/allegro/swagger.yaml. Offers are the listings,
 * matched to products by external.id (the seller's SKU), then by the EAN product parameter.
 * Quantities go out per offer (PATCH /sale/product-offers/{id}), or as one quantity-change
 * command when several offers take the same value. The `order-events` job follows the order
 * event journal from a cursor kept in the account's state and hands each order to core
 * ingestion: a bought order becomes a Sklad order and writes stock off once; a cancellation
 * returns it.
 */

/** How often the order journal is read (the job's cron); the propagation goal is this plus one second. */
export const ORDER_EVENTS_POLL_SECONDS = 15;
/** Orders of one page handled at once (their checkout forms fetched, their write-offs made). */
const EVENT_CONCURRENCY = 8;
/** Events per page of GET /order/events (the spec allows 1–1000). */
const EVENTS_PAGE = 100;
/** Checkout forms per page of GET /order/checkout-forms (the spec allows 1–100). */
const FORMS_PAGE = 100;
/** Offers per page of GET /sale/offers (the spec allows up to 1000). */
const OFFERS_PAGE = 1000;
/** A command pays off from this many offers with one value; fewer go one PATCH each. */
const COMMAND_MIN_OFFERS = 3;

// Allegro allows 9000 requests a minute per client id (150/s); one account keeps a third of it for other apps.
const defaults: ChannelLimits = {
  pushBatchSize: 100,
  requestsPerSecond: 100,
  burst: 100,
  maxConcurrent: 8,
  readBatchSize: 100,
};

const settingsSchema = z.object({
  /** Where Allegro orders are written off from: core's setting (orderWarehouse), under Allegro's older key. */
  warehouseId: orderWarehouseSetting,
  /** The OAuth token endpoint, when it is not on allegro.pl (a sandbox on another host). */
  tokenUrl: z.string().url().optional(),
  requestsPerSecond: z.number().positive().max(1000).optional(),
  maxConcurrent: z.number().int().min(1).max(64).optional(),
});

const credentialsSchema = z.object({
  clientId: z.string().trim().min(1, 'the client id of the Allegro application').max(200),
  clientSecret: z.string().trim().min(1, 'the client secret of the Allegro application').max(500),
  refreshToken: z.string().trim().min(1, 'the refresh token the seller granted').max(5000),
});

// --- listings ----------------------------------------------------------------------------------

async function offerPage(ctx: ConnectorContext, query: Record<string, string | number | string[]>) {
  const res = await allegroRequest(ctx, { method: 'GET', path: '/sale/offers', query });
  const page = offersPage.safeParse(res.body);
  if (!page.success) throw new Error(`GET /sale/offers answered an unexpected shape: ${describeIssues(page.error)}`);
  return page.data;
}

/** The EAN (GTIN) parameter of an offer's product, read only for offers without external.id. */
async function eanOf(ctx: ConnectorContext, offerId: string): Promise<string | null> {
  const res = await allegroRequest(ctx, {
    method: 'GET',
    path: `/sale/product-offers/${encodeURIComponent(offerId)}`,
    accept: [404],
  });
  const offer = productOffer.safeParse(res.body);
  if (res.status === 404 || !offer.success) return null;
  for (const element of offer.data.productSet ?? []) {
    const ean = element.product?.parameters?.find((p) => p.id === EAN_PARAMETER_ID)?.values?.[0];
    if (ean) return ean;
  }
  return null;
}

const toListing = (offer: OfferListing, ean: string | null): RemoteListing => ({
  externalId: offer.id,
  sku: offer.external?.id || null,
  ean,
  name: offer.name ?? null,
  quantity: offer.stock?.available ?? null,
  data: { status: offer.publication?.status ?? null },
});

// --- pushes ------------------------------------------------------------------------------------

async function patchQuantity(ctx: ConnectorContext, push: QuantityPush): Promise<PushOutcome> {
  const listingId = push.listing.listingId;
  try {
    const res = await allegroRequest(ctx, {
      method: 'PATCH',
      path: `/sale/product-offers/${encodeURIComponent(push.listing.externalId)}`,
      body: { stock: { available: push.quantity } },
      accept: [400, 404, 409, 422],
    });
    if (res.status < 300) return { listingId, ok: true };
    // 409: the offer's previous edit is still being processed; the next push will do.
    return {
      listingId,
      ok: false,
      error: `HTTP ${res.status}: ${errorMessage(res.body) ?? 'refused'}`,
      retryable: res.status === 409,
    };
  } catch (error) {
    if (error instanceof ChannelHttpError)
      return { listingId, ok: false, error: error.message, retryable: error.retryable };
    throw error;
  }
}

/** One quantity-change command for offers that all take `quantity` (> 0: the spec's FIXED needs it), then its tasks. */
async function commandQuantity(
  ctx: ConnectorContext,
  quantity: number,
  pushes: QuantityPush[],
): Promise<PushOutcome[]> {
  const commandId = crypto.randomUUID();
  const path = `/sale/offer-quantity-change-commands/${commandId}`;
  const fail = (error: string, retryable: boolean) =>
    pushes.map((p): PushOutcome => ({ listingId: p.listing.listingId, ok: false, error, retryable }));
  try {
    // A retried PUT of the same command id answers 409: the first one got through.
    const res = await allegroRequest(ctx, {
      method: 'PUT',
      path,
      body: {
        modification: { changeType: 'FIXED', value: quantity },
        offerCriteria: [{ type: 'CONTAINS_OFFERS', offers: pushes.map((p) => ({ id: p.listing.externalId })) }],
      },
      accept: [400, 409, 422],
    });
    if (res.status !== 201 && res.status !== 409)
      return fail(`HTTP ${res.status}: ${errorMessage(res.body) ?? 'command refused'}`, false);
    generalReport.parse(res.body ?? {});
    // Allegro runs commands asynchronously: read the tasks until none is NEW, for a few seconds.
    const byOffer = new Map<string, { status: string; message: string }>();
    for (let attempt = 0; attempt < 10; attempt++) {
      const tasks = taskReport.parse(
        (await allegroRequest(ctx, { method: 'GET', path: `${path}/tasks`, query: { limit: 1000 } })).body,
      );
      for (const t of tasks.tasks) {
        if (t.offer?.id)
          byOffer.set(t.offer.id, {
            status: t.status ?? 'NEW',
            message: t.errors?.[0]?.userMessage ?? t.message ?? '',
          });
      }
      if (![...byOffer.values()].some((t) => t.status === 'NEW') && byOffer.size >= pushes.length) break;
      await sleep(300 * (attempt + 1), ctx.signal);
    }
    return pushes.map((p): PushOutcome => {
      const task = byOffer.get(p.listing.externalId);
      if (task?.status === 'SUCCESS') return { listingId: p.listing.listingId, ok: true };
      if (!task || task.status === 'NEW')
        return {
          listingId: p.listing.listingId,
          ok: false,
          error: 'the quantity command has not finished',
          retryable: true,
        };
      return {
        listingId: p.listing.listingId,
        ok: false,
        error: task.message || 'the quantity command failed for this offer',
        retryable: false,
      };
    });
  } catch (error) {
    if (error instanceof ChannelHttpError) return fail(error.message, error.retryable);
    throw error;
  }
}

// --- order events ------------------------------------------------------------------------------

const HANDLED_EVENTS = new Set([
  'BOUGHT',
  'FILLED_IN',
  'READY_FOR_PROCESSING',
  'BUYER_CANCELLED',
  'AUTO_CANCELLED',
  'BUYER_MODIFIED',
]);

/** The checkout form, or null while Allegro has not made it (404 right after BOUGHT); a bad shape is a problem named by field. */
async function fetchCheckoutForm(
  ctx: ConnectorContext,
  id: string,
): Promise<CheckoutForm | null | { problem: string }> {
  const res = await allegroRequest(ctx, {
    method: 'GET',
    path: `/order/checkout-forms/${encodeURIComponent(id)}`,
    accept: [404],
  });
  if (res.status === 404) return null;
  const form = checkoutForm.safeParse(res.body);
  return form.success ? form.data : { problem: `checkout form ${id}: ${describeIssues(form.error)}` };
}

const CHECKOUT_FORM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One order by its checkout form id (the support tools' re-import); null when Allegro has none. */
async function fetchAllegroOrder(ctx: ConnectorContext, number: string): Promise<OrderFact | null> {
  const id = number.trim();
  // Allegro answers an id that is no UUID with 422: no such order, as far as a re-import goes.
  if (!CHECKOUT_FORM_ID.test(id)) return null;
  const form = await fetchCheckoutForm(ctx, id);
  if (form && 'problem' in form) throw new Error(form.problem);
  return form ? orderFromForm(form) : null;
}

/**
 * The orders bought in the window (the reconciler's list): GET /order/checkout-forms by the
 * latest line's purchase time (`lineItems.boughtAt.gte/lte`, inclusive; `to` is exclusive here),
 * oldest first, by offset. Paging ends on an empty or short page or once `totalCount` forms are
 * read; a list longer than the run's page cap is an error, so a run never takes part of the
 * list for all of it. A form of the wrong shape fails the list naming its field.
 */
async function* listAllegroOrders(
  ctx: ConnectorContext,
  window: { from: string; to: string },
): AsyncIterable<OrderFact[]> {
  const call = 'GET /order/checkout-forms';
  const pages = pageGuard(ctx, call);
  const end = Date.parse(window.to);
  for (let offset = 0; ; ) {
    const res = await allegroRequest(ctx, {
      method: 'GET',
      path: '/order/checkout-forms',
      query: {
        'lineItems.boughtAt.gte': window.from,
        'lineItems.boughtAt.lte': window.to,
        sort: 'lineItems.boughtAt',
        offset,
        limit: FORMS_PAGE,
      },
    });
    const page = checkoutFormsPage.safeParse(res.body);
    if (!page.success) throw new Error(`${call} answered an unexpected shape: ${describeIssues(page.error)}`);
    const facts: OrderFact[] = [];
    for (const [i, raw] of page.data.checkoutForms.entries()) {
      const form = checkoutForm.safeParse(raw);
      if (!form.success)
        throw new Error(
          `${call} answered an unexpected shape: ${describeIssues(form.error, `checkoutForms[${offset + i}]`)}`,
        );
      const fact = orderFromForm(form.data);
      if (Date.parse(fact.orderedAt) < end) facts.push(fact);
    }
    yield facts;
    offset += page.data.checkoutForms.length;
    if (!pages.more({ items: page.data.checkoutForms.length, limit: FORMS_PAGE, total: page.data.totalCount })) {
      if (pages.stop === 'page cap')
        throw new Error(
          `${call}: more than ${pages.pages} pages of orders from ${window.from} to ${window.to}; the list was not read whole`,
        );
      return;
    }
  }
}

/** One event: a problem is recorded and the loop goes on; only an outage (thrown) stops it. */
async function handleEvent(ctx: ConnectorContext, run: SyncRunCounter, raw: unknown) {
  const parsed = orderEvent.safeParse(raw);
  const id = (raw as { id?: unknown } | null)?.id;
  if (!parsed.success) {
    run.problem(`order event ${typeof id === 'string' ? id : '(no id)'}: ${describeIssues(parsed.error)}`, {
      event: raw,
    });
    run.add({ failed: 1 });
    return;
  }
  const event = parsed.data;
  if (!HANDLED_EVENTS.has(event.type)) return;
  const form = await fetchCheckoutForm(ctx, event.order.checkoutForm.id);
  if (form && 'problem' in form) {
    run.problem(`order event ${event.id}: ${form.problem}`);
    run.add({ failed: 1 });
    return;
  }
  const order = orderFromAllegro(event, form);
  if (order.lines.length === 0) {
    run.problem(`order event ${event.id}: checkout form ${event.order.checkoutForm.id} has no line with a quantity`);
    run.add({ failed: 1 });
    return;
  }
  // One order at a time: a later event's failure (its checkout form unreachable) keeps the orders before it.
  const [result] = await ctx.ingest.orders([order]);
  if (result.noWarehouse && result.created)
    run.problem("no warehouse to write Allegro orders off from: set settings.warehouseId or the account's stock rule");
  if (result.unmatched.length)
    run.problem(
      `order ${order.externalId}: no product for ${result.unmatched.join(', ')}; stock not written off for those lines`,
    );
  run.add(result.created ? { created: 1 } : result.statusChanged ? { updated: 1 } : {});
}

/** The cursor before any event (the journal was empty when the account was connected). */
const JOURNAL_START = '0';

/**
 * The saved cursor. An account met for the first time starts after the journal's latest event
 * (GET /order/event-stats): orders bought before Sklad was connected were the old system's
 * to handle, and writing them off again would count them twice. Returns null then.
 */
async function eventCursor(ctx: ConnectorContext): Promise<string | null> {
  const saved = (await ctx.loadState<AllegroState>())?.eventCursor;
  if (saved) return saved;
  const stats = eventStats.parse((await allegroRequest(ctx, { method: 'GET', path: '/order/event-stats' })).body ?? {});
  await updateState(ctx, { eventCursor: stats.latestEvent?.id ?? JOURNAL_START });
  return null;
}

/** The key an event's order is known by; events of one order are handled in journal order. */
const formOf = (raw: unknown) => {
  const form = (raw as { order?: { checkoutForm?: { id?: unknown } } | null } | null)?.order?.checkoutForm?.id;
  return typeof form === 'string' ? form : `event:${(raw as { id?: unknown } | null)?.id}`;
};

/** Runs `work` over the items with at most `limit` at once; rejects with the first error after all have settled. */
async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * Reads the journal from the saved cursor to its end. The events of a page are handled
 * several orders at once (each order's events in journal order); the cursor moves to the
 * page's last event once all of it is handled, and not at all if any of it failed. So a
 * restart never skips an event, and the events it handles again (at most one page) change
 * nothing: core ingestion knows each order and each write-off by its reference.
 */
async function followOrderEvents(ctx: ConnectorContext, run: SyncRunCounter) {
  let cursor = await eventCursor(ctx);
  if (cursor === null) return; // just connected: orders from now on
  const pages = pageGuard(ctx, 'GET /order/events', { start: cursor });
  for (;;) {
    ctx.signal.throwIfAborted();
    const from = cursor === JOURNAL_START ? {} : { from: cursor };
    const res = await allegroRequest(ctx, {
      method: 'GET',
      path: '/order/events',
      query: { ...from, limit: EVENTS_PAGE },
    });
    const page = eventsPage.safeParse(res.body);
    if (!page.success) throw new Error(`GET /order/events answered an unexpected shape: ${describeIssues(page.error)}`);
    const events = page.data.events;
    run.add({ fetched: events.length });
    const byOrder = new Map<string, unknown[]>();
    for (const raw of events) byOrder.set(formOf(raw), [...(byOrder.get(formOf(raw)) ?? []), raw]);
    await inPool([...byOrder.values()], EVENT_CONCURRENCY, async (orderEvents) => {
      for (const raw of orderEvents) await handleEvent(ctx, run, raw);
    });
    const ids = events
      .map((raw) => (raw as { id?: unknown } | null)?.id)
      .filter((id): id is string => typeof id === 'string' && /^\d+$/.test(id));
    if (ids.length) {
      cursor = ids[ids.length - 1];
      await updateState(ctx, { eventCursor: cursor });
    }
    await ctx.progress({ message: `order events up to ${cursor ?? 'start'}` });
    // A full page may have more behind it; a page without a usable id cannot move the cursor, so stop.
    // The guard ends a journal that answers the same page again (a repeated cursor) or never ends (the cap).
    if (!ids.length) return;
    if (!pages.more({ items: events.length, limit: EVENTS_PAGE, next: cursor })) return;
  }
}

const orderEventsJob: ConnectorJob = {
  name: 'order-events',
  description: 'Follows the Allegro order event journal: new orders write stock off, cancellations return it',
  defaultCron: `*/${ORDER_EVENTS_POLL_SECONDS} * * * * *`,
  run: followOrderEvents,
};

// --- the connector -----------------------------------------------------------------------------

export const allegroConnector: Connector = {
  channel: 'allegro',
  title: 'Allegro',
  defaultBaseUrl: 'https://api.allegro.pl',
  capabilities: { listings: true, pushStock: true, readStock: true, orders: true, pushPrices: true },
  limits: defaults,
  // Grosze; allegro.pl sells in PLN.
  pricing: { step: 1, currencies: ['PLN'] },
  credentialsSchema,
  settingsSchema,

  limitsFor(account) {
    const s = settingsSchema.safeParse(account.settings ?? {});
    if (!s.success) return defaults;
    const requestsPerSecond = s.data.requestsPerSecond ?? defaults.requestsPerSecond;
    return {
      ...defaults,
      requestsPerSecond,
      burst: Math.max(1, Math.ceil(requestsPerSecond)),
      maxConcurrent: s.data.maxConcurrent ?? defaults.maxConcurrent,
    };
  },

  async validate(ctx) {
    // A refused refresh token throws CredentialsRejected, which the core turns into needs_reauth.
    const page = await offerPage(ctx, { limit: 1 });
    return { ok: true, details: `${page.totalCount ?? page.offers.length} offers` };
  },

  async *fetchListings(ctx) {
    // The first sync of an account also marks where its order events start.
    await eventCursor(ctx);
    const pages = pageGuard(ctx, 'GET /sale/offers');
    for (let offset = 0; ; offset += OFFERS_PAGE) {
      const page = await offerPage(ctx, { limit: OFFERS_PAGE, offset });
      const listings: RemoteListing[] = [];
      for (const offer of page.offers)
        listings.push(toListing(offer, offer.external?.id ? null : await eanOf(ctx, offer.id)));
      yield listings;
      if (!pages.more({ items: page.offers.length, limit: OFFERS_PAGE, total: page.totalCount })) return;
    }
  },

  async findListings(ctx, skus) {
    const wanted = [...new Set(skus.map((s) => s.trim()).filter(Boolean))];
    const found: RemoteListing[] = [];
    // external.id takes at most 100 values a request; one SKU may be on several offers, so each batch pages.
    for (let i = 0; i < wanted.length; i += 100) {
      const batch = wanted.slice(i, i + 100);
      const pages = pageGuard(ctx, 'GET /sale/offers');
      for (let offset = 0; ; offset += OFFERS_PAGE) {
        const page = await offerPage(ctx, { 'external.id': batch, limit: OFFERS_PAGE, offset });
        for (const offer of page.offers)
          if (offer.external?.id && batch.includes(offer.external.id)) found.push(toListing(offer, null));
        if (!pages.more({ items: page.offers.length, limit: OFFERS_PAGE, total: page.totalCount })) break;
      }
    }
    return found;
  },

  async pushQuantities(ctx, items) {
    const byQuantity = new Map<number, QuantityPush[]>();
    for (const item of items) byQuantity.set(item.quantity, [...(byQuantity.get(item.quantity) ?? []), item]);
    const outcomes: PushOutcome[] = [];
    for (const [quantity, pushes] of byQuantity) {
      if (quantity > 0 && pushes.length >= COMMAND_MIN_OFFERS)
        outcomes.push(...(await commandQuantity(ctx, quantity, pushes)));
      else for (const push of pushes) outcomes.push(await patchQuantity(ctx, push));
    }
    return outcomes;
  },

  async readQuantities(ctx, listings: MappedListing[]) {
    const quantities = new Map<number, number>();
    // external.id and offer.id take at most 100 values per request.
    for (let i = 0; i < listings.length; i += 100) {
      const chunk = listings.slice(i, i + 100);
      const page = await offerPage(ctx, { 'offer.id': chunk.map((l) => l.externalId), limit: 100 });
      const byOffer = new Map(chunk.map((l) => [l.externalId, l.listingId]));
      for (const offer of page.offers) {
        const listingId = byOffer.get(offer.id);
        if (listingId !== undefined && typeof offer.stock?.available === 'number')
          quantities.set(listingId, offer.stock.available);
      }
    }
    return quantities;
  },

  pushPrices: pushAllegroPrices,

  fetchOrder: fetchAllegroOrder,
  listOrders: listAllegroOrders,

  jobs: [orderEventsJob],
};
