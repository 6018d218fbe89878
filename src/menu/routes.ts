import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse, page, security } from '../http/router.ts';
import type { Hub } from '../hub.ts';
import { scheduledSyncKinds } from '../channels/iiko/schedule.ts';
import { validationFailed } from '../http/errors.ts';
import { DomainError } from '../shared/errors.ts';
import { localFieldsPatch, updateCategoryLocalFields, updateProductLocalFields } from './local-fields.ts';
import {
  categoryTree,
  getCategory,
  getProduct,
  listCategories,
  listCombos,
  listMenuSyncHistory,
  listPaymentTypes,
  listProducts,
  listStopLists,
  listTerminalGroups,
} from './queries.ts';
import { createSetting, getSettingView, listSettings, updateSetting } from './settings.ts';
import { loadOrganizations, runSync, syncKinds } from './sync.ts';
import { listWebhookConfigs, receiveWebhook, registerWebhooks, WEBHOOK_PATH } from './webhooks.ts';

/**
 * Seed 003's endpoints, as the seed writes them: POST /sync/{full|menu|stoplist|terminals|payments}
 * with {"setting_id"}, GET /data/{categories|products|stop-lists}, GET /sync/history, plus the
 * edits of local fields and the iiko settings. GET /sync/history is shared with the engine
 * (docs/decisions/090): without the engine's filters (type, account_id, status, from, to,
 * offset) it answers the seed's `{"history": [...]}` of iiko runs, with them the engine's page
 * of every sync run, which is also always at GET /sync/runs; GET /iiko/sync/history always
 * answers the seed's form.
 */

const tags = ['Menu (iiko)'];
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const row = z.record(z.string(), z.unknown());

const Scope = z.object({
  setting_id: z.coerce.number().int().positive().optional(),
  organization_id: z.string().min(1).max(100).optional(),
  include_deleted: flag.optional().openapi({ description: 'Also rows iiko no longer has (deleted_at set)' }),
});

const EntityResult = z.object({
  status: z.enum(['success', 'failed']),
  synced: z.number().int(),
  created: z.number().int().optional(),
  updated: z.number().int().optional(),
  deleted: z.number().int().optional(),
  duration_ms: z.number().int(),
  error: z.string().optional(),
});

const SyncReport = z
  .object({
    status: z.enum(['success', 'partial', 'failed']),
    sync_run_id: z.number().int(),
    setting_id: z.number().int(),
    sync_type: z.enum(syncKinds),
    organization_ids: z.array(z.string()),
    duration_ms: z.number().int(),
    results: z.record(z.string(), EntityResult).openapi({
      example: {
        categories: { status: 'success', synced: 15, duration_ms: 1200 },
        products: { status: 'success', synced: 87, duration_ms: 2400 },
      },
    }),
  })
  .openapi('IikoSyncReport');

const HistoryQuery = z.object({
  setting_id: z.coerce.number().int().positive().optional(),
  organization_id: z.string().min(1).max(100).optional().openapi({ description: 'Runs that read this organization' }),
  sync_type: z.enum(syncKinds).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const HistoryEntry = z
  .object({
    id: z.number().int(),
    setting_id: z.number().int().nullable(),
    organization_id: z.string().nullable(),
    organization_ids: z.array(z.string()).nullable(),
    sync_type: z.string(),
    status: z.string().openapi({ description: 'success, partial, failed or running' }),
    items_synced: z.number().int(),
    duration_ms: z.number().int().nullable(),
    started_at: z.string(),
    completed_at: z.string().nullable(),
    error_message: z.string().nullable(),
    results: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('IikoSyncHistoryEntry');

const SyncRequest = z
  .strictObject({
    setting_id: z.number().int().positive().openapi({ example: 1 }),
    organization_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "One of the setting's organizations; all of them when left out" }),
  })
  .openapi('IikoSyncRequest');

const LocalFields = localFieldsPatch.openapi('MenuLocalFields');

const Schedules = z
  .strictObject(
    Object.fromEntries(scheduledSyncKinds.map((k) => [k, z.string().max(100).nullable().optional()])) as Record<
      (typeof scheduledSyncKinds)[number],
      z.ZodOptional<z.ZodNullable<z.ZodString>>
    >,
  )
  .openapi({ description: 'Cron (UTC) per sync kind; null turns one off. Defaults: the seed’s schedule' });

const Setting = z
  .object({
    id: z.number().int(),
    account_id: z.number().int(),
    name: z.string(),
    base_url: z.string(),
    api_login: z.string().openapi({ description: 'Masked: ••••last4', example: '••••3f9a' }),
    status: z.string(),
    status_reason: z.string().nullable(),
    organization_ids: z.array(z.string()),
    organizations: z.array(z.object({ id: z.string(), name: z.string().nullable(), code: z.string().nullable() })),
    organizations_loaded_at: z.string().nullable(),
    currency: z.string(),
    schedules: z.record(z.string(), z.string().nullable()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('IikoSetting');

const NewSetting = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: 'Пицца «Восток»' }),
    api_login: z
      .string()
      .trim()
      .min(8)
      .max(200)
      .openapi({ description: 'The API login from iikoWeb; stored sealed, never shown again' }),
    base_url: z
      .string()
      .url()
      .max(500)
      .nullish()
      .openapi({ description: 'https://api-ru.iiko.services when left out' }),
    organization_ids: z.array(z.string().min(1).max(100)).max(100).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    schedules: Schedules.optional(),
  })
  .openapi('NewIikoSetting');

export function menuRoutes(hub: Hub) {
  const app = createRouter();

  for (const kind of syncKinds) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/sync/${kind}`,
        tags,
        security,
        summary: {
          full: 'Sync everything of an iiko setting (use it first)',
          menu: 'Sync the menu: categories, products, sizes, modifiers, combos, external menus',
          prices: 'Sync only what changed in the nomenclature since the last sync',
          stoplist: 'Sync stop lists and product availability (fast)',
          terminals: 'Sync terminal groups',
          payments: 'Sync payment types',
        }[kind],
        description:
          'Answers the status, the duration and a result per entity. A failed sync (every step failed: IIKO_SYNC_FAILED; iiko refused the API login: ' +
          'ACCOUNT_NEEDS_REAUTH) is a 502 whose body is still the report, with status "failed", iiko’s reason in error_message and the error beside it.',
        request: { body: jsonBody(SyncRequest) },
        responses: {
          200: jsonResponse(SyncReport, 'The sync report'),
          502: jsonResponse(
            SyncReport.extend({
              status: z.literal('failed'),
              error_message: z.string().optional(),
              error: z.object({ code: z.string(), message: z.string() }),
            }),
            'The failed sync’s report',
          ),
          ...errorResponses(404, 409, 503),
        },
      }),
      async (c) => {
        const body = c.req.valid('json');
        try {
          return c.json(await runSync(hub, body.setting_id, kind, { organizationId: body.organization_id }), 200);
        } catch (error) {
          // A failed sync answers as the seed shows one: its report, status "failed", iiko's reason; the error beside it.
          if (
            error instanceof DomainError &&
            (error.code === 'IIKO_SYNC_FAILED' || error.code === 'ACCOUNT_NEEDS_REAUTH') &&
            isReport(error.details)
          ) {
            return c.json({ ...error.details, error: { code: error.code, message: error.message } } as never, 502);
          }
          throw error;
        }
      },
    );
  }

  const isReport = (details: unknown): details is z.infer<typeof SyncReport> =>
    typeof details === 'object' &&
    details !== null &&
    (details as { status?: unknown }).status === 'failed' &&
    'sync_run_id' in details;

  const history = async (q: z.infer<typeof HistoryQuery>) => ({
    history: await listMenuSyncHistory(hub.db, {
      settingId: q.setting_id,
      organizationId: q.organization_id,
      syncType: q.sync_type,
      limit: q.limit,
    }),
  });

  // The seed's GET /sync/history: the engine's route answers the same path (registered after
  // this module) and, always, GET /sync/runs. With none of the engine's own filters (type,
  // account_id, status, from, to, offset) the seed's form is answered here, the rest passes on.
  const engineFilters = ['type', 'account_id', 'status', 'from', 'to', 'offset'];
  app.use('/sync/history', async (c, next) => {
    if (c.req.method !== 'GET' || engineFilters.some((f) => c.req.query(f) !== undefined)) return next();
    const parsed = HistoryQuery.safeParse(c.req.query());
    if (!parsed.success) return validationFailed(c, parsed.error as never, 'query');
    return c.json(await history(parsed.data), 200);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/iiko/sync/history',
      tags,
      security,
      summary: 'iiko sync history, newest first (the seed’s form)',
      description:
        'The same answer as `GET /api/v1/sync/history` without the engine’s filters: that path is shared with the engine, which answers ' +
        'its page of every sync run when one of type, account_id, status, from, to or offset is given (and always at `GET /api/v1/sync/runs`).',
      request: { query: HistoryQuery },
      responses: {
        200: jsonResponse(z.object({ history: z.array(HistoryEntry) }), 'iiko sync runs'),
        ...errorResponses(),
      },
    }),
    async (c) => c.json((await history(c.req.valid('query'))) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/data/categories',
      tags,
      security,
      summary: 'Synced categories (modifier groups left out)',
      request: {
        query: Scope.extend({
          tree: flag.optional().openapi({ description: 'Nest children under their parents' }),
          visible_only: flag.optional(),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(row), total: z.number().int() }), 'Categories in display order'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const filter = {
        settingId: q.setting_id,
        organizationId: q.organization_id,
        includeDeleted: q.include_deleted,
        visibleOnly: q.visible_only,
      };
      const items = q.tree ? await categoryTree(hub.db, filter) : await listCategories(hub.db, filter);
      return c.json({ items: items as never[], total: items.length }, 200);
    },
  );

  /** Read one synced row by id, and edit the local fields that syncs keep. */
  type Read = (db: Hub['db'], id: number) => Promise<unknown>;
  const rowRoutes = (
    path: string,
    noun: string,
    readSummary: string,
    read: Read,
    edit: typeof updateCategoryLocalFields,
  ) => {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags,
        security,
        summary: readSummary,
        request: { params: IdParam },
        responses: { 200: jsonResponse(row, `The ${noun}`), ...errorResponses(404) },
      }),
      async (c) => c.json((await read(hub.db, c.req.valid('param').id)) as never, 200),
    );
    app.openapi(
      createRoute({
        method: 'patch',
        path,
        tags,
        security,
        summary: `Edit a ${noun}’s local fields (kept across syncs)`,
        request: { params: IdParam, body: jsonBody(LocalFields) },
        responses: { 200: jsonResponse(row, `The ${noun}`), ...errorResponses(404) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        await hub.db.transaction((tx) => edit(tx, id, c.req.valid('json'), c.get('actor').name));
        return c.json((await read(hub.db, id)) as never, 200);
      },
    );
  };
  rowRoutes(
    '/data/categories/{id}',
    'category',
    'One category with its local fields',
    getCategory,
    updateCategoryLocalFields,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/data/products',
      tags,
      security,
      summary: 'Synced products with prices and availability',
      request: {
        query: Scope.extend({
          category_id: z.coerce.number().int().positive().optional(),
          include_subcategories: flag
            .optional()
            .openapi({ description: 'With category_id: also the products of its subcategories' }),
          is_available: flag.optional().openapi({ description: 'true: only available; false: only on a stop list' }),
          visible_only: flag.optional(),
          type: z
            .enum(['Dish', 'Good', 'Modifier', 'Service'])
            .optional()
            .openapi({ description: 'Modifiers are left out unless asked for' }),
          q: z.string().trim().min(1).max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
      },
      responses: {
        200: jsonResponse(page(row), 'A page of products'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listProducts(hub.db, {
        settingId: q.setting_id,
        organizationId: q.organization_id,
        includeDeleted: q.include_deleted,
        categoryId: q.category_id,
        withSubcategories: q.include_subcategories,
        isAvailable: q.is_available,
        visibleOnly: q.visible_only,
        type: q.type,
        q: q.q,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset } as never, 200);
    },
  );

  rowRoutes(
    '/data/products/{id}',
    'product',
    'A product with its sizes, modifier groups and stop-list entries',
    getProduct,
    updateProductLocalFields,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/data/stop-lists',
      tags,
      security,
      summary: 'Current stop lists of an organization',
      request: {
        query: z.object({
          organization_id: z.string().min(1).max(100).openapi({ description: 'Required' }),
          setting_id: z.coerce.number().int().positive().optional(),
          terminal_group_id: z.string().min(1).max(100).optional(),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(row), total: z.number().int() }), 'Stop-list entries'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await listStopLists(hub.db, {
        organizationId: q.organization_id,
        settingId: q.setting_id,
        terminalGroupId: q.terminal_group_id,
      });
      return c.json({ items: items as never[], total: items.length }, 200);
    },
  );

  const listRoute = (
    path: string,
    summary: string,
    list: (f: { settingId?: number; organizationId?: string; includeDeleted?: boolean }) => Promise<unknown[]>,
  ) =>
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags,
        security,
        summary,
        request: { query: Scope },
        responses: {
          200: jsonResponse(z.object({ items: z.array(row), total: z.number().int() }), summary),
          ...errorResponses(),
        },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const items = await list({
          settingId: q.setting_id,
          organizationId: q.organization_id,
          includeDeleted: q.include_deleted,
        });
        return c.json({ items: items as never[], total: items.length }, 200);
      },
    );
  listRoute('/data/terminal-groups', 'Synced terminal groups', (f) => listTerminalGroups(hub.db, f));
  listRoute('/data/payment-types', 'Synced payment types', (f) => listPaymentTypes(hub.db, f));
  listRoute('/data/combos', 'Synced combos', (f) => listCombos(hub.db, f));

  // --- settings ------------------------------------------------------------------------------

  app.openapi(
    createRoute({
      method: 'get',
      path: '/iiko/settings',
      tags,
      security,
      summary: 'iiko settings (API logins masked)',
      responses: { 200: jsonResponse(z.object({ items: z.array(Setting) }), 'Every setting'), ...errorResponses() },
    }),
    async (c) => c.json({ items: (await listSettings(hub.db)) as never[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/iiko/settings',
      tags,
      security,
      summary: 'Add an iiko setting (admin)',
      request: { body: jsonBody(NewSetting) },
      responses: { 201: jsonResponse(Setting, 'The setting'), ...errorResponses(409, 503) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const setting = await hub.db.transaction((tx) =>
        createSetting(tx, hub.masterKey, input as never, c.get('actor').name),
      );
      return c.json(setting as never, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/iiko/settings/{id}',
      tags,
      security,
      summary: 'One iiko setting',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Setting, 'The setting'), ...errorResponses(404) },
    }),
    async (c) => c.json((await getSettingView(hub.db, c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/iiko/settings/{id}',
      tags,
      security,
      summary: 'Change an iiko setting: login, URL, organizations, schedule (admin)',
      request: { params: IdParam, body: jsonBody(NewSetting.partial()) },
      responses: { 200: jsonResponse(Setting, 'The setting'), ...errorResponses(404, 409, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const setting = await hub.db.transaction((tx) =>
        updateSetting(tx, hub.masterKey, id, c.req.valid('json') as never, c.get('actor').name),
      );
      return c.json(setting as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/iiko/settings/{id}/organizations',
      tags,
      security,
      summary: 'Load the organizations the API login sees',
      request: { params: IdParam },
      responses: {
        200: jsonResponse(z.object({ items: z.array(row) }), 'Organizations'),
        ...errorResponses(404, 409, 502),
      },
    }),
    async (c) => c.json({ items: await loadOrganizations(hub, c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/iiko/settings/{id}/webhooks',
      tags,
      security,
      summary: 'Webhooks registered with iiko for a setting',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ items: z.array(row) }), 'Webhook configs'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await getSettingView(hub.db, id);
      return c.json({ items: (await listWebhookConfigs(hub.db, id)) as never[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/iiko/settings/{id}/webhooks',
      tags,
      security,
      summary: 'Register Sklad’s webhook receiver with iiko (admin)',
      description: `Give a domain (the receiver path ${WEBHOOK_PATH} is added) or a full URL. iiko then posts stop-list and nomenclature changes there.`,
      request: { params: IdParam, body: jsonBody(z.strictObject({ url: z.string().trim().min(3).max(2000) })) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(row) }), 'Webhook configs'),
        ...errorResponses(404, 409, 502),
      },
    }),
    async (c) =>
      c.json(
        { items: (await registerWebhooks(hub, c.req.valid('param').id, c.req.valid('json').url)) as never[] },
        200,
      ),
  );

  return app;
}

/** The receiver iiko posts to: no API key, the setting's webhook token in Authorization instead. */
export function menuWebhookRoutes(hub: Hub) {
  const app = createRouter();
  app.post(WEBHOOK_PATH, async (c) => {
    const body = await c.req.json().catch(() => null);
    const outcome = await receiveWebhook(hub, c.req.header('authorization'), body);
    return c.json(outcome, 200);
  });
  return app;
}
