import type { ConnectorContext, SyncRunCounter } from '../core/connector.ts';
import type { OrderFact, OrderStatusFact, ShippingFact } from '../core/facts.ts';
import { pageGuard } from '../core/paging.ts';
import { ozonCall, settingsOf } from './client.ts';
import { decimalToMinor, postingAnswer, postingListAnswer, type OzonPostingAnswer } from './types.ts';

/**
 * FBS postings into Sklad's orders, keyed by posting number. The first run reads
 * `postingDays` back; later runs read the postings whose status changed since the last
 * run (with a few minutes' overlap). Each page's offset is saved, so a failed run
 * resumes at its page; a replayed page changes nothing (core ingestion upserts by the
 * posting number). Lines name the product by offer_id, the seller's SKU; the seller ships
 * FBS postings, so core writes them off the account's warehouse (settings.stockWarehouseId,
 * else core's choice).
 */

interface PostingsState {
  /** Status changes up to here are imported. */
  changedUntil?: string;
  /** A run in progress: its window and the offset of the page to read next. */
  window?: { since: string; to: string; changedFrom?: string; offset: number };
}

type AccountState = { postings?: PostingsState } & Record<string, unknown>;

const OVERLAP_MS = 5 * 60_000;

/** Ozon's posting statuses in Sklad's words. */
function orderStatusOf(ozonStatus: string): OrderStatusFact {
  switch (ozonStatus) {
    case 'awaiting_deliver':
      return 'confirmed';
    case 'delivering':
    case 'driver_pickup':
    case 'sent_by_seller':
    case 'arbitration':
    case 'client_arbitration':
      return 'shipped';
    case 'delivered':
      return 'delivered';
    case 'cancelled':
    case 'cancelled_from_split_pending':
    case 'not_accepted':
      return 'cancelled';
    default:
      return 'new';
  }
}

export async function syncOzonPostings(ctx: ConnectorContext, run: SyncRunCounter): Promise<void> {
  const settings = settingsOf(ctx.account);
  const all = (await ctx.loadState<AccountState>()) ?? {};
  const state: PostingsState = { ...all.postings };
  const now = new Date();
  const window = state.window ?? {
    since: new Date(now.getTime() - settings.postingDays * 86_400_000).toISOString(),
    to: now.toISOString(),
    changedFrom: state.changedUntil ? new Date(Date.parse(state.changedUntil) - OVERLAP_MS).toISOString() : undefined,
    offset: 0,
  };
  const save = async (patch: PostingsState) => {
    const latest = (await ctx.loadState<AccountState>()) ?? {};
    await ctx.saveState({ ...latest, postings: patch });
  };

  const pages = pageGuard(ctx, 'POST /v3/posting/fbs/list');
  for (;;) {
    const filter = {
      since: window.since,
      to: window.to,
      ...(window.changedFrom ? { last_changed_status_date: { from: window.changedFrom, to: window.to } } : {}),
    };
    const page = await ozonCall(
      ctx,
      '/v3/posting/fbs/list',
      {
        dir: 'ASC',
        filter,
        limit: settings.pageSize,
        offset: window.offset,
        with: { analytics_data: true, financial_data: false },
      },
      postingListAnswer,
    );
    run.add({ fetched: page.result.postings.length });
    await importPostings(ctx, run, page.result.postings);
    window.offset += page.result.postings.length;
    await ctx.progress({ done: window.offset, message: 'Ozon postings' });
    if (!pages.more({ items: page.result.postings.length, hasNext: page.result.has_next })) break;
    await save({ ...state, window });
  }
  // Stopped by the page cap: the window is kept and the next run reads on from its offset.
  if (pages.stop === 'page cap') await save({ ...state, window });
  else await save({ changedUntil: window.to });
}

/** FBS postings created (in process) in the window, page by page, for the reconciler: nothing is imported. */
export async function* listOzonPostings(
  ctx: ConnectorContext,
  window: { from: string; to: string },
): AsyncIterable<OrderFact[]> {
  const { pageSize } = settingsOf(ctx.account);
  const pages = pageGuard(ctx, 'POST /v3/posting/fbs/list');
  for (let offset = 0; ; ) {
    const body = {
      dir: 'ASC',
      filter: { since: window.from, to: window.to },
      limit: pageSize,
      offset,
      with: { analytics_data: true, financial_data: false },
    };
    const page = await ozonCall(ctx, '/v3/posting/fbs/list', body, postingListAnswer);
    yield page.result.postings.map(toOrder);
    offset += page.result.postings.length;
    if (!pages.more({ items: page.result.postings.length, hasNext: page.result.has_next })) return;
  }
}

/**
 * One FBS posting by its number (`/v3/posting/fbs/get`): the support tools' `upload_order` of a
 * posting Sklad does not have. Null when Ozon has none (404).
 */
export async function fetchOzonPosting(ctx: ConnectorContext, postingNumber: string): Promise<OrderFact | null> {
  const { clientId, apiKey } = ctx.account.credentials;
  const res = await ctx.http.request({
    method: 'POST',
    path: '/v3/posting/fbs/get',
    headers: { 'Client-Id': clientId, 'Api-Key': apiKey },
    body: { posting_number: postingNumber, with: { analytics_data: true, financial_data: false } },
    secrets: [apiKey],
    accept: [404],
  });
  if (res.status === 404) return null;
  return toOrder(postingAnswer.parse(res.body).result);
}

async function importPostings(ctx: ConnectorContext, run: SyncRunCounter, postings: OzonPostingAnswer[]) {
  if (!postings.length) return;
  for (const result of await ctx.ingest.orders(postings.map(toOrder))) {
    run.add(result.created ? { created: 1 } : result.statusChanged ? { updated: 1 } : {});
  }
}

function toOrder(p: OzonPostingAnswer): OrderFact {
  const lines = p.products.map((l) => ({
    ref: { sku: l.offer_id },
    sku: l.offer_id,
    externalSku: String(l.sku),
    name: l.name || l.offer_id,
    quantity: l.quantity,
    priceMinor: decimalToMinor(l.price),
  }));
  return {
    externalId: p.posting_number,
    postingNumber: p.posting_number,
    status: orderStatusOf(p.status),
    channelStatus: p.status,
    orderedAt: new Date(p.in_process_at).toISOString(),
    currency: p.products[0]?.currency_code || 'RUB',
    totalMinor: lines.reduce((sum, l) => sum + l.priceMinor * l.quantity, 0),
    fulfilledBy: 'seller',
    customer: buyerOf(p),
    shipping: shippingOf(p),
    lines,
    raw: {
      order_number: p.order_number,
      substatus: p.substatus,
      warehouse: p.delivery_method?.warehouse,
      cancel_reason: p.cancellation?.cancel_reason || undefined,
    },
  };
}

/** Ozon writes the country as a name; the delivery services want ISO codes. */
const countryCodes: Record<string, string> = {
  россия: 'RU',
  russia: 'RU',
  казахстан: 'KZ',
  kazakhstan: 'KZ',
  беларусь: 'BY',
  belarus: 'BY',
  армения: 'AM',
  armenia: 'AM',
  кыргызстан: 'KG',
  киргизия: 'KG',
  kyrgyzstan: 'KG',
  узбекистан: 'UZ',
  uzbekistan: 'UZ',
  грузия: 'GE',
  georgia: 'GE',
};

const text = (value: string | null | undefined) => value?.trim() || null;

/**
 * How the posting is delivered (`delivery_method`, `tpl_integration_type`) and to whom: the
 * buyer and address Ozon gives for postings the seller delivers, else the city and region of
 * `analytics_data`. Ozon never gives the buyer's phone ("always an empty string") nor the
 * parcel's weight and size: the delivery flow takes them from its link's defaults, or lists
 * them as missing before anything is sent.
 */
function shippingOf(p: OzonPostingAnswer): ShippingFact {
  const method = p.delivery_method;
  const address = p.customer?.address;
  const country = text(address?.country);
  return {
    methodId: method?.id != null ? String(method.id) : null,
    methodName: text(method?.name),
    warehouseId: method?.warehouse_id != null ? String(method.warehouse_id) : null,
    provider: text(method?.tpl_provider) ?? text(p.analytics_data?.tpl_provider) ?? text(p.tpl_integration_type),
    recipient: {
      name: text(p.addressee?.name) ?? text(p.customer?.name),
      phone: text(p.addressee?.phone) ?? text(p.customer?.phone),
      email: null,
    },
    address: {
      // A posting of Ozon's (a Russian marketplace) with a city and no country is delivered in Russia.
      countryCode: country
        ? (countryCodes[country.toLowerCase()] ?? null)
        : text(address?.city ?? p.analytics_data?.city)
          ? 'RU'
          : null,
      region: text(address?.region) ?? text(p.analytics_data?.region),
      city: text(address?.city) ?? text(p.analytics_data?.city),
      address: text(address?.address_tail),
      postalCode: text(address?.zip_code),
    },
    deliveryPoint: text(address?.provider_pvz_code),
    weightGrams: null,
    dimensionsCm: null,
  };
}

/** The buyer as the CRM shows it, when Ozon names one. */
function buyerOf(p: OzonPostingAnswer): Record<string, unknown> | null {
  const name = text(p.addressee?.name) ?? text(p.customer?.name);
  if (!name) return null;
  return { name, address: text(p.customer?.address?.address_tail) };
}
