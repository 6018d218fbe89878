import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { createRouter, errorResponses, jsonBody, jsonResponse, security } from '../http/router.ts';
import { listOrders, listSales, orderStatistics, salesStatistics } from '../orders/queries.ts';
import { addCabinetByKey, queueCabinetValidation, wbBaseUrl } from './cabinets.ts';
import { cabinetStock } from './detector.ts';
import { sendTestNotification } from './test-send.ts';
import { eventTypes, testTypeAliases, type EventPayload } from './messages.ts';
import {
  addMember,
  cabinetIdsOf,
  cabinetsOf,
  findUser,
  getSettings,
  languages,
  setLanguage,
  SettingsPatch,
  updateSettings,
  upsertUser,
  UserInput,
} from './users.ts';
import { userDeliveries } from './delivery.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * Seed 001's API, with its paths and parameters as the seed writes them (header
 * X-API-SECRET-KEY). `seedRoutes` are mounted at the root (/users/, /wb/cabinets/), `botRoutes`
 * under /api/v1. Every bot read is limited to the cabinets the named user is a member of:
 * someone else's cabinet is invisible, whatever the endpoint.
 */

const tags = ['Notifications (seed 001)'];
const id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 53 - 1);

/** The seed names the user by `user_id` (our id) on some endpoints and `telegram_id` on others: both work everywhere. */
const Who = z.object({
  user_id: id.optional().openapi({ description: 'Our user id (POST /users/ answers it)' }),
  telegram_id: id.optional().openapi({ description: 'The user’s Telegram id' }),
});
const who = (q: z.infer<typeof Who>) => ({ userId: q.user_id, telegramId: q.telegram_id });
/** Bot reads: all the user's cabinets, or one of them; someone else's is a 404, the same as one that does not exist. */
const InCabinets = Who.extend({
  cabinet_id: id.optional().openapi({ description: 'Only this cabinet; it must be one the user is a member of' }),
});

const TestAnswer = z
  .object({
    notification_type: z.string().openapi({ description: 'The type as asked (order_buyout)' }),
    event_type: z.enum(eventTypes).openapi({ description: 'Sklad’s name of that type (buyout)' }),
    delivery_id: z.number().int().nullable(),
    status: z
      .enum(['sent', 'queued', 'uncertain', 'not_sent'])
      .openapi({ description: 'uncertain: sent, and no answer came back' }),
    reason: z.string().nullable().openapi({ description: 'not_sent: rating_above_threshold or stock_above_threshold' }),
    threshold: z.number().int().nullable().openapi({ description: 'not_sent: the user’s threshold it did not pass' }),
  })
  .openapi('TestNotification');

const User = z
  .object({
    id: z.number().int(),
    telegram_id: z.number().int(),
    username: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    language: z.enum(['ru', 'en']),
    created_at: z.string(),
  })
  .openapi('BotUser');

const Cabinet = z
  .object({
    id: z.number().int(),
    channel: z.string(),
    name: z.string(),
    status: z.string(),
    status_reason: z.string().nullable(),
    members: z.number().int(),
    joined_at: z.string(),
  })
  .openapi('Cabinet');

const Settings = z
  .object({
    notifications_enabled: z.boolean(),
    new_orders_enabled: z.boolean(),
    order_buyouts_enabled: z.boolean(),
    order_cancellations_enabled: z.boolean(),
    order_returns_enabled: z.boolean(),
    negative_reviews_enabled: z.boolean(),
    critical_stocks_enabled: z.boolean(),
    findings_new_enabled: z
      .boolean()
      .openapi({ description: 'New findings of a reconciliation run of the cabinet (off unless asked for)' }),
    negative_review_max_rating: z.number().int(),
    critical_stock_threshold: z.number().int(),
    language: z.enum(languages),
    updated_at: z.string(),
  })
  .openapi('NotificationSettings');
const SettingsBody = SettingsPatch.extend({
  language: z.enum(languages).optional().openapi({ description: 'Messages in Russian (default) or English' }),
});

const Delivery = z
  .object({
    id: z.number().int(),
    event_id: z.number().int().nullable(),
    type: z.string(),
    cabinet_id: z.number().int().nullable(),
    cabinet: z.string().nullable(),
    status: z.string(),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    occurred_at: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi('NotificationDelivery');

const Limit = z.coerce.number().int().min(1).max(100).default(10);
const loose = z.object({}).passthrough();

export function seedRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/users/',
      tags,
      security,
      summary: 'Register a Telegram user (or refresh his names)',
      request: { body: jsonBody(UserInput) },
      responses: {
        201: jsonResponse(User, 'Registered'),
        200: jsonResponse(User, 'Known already; names refreshed'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { user, created } = await upsertUser(hub.db, c.req.valid('json'));
      return c.json(user, created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/wb/cabinets/',
      tags,
      security,
      summary: 'Add a Wildberries cabinet by API key, or join the one that key has',
      description:
        'The key is checked with WB first (/ping): a refused key is a 422 CREDENTIALS_REJECTED, a WB that does not answer a 502 CHANNEL_UNAVAILABLE, as at POST /api/v1/channels/accounts. A key that already has a cabinet makes the user its member.',
      request: {
        query: Who.extend({
          api_key: z.string().trim().min(1).max(4000),
          name: z.string().trim().min(1).max(200).default('Wildberries'),
        }),
      },
      responses: {
        201: jsonResponse(z.object({ cabinet: Cabinet, created: z.boolean(), joined: z.boolean() }), 'A new cabinet'),
        200: jsonResponse(
          z.object({ cabinet: Cabinet, created: z.boolean(), joined: z.boolean() }),
          'Joined the cabinet this key has',
        ),
        ...errorResponses(404, 409, 422, 502, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const user = await findUser(hub.db, who(q));
      const result = await addCabinetByKey(
        hub,
        {
          userId: user.id,
          channel: 'wildberries',
          credentials: { token: q.api_key },
          name: q.name,
          baseUrl: wbBaseUrl(),
        },
        c.get('actor').name,
      );
      return c.json(result, result.created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/wb/cabinets/',
      tags,
      security,
      summary: 'The cabinets a user is a member of (of any channel)',
      request: { query: Who },
      responses: {
        200: jsonResponse(z.object({ user_id: z.number().int(), cabinets: z.array(Cabinet) }), 'His cabinets'),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const user = await findUser(hub.db, who(c.req.valid('query')));
      return c.json({ user_id: user.id, cabinets: await cabinetsOf(hub.db, user.id) }, 200);
    },
  );
  return app;
}

export function botRoutes(hub: Hub) {
  const app = createRouter();

  /** The user and the ids of his cabinets: the only accounts any query below may read. */
  const scope = async (q: z.infer<typeof InCabinets>) => {
    const user = await findUser(hub.db, who(q));
    const accountIds = await cabinetIdsOf(hub.db, user.id);
    if (q.cabinet_id === undefined) return { user, accountIds };
    if (!accountIds.includes(q.cabinet_id)) {
      throw new DomainError('CABINET_NOT_FOUND', `User ${user.id} has no cabinet ${q.cabinet_id}`, 404, {
        field: 'cabinet_id',
        user_id: user.id,
        cabinet_id: q.cabinet_id,
      });
    }
    return { user, accountIds: [q.cabinet_id] };
  };

  // It asks the service once per cabinet (10 s and more): a job, whose result is the report.
  const ValidationQueued = z.object({
    job_id: z.number().int(),
    deduplicated: z.boolean().openapi({ description: 'A check was already waiting or running: this is that one' }),
    status_url: z.string().openapi({
      description: 'GET it: status, and the report as `result` once succeeded (checked, valid, invalid, unreachable)',
    }),
  });
  for (const method of ['post', 'get'] as const) {
    app.openapi(
      createRoute({
        method,
        path: '/wb/cabinets/validation/validate-all',
        tags,
        security,
        deprecated: method === 'get',
        summary:
          method === 'post'
            ? 'Check every cabinet’s key again, as a job: those refused are flagged, their members told, then removed'
            : 'Deprecated: the seed’s GET form of POST validate-all (it queues the same job)',
        responses: {
          202: jsonResponse(ValidationQueued, 'Queued; read the outcome at status_url'),
          ...errorResponses(),
        },
      }),
      async (c) => {
        const { id, deduplicated } = await queueCabinetValidation(hub, c.get('actor').name);
        const statusUrl = `/api/v1/jobs/${id}`;
        c.header('location', statusUrl);
        if (method === 'get') {
          c.header('deprecation', 'true');
          c.header('link', '</api/v1/wb/cabinets/validation/validate-all>; rel="successor-version"');
        }
        return c.json({ job_id: id, deduplicated, status_url: statusUrl }, 202);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/notifications/settings',
      tags,
      security,
      summary: 'A user’s seven switches and two thresholds',
      request: { query: Who },
      responses: { 200: jsonResponse(Settings, 'Settings (all on by default)'), ...errorResponses(404) },
    }),
    async (c) => {
      const user = await findUser(hub.db, who(c.req.valid('query')));
      return c.json({ ...(await getSettings(hub.db, user.id)), language: user.language }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/notifications/settings',
      tags,
      security,
      summary: 'Change some of a user’s switches or thresholds',
      request: { query: Who, body: jsonBody(SettingsBody) },
      responses: { 200: jsonResponse(Settings, 'The settings now'), ...errorResponses(404) },
    }),
    async (c) => {
      const user = await findUser(hub.db, who(c.req.valid('query')));
      const { language, ...patch } = c.req.valid('json');
      const settings = await hub.db.transaction(async (tx) => {
        if (language) await setLanguage(tx, user.id, language);
        return updateSettings(tx, user.id, patch);
      });
      return c.json({ ...settings, language: language ?? user.language }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/notifications/history',
      tags,
      security,
      summary: 'The notifications a user was sent (or is being sent), newest first',
      request: { query: Who.extend({ limit: Limit }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(Delivery) }), 'His deliveries'),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const user = await findUser(hub.db, who(q));
      return c.json({ items: await userDeliveries(hub.db, user.id, q.limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/notifications/test',
      tags,
      security,
      summary: 'Send a user a sample notification of any type',
      description:
        `notification_type: one of ${Object.keys(testTypeAliases).join(', ')}. Sent whatever his switches say, but judged by ` +
        'his thresholds as a real one is: a negative review rated above his `negative_review_max_rating`, or stock above his ' +
        '`critical_stock_threshold` (test_data `rating`, `available`), is not sent (`status: not_sent`). Where this process sends ' +
        'notifications it is sent at once: 200 `sent`, or 502 NOTIFICATION_REFUSED with Telegram’s reason (chat not found, bot ' +
        'blocked); otherwise 202 `queued` for the notifier.',
      request: {
        query: Who,
        body: jsonBody(
          z.strictObject({
            notification_type: z
              .string()
              .refine((t) => t in testTypeAliases, { message: `one of ${Object.keys(testTypeAliases).join(', ')}` }),
            test_data: z.record(z.string(), z.unknown()).default({}),
          }),
        ),
      },
      responses: {
        200: jsonResponse(
          TestAnswer,
          'Sent (Telegram took it), or not sent: the user’s threshold would not let such a notification through',
        ),
        202: jsonResponse(TestAnswer, 'Queued; the notifier delivers it within a second or two'),
        ...errorResponses(404, 502),
      },
    }),
    async (c) => {
      const user = await findUser(hub.db, who(c.req.valid('query')));
      const body = c.req.valid('json');
      const type = testTypeAliases[body.notification_type];
      const outcome = await sendTestNotification(hub, user, type, samplePayload(body.test_data));
      const asked = { notification_type: body.notification_type, event_type: type };
      if (outcome.status === 'refused') {
        throw new DomainError('NOTIFICATION_REFUSED', `Telegram refused the notification: ${outcome.reason}`, 502, {
          reason: outcome.reason,
          delivery_id: outcome.deliveryId,
        });
      }
      if (outcome.status === 'not_sent')
        return c.json(
          { ...asked, delivery_id: null, status: outcome.status, reason: outcome.reason, threshold: outcome.threshold },
          200,
        );
      if (outcome.status === 'sent')
        return c.json(
          { ...asked, delivery_id: outcome.deliveryId, status: outcome.status, reason: null, threshold: null },
          200,
        );
      const reason = outcome.status === 'uncertain' ? outcome.reason : null;
      return c.json(
        { ...asked, delivery_id: outcome.deliveryId, status: outcome.status, reason, threshold: null },
        202,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/bot/cabinets/members',
      tags,
      security,
      summary: 'Make a user a member of a cabinet of any channel (Ozon, Allegro, Wix …) by its account id',
      request: {
        body: jsonBody(
          z.strictObject({
            account_id: z.number().int().positive(),
            user_id: z.number().int().positive().optional(),
            telegram_id: z.number().int().positive().optional(),
          }),
        ),
      },
      responses: {
        200: jsonResponse(z.object({ cabinets: z.array(Cabinet) }), 'His cabinets now'),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const user = await findUser(hub.db, { userId: b.user_id, telegramId: b.telegram_id });
      await hub.db.transaction(async (tx) => {
        const [found] = await rows(tx, sql`select id from channel_accounts where id = ${b.account_id}`);
        if (!found)
          throw new DomainError('NOT_FOUND', `Account ${b.account_id} does not exist`, 404, { account: b.account_id });
        await addMember(tx, b.account_id, user.id);
      });
      return c.json({ cabinets: await cabinetsOf(hub.db, user.id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/bot/orders/statistics',
      tags,
      security,
      summary: 'Order counts of the user’s cabinets: all, active, cancelled (honest: cancelled are counted)',
      request: { query: InCabinets },
      responses: { 200: jsonResponse(loose, 'Counts'), ...errorResponses(404) },
    }),
    async (c) => {
      const { accountIds } = await scope(c.req.valid('query'));
      return c.json({ cabinets: accountIds, ...(await orderStatistics(hub.db, { accountIds })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/bot/orders/recent',
      tags,
      security,
      summary: 'The newest orders of the user’s cabinets',
      request: {
        query: InCabinets.extend({
          status: z.enum(['active', 'canceled', 'cancelled']).optional(),
          limit: Limit,
          offset: z.coerce.number().int().min(0).max(100_000).default(0),
        }),
      },
      responses: { 200: jsonResponse(loose, 'A page of orders, newest first'), ...errorResponses(404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { accountIds } = await scope(q);
      const status = q.status === 'active' ? 'active' : q.status ? 'cancelled' : undefined;
      const result = await listOrders(hub.db, { accountIds, status, limit: q.limit, offset: q.offset });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/bot/sales/statistics',
      tags,
      security,
      summary: 'Buyouts, returns and the buyout rate = buyouts ÷ (buyouts + returns)',
      request: { query: InCabinets },
      responses: { 200: jsonResponse(loose, 'Counts and sums'), ...errorResponses(404) },
    }),
    async (c) => {
      const { accountIds } = await scope(c.req.valid('query'));
      return c.json({ cabinets: accountIds, ...(await salesStatistics(hub.db, { accountIds })) }, 200);
    },
  );

  const salesList = (path: string, kind: 'buyout' | 'return' | undefined, summary: string) =>
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags,
        security,
        summary,
        request: {
          query: InCabinets.extend({ limit: Limit, offset: z.coerce.number().int().min(0).max(100_000).default(0) }),
        },
        responses: { 200: jsonResponse(loose, 'A page of sales, newest first'), ...errorResponses(404) },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const { accountIds } = await scope(q);
        return c.json(
          {
            ...(await listSales(hub.db, { accountIds, kind, limit: q.limit, offset: q.offset })),
            limit: q.limit,
            offset: q.offset,
          },
          200,
        );
      },
    );
  salesList('/bot/sales/recent', undefined, 'The newest buyouts and returns of the user’s cabinets');
  salesList('/bot/sales/buyouts', 'buyout', 'Buyouts only');
  salesList('/bot/sales/returns', 'return', 'Returns only');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/bot/stock',
      tags,
      security,
      summary: 'Stock of a SKU over the warehouses of the user’s cabinets',
      request: { query: InCabinets.extend({ sku: z.string().trim().min(1).max(200) }) },
      responses: { 200: jsonResponse(loose, 'Available per cabinet'), ...errorResponses(404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { accountIds } = await scope(q);
      const items = [];
      for (const accountId of accountIds) {
        for (const row of await cabinetStock(hub.db, accountId, { sku: q.sku }))
          items.push({ account_id: accountId, ...row, available: Number(row.available) });
      }
      return c.json({ sku: q.sku, items }, 200);
    },
  );

  return app;
}

/** The seed's test_data (amount in roubles) in the payload's words (amount in minor units). */
function samplePayload(data: Record<string, unknown>): EventPayload {
  const payload: EventPayload = {
    cabinet: 'Тестовый кабинет',
    channel: 'wildberries',
    external_id: 'TEST-1',
    product_name: 'Тестовый товар',
    quantity: 1,
    amount_minor: 150_000,
    sku: 'TEST-SKU',
    ...data,
  };
  if (typeof data.amount === 'number') payload.amount_minor = Math.round(data.amount * 100);
  if (data.order_id !== undefined && data.external_id === undefined) payload.external_id = String(data.order_id);
  return payload;
}
