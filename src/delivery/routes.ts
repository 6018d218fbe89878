import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  page,
  PageQuery,
  security,
} from '../http/router.ts';
import { deliveryDefaults, deliveryLinkInput, listDeliveryLinks, setDeliveryLink } from './links.ts';
import { findPackages, getPackage, packageEvents, packageStates } from './packages.ts';
import { markMadeByHand, packageFix, retryPackage, trackingNumber, type PackageFix } from './support.ts';

const tags = ['Delivery'];
const json = z.unknown();

const Package = z
  .object({
    id: z.number().int(),
    order_id: z.number().int(),
    account_id: z.number().int(),
    delivery_account_id: z.number().int(),
    posting_number: z.string(),
    number: z.string().openapi({ description: 'Our number of the delivery order: OZ-{posting_number}' }),
    state: z.enum(packageStates).openapi({
      description: 'new: to be sent; pending: the service is checking it; made; invalid: refused or lacking fields',
    }),
    recipient: json,
    address: json,
    delivery_point: z.string().nullable(),
    weight_grams: z.number().int().nullable(),
    length_cm: z.number().int().nullable(),
    width_cm: z.number().int().nullable(),
    height_cm: z.number().int().nullable(),
    items: json,
    currency: z.string(),
    problems: z.array(z.object({ field: z.string(), reason: z.string() })),
    error: z.string().nullable(),
    delivery_uuid: z.string().nullable(),
    tracking_number: z
      .string()
      .nullable()
      .openapi({ description: 'The service’s own number of the order (the CDEK number)' }),
    delivery_status: z.string().nullable(),
    made_by_hand: z.boolean(),
    waybill_url: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    made_at: z.string().nullable(),
    waybill_at: z.string().nullable(),
  })
  .openapi('Package');

const PackageEvent = z
  .object({
    id: z.number().int(),
    name: z.string().openapi({ example: 'ProcessDeliveryJob:Package:1' }),
    topic: z.string(),
    state: z.enum(['done', 'dead', 'running', 'waiting']),
    attempts: z.number().int(),
    created_at: z.string(),
    available_at: z.string().nullable(),
    processed_at: z.string().nullable(),
    dead_at: z.string().nullable(),
    last_error: z.string().nullable(),
    errors: z.array(
      z.object({
        id: z.number().int(),
        attempt: z.number().int(),
        error: z.string(),
        http_status: z.number().int().nullable(),
        at: z.string(),
      }),
    ),
  })
  .openapi('PackageEvent');

const DeliveryLink = z
  .object({
    account_id: z.number().int(),
    delivery_account_id: z.number().int(),
    methods: z.array(z.string()),
    warehouses: z.array(z.string()),
    number_prefix: z.string(),
    defaults: deliveryDefaults,
    updated_at: z.string(),
  })
  .openapi('DeliveryLink');

const AccountParam = z.object({
  accountId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1)
    .openapi({ param: { name: 'accountId', in: 'path' }, example: 4 }),
});

/** The number support has from the service: `tracking_number`, or `cdekNumber` as seed 004's support says it. */
const MadeByHand = z
  .object({ tracking_number: trackingNumber.optional(), cdekNumber: trackingNumber.optional() })
  .strict()
  .refine((b) => b.tracking_number || b.cdekNumber, {
    message: 'give tracking_number (the delivery service’s number of the order)',
    path: ['tracking_number'],
  });

const view = ({
  lease_until: _l,
  polls: _p,
  waybill_uuid: _w,
  look_up_first: _f,
  accepted_at: _a,
  waybill_requested_at: _r,
  ...p
}: Awaited<ReturnType<typeof getPackage>>) => p;

/** Packages and the support actions on them, and the delivery links, under /api/v1. */
export function deliveryRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/packages',
      tags,
      security,
      summary: 'Packages, newest first; by any of their numbers',
      request: {
        query: PageQuery.extend({
          q: z
            .string()
            .trim()
            .min(1)
            .max(200)
            .optional()
            .openapi({ description: 'OZ-{posting_number}, the posting number, or the service’s number (CDEK number)' }),
          state: z.enum(packageStates).optional(),
          order_id: z.coerce.number().int().positive().optional(),
        }),
      },
      responses: { 200: jsonResponse(page(Package), 'A page of packages'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const found = await findPackages(hub.db, {
        q: q.q,
        state: q.state,
        orderId: q.order_id,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json(
        { items: found.items.map(view) as never[], total: found.total, limit: q.limit, offset: q.offset },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/packages/{id}',
      tags,
      security,
      summary: 'A package with its outbox events and their failed attempts',
      description:
        'The events are `ProcessDeliveryJob:Package:{id}` and `GenerateDeliveryDocumentsJob:Package:{id}` (seed 004), each with its outbox_errors.',
      request: { params: IdParam },
      responses: {
        200: jsonResponse(Package.extend({ events: z.array(PackageEvent) }), 'The package'),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = await getPackage(hub.db, id);
      return c.json({ ...view(p), events: await packageEvents(hub.db, id) } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/packages/{id}/retry',
      tags,
      security,
      summary: 'Sends the package again, with what support fixed',
      description:
        'The fields given (recipient, address, pick-up point, weight and size) replace the package’s; the package is checked before anything is queued ' +
        '(422 lists what it still lacks). A made package without its waybill asks for the waybill again.',
      request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: packageFix } } } },
      responses: { 200: jsonResponse(Package, 'The package, queued'), ...errorResponses(404, 409, 422) },
    }),
    async (c) => {
      const fix = (c.req.valid('json') as PackageFix | undefined) ?? {};
      return c.json(view(await retryPackage(hub, c.req.valid('param').id, fix, c.get('actor').name)) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/packages/{id}/made-by-hand',
      tags,
      security,
      summary: 'Records a delivery order the service’s support made by hand',
      description:
        'After support had the delivery service create `OZ-{posting_number}` by hand: the package is made with the service’s number and the flow goes on to the waybill.',
      request: { params: IdParam, body: jsonBody(MadeByHand) },
      responses: { 200: jsonResponse(Package, 'The package, made'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        view(
          await markMadeByHand(
            hub,
            c.req.valid('param').id,
            (body.tracking_number ?? body.cdekNumber)!,
            c.get('actor').name,
          ),
        ) as never,
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/delivery-links',
      tags,
      security,
      summary: 'Which delivery service ships each channel account’s orders',
      responses: { 200: jsonResponse(z.object({ items: z.array(DeliveryLink) }), 'The links'), ...errorResponses() },
    }),
    async (c) => c.json({ items: (await listDeliveryLinks(hub.db)) as never[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/delivery-links/{accountId}',
      tags,
      security,
      summary: 'Says which of a channel account’s orders a delivery service ships',
      description:
        'Orders whose delivery method or warehouse is listed (Ozon: `delivery_method.id`, `warehouse_id`; neither list: every order) become packages ' +
        'and delivery orders of the delivery account. `defaults` fill what the channel never gives (Ozon: weight, size, the buyer’s phone).',
      request: { params: AccountParam, body: jsonBody(deliveryLinkInput) },
      responses: { 200: jsonResponse(DeliveryLink, 'The link'), ...errorResponses(404, 409) },
    }),
    async (c) =>
      c.json(
        (await setDeliveryLink(
          hub.db,
          c.req.valid('param').accountId,
          c.req.valid('json'),
          c.get('actor').name,
        )) as never,
        200,
      ),
  );

  return app;
}
