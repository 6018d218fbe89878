import type { z } from 'zod';
import type { ConnectorContext } from '../core/connector.ts';
import type { DeliveryDraft, DeliveryRequestState, DeliveryService, WaybillState } from '../core/delivery.ts';
import { cdekRequest } from './auth.ts';
import { cdekSettings, type CdekSettings } from './connector.ts';
import {
  createdAnswer,
  describeIssues,
  orderAnswer,
  orderStatusWebhook,
  printAnswer,
  refusalProblems,
  type CdekProblem,
} from './types.ts';

/**
 * Sklad's delivery orders as CDEK orders (CONTRACT.md §2–§7): one e-shop order per package
 * under our number, checked by CDEK in the background (pending until its CREATE request is
 * SUCCESSFUL or INVALID), then its receipt as a print job. A retry is safe: the flow looks the
 * number up first, and CDEK refuses a second order under a number it knows.
 */

/** §8: our `number` is not unique at CDEK. */
const DUPLICATE_NUMBER = 'error_validate_im_dep_number_has_already_had_integration';

function parseAnswer<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`CDEK answered ${what} in an unexpected shape: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** A refusal's errors, or one saying so when CDEK gave none readable. */
const problemsOf = (body: unknown, status: number): CdekProblem[] => {
  const problems = refusalProblems(body);
  return problems.length ? problems : [{ code: `http_${status}`, message: `CDEK refused it with HTTP ${status}` }];
};

// --- the request ----------------------------------------------------------------------------

const phones = (phone: string) => [{ number: phone.trim() }];

/** Where the parcel starts: the office of the settings, or the courier's pick-up address (§3: one of them). */
function origin(settings: CdekSettings) {
  if (settings.shipmentPoint) return { shipment_point: settings.shipmentPoint };
  const from = settings.fromLocation!;
  return {
    from_location: {
      city: from.city,
      address: from.address,
      postal_code: from.postalCode,
      country_code: from.countryCode ?? 'RU',
    },
  };
}

function destination(draft: DeliveryDraft) {
  if (draft.deliveryPoint) return { delivery_point: draft.deliveryPoint };
  const to = draft.address!;
  return {
    to_location: {
      city: to.city,
      address: to.address,
      postal_code: to.postalCode ?? undefined,
      region: to.region ?? undefined,
      country_code: to.countryCode,
    },
  };
}

/** §3: one package per draft; the goods per unit, declared in rubles. */
function orderBody(draft: DeliveryDraft, settings: CdekSettings) {
  return {
    // An e-shop order: the type that carries our number and the goods.
    type: 1,
    number: draft.number,
    tariff_code: settings.tariffCode,
    comment: draft.comment ?? undefined,
    ...origin(settings),
    ...destination(draft),
    sender: settings.sender && { name: settings.sender.name, phones: phones(settings.sender.phone) },
    recipient: {
      name: draft.recipient.name.trim(),
      phones: phones(draft.recipient.phone),
      email: draft.recipient.email ?? undefined,
    },
    packages: [
      {
        number: draft.number,
        weight: draft.weightGrams,
        length: draft.lengthCm,
        width: draft.widthCm,
        height: draft.heightCm,
        items: draft.items.map((item) => ({
          name: item.name,
          ware_key: item.sku,
          // Marketplace orders are paid for already: nothing is collected on delivery.
          payment: { value: 0 },
          cost: item.costMinor / 100,
          weight: item.weightGrams,
          amount: item.quantity,
        })),
      },
    ],
  };
}

// --- the answers ----------------------------------------------------------------------------

type OrderAnswer = z.infer<typeof orderAnswer>;

/** The newest status: by its time, the first of equals (the sample lists them newest first). */
const latestStatus = (statuses: OrderAnswer['entity']['statuses']) =>
  statuses.reduce<(typeof statuses)[number] | null>(
    (best, s) => (!best || Date.parse(s.date_time) > Date.parse(best.date_time) ? s : best),
    null,
  )?.code ?? null;

function stateOf(answer: OrderAnswer): DeliveryRequestState {
  const { uuid } = answer.entity;
  const request = answer.requests.find((r) => r.type === 'CREATE') ?? answer.requests[0];
  if (request.state === 'INVALID') return { state: 'invalid', uuid, errors: request.errors ?? [] };
  if (request.state === 'SUCCESSFUL')
    return {
      state: 'made',
      uuid,
      trackingNumber: answer.entity.cdek_number ?? null,
      status: latestStatus(answer.entity.statuses),
    };
  return { state: 'pending', uuid };
}

async function findOrder(ctx: ConnectorContext, number: string): Promise<DeliveryRequestState | null> {
  // §4: with several orders under the number, CDEK answers the newest.
  const res = await cdekRequest(ctx, {
    method: 'GET',
    path: '/v2/orders',
    query: { im_number: number },
    accept: [404],
  });
  if (res.status === 404) return null;
  return stateOf(parseAnswer(orderAnswer, res.body, 'GET /v2/orders?im_number'));
}

async function orderState(ctx: ConnectorContext, uuid: string): Promise<DeliveryRequestState> {
  const res = await cdekRequest(ctx, { method: 'GET', path: `/v2/orders/${encodeURIComponent(uuid)}`, accept: [404] });
  if (res.status === 404) return { state: 'invalid', uuid, errors: problemsOf(res.body, 404) };
  const answer = parseAnswer(orderAnswer, res.body, 'GET /v2/orders/{uuid}');
  const state = stateOf(answer);
  // Refused because our number is taken: the order that holds it is this package's (a create retried after a lost answer).
  if (state.state === 'invalid' && answer.entity.number && state.errors.some((e) => e.code === DUPLICATE_NUMBER)) {
    const holder = await findOrder(ctx, answer.entity.number);
    if (holder && holder.state !== 'invalid' && holder.uuid !== uuid) return holder;
  }
  return state;
}

async function createOrder(ctx: ConnectorContext, draft: DeliveryDraft): Promise<DeliveryRequestState> {
  const settings = cdekSettings(ctx);
  if (!settings.shipmentPoint && !settings.fromLocation) {
    return {
      state: 'invalid',
      uuid: null,
      errors: [
        {
          code: 'SETTINGS_INCOMPLETE',
          message: 'The CDEK account has neither a shipment point nor a sender address in its settings',
        },
      ],
    };
  }
  // Sent once: a lost answer is settled by the flow's lookup of the number, not by sending again.
  const res = await cdekRequest(ctx, {
    method: 'POST',
    path: '/v2/orders',
    body: orderBody(draft, settings),
    accept: [400],
    attempts: 1,
  });
  if (res.status === 400) return { state: 'invalid', uuid: null, errors: problemsOf(res.body, 400) };
  const answer = parseAnswer(createdAnswer, res.body, 'POST /v2/orders');
  const request = answer.requests[0];
  if (request.state === 'INVALID') return { state: 'invalid', uuid: answer.entity.uuid, errors: request.errors ?? [] };
  return { state: 'pending', uuid: answer.entity.uuid };
}

async function requestWaybill(ctx: ConnectorContext, orderUuid: string): Promise<WaybillState> {
  // §6: two copies a page, as CDEK recommends. Retried like a read: a second print job of the same order does no harm.
  const res = await cdekRequest(ctx, {
    method: 'POST',
    path: '/v2/print/orders',
    body: { orders: [{ order_uuid: orderUuid }], copy_count: 2 },
    accept: [400],
  });
  if (res.status === 400) return { state: 'invalid', errors: problemsOf(res.body, 400) };
  const answer = parseAnswer(createdAnswer, res.body, 'POST /v2/print/orders');
  if (answer.requests[0].state === 'INVALID') return { state: 'invalid', errors: answer.requests[0].errors ?? [] };
  return { state: 'pending', uuid: answer.entity.uuid };
}

async function waybillState(ctx: ConnectorContext, waybillUuid: string): Promise<WaybillState> {
  const res = await cdekRequest(ctx, {
    method: 'GET',
    path: `/v2/print/orders/${encodeURIComponent(waybillUuid)}`,
    accept: [404],
  });
  if (res.status === 404) return { state: 'invalid', errors: problemsOf(res.body, 404) };
  const { entity, requests } = parseAnswer(printAnswer, res.body, 'GET /v2/print/orders/{uuid}');
  // §6: the url appears once the form is made; it needs the bearer token and lives about an hour.
  if (entity.url) return { state: 'ready', uuid: entity.uuid, url: entity.url };
  const refused = requests.find((r) => r.state === 'INVALID');
  const invalidStatus = entity.statuses.find((s) => s.code === 'INVALID');
  if (refused || invalidStatus) {
    const errors = refused?.errors?.length
      ? refused.errors
      : [{ code: 'INVALID', message: invalidStatus?.name ?? 'CDEK could not make the receipt' }];
    return { state: 'invalid', errors };
  }
  return { state: 'pending', uuid: entity.uuid };
}

// --- the check before sending ---------------------------------------------------------------

/** §3: our number is at most 40 ASCII letters, digits and special characters. */
const ORDER_NUMBER = /^[\x21-\x7E]{1,40}$/;

const positiveInt = (value: number) => Number.isInteger(value) && value > 0;

/** What CDEK would refuse of a draft, so it is fixed before anything is sent. */
function check(draft: DeliveryDraft): { field: string; reason: string }[] {
  const problems: { field: string; reason: string }[] = [];
  const add = (field: string, reason: string) => void problems.push({ field, reason });
  if (!ORDER_NUMBER.test(draft.number))
    add('number', 'CDEK takes at most 40 ASCII letters, digits and special characters, no spaces');
  if (!draft.recipient.name?.trim()) add('recipient.name', 'the recipient’s name is missing');
  if ((draft.recipient.phone ?? '').replace(/\D/g, '').length < 10)
    add('recipient.phone', 'a phone number of at least 10 digits is needed to reach the recipient');
  if (!draft.deliveryPoint && !draft.address) add('address', 'a pick-up point or an address to deliver to is needed');
  if (draft.address && !draft.deliveryPoint) {
    const { city, address, countryCode } = draft.address;
    if (!city?.trim()) add('address.city', 'the city is missing');
    if (!address?.trim()) add('address.address', 'the street address is missing');
    else if (!/\p{L}{2,}/u.test(address) || !/\d/.test(address))
      add('address.address', 'the address needs a street and a house number');
    if (!/^[A-Z]{2}$/.test(countryCode ?? ''))
      add('address.countryCode', 'two capital letters (ISO 3166-1 alpha-2), e.g. RU');
  }
  if (!positiveInt(draft.weightGrams)) add('weightGrams', 'the package’s weight in whole grams, more than 0');
  for (const side of ['lengthCm', 'widthCm', 'heightCm'] as const)
    if (!positiveInt(draft[side])) add(side, 'the package’s size in whole centimetres, more than 0');
  if (!draft.items.length) add('items', 'an e-shop order lists the goods in the package');
  for (const [i, item] of draft.items.entries()) {
    if (!item.sku?.trim()) add(`items[${i}].sku`, 'the article is missing');
    if (!item.name?.trim()) add(`items[${i}].name`, 'the name is missing');
    if (!positiveInt(item.quantity)) add(`items[${i}].quantity`, 'a whole number of units, more than 0');
    if (!Number.isInteger(item.costMinor) || item.costMinor < 0)
      add(`items[${i}].costMinor`, 'the declared value per unit in kopecks, 0 or more');
    if (!positiveInt(item.weightGrams))
      add(`items[${i}].weightGrams`, 'the weight per unit in whole grams, more than 0');
  }
  // Declared values go to CDEK in rubles.
  if (draft.currency !== 'RUB') add('currency', `CDEK takes declared values in rubles, not ${draft.currency}`);
  if ((draft.comment ?? '').length > 255) add('comment', 'at most 255 characters');
  return problems;
}

/** §7: an ORDER_STATUS webhook; anything else (another type, a broken body) is not one. */
function parseWebhook(body: unknown): { number: string | null; uuid: string; status: string } | null {
  const parsed = orderStatusWebhook.safeParse(body);
  if (!parsed.success) return null;
  return {
    number: parsed.data.attributes.number ?? null,
    uuid: parsed.data.uuid,
    status: parsed.data.attributes.status_code,
  };
}

export const cdekDelivery: DeliveryService = {
  findOrder,
  createOrder,
  orderState,
  requestWaybill,
  waybillState,
  check,
  parseWebhook,
};
