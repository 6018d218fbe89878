import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LoggedRequest } from '../toolkit/index.ts';
import { must, section, ticks } from '../toolkit/contract-doc.ts';

/**
 * Request and answer schemas written from ../shared/specs/kaspi/CONTRACT.md (the digest of
 * Kaspi's partner guide), read at run time: the header and media type of §1, the page size,
 * states, statuses, delivery and payment modes and the window of §2, the unit types of §4 and
 * the status changes and cancellation reasons of §5 come out of the file itself, so a changed
 * digest fails the tests instead of going unnoticed.
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONTRACT_PATH = path.resolve(projectRoot, '../shared/specs/kaspi/CONTRACT.md');

export interface KaspiContract {
  baseUrl: string;
  authHeader: string;
  mediaType: string;
  maxPageSize: number;
  states: string[];
  statuses: string[];
  deliveryModes: string[];
  paymentModes: string[];
  /** §2 [3P]: the widest creation-date window reported, and the narrowest one integrator's code keeps to. */
  windowDays: { reported: number; strictest: number };
  unitTypes: string[];
  /** §5: the statuses a merchant sets by POST /orders. */
  statusChanges: string[];
  cancellationReasons: string[];
}

/** The bullet that starts with this text, with its continuation lines. */
const bullet = (text: string, start: string, what: string) =>
  must(new RegExp(`^- ${start.replace(/[[\]$().]/g, '\\$&')}([^\\n]*(?:\\n {2}[^\\n]*)*)`, 'm'), text, what)[1];
const upper = (list: string[]) => list.filter((t) => /^[A-Z_]+$/.test(t));

let cached: KaspiContract | undefined;

export function loadKaspiContract(): KaspiContract {
  if (cached) return cached;
  const doc = fs.readFileSync(CONTRACT_PATH, 'utf8');
  const s1 = section(doc, 1);
  const s2 = section(doc, 2);
  const s5 = section(doc, 5);
  const window = must(
    /max window between \$ge and \$le reported as (\d+) days \(one integrator's code says (\d+)\)/,
    s2,
    'the creation-date window',
  );
  cached = {
    baseUrl: must(/Base: `(https:\/\/[^`]+)`/, s1, 'the base URL')[1],
    authHeader: must(/Header `([A-Za-z-]+): <token>`/, s1, 'the token header')[1],
    mediaType: must(/requests send `Content-Type: ([^`]+)`/, s1, 'the media type')[1],
    maxPageSize: Number(must(/`page\[size\]` — max (\d+) per page/, s2, 'the page size')[1]),
    states: upper(ticks(bullet(s2, '`filter[orders][state]`', 'the states'))),
    statuses: upper(ticks(bullet(s2, '`filter[orders][status]`', 'the statuses'))),
    deliveryModes: [
      ...new Set(upper(ticks(must(/`deliveryMode` \(([\s\S]*?)\), `paymentMode`/, s2, 'the delivery modes')[1]))),
    ],
    paymentModes: upper(ticks(must(/`paymentMode` \(([^)]*)\)/, s2, 'the payment modes')[1])),
    windowDays: { reported: Number(window[1]), strictest: Number(window[2]) },
    unitTypes: upper(ticks(must(/`unitType` \(([^)]*)\)/, section(doc, 4), 'the unit types')[1])),
    statusChanges: [...s5.matchAll(/(?:^- |; )`([A-Z_]+)` —/gm)].map((m) => m[1]),
    cancellationReasons: upper(ticks(must(/`cancellationReason` ∈ ([^;]*);/, s5, 'the cancellation reasons')[1])),
  };
  return cached;
}

// --- schemas ----------------------------------------------------------------------------------

const ms = z.number().int().nonnegative();
const tenge = z.number().nonnegative();
const link = z.object({ self: z.string().url().optional(), related: z.string().url().optional() }).strict();

export function kaspiSchemas(contract = loadKaspiContract()) {
  const oneOf = (values: string[]) => z.enum(values as [string, ...string[]]);
  const customer = z
    .object({ id: z.string(), name: z.string(), cellPhone: z.string(), firstName: z.string(), lastName: z.string() })
    .strict();
  const address = z
    .object({
      streetName: z.string(),
      streetNumber: z.string(),
      town: z.string(),
      district: z.string().nullable(),
      building: z.string().nullable(),
      apartment: z.string().nullable(),
      formattedAddress: z.string(),
      latitude: z.number(),
      longitude: z.number(),
    })
    .strict();
  const kaspiDelivery = z
    .object({
      waybill: z.string().url().nullable(),
      courierTransmissionDate: ms.nullable(),
      courierTransmissionPlanningDate: ms.nullable(),
      waybillNumber: z.string().nullable(),
      express: z.boolean(),
      returnedToWarehouse: z.boolean(),
      firstMileCourier: z.string().nullable(),
    })
    .strict();
  const order = z
    .object({
      type: z.literal('orders'),
      id: z.string().regex(/^[A-Za-z0-9+/_-]+$/, 'an opaque, base64-like id (§3)'),
      attributes: z
        .object({
          code: z.string().regex(/^\d+$/),
          totalPrice: tenge,
          paymentMode: oneOf(contract.paymentModes),
          plannedDeliveryDate: ms,
          creationDate: ms,
          deliveryCostForSeller: tenge,
          isKaspiDelivery: z.boolean(),
          deliveryMode: oneOf(contract.deliveryModes),
          deliveryAddress: address.nullable(),
          signatureRequired: z.boolean(),
          creditTerm: z.number().int().nonnegative(),
          preOrder: z.boolean(),
          pickupPointId: z.string().regex(/^\d+_PP\d+$/, '"<merchantId>_PP<n>" (§2 [3P])'),
          state: oneOf(contract.states),
          assembled: z.boolean(),
          approvedByBankDate: ms,
          status: oneOf(contract.statuses),
          customer,
          deliveryCost: tenge,
          reservationDate: ms,
          isImeiRequired: z.boolean(),
          cancellationReason: oneOf(contract.cancellationReasons).optional(),
          cancellationComment: z.string().max(1000).optional(),
          kaspiDelivery: kaspiDelivery.optional(),
        })
        .strict(),
      relationships: z
        .object({
          user: z
            .object({ links: link, data: z.object({ type: z.literal('customers'), id: z.string() }).strict() })
            .strict(),
          entries: z.object({ links: link }).strict(),
        })
        .strict(),
      links: link,
    })
    .strict()
    .superRefine((o, ctx) => {
      // §2: Kaspi Delivery and a pick-up by the buyer are told apart by isKaspiDelivery; its data sits under kaspiDelivery [3P].
      if (o.attributes.isKaspiDelivery !== (o.attributes.kaspiDelivery !== undefined))
        ctx.addIssue({ code: 'custom', message: 'kaspiDelivery comes with isKaspiDelivery and only then' });
      if (o.attributes.status === 'CANCELLED' && !o.attributes.cancellationReason)
        ctx.addIssue({ code: 'custom', message: 'a cancelled order names its reason' });
    });
  const includedCustomer = z
    .object({
      type: z.literal('customers'),
      id: z.string(),
      attributes: z
        .object({ firstName: z.string(), lastName: z.string(), name: z.string(), cellPhone: z.string() })
        .strict(),
    })
    .strict();
  const pageLinks = z
    .object({
      self: z.string().url(),
      first: z.string().url(),
      last: z.string().url(),
      next: z.string().url().optional(),
    })
    .strict();
  const orderList = z
    .object({
      data: z.array(order).max(contract.maxPageSize),
      included: z.array(includedCustomer),
      meta: z
        .object({ pageCount: z.number().int().nonnegative(), totalCount: z.number().int().nonnegative() })
        .strict(),
      links: pageLinks,
    })
    .strict();
  const entry = z
    .object({
      type: z.literal('orderentries'),
      id: z.string(),
      attributes: z
        .object({
          quantity: z.number().positive(),
          totalPrice: tenge,
          unitType: oneOf(contract.unitTypes),
          basePrice: tenge,
          entryNumber: z.number().int().nonnegative(),
          category: z.object({ code: z.string(), title: z.string() }).strict(),
          deliveryCost: tenge,
          isImeiRequired: z.boolean(),
          weight: z.number().positive().optional(),
          offer: z.object({ code: z.string().min(1), name: z.string() }).strict(),
        })
        .strict(),
      relationships: z
        .object({
          product: z
            .object({ links: link, data: z.object({ type: z.literal('masterproducts'), id: z.string() }).strict() })
            .strict(),
          deliveryPointOfService: z
            .object({ links: link, data: z.object({ type: z.literal('pointofservices'), id: z.string() }).strict() })
            .strict(),
        })
        .strict(),
      links: link,
    })
    .strict();
  const entryList = z
    .object({ data: z.array(entry), included: z.array(z.unknown()), meta: z.object({}).strict() })
    .strict();
  const oneEntry = z.object({ data: entry, included: z.array(z.unknown()) }).strict();
  const changed = z.object({ data: order, included: z.array(z.unknown()).max(0) }).strict();
  const error = z
    .object({
      errors: z
        .array(z.object({ status: z.string().regex(/^\d{3}$/), title: z.string(), detail: z.string() }).strict())
        .min(1),
    })
    .strict();
  const statusChange = z
    .object({
      data: z
        .object({
          type: z.literal('orders'),
          id: z.string(),
          attributes: z
            .object({
              code: z.string(),
              status: oneOf(contract.statusChanges),
              cancellationReason: oneOf(contract.cancellationReasons).optional(),
              cancellationComment: z.string().max(1000).optional(),
              numberOfSpace: z.number().int().positive().optional(),
            })
            .strict(),
        })
        .strict(),
    })
    .strict();
  return { order, orderList, entry, entryList, oneEntry, changed, error, statusChange };
}

type KaspiSchemas = ReturnType<typeof kaspiSchemas>;

/** The kind of a logged request: `GET /orders`, `GET /orders/{id}/entries` …, or null for a path Kaspi does not have. */
export function requestKind(entry: Pick<LoggedRequest, 'method' | 'path'>): string | null {
  const p = entry.path.replace(/^\/shop\/api\/v2/, '');
  if (p === '/orders') return entry.method === 'GET' || entry.method === 'POST' ? `${entry.method} /orders` : null;
  if (/^\/orders\/[^/]+\/entries$/.test(p) && entry.method === 'GET') return 'GET /orders/{id}/entries';
  if (/^\/orderentries\/[^/]+$/.test(p) && entry.method === 'GET') return 'GET /orderentries/{id}';
  return null;
}

const issues = (schema: z.ZodType, value: unknown, where: string) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
};

const single = (q: LoggedRequest['query'], key: string): string | undefined => {
  const v = q[key];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
};

/** What is wrong with a request a client sent, against §1–§5; empty = it is one Kaspi documents. */
export function checkKaspiRequest(
  entry: LoggedRequest,
  contract = loadKaspiContract(),
  schemas: KaspiSchemas = kaspiSchemas(contract),
): string[] {
  const where = `${entry.method} ${entry.path}`;
  const kind = requestKind(entry);
  if (!kind) return [`${where}: not a Kaspi API request`];
  const problems: string[] = [];
  const header = (name: string) => entry.headers[name.toLowerCase()];
  if (!header(contract.authHeader)) problems.push(`${where}: no ${contract.authHeader} (§1)`);
  if (!header('content-type')?.startsWith(contract.mediaType))
    problems.push(`${where}: Content-Type is not ${contract.mediaType} (§1)`);
  if (kind === 'GET /orders') {
    const q = entry.query;
    const page = single(q, 'page[number]');
    const size = single(q, 'page[size]');
    if (!page || !/^\d+$/.test(page)) problems.push(`${where}: page[number] is missing or not a 0-based index (§2)`);
    if (!size || !/^\d+$/.test(size) || Number(size) < 1 || Number(size) > contract.maxPageSize)
      problems.push(`${where}: page[size] is not 1…${contract.maxPageSize} (§2)`);
    const code = single(q, 'filter[orders][code]');
    const from = Number(single(q, 'filter[orders][creationDate][$ge]'));
    const to = Number(single(q, 'filter[orders][creationDate][$le]'));
    if (code === undefined) {
      if (!Number.isInteger(from) || !Number.isInteger(to))
        problems.push(`${where}: the creationDate window is not two epoch milliseconds (§2)`);
      else if (to - from > contract.windowDays.strictest * 86_400_000)
        problems.push(`${where}: the window is wider than ${contract.windowDays.strictest} days (§2 [3P])`);
    }
    const state = single(q, 'filter[orders][state]');
    if (state !== undefined && !contract.states.includes(state))
      problems.push(`${where}: state ${state} is not one of §2`);
  }
  if (kind === 'POST /orders') problems.push(...issues(schemas.statusChange, entry.body, `${where} body`));
  return problems;
}

/** Problems of one logged answer against the digest's shapes; empty = it fits. */
export function checkKaspiAnswer(
  entry: LoggedRequest,
  contract = loadKaspiContract(),
  schemas: KaspiSchemas = kaspiSchemas(contract),
): string[] {
  const where = `${entry.method} ${entry.path} → ${entry.status}`;
  if (entry.fault === 'malformed' || entry.fault === 'timeout') return [];
  if (entry.status !== 200) return issues(schemas.error, entry.responseBody, where);
  const bodies: Record<string, z.ZodType> = {
    'GET /orders': schemas.orderList,
    'POST /orders': schemas.changed,
    'GET /orders/{id}/entries': schemas.entryList,
    'GET /orderentries/{id}': schemas.oneEntry,
  };
  const schema = bodies[requestKind(entry) ?? ''];
  return schema ? issues(schema, entry.responseBody, where) : [`${where}: no schema`];
}
