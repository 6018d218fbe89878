import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LoggedRequest } from '../toolkit/index.ts';
import { section, ticks } from '../toolkit/contract-doc.ts';

/**
 * CDEK API v2 as ../shared/specs/cdek/CONTRACT.md digests it (no OpenAPI exists): zod schemas of
 * the requests Sklad sends and the answers CDEK gives, written from the digest and the recorded
 * test-environment answers in samples/. The simulator validates orders with them (§3), and the
 * tests check every logged exchange against them. The digest and the samples are read only by
 * `loadCdekContract` and `loadCdekSamples`, at test time.
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPEC_DIR = path.resolve(projectRoot, '../shared/specs/cdek');

// --- building blocks ------------------------------------------------------------------------

/** §2 and the samples: `2025-10-15T10:15:25+00:00`. */
const dateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)$/, 'a date-time with its offset');
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a UUID');
/** SOURCE.txt: the recorded samples mask some values with "***", numbers and booleans too. */
const masked = <T extends z.ZodType>(schema: T) => z.union([schema, z.literal('***')]);
const code = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an upper-case code');

/** §2: the request types and states of the common envelope. */
const REQUEST_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'AUTH', 'GET'] as const;
const REQUEST_STATES = ['ACCEPTED', 'WAITING', 'SUCCESSFUL', 'INVALID'] as const;
/** §7: webhook types; one URL per type. */
const WEBHOOK_TYPES = ['ORDER_STATUS', 'PRINT_FORM', 'DOWNLOAD_PHOTO', 'PREALERT_CLOSED'] as const;

/** §3: `number` is ours, at most 40 ASCII letters, digits and special characters. */
const ORDER_NUMBER = /^[\x21-\x7E]{1,40}$/;

// --- requests (§3, §6, §7) ------------------------------------------------------------------

const phone = z.object({ number: z.string().trim().min(1), additional: z.string().optional() });
const contact = z.object({
  company: z.string().optional(),
  name: z.string().trim().min(1),
  email: z.string().optional(),
  phones: z.array(phone).optional(),
  contragent_type: z.enum(['LEGAL_ENTITY', 'INDIVIDUAL']).optional(),
  tin: z.string().optional(),
  passport_series: z.string().optional(),
  passport_number: z.string().optional(),
  passport_date_of_issue: z.string().optional(),
  passport_organization: z.string().optional(),
  passport_date_of_birth: z.string().optional(),
});
const location = z.object({
  code: z.number().int().positive().optional(),
  fias_guid: z.string().optional(),
  postal_code: z.string().optional(),
  longitude: z.number().optional(),
  latitude: z.number().optional(),
  country_code: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2')
    .optional(),
  region: z.string().optional(),
  region_code: z.number().int().optional(),
  sub_region: z.string().optional(),
  city: z.string().optional(),
  kladr_code: z.string().optional(),
  // The SDK marks the address required.
  address: z.string().trim().min(1),
});
const money = z.object({
  value: z.number().nonnegative(),
  vat_sum: z.number().nonnegative().optional(),
  vat_rate: z.number().nullable().optional(),
});
const item = z.object({
  name: z.string().trim().min(1),
  ware_key: z.string().trim().min(1),
  payment: money,
  cost: z.number().nonnegative(),
  weight: z.number().int().positive(),
  amount: z.number().int().positive(),
  weight_gross: z.number().int().positive().optional(),
  marking: z.string().optional(),
  url: z.string().optional(),
  name_i18n: z.string().optional(),
  brand: z.string().optional(),
  country_code: z.string().optional(),
  material: z.number().int().optional(),
  wifi_gsm: z.boolean().optional(),
});
const parcel = z.object({
  number: z.string().trim().min(1),
  weight: z.number().int().positive(),
  length: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  comment: z.string().optional(),
  items: z.array(item).optional(),
});

/** Which rule of §3 an issue of the order schema breaks, as CDEK's error code (§8). */
type RuleIssue = { path: (string | number)[]; message: string; cdek: 'v2_field_is_empty' | 'v2_bad_request' };

/** The fields of `POST /v2/orders` (§3). Unknown keys are dropped here; checkCdekRequest holds a client to the known ones. */
const orderFields = z.object({
  type: z.union([z.literal(1), z.literal(2)]).optional(),
  additional_order_types: z.array(z.number().int()).optional(),
  number: z.string().regex(ORDER_NUMBER, 'at most 40 ASCII letters, digits and special characters').optional(),
  tariff_code: z.number().int().positive(),
  comment: z.string().max(255).optional(),
  developer_key: z.string().optional(),
  shipment_point: z.string().trim().min(1).optional(),
  delivery_point: z.string().trim().min(1).optional(),
  date_invoice: z.string().optional(),
  shipper_name: z.string().optional(),
  shipper_address: z.string().optional(),
  delivery_recipient_cost: money.optional(),
  delivery_recipient_cost_adv: z
    .array(
      z.object({
        threshold: z.number().int(),
        sum: z.number(),
        vat_sum: z.number().optional(),
        vat_rate: z.number().nullable().optional(),
      }),
    )
    .optional(),
  sender: contact.optional(),
  seller: z
    .object({
      name: z.string().optional(),
      inn: z.string().optional(),
      phone: z.string().optional(),
      ownership_form: z.number().int().optional(),
      address: z.string().optional(),
    })
    .optional(),
  recipient: contact,
  from_location: location.optional(),
  to_location: location.optional(),
  services: z.array(z.object({ code: z.string().min(1), parameter: z.string().optional() })).optional(),
  packages: z.array(parcel).min(1),
  print: z.string().optional(),
  is_client_return: z.boolean().optional(),
  accompanying_number: z.string().optional(),
  widget_token: z.string().optional(),
});

export type OrderRequest = z.infer<typeof orderFields>;

/** `POST /v2/orders` as CDEK checks it synchronously (§2): the fields, then the rules across them. */
export const orderRequest = orderFields.superRefine((order, ctx) => {
  for (const issue of orderRules(order))
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { cdek: issue.cdek } });
});

/** §3's rules across fields: one point or one location at each end, a phone to call, goods of an e-shop order. */
function orderRules(order: OrderRequest): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const ends = [
    ['shipment_point', 'from_location'],
    ['delivery_point', 'to_location'],
  ] as const;
  for (const [point, place] of ends) {
    if (order[point] !== undefined && order[place] !== undefined)
      issues.push({
        path: [point],
        message: `${point} and ${place} must not be sent together`,
        cdek: 'v2_bad_request',
      });
    if (order[point] === undefined && order[place] === undefined)
      issues.push({ path: [place], message: `${point} or ${place} is required`, cdek: 'v2_field_is_empty' });
  }
  if (!order.recipient.phones?.length)
    issues.push({
      path: ['recipient', 'phones'],
      message: 'the recipient’s phone is required',
      cdek: 'v2_field_is_empty',
    });
  if ((order.type ?? 1) === 1) {
    for (const [i, p] of order.packages.entries()) {
      if (!p.items?.length)
        issues.push({
          path: ['packages', i, 'items'],
          message: 'an e-shop order lists the goods of each package',
          cdek: 'v2_field_is_empty',
        });
    }
  }
  return issues;
}

const tokenRequest = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
  })
  .strict();

/** §6: one of the two ids per order; ≤ 100 orders recommended. */
const printOrderRef = z.union([
  z.object({ order_uuid: uuid }).strict(),
  z.object({ cdek_number: z.string().regex(/^\d+$/) }).strict(),
]);
export const printRequest = z
  .object({
    orders: z.array(printOrderRef).min(1).max(100),
    copy_count: z.number().int().positive().optional(),
    type: z.string().min(1).optional(),
  })
  .strict();

export const webhookRequest = z.object({ url: z.url({ protocol: /^https?$/ }), type: z.enum(WEBHOOK_TYPES) }).strict();

// --- answers (§1, §2, §4, §6, §7, §8, samples/) ---------------------------------------------

const problem = z.object({ code: z.string().min(1), message: z.string() }).strict();
const request = z
  .object({
    request_uuid: uuid,
    type: z.enum(REQUEST_TYPES),
    state: z.enum(REQUEST_STATES),
    date_time: dateTime,
    errors: z.array(problem).optional(),
    warnings: z.array(problem).optional(),
  })
  .strict();
const envelope = <E extends z.ZodType>(entity: E) =>
  z
    .object({ entity, requests: z.array(request).min(1), related_entities: z.array(z.looseObject({})).optional() })
    .strict();

/** §2/§3: 202 with the uuid and `requests[0] = {type: CREATE, state: ACCEPTED}` (create-order and print-orders-create samples). */
const accepted = envelope(z.object({ uuid }).strict()).refine(
  (r) => r.requests[0].type === 'CREATE' && r.requests[0].state === 'ACCEPTED',
  'requests[0] is CREATE, ACCEPTED',
);

/** §8: a refusal is the envelope without an entity, its request INVALID with errors. */
const refusal = z
  .object({ requests: z.array(request).min(1), related_entities: z.array(z.looseObject({})).optional() })
  .strict()
  .refine(
    (r) => r.requests.every((q) => q.state === 'INVALID' && (q.errors?.length ?? 0) > 0),
    'every request INVALID with its errors',
  );

const tokenAnswer = z
  .object({
    access_token: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT'),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().nonnegative(),
    scope: z.string().min(1),
    jti: z.string().min(1),
  })
  .strict();

const phoneOut = z.object({ number: z.string(), additional: z.string().optional() }).strict();
const contactOut = contact
  .extend({
    name: z.string(),
    phones: z.array(phoneOut).optional(),
    passport_requirements_satisfied: masked(z.boolean()).optional(),
  })
  .strict();
const locationOut = location
  .extend({ city_uuid: uuid.optional(), country: z.string().optional(), address: z.string() })
  .strict();
const moneyOut = money.strict();
const itemOut = item
  .extend({
    ware_key: masked(z.string()),
    payment: moneyOut,
    delivery_amount: z.number().int().nonnegative().optional(),
    return_item_detail: z.looseObject({}).optional(),
    excise: z.boolean().optional(),
  })
  .strict();
const parcelOut = z
  .object({
    number: z.string(),
    barcode: z.string().optional(),
    package_id: uuid.optional(),
    weight: z.number().int().positive(),
    length: masked(z.number().int().positive()),
    width: masked(z.number().int().positive()),
    height: masked(z.number().int().positive()),
    weight_volume: z.number().int().nonnegative().optional(),
    weight_calc: z.number().int().positive().optional(),
    comment: z.string().optional(),
    items: z.array(itemOut).optional(),
  })
  .strict();
const serviceOut = z
  .object({
    code: z.string(),
    parameter: z.string().optional(),
    sum: z.number().optional(),
    total_sum: z.number().optional(),
    discount_percent: z.number().optional(),
    discount_sum: z.number().optional(),
    vat_rate: z.number().nullable().optional(),
    vat_sum: z.number().optional(),
  })
  .strict();
/** §4: an order's statuses, newest first in the sample. */
const orderStatus = z
  .object({
    code,
    name: z.string().min(1),
    date_time: dateTime,
    city: z.string().optional(),
    deleted: z.boolean().optional(),
    reason_code: z.string().optional(),
  })
  .strict();

const orderEntity = z
  .object({
    uuid,
    type: z.union([z.literal(1), z.literal(2)]),
    is_return: z.boolean(),
    is_reverse: z.boolean(),
    // §4: assigned once CDEK registered the order; absent until then.
    cdek_number: z.string().regex(/^\d+$/).optional(),
    number: z.string().min(1),
    tariff_code: z.number().int().positive(),
    comment: z.string().optional(),
    items_cost_currency: z.string().optional(),
    recipient_currency: z.string().optional(),
    delivery_recipient_cost: moneyOut.optional(),
    delivery_recipient_cost_adv: z
      .array(
        z
          .object({
            threshold: z.number(),
            sum: z.number(),
            vat_sum: z.number().optional(),
            vat_rate: z.number().nullable().optional(),
          })
          .strict(),
      )
      .optional(),
    sender: contactOut.optional(),
    seller: z.looseObject({ name: z.string().optional() }).optional(),
    recipient: contactOut,
    from_location: locationOut.optional(),
    to_location: locationOut.optional(),
    shipment_point: z.string().optional(),
    delivery_point: z.string().optional(),
    services: z.array(serviceOut).optional(),
    packages: z.array(parcelOut).min(1),
    statuses: z.array(orderStatus),
    is_client_return: masked(z.boolean()).optional(),
    delivery_mode: z.string().regex(/^\d+$/).optional(),
    has_reverse_order: z.boolean().optional(),
    delivery_detail: z
      .looseObject({ delivery_sum: z.number(), total_sum: z.number(), payment_info: z.array(z.unknown()) })
      .optional(),
    calls: z.looseObject({}).optional(),
  })
  .strict();
const orderAnswer = envelope(orderEntity);

/** §6: the print job; `url` only once it is formed. */
const printStatus = z.object({ code, name: z.string().min(1), date_time: dateTime }).strict();
const printEntity = z
  .object({
    uuid,
    orders: z.array(printOrderRef).min(1),
    copy_count: z.number().int().positive(),
    type: z.string().optional(),
    url: z.url().optional(),
    statuses: z.array(printStatus).min(1),
  })
  .strict()
  .refine(
    (p) => (p.url !== undefined) === p.statuses.some((s) => s.code === 'READY'),
    'a url exactly when the form is READY',
  );
const printAnswer = envelope(printEntity);

const webhookEntity = z.object({ uuid, type: z.enum(WEBHOOK_TYPES), url: z.url() }).strict();

/** §7: what CDEK posts to an ORDER_STATUS subscription. */
export const orderStatusWebhook = z
  .object({
    type: z.literal('ORDER_STATUS'),
    date_time: dateTime,
    uuid,
    attributes: z
      .object({
        is_return: z.boolean(),
        cdek_number: z.string().regex(/^\d+$/),
        number: z.string().optional(),
        status_code: code,
        status_reason_code: z.string().optional(),
        status_date_time: dateTime,
        city_name: z.string(),
        city_code: z.string(),
      })
      .strict(),
  })
  .strict();

export const cdekSchemas = {
  tokenRequest,
  orderRequest,
  printRequest,
  webhookRequest,
  tokenAnswer,
  accepted,
  refusal,
  orderAnswer,
  printAnswer,
  webhookAnswer: envelope(z.object({ uuid }).strict()),
  webhookList: z.array(webhookEntity),
  orderStatusWebhook,
};

// --- the digest and the samples, read at test time -----------------------------------------

export interface CdekContract {
  /** §5: the order status codes. */
  statuses: string[];
  /** §8: the documented error codes (the list ends in "…": there are more). */
  errorCodes: string[];
  /** §7: webhook types. */
  webhookTypes: string[];
  /** §2: request types and states. */
  requestTypes: string[];
  requestStates: string[];
}

function line(text: string, starts: string): string {
  const found = text.split('\n').find((l) => l.includes(starts));
  if (!found) throw new Error(`CONTRACT.md no longer says ${starts}`);
  return found;
}

export function loadCdekContract(): CdekContract {
  const doc = fs.readFileSync(path.join(SPEC_DIR, 'CONTRACT.md'), 'utf8');
  const s2 = section(doc, 2);
  return {
    statuses: ticks(section(doc, 5)).filter((t) => /^[A-Z_]+$/.test(t)),
    errorCodes: ticks(section(doc, 8)).filter((t) => /^(v2|error)_[a-z0-9_]+$/.test(t)),
    webhookTypes: ticks(line(section(doc, 7), 'types')).filter((t) => /^[A-Z_]+$/.test(t)),
    requestTypes: ticks(line(s2, '`requests[].type`')).slice(1),
    requestStates: ticks(line(s2, '`requests[].state`'))
      .slice(1)
      .filter((t) => /^[A-Z]+$/.test(t)),
  };
}

/** The recorded answers and the request template of samples/, by file name without `.json`. */
export function loadCdekSamples(): Record<string, unknown> {
  const dir = path.join(SPEC_DIR, 'samples');
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f.replace(/\.json$/, ''), JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))]),
  );
}

/** Keys of `value` (recursively, arrays by their elements) that `schema` has no field for. */
function unknownKeys(value: unknown, schema: z.ZodType, at: string): string[] {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodArray)
    s = (s instanceof z.ZodArray ? s.element : s.unwrap()) as z.ZodType;
  if (!(s instanceof z.ZodObject) || !value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(v, s, `${at}[${i}]`));
  const shape = s.shape as Record<string, z.ZodType>;
  return Object.entries(value).flatMap(([k, v]) =>
    k in shape ? unknownKeys(v, shape[k], `${at}.${k}`) : [`${at}.${k}`],
  );
}

/** Fields of an order (or of the recorded request template) that §3 does not know, as `order.recipient.x`. */
export const unknownOrderFields = (order: unknown) => unknownKeys(order, orderFields, 'order');

// --- checking logged exchanges --------------------------------------------------------------

const issues = (schema: z.ZodType, value: unknown, where: string) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
};

type Route = {
  request?: (entry: LoggedRequest) => unknown;
  requestSchema?: z.ZodType;
  answers: Record<number, z.ZodType | 'pdf'>;
};

const UUID = '[0-9a-f-]{36}';
const refusals = { 400: refusal, 401: refusal, 403: refusal, 404: refusal };

function routeOf(entry: LoggedRequest): Route | null {
  const { method, path: p } = entry;
  if (method === 'POST' && p === '/v2/oauth/token') {
    // §1: form-encoded, or (as the doc shows too) in the query string.
    const fromQuery = (e: LoggedRequest) =>
      Object.fromEntries(Object.entries(e.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    const fromForm = (e: LoggedRequest) =>
      Object.fromEntries(new URLSearchParams(typeof e.body === 'string' ? e.body : ''));
    return {
      request: (e) => ({ ...fromQuery(e), ...fromForm(e) }),
      requestSchema: tokenRequest,
      answers: { 200: tokenAnswer, 400: refusal, 401: refusal },
    };
  }
  if (method === 'POST' && p === '/v2/orders')
    return { requestSchema: orderRequest, answers: { 202: accepted, 400: refusal, 401: refusal } };
  if (method === 'GET' && (new RegExp(`^/v2/orders/${UUID}$`).test(p) || p === '/v2/orders'))
    return { answers: { 200: orderAnswer, ...refusals } };
  if (method === 'POST' && p === '/v2/print/orders')
    return { requestSchema: printRequest, answers: { 202: accepted, 400: refusal, 401: refusal } };
  if (method === 'GET' && new RegExp(`^/v2/print/orders/${UUID}\\.pdf$`).test(p))
    return { answers: { 200: 'pdf', 401: refusal, 404: refusal } };
  if (method === 'GET' && new RegExp(`^/v2/print/orders/${UUID}$`).test(p))
    return { answers: { 200: printAnswer, ...refusals } };
  if (method === 'POST' && p === '/v2/webhooks')
    return { requestSchema: webhookRequest, answers: { 200: cdekSchemas.webhookAnswer, 400: refusal, 401: refusal } };
  if (method === 'GET' && p === '/v2/webhooks') return { answers: { 200: cdekSchemas.webhookList, 401: refusal } };
  if (method === 'DELETE' && new RegExp(`^/v2/webhooks/${UUID}$`).test(p))
    return { answers: { 200: cdekSchemas.webhookAnswer, ...refusals } };
  return null;
}

/** What a client must send with every call but the token's (§1): the bearer token, JSON bodies as JSON. */
function headerProblems(entry: LoggedRequest, where: string): string[] {
  const problems: string[] = [];
  const type = entry.headers['content-type'] ?? '';
  if (entry.path === '/v2/oauth/token') {
    if (entry.body !== null && !type.startsWith('application/x-www-form-urlencoded'))
      problems.push(`${where}: the token request is form-encoded (§1), not ${type || 'untyped'}`);
    return problems;
  }
  // The toolkit keeps only the first characters of the Authorization header.
  if (!/^bear/i.test(entry.headers.authorization ?? '')) problems.push(`${where}: no bearer token (§1)`);
  if (entry.body !== null && !type.startsWith('application/json'))
    problems.push(`${where}: a JSON body is sent as application/json (§1), not ${type || 'untyped'}`);
  return problems;
}

/** Problems of one logged request: §1's headers, the body's schema, and for an order no field §3 does not name. Empty = fits. */
export function checkCdekRequest(entry: LoggedRequest): string[] {
  const where = `${entry.method} ${entry.path} → ${entry.status}`;
  const route = routeOf(entry);
  if (!route) return [`${where}: not a call of the digest`];
  const problems = headerProblems(entry, where);
  if (!route.requestSchema) return problems;
  const body = route.request ? route.request(entry) : entry.body;
  problems.push(...issues(route.requestSchema, body, `${where} request`));
  if (entry.path === '/v2/orders')
    problems.push(...unknownOrderFields(body).map((k) => `${where} request: ${k} is no field of §3`));
  return problems;
}

/** Problems of one logged answer against its status's schema (faults made on purpose aside). Empty = fits. */
export function checkCdekAnswer(entry: LoggedRequest): string[] {
  const where = `${entry.method} ${entry.path} → ${entry.status}`;
  const route = routeOf(entry);
  if (!route) return [`${where}: not a call of the digest`];
  if (entry.fault === 'malformed' || entry.fault === 'timeout') return [];
  if (entry.status === 502)
    return typeof entry.responseBody === 'string' && entry.responseBody.includes('502')
      ? []
      : [`${where}: a gateway 502 is its HTML page`];
  const answer = entry.status >= 500 || entry.status === 429 ? refusal : route.answers[entry.status];
  if (!answer) return [`${where}: no such answer in the digest`];
  if (answer === 'pdf')
    return typeof entry.responseBody === 'string' && entry.responseBody.startsWith('%PDF-')
      ? []
      : [`${where}: the receipt is a PDF`];
  return issues(answer, entry.responseBody, `${where} answer`);
}
