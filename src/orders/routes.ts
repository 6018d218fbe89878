import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import { orderActionNames } from '../channels/core/order-actions.ts';
import { createRouter, errorResponses, IdParam, jsonResponse, PageQuery, security } from '../http/router.ts';
import { orderActionBody, requestOrderAction } from './actions.ts';
import { getOrder, listOrders, listSales, orderSorts, orderStatistics, salesStatistics } from './queries.ts';
import { orderStatuses } from './service.ts';

const tags = ['Orders'];
const isoDate = z.string().datetime({ offset: true });

const OrderScope = z.object({
  account_id: z.coerce.number().int().positive().optional(),
  channel: z.string().max(50).optional(),
  from: isoDate.optional().openapi({ description: 'Ordered at or after (ISO-8601)' }),
  to: isoDate.optional().openapi({ description: 'Ordered before (ISO-8601)' }),
});

const OrderSummary = z
  .object({
    id: z.number().int(),
    account_id: z.number().int().nullable(),
    channel: z.string(),
    external_id: z.string(),
    posting_number: z.string().nullable(),
    status: z.enum(orderStatuses),
    channel_status: z.string().nullable(),
    ordered_at: z.string(),
    currency: z.string(),
    total_minor: z.number().int(),
    items: z.number().int(),
    stock_note: z.string().nullable(),
    crm_state: z.string(),
    crm_id: z.string().nullable(),
    delivery_state: z.string(),
    delivery_id: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('OrderSummary');

const Statistics = z
  .object({
    total: z.number().int(),
    active: z.number().int(),
    cancelled: z.number().int(),
    returned: z.number().int(),
    by_status: z.record(z.string(), z.number().int()),
    by_currency: z
      .array(
        z.object({
          currency: z.string(),
          revenue_minor: z
            .number()
            .int()
            .openapi({ description: 'The totals of the orders not cancelled or returned, in minor units' }),
          cancelled_minor: z
            .number()
            .int()
            .openapi({ description: 'The totals of the cancelled orders, in minor units' }),
        }),
      )
      .openapi({ description: 'Sums per currency, alphabetical: orders in different currencies are never added up' }),
  })
  .openapi('OrderStatistics');

export function ordersRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders',
      tags,
      security,
      summary: 'List orders of every channel',
      description:
        "`q` finds an order by any id: Sklad's, the marketplace's, the posting number, the CRM deal id, the delivery number (OZ-…).",
      request: {
        query: PageQuery.extend(OrderScope.shape).extend({
          status: z.enum([...orderStatuses, 'active']).optional(),
          q: z.string().trim().min(1).max(200).optional(),
          crm_state: z
            .enum(['not_sent', 'sent', 'send_error', 'send_error_bitrix'])
            .optional()
            .openapi({ description: "The CRM export state; seed 004's `send_error_bitrix` means `send_error`" }),
          sort: z
            .enum(orderSorts)
            .default('ordered_at')
            .openapi({ description: 'The column the list is sorted by; the id breaks ties' }),
          direction: z.enum(['asc', 'desc']).default('desc'),
          cursor: z
            .string()
            .min(1)
            .max(400)
            .optional()
            .openapi({ description: '`next_cursor` of the previous page (keyset paging; `offset` is then not used)' }),
          before: z
            .string()
            .min(1)
            .max(400)
            .optional()
            .openapi({ description: '`prev_cursor` of a page: the page before it, in the same order' }),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(OrderSummary),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
            next_cursor: z.string().nullable(),
            prev_cursor: z.string().nullable(),
          }),
          'A page of orders (newest first by default); next_cursor reads the next page (null on the last), prev_cursor the one before (null on the first)',
        ),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listOrders(hub.db, {
        accountIds: q.account_id ? [q.account_id] : undefined,
        channel: q.channel,
        status: q.status,
        q: q.q,
        crmState: q.crm_state,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
        sort: q.sort,
        direction: q.direction,
        cursor: q.cursor,
        before: q.before,
      });
      return c.json({ ...result, limit: q.limit, offset: q.cursor || q.before ? 0 : q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders/statistics',
      tags,
      security,
      summary: 'Order counts by status; cancelled ones are counted, not hidden',
      request: { query: OrderScope },
      responses: { 200: jsonResponse(Statistics, 'Counts and sums'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        await orderStatistics(hub.db, {
          accountIds: q.account_id ? [q.account_id] : undefined,
          channel: q.channel,
          from: q.from,
          to: q.to,
        }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders/{id}',
      tags,
      security,
      summary: 'One order with its lines and status history',
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          OrderSummary.extend({
            lines: z.array(z.record(z.string(), z.unknown())),
            history: z.array(z.record(z.string(), z.unknown())),
          }).passthrough(),
          'The order',
        ),
        ...errorResponses(404),
      },
    }),
    async (c) => c.json((await getOrder(hub.db, c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/orders/{id}/actions/{action}',
      tags,
      security,
      summary: 'Asks the channel to confirm, ship (with a tracking number) or cancel the order',
      description:
        'Queued through the outbox and retried; the order takes the new status when the channel says yes (`actions` of GET /orders/{id} shows the outcome). ' +
        '409 `ORDER_ACTION_UNSUPPORTED` where the channel does not take the action, `ORDER_ACTION_NOT_NOW` where the order’s status does not allow it or an earlier action waits.',
      request: {
        params: IdParam.extend({ action: z.enum(orderActionNames) }),
        body: { required: false, content: { 'application/json': { schema: orderActionBody } } },
      },
      responses: {
        202: jsonResponse(z.record(z.string(), z.unknown()), 'The action, queued'),
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param');
      const body = (c.req.valid('json') as z.infer<typeof orderActionBody> | undefined) ?? {};
      return c.json((await requestOrderAction(hub, id, action, body, c.get('actor').name)) as never, 202);
    },
  );

  const SaleScope = z.object({
    account_id: z.coerce.number().int().positive().optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales',
      tags,
      security,
      summary: 'Buyouts and returns as channels report them',
      request: { query: PageQuery.extend(SaleScope.shape).extend({ kind: z.enum(['buyout', 'return']).optional() }) },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(z.record(z.string(), z.unknown())), total: z.number().int() }).passthrough(),
          'A page of sales',
        ),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listSales(hub.db, {
        accountIds: q.account_id ? [q.account_id] : undefined,
        kind: q.kind,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/statistics',
      tags,
      security,
      summary: 'Buyouts, returns and the buyout rate = buyouts ÷ (buyouts + returns)',
      request: { query: SaleScope },
      responses: {
        200: jsonResponse(
          z.object({
            buyouts: z.number().int(),
            returns: z.number().int(),
            total: z.number().int(),
            buyout_rate: z.number().nullable(),
            buyout_minor: z.number().int(),
            return_minor: z.number().int(),
          }),
          'Sales statistics',
        ),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        await salesStatistics(hub.db, {
          accountIds: q.account_id ? [q.account_id] : undefined,
          from: q.from,
          to: q.to,
        }),
        200,
      );
    },
  );
  return app;
}
