import { z } from 'zod';

/**
 * The parts of Allegro's answers Sklad reads, written from ../shared/specs/allegro/swagger.yaml
 * (OffersSearchResultDto, SaleProductOfferResponseV1, OrderEventsList, CheckoutForm, CheckoutForms,
 * GeneralReport, TaskReport). Fields the spec marks required are required here, so an answer
 * of the wrong shape fails with the path of the field (the seed's `'NoneType' object has no
 * attribute 'get'`, caught at the border instead of deep in the code). Unknown fields pass.
 */

export const ALLEGRO_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json';
/** The EAN (GTIN) product parameter's id on Allegro. */
export const EAN_PARAMETER_ID = '225693';

const price = z.object({ amount: z.string(), currency: z.string() });

export const offerListing = z.object({
  id: z.string(),
  name: z.string().nullish(),
  external: z.object({ id: z.string().nullish() }).nullish(),
  stock: z.object({ available: z.number().int().nullish() }).nullish(),
  publication: z.object({ status: z.string().nullish() }).nullish(),
});
export type OfferListing = z.infer<typeof offerListing>;

export const offersPage = z.object({
  offers: z.array(offerListing),
  count: z.number().int().optional(),
  totalCount: z.number().int().optional(),
});

export const productOffer = z.object({
  id: z.string(),
  productSet: z
    .array(
      z.object({
        product: z
          .object({
            parameters: z
              .array(z.object({ id: z.string().nullish(), values: z.array(z.string()).nullish() }))
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});

export const eventType = z.enum([
  'BOUGHT',
  'FILLED_IN',
  'READY_FOR_PROCESSING',
  'BUYER_CANCELLED',
  'FULFILLMENT_STATUS_CHANGED',
  'BUYER_MODIFIED',
  'AUTO_CANCELLED',
]);

const lineOffer = z.object({
  id: z.string(),
  name: z.string(),
  external: z.object({ id: z.string().nullish() }).nullish(),
});

export const orderLineItem = z.object({
  id: z.string(),
  offer: lineOffer,
  quantity: z.number().int().min(0),
  price,
  boughtAt: z.string().nullish(),
});

/** One event of GET /order/events; only `id` is read before the rest is checked, so a broken event can be skipped by it. */
export const orderEvent = z.object({
  id: z.string(),
  type: eventType,
  occurredAt: z.string(),
  order: z.object({
    buyer: z.object({ id: z.string() }).passthrough(),
    lineItems: z.array(orderLineItem),
    checkoutForm: z.object({ id: z.string(), revision: z.string().nullish() }),
  }),
});
export type OrderEvent = z.infer<typeof orderEvent>;

export const eventsPage = z.object({ events: z.array(z.unknown()) });

export const eventStats = z.object({ latestEvent: z.object({ id: z.string(), occurredAt: z.string() }).nullish() });

export const checkoutForm = z.object({
  id: z.string(),
  status: z.enum(['BOUGHT', 'FILLED_IN', 'READY_FOR_PROCESSING', 'CANCELLED']),
  buyer: z.object({ id: z.string(), login: z.string().nullish(), email: z.string().nullish() }),
  lineItems: z.array(orderLineItem.extend({ quantity: z.number().int().min(1) })),
  summary: z.object({ totalToPay: price }),
  updatedAt: z.string().nullish(),
  revision: z.string().nullish(),
});
export type CheckoutForm = z.infer<typeof checkoutForm>;

/** GET /order/checkout-forms (CheckoutForms): each form is checked apart, so a bad one is named by its place. */
export const checkoutFormsPage = z.object({
  checkoutForms: z.array(z.unknown()),
  count: z.number().int(),
  totalCount: z.number().int(),
});

export const generalReport = z.object({
  id: z.string().nullish(),
  completedAt: z.string().nullish(),
  taskCount: z
    .object({ total: z.number().int(), success: z.number().int(), failed: z.number().int() })
    .partial()
    .nullish(),
});

export const taskReport = z.object({
  tasks: z.array(
    z.object({
      offer: z.object({ id: z.string().nullish() }).nullish(),
      status: z.string().nullish(),
      message: z.string().nullish(),
      errors: z.array(z.object({ message: z.string().nullish(), userMessage: z.string().nullish() })).nullish(),
    }),
  ),
});

/** The spec's error body (ErrorsHolder) or the OAuth one (AuthError). */
export const errorBody = z.object({
  errors: z
    .array(
      z.object({
        code: z.string().nullish(),
        message: z.string().nullish(),
        userMessage: z.string().nullish(),
        path: z.string().nullish(),
      }),
    )
    .optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

export const tokenAnswer = z.object({
  access_token: z.string(),
  refresh_token: z.string().optional(),
  expires_in: z.number(),
});

/** "a.b[0].c: expected string, received null" for each issue: the field a support engineer looks for. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.reduce<string>(
        (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        prefix,
      );
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

/** The first readable message of an Allegro error body. */
export function errorMessage(body: unknown): string | null {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return null;
  const first = parsed.data.errors?.[0];
  return first?.userMessage ?? first?.message ?? parsed.data.error_description ?? parsed.data.error ?? null;
}
