import { must, section, ticks } from '../../../simulators/toolkit/contract-doc.ts';
import { extra, longest, specFile, type Answer, type Rng } from './server.ts';

/**
 * Kaspi's answers as its digest (../shared/specs/kaspi/CONTRACT.md) describes them: JSON:API
 * documents, orders (§2) with `meta {pageCount, totalCount}`, entries (§4), and the statuses §8
 * lists as seen, with a JSON:API `errors[]` body (the digest knows no other shape).
 */

const doc = specFile('kaspi', 'CONTRACT.md');
const listing = section(doc, 2);

/** §2: the business statuses `filter[orders][status]` takes, and the logistics states. */
export const statuses = ticks(
  must(/`filter\[orders\]\[status\]`[^\n]*(?:\n {2}[^\n]*)*/, listing, 'the order statuses').at(0)!,
).filter((t) => /^[A-Z_]+$/.test(t));
const states = ticks(
  must(/`filter\[orders\]\[state\]`[^\n]*(?:\n {2}[^\n]*)*/, listing, 'the order states').at(0)!,
).filter((t) => /^[A-Z_]+$/.test(t));
/** §2: the most a page holds. */
export const maxPage = Number(must(/`page\[size\]` — max (\d+)/, listing, 'the page size')[1]);
/** §8: the statuses integrators see, each answered with a JSON:API error document. */
export const errorStatuses = [
  ...must(/plain HTTP ([^\n]+(?:\n {2}[^\n]*)*)/, section(doc, 8), 'the error statuses')[1].matchAll(/\b([45]\d\d)\b/g),
].map((m) => Number(m[1]));

/** §6 [3P]: a price list's sku is at most 20 characters; the test catalogue has products of such SKUs. */
export const LONGEST_SKU_PREFIX = 'KSP-L00000000000000';

export interface OrderShape {
  /** Leave out every attribute §2 does not make the connector need. */
  bare?: boolean;
  /** Fields no digest names, at every level. */
  extras?: boolean;
  /** Numbers as large as JSON carries. */
  huge?: boolean;
  /** Strings at the longest a field may be (an order code of 20 digits, names of 1,000 characters). */
  longest?: boolean;
}

export interface KaspiOrderDoc {
  id: string;
  code: string;
  sku: string;
  body: Record<string, unknown>;
}

/** One order resource of `GET /orders`, created at `at` (epoch ms). */
export function order(rng: Rng, n: number, at: number, shape: OrderShape = {}): KaspiOrderDoc {
  const code = shape.longest ? `9${String(n).padStart(19, '0')}` : String(100_000_000 + n);
  const id = Buffer.from(`order-${n}-${rng.int(1, 1e6)}`).toString('base64url');
  const sku = `${shape.longest ? LONGEST_SKU_PREFIX : 'KSP-'}${1 + (n % 3)}`;
  const name = shape.longest ? longest(1000, n) : 'Айгерим Сапарова';
  const attributes: Record<string, unknown> = {
    code,
    totalPrice: shape.huge ? 1e18 : rng.int(100, 500_000),
    creationDate: at,
    state: rng.pick(states),
    status: rng.pick(statuses.filter((s) => s !== 'CANCELLED' && s !== 'RETURNED')),
    ...(shape.bare
      ? {}
      : {
          customer: { id: `c${n}`, name, cellPhone: '77071234567', firstName: name, lastName: 'С' },
          deliveryMode: 'DELIVERY_LOCAL',
          paymentMode: 'PREPAID',
          isKaspiDelivery: rng.chance(0.5),
          pickupPointId: '30111222_PP1',
          deliveryCost: 0,
          deliveryAddress: {
            streetName: 'Абая',
            streetNumber: '1',
            town: 'Алматы',
            formattedAddress: 'Алматы, Абая 1',
          },
          kaspiDelivery: { waybillNumber: 'W1', courierTransmissionDate: null, express: false },
          approvedByBankDate: at + 1000,
          plannedDeliveryDate: at + 86_400_000,
        }),
    ...(shape.extras ? extra(rng) : {}),
  };
  return {
    id,
    code,
    sku,
    body: {
      type: 'orders',
      id,
      attributes,
      relationships: {
        entries: { links: { related: `/v2/orders/${id}/entries` } },
        user: { data: { type: 'customers', id: `c${n}` } },
      },
      links: { self: `/v2/orders/${id}` },
      ...(shape.extras ? extra(rng) : {}),
    },
  };
}

/** `GET /orders/{id}/entries` of an order: one entry of its SKU. */
export function entries(rng: Rng, o: KaspiOrderDoc, shape: OrderShape = {}): Answer {
  const entry = {
    type: 'orderentries',
    id: `${o.id}-1`,
    attributes: {
      quantity: shape.huge ? 2 ** 31 : rng.int(1, 3),
      basePrice: shape.huge ? 1e18 : rng.int(100, 100_000),
      totalPrice: 1000,
      unitType: 'PIECES',
      entryNumber: 0,
      offer: { code: o.sku, name: shape.longest ? longest(1000) : 'Товар' },
      ...(shape.bare ? {} : { category: { code: 'Mugs', title: 'Кружки' }, deliveryCost: 0, isImeiRequired: false }),
      ...(shape.extras ? extra(rng) : {}),
    },
    relationships: shape.bare ? undefined : { product: { data: { type: 'masterproducts', id: `p-${o.sku}` } } },
  };
  return { body: { data: [entry], included: [] } };
}

/** A page of orders as §2 wraps them. */
export const page = (data: unknown[], pageCount: number, totalCount: number): Answer => ({
  body: { data, included: [], meta: { pageCount, totalCount } },
});

/** A JSON:API error document with the status. */
export const error = (status: number): Answer => ({
  status,
  body: {
    errors: [{ status: String(status), title: `HTTP ${status}`, detail: `Kaspi refused the request (${status})` }],
  },
});
