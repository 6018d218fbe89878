import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import { crmLinkInput, listCrmLinks, setCrmLink } from '../crm/links.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse, security } from '../http/router.ts';
import { appendComment, findOrders, reexportOrder, reimportOrder } from './actions.ts';
import { orderTrace } from './trace.ts';
import { DomainError } from '../shared/errors.ts';
import { exportBacklog } from '../crm/backlog.ts';

const tags = ['Support'];
const Ref = z.object({
  ref: z.string().trim().min(1).max(200).openapi({
    description: "Any id of the order: Sklad's, the marketplace's, the posting number, the CRM deal id, OZ-…",
  }),
});
const Loose = z.record(z.string(), z.unknown());

/** The support tools of seed 004 and the CRM links, under /api/v1. */
export function supportRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/support/orders',
      tags,
      security,
      summary: 'Finds orders by any id',
      description:
        "Sklad's order id, the marketplace's order id, the posting number, the CRM deal id or the delivery number (`OZ-{posting_number}`, the delivery service's number).",
      request: { query: z.object({ q: z.string().trim().min(1).max(200) }) },
      responses: { 200: jsonResponse(z.object({ items: z.array(Loose) }), 'The orders found'), ...errorResponses(404) },
    }),
    async (c) => {
      const { q } = c.req.valid('query');
      const items = await findOrders(hub, q);
      if (!items.length) {
        throw new DomainError(
          'NOT_FOUND',
          `No order has the id "${q}": if the channel has it, fetch it with POST /api/v1/support/reimport`,
          404,
          { q },
        );
      }
      return c.json({ items: items as never[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders/{id}/trace',
      tags,
      security,
      summary: "An order's path: marketplace → Sklad → CRM → delivery",
      description:
        'Each hop with its state, time and error; the outbox events carrying the order and their failed attempts; every request and answer about the order (secrets cut out); the support actions that apply.',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Loose, 'The trace'), ...errorResponses(404) },
    }),
    async (c) => c.json((await orderTrace(hub, c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/support/reimport',
      tags,
      security,
      summary: 'Fetches one order from its channel by the channel’s number and imports it',
      description:
        'Seed 004: Ozon and Lamoda `upload_order`, Kaspi `fetchorder`, Namshi `notifyOrder`. An order Sklad has is updated and exported to the CRM again.',
      request: {
        body: jsonBody(
          z.object({ account_id: z.number().int().positive(), number: z.string().trim().min(1).max(200) }).strict(),
        ),
      },
      responses: { 200: jsonResponse(Loose, 'The order imported'), ...errorResponses(400, 404, 409, 502) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json((await reimportOrder(hub, body.account_id, body.number, c.get('actor').name)) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/support/orders/{ref}/re-export',
      tags,
      security,
      summary: 'Exports the order to the CRM again',
      description:
        'By any of its ids (the posting number, say). The deal is found by our key and updated, never made twice.',
      request: { params: Ref },
      responses: { 202: jsonResponse(Loose, 'Queued'), ...errorResponses(404, 409) },
    }),
    async (c) =>
      c.json((await reexportOrder(hub, c.req.valid('param').ref, c.get('actor').name, 're_export')) as never, 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/support/orders/{ref}/change-status',
      tags,
      security,
      summary: 'Re-sends the order’s status to the CRM (change_order_status)',
      description:
        'For a channel whose module asks for it (Namshi), `next` says to add the warehouse comment (appendcomment) after it.',
      request: { params: Ref },
      responses: { 202: jsonResponse(Loose, 'Queued'), ...errorResponses(404, 409) },
    }),
    async (c) =>
      c.json(
        (await reexportOrder(hub, c.req.valid('param').ref, c.get('actor').name, 'change_order_status')) as never,
        202,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/support/orders/{ref}/comment',
      tags,
      security,
      summary: 'Adds a comment to the order’s deal (appendcomment)',
      description: 'Without a text: the comment naming the warehouse location that ships the order.',
      request: { params: Ref, body: jsonBody(z.object({ text: z.string().trim().max(5000).optional() }).strict()) },
      responses: { 200: jsonResponse(Loose, 'The comment added'), ...errorResponses(404, 409, 502) },
    }),
    async (c) =>
      c.json(
        (await appendComment(hub, c.req.valid('param').ref, c.get('actor').name, c.req.valid('json').text)) as never,
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/crm/links',
      tags,
      security,
      summary: 'Which CRM account, funnel, stages and fields each channel account’s orders use',
      responses: { 200: jsonResponse(z.object({ items: z.array(Loose) }), 'The links'), ...errorResponses() },
    }),
    async (c) => c.json({ items: (await listCrmLinks(hub.db)) as never[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/crm/links/{id}',
      tags,
      security,
      summary: 'Links a channel account’s orders to a CRM account',
      description:
        'A channel account with no link sends its orders to the first active CRM account, with that account’s own funnel and stage map.',
      request: { params: IdParam, body: jsonBody(crmLinkInput) },
      responses: { 200: jsonResponse(Loose, 'The link'), ...errorResponses(400, 404, 409) },
    }),
    async (c) =>
      c.json(
        (await setCrmLink(hub.db, c.req.valid('param').id, c.req.valid('json'), c.get('actor').name)) as never,
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/crm/export-backlog',
      tags,
      security,
      summary: 'Exports every order not yet in the CRM',
      description:
        'Orders stored before a CRM account was added, or whose export died: all are queued, sent 50 deals a request.',
      responses: {
        202: jsonResponse(z.object({ queued: z.number().int() }), 'How many orders were queued'),
        ...errorResponses(409),
      },
    }),
    async (c) => c.json(await exportBacklog(hub, c.get('actor').name), 202),
  );

  return app;
}
