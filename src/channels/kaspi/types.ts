import { z } from 'zod';

/**
 * Kaspi's answers as the connector reads them, from ../shared/specs/kaspi/CONTRACT.md: JSON:API
 * documents whose orders (§2) and entries (§4) carry the fields below. Fields Sklad does not use
 * are let through unread; a field it uses in an unexpected shape is an error naming it.
 */

/** §2: the business status of an order; one Kaspi adds later is an error naming the field, not a guess. */
const kaspiStatuses = [
  'APPROVED_BY_BANK',
  'ACCEPTED_BY_MERCHANT',
  'COMPLETED',
  'CANCELLED',
  'CANCELLING',
  'KASPI_DELIVERY_RETURN_REQUESTED',
  'RETURNED',
] as const;

/**
 * Tenge as Kaspi's JSON writes them → tiyn (1/100 tenge, Sklad's minor unit for KZT), from the
 * number's decimal digits: the shortest form of a JSON number is the one written, so "12990.5"
 * is 1299050 exactly, and an amount with more than two decimals is refused rather than rounded.
 */
function tengeToMinor(value: number): number | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value));
  if (!m) return null;
  const minor = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(minor)) return null;
  return m[1] ? -minor : minor;
}

const tenge = z.number().transform((value, ctx) => {
  const minor = tengeToMinor(value);
  if (minor === null) {
    ctx.addIssue({ code: 'custom', message: `${value} is not an amount of tenge with at most two decimals` });
    return z.NEVER;
  }
  return minor;
});

const epochMs = z.number().int().nonnegative();

/** One order of `GET /orders` (§2, §3); its money already in tiyn. */
export const kaspiOrder = z.object({
  id: z.string().min(1),
  attributes: z.object({
    code: z.string().regex(/^\d+$/, 'an order code is a number'),
    totalPrice: tenge,
    creationDate: epochMs,
    state: z.string().min(1),
    status: z.enum(kaspiStatuses),
    deliveryMode: z.string().nullish(),
    isKaspiDelivery: z.boolean().nullish(),
    pickupPointId: z.string().nullish(),
    deliveryCost: tenge.nullish(),
    customer: z
      .object({
        id: z.string().nullish(),
        name: z.string().nullish(),
        cellPhone: z.string().nullish(),
        firstName: z.string().nullish(),
        lastName: z.string().nullish(),
      })
      .nullish(),
    deliveryAddress: z.object({ town: z.string().nullish(), formattedAddress: z.string().nullish() }).nullish(),
    // §2 names the courier's hand-over among the attributes; live answers put it under kaspiDelivery [3P].
    courierTransmissionDate: epochMs.nullish(),
    kaspiDelivery: z
      .object({ courierTransmissionDate: epochMs.nullish(), waybillNumber: z.string().nullish() })
      .nullish(),
    cancellationReason: z.string().nullish(),
  }),
});
export type KaspiOrder = z.infer<typeof kaspiOrder>;

/** A list page: the orders are parsed one by one, so one odd order does not hide the others. */
export const orderPage = z.object({
  data: z.array(z.unknown()),
  meta: z.object({ pageCount: z.number().int().nonnegative(), totalCount: z.number().int().nonnegative() }),
});

/** §4: the entries of one order; `offer.code` is the seller's code, the price list's sku [3P]. */
export const entryList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      attributes: z.object({
        quantity: z.number().int().positive(),
        basePrice: tenge,
        offer: z.object({ code: z.string().trim().min(1), name: z.string().nullish() }),
      }),
      relationships: z
        .object({ product: z.object({ data: z.object({ id: z.string() }).nullish() }).nullish() })
        .nullish(),
    }),
  ),
});
export type KaspiEntry = z.infer<typeof entryList>['data'][number];

/** "data[0].attributes.totalPrice: …" for each issue (at most five): the field a support engineer looks for. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.reduce<string>(
        (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        '',
      );
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

/** The service's words of a JSON:API error document (§8: the shape is not documented; integrators see `errors[]`). */
export function kaspiMessage(body: unknown): string {
  const first = (body as { errors?: { detail?: unknown; title?: unknown }[] } | null)?.errors?.[0];
  const text = first?.detail ?? first?.title;
  return typeof text === 'string' && text ? `: ${text.slice(0, 300)}` : '';
}
