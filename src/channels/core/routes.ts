import { createRoute, z } from '@hono/zod-openapi';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  page,
  PageQuery,
  security,
} from '../../http/router.ts';
import type { Hub } from '../../hub.ts';
import {
  accountStatuses,
  deleteAccount,
  getAccount,
  listAccounts,
  requireActive,
  requireMasterKey,
  updateAccount,
} from './accounts.ts';
import { listApiCalls } from './api-calls.ts';
import { getStockRule, setStockRule } from './availability.ts';
import { checkCredentials, connectAccount } from './connect.ts';
import { setSchedulesEnabled } from './context.ts';
import { enqueueAccountJob } from './account-jobs.ts';
import { enqueueJob } from '../../engine/jobs.ts';
import { DomainError } from '../../shared/errors.ts';
import { testAccountKey } from './key-check.ts';
import { listListings, mapListing, matchStates } from './listings.ts';
import { lookupListings } from './sync.ts';
import { channelModules } from './module.ts';
import { credentialKey, labelPair, settingKey } from './words.ts';

const tags = ['Channels'];

const Account = z
  .object({
    id: z.number().int(),
    channel: z.string(),
    name: z.string(),
    base_url: z.string(),
    status: z.enum(accountStatuses),
    status_reason: z.string().nullable(),
    credentials: z
      .record(z.string(), z.string())
      .openapi({ description: 'Each field masked: ••••last4', example: { apiKey: '••••9f3a' } }),
    settings: z.record(z.string(), z.unknown()),
    validated_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('ChannelAccount');

const NewAccount = z
  .strictObject({
    channel: z.string().min(1).max(50).openapi({ example: 'generic' }),
    name: z.string().trim().min(1).max(200).openapi({ example: 'Main shop' }),
    base_url: z
      .string()
      .url()
      .max(500)
      .nullish()
      .openapi({ description: "The service's URL; its production URL when left out" }),
    credentials: z
      .record(z.string(), z.string().max(5000))
      .openapi({ description: "Fields the channel's connector asks for (see GET /channels)" }),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('NewChannelAccount');

const AccountPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    base_url: z.string().url().max(500).nullish(),
    credentials: z.record(z.string(), z.string().max(5000)).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .openapi('ChannelAccountPatch');

const Listing = z
  .object({
    id: z.number().int(),
    account_id: z.number().int(),
    external_id: z.string(),
    sku: z.string().nullable(),
    ean: z.string().nullable(),
    name: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    product_id: z.number().int().nullable(),
    product_sku: z.string().nullable(),
    match_state: z.enum(matchStates),
    matched_by: z.enum(['sku', 'ean', 'external_id', 'manual']).nullable(),
    candidate_product_ids: z.array(z.number().int()),
    channel_quantity: z.number().int().nullable(),
    last_pushed_quantity: z.number().int().nullable(),
    last_pushed_at: z.string().nullable(),
    last_push_error: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('Listing');

const Availability = z
  .object({
    warehouse_ids: z
      .array(z.number().int().positive())
      .max(1000)
      .openapi({ description: 'Warehouses that feed the account; empty: every own warehouse' }),
    safety_buffer: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .openapi({ description: 'Units kept back from the channel' }),
    max_quantity: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .nullable()
      .openapi({ description: 'The most the channel is shown; null: no cap' }),
  })
  .openapi('AccountAvailability');

const ApiCall = z
  .object({
    id: z.number().int(),
    at: z.string(),
    account_id: z.number().int().nullable(),
    sync_run_id: z.number().int().nullable(),
    method: z.string(),
    url: z.string(),
    status: z.number().int().nullable(),
    duration_ms: z.number().int(),
    request_bytes: z.number().int(),
    response_bytes: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('ApiCall');

const LocalText = z.object({ ru: z.string(), en: z.string() });
const CredentialField = z
  .object({
    key: z.string(),
    label: LocalText,
    help: LocalText.optional(),
    secret: z.boolean().openapi({ description: 'Masked in forms, never shown back whole' }),
  })
  .openapi('CredentialField');
const SettingField = z
  .object({ key: z.string(), label: LocalText, help: LocalText.optional() })
  .openapi('SettingField');

const Channel = z
  .object({
    channel: z.string(),
    title: z.string(),
    default_base_url: z.string(),
    capabilities: z.object({
      listings: z.boolean(),
      pushStock: z.boolean(),
      readStock: z.boolean(),
      orders: z.boolean(),
    }),
    limits: z.object({
      pushBatchSize: z.number(),
      requestsPerSecond: z.number(),
      burst: z.number(),
      maxConcurrent: z.number(),
      readBatchSize: z.number().optional(),
    }),
    credential_fields: z.array(CredentialField),
    setting_fields: z
      .array(SettingField)
      .openapi({ description: 'The fields of `settings`, in the order of the settings schema' }),
    jobs: z.array(z.object({ name: z.string(), description: z.string(), default_cron: z.string().nullable() })),
  })
  .openapi('Channel');

const AccountParam = IdParam;
const ListingParams = IdParam.extend({
  listingId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1)
    .openapi({ param: { name: 'listingId', in: 'path' }, example: 1 }),
});
const JobAccepted = z.object({ job_id: z.number().int() }).openapi('JobAccepted');

export function channelsRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/channels',
      tags,
      security,
      summary: 'The channels Sklad can connect, with their capabilities and limits',
      responses: {
        200: jsonResponse(z.object({ items: z.array(Channel) }), 'The installed channel modules'),
        ...errorResponses(),
      },
    }),
    (c) =>
      c.json(
        {
          items: channelModules().map(({ connector: k, credentialFields, settingFields }) => ({
            channel: k.channel,
            title: k.title,
            default_base_url: k.defaultBaseUrl,
            capabilities: k.capabilities,
            limits: k.limits,
            credential_fields: credentialFields.map((f) => ({
              key: f.key,
              label: labelPair(credentialKey(k.channel, f.key)) ?? f.label,
              help: labelPair(credentialKey(k.channel, f.key, 'help')),
              secret: f.secret,
            })),
            setting_fields: (settingFields ?? []).map((f) => ({
              key: f.key,
              label: labelPair(settingKey(k.channel, f.key)) ?? f.label,
              help: labelPair(settingKey(k.channel, f.key, 'help')),
            })),
            jobs: (k.jobs ?? []).map((j) => ({
              name: j.name,
              description: j.description,
              default_cron: j.defaultCron ?? null,
            })),
          })),
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/channels/accounts',
      tags,
      security,
      summary: 'Channel accounts (credentials masked)',
      request: {
        query: z.object({ channel: z.string().max(50).optional(), status: z.enum(accountStatuses).optional() }),
      },
      responses: { 200: jsonResponse(z.object({ items: z.array(Account) }), 'Accounts'), ...errorResponses() },
    }),
    async (c) => c.json({ items: await listAccounts(hub.db, c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts',
      tags,
      security,
      summary: 'Connect an account (admin)',
      description:
        "Credentials are checked against the connector's fields, sealed (AES-256-GCM) and never returned whole. " +
        'Where the service has a cheap key check (Wildberries /ping), the key is checked first: a refused key is a 422, an unreachable service a 502, and no account is kept.',
      request: { body: jsonBody(NewAccount) },
      responses: { 201: jsonResponse(Account, 'The account'), ...errorResponses(409, 422, 502, 503) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const input = {
        channel: body.channel,
        name: body.name,
        baseUrl: body.base_url,
        credentials: body.credentials,
        settings: body.settings,
      };
      return c.json(await connectAccount(hub, input, c.get('actor').name, { check: 'when-cheap' }), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/channels/accounts/{id}',
      tags,
      security,
      summary: 'One account (credentials masked)',
      request: { params: AccountParam },
      responses: { 200: jsonResponse(Account, 'The account'), ...errorResponses(404) },
    }),
    async (c) => c.json(await getAccount(hub.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/channels/accounts/{id}',
      tags,
      security,
      summary: 'Change an account (admin)',
      description: 'New credentials replace all old ones and make a needs_reauth account active again.',
      request: { params: AccountParam, body: jsonBody(AccountPatch) },
      responses: { 200: jsonResponse(Account, 'The account'), ...errorResponses(404, 409, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const masterKey = requireMasterKey(hub.masterKey);
      const before = await getAccount(hub.db, id);
      const account = await hub.db.transaction((tx) =>
        updateAccount(
          tx,
          masterKey,
          id,
          {
            name: body.name,
            baseUrl: body.base_url,
            credentials: body.credentials,
            settings: body.settings,
            status: body.status,
          },
          c.get('actor').name,
        ),
      );
      if (before.status !== account.status) await setSchedulesEnabled(hub, id, account.status === 'active');
      return c.json(account, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/channels/accounts/{id}',
      tags,
      security,
      summary: 'Remove an account and its listings (admin)',
      request: { params: AccountParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await getAccount(hub.db, id); // an unknown one is a 404 before anything is written
      await setSchedulesEnabled(hub, id, false);
      await hub.db.transaction((tx) => deleteAccount(tx, id, c.get('actor').name));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts/{id}/validate',
      tags,
      security,
      summary: "Check the account's credentials with the service",
      description:
        'A rejected key turns the account needs_reauth, stops its schedules and says why; an accepted one makes it active again.',
      request: { params: AccountParam },
      responses: {
        200: jsonResponse(
          z.object({
            ok: z.boolean(),
            status: z.enum(accountStatuses),
            reason: z.string().nullable(),
            details: z.string().nullable(),
          }),
          'The verdict',
        ),
        ...errorResponses(404, 409, 502, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      // A disabled account is not checked: an admin stopped it (enable it first); a needs_reauth one is, to bring it back.
      const account = await getAccount(hub.db, id);
      if (account.status === 'disabled') requireActive(account);
      const outcome = await checkCredentials(hub, id, c.get('actor').name);
      const said = { reason: outcome.ok ? null : outcome.details, details: outcome.ok ? outcome.details : null };
      return c.json({ ok: outcome.ok, status: outcome.status, ...said }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts/{id}/sync',
      tags,
      security,
      summary: 'Start a full sync: read listings, match them, push the differences',
      description: 'Runs as a job; follow it at /api/v1/jobs/{job_id} and /api/v1/jobs/{job_id}/events.',
      request: { params: AccountParam },
      responses: { 202: jsonResponse(JobAccepted, 'The job that runs the sync'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      requireActive(await getAccount(hub.db, id));
      return c.json({ job_id: await enqueueAccountJob(hub, id, 'sync') }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts/{id}/reconcile',
      tags,
      security,
      summary: "Start a reconcile: read the channel's quantities and push only the differences",
      request: { params: AccountParam },
      responses: { 202: jsonResponse(JobAccepted, 'The job that runs the reconcile'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await getAccount(hub.db, id);
      return c.json({ job_id: await enqueueAccountJob(hub, id, 'reconcile') }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts/{id}/test',
      tags,
      security,
      summary: "Ask the service whether the account's key works, changing nothing",
      description:
        'What `sklad <channel> test` prints: OK with what the service said, or why not. POST …/validate is the check that also sets the status.',
      request: { params: AccountParam },
      responses: {
        200: jsonResponse(
          z.object({ ok: z.boolean(), text: z.string(), said: z.object({ ru: z.string(), en: z.string() }) }),
          'The verdict; `said`: the same in both languages',
        ),
        ...errorResponses(404, 503),
      },
    }),
    async (c) => c.json(await testAccountKey(hub, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts/{id}/jobs/{job}',
      tags,
      security,
      summary: "Run one of the account's connector jobs now (e.g. orders, stocks)",
      description:
        'The jobs are the channel’s (GET /channels lists them); one waits or runs per account and job. Follow it at /api/v1/jobs/{job_id}.',
      request: { params: AccountParam.extend({ job: z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/) }) },
      responses: { 202: jsonResponse(JobAccepted, 'The job'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const { id, job } = c.req.valid('param');
      const account = await getAccount(hub.db, id);
      requireActive(account);
      const known = channelModules().find((m) => m.connector.channel === account.channel)?.connector.jobs ?? [];
      if (!known.some((j) => j.name === job)) {
        const names = known.map((j) => j.name).join(', ');
        throw new DomainError(
          'NOT_FOUND',
          `The ${account.channel} channel has no job "${job}"${names ? `; its jobs: ${names}` : ''}`,
          404,
          { job },
        );
      }
      const type = `${account.channel}.${job}`;
      const { id: jobId } = await enqueueJob(hub.db, {
        type,
        accountId: id,
        payload: { accountId: id },
        key: `${type}:${id}`,
      });
      return c.json({ job_id: jobId }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/channels/accounts/{id}/listings',
      tags,
      security,
      summary: "The account's listings; ?state=unmatched|ambiguous shows what needs a decision",
      request: {
        params: AccountParam,
        query: PageQuery.extend({
          state: z.enum(matchStates).optional(),
          q: z.string().trim().min(1).max(200).optional(),
        }),
      },
      responses: { 200: jsonResponse(page(Listing), 'A page of listings'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await getAccount(hub.db, id);
      const result = await listListings(hub.db, id, q);
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/channels/accounts/{id}/listings/lookup',
      tags,
      security,
      summary:
        'Look the offers of these SKUs up on the channel (Allegro: by external.id), store and match them, push their quantities',
      description:
        'For a product added after the last full sync: one request per 100 SKUs instead of listing every offer. Channels that cannot look up by SKU answer 409.',
      request: {
        params: AccountParam,
        body: jsonBody(
          z
            .strictObject({ skus: z.array(z.string().trim().min(1).max(200)).min(1).max(1000) })
            .openapi('ListingLookup'),
        ),
      },
      responses: {
        200: jsonResponse(
          z.object({ found: z.number().int(), listings: z.array(Listing) }).openapi('ListingLookupResult'),
          'The offers found',
        ),
        ...errorResponses(404, 409, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      requireActive(await getAccount(hub.db, id));
      const result = await lookupListings(hub, id, c.req.valid('json').skus);
      if (result.found)
        await enqueueAccountJob(hub, id, 'push').catch((err) =>
          hub.logger.warn({ err, accountId: id }, 'could not schedule a push'),
        );
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/channels/accounts/{id}/listings/{listingId}',
      tags,
      security,
      summary: 'Map a listing to a product by hand (null: to none)',
      description: 'The decision survives later imports; the product’s quantity is pushed to the listing next.',
      request: {
        params: ListingParams,
        body: jsonBody(
          z.strictObject({ product_id: z.number().int().positive().nullable() }).openapi('ListingMapping'),
        ),
      },
      responses: { 200: jsonResponse(Listing, 'The listing'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { id, listingId } = c.req.valid('param');
      const listing = await hub.db.transaction((tx) =>
        mapListing(tx, id, listingId, c.req.valid('json').product_id, c.get('actor').name),
      );
      await enqueueAccountJob(hub, id, 'push').catch((err) =>
        hub.logger.warn({ err, accountId: id }, 'could not schedule a push'),
      );
      return c.json(listing, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/channels/accounts/{id}/availability',
      tags,
      security,
      summary: 'Which warehouses feed the account, its safety buffer and cap',
      request: { params: AccountParam },
      responses: { 200: jsonResponse(Availability, 'The rule'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await getAccount(hub.db, id);
      return c.json(await getStockRule(hub.db, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/channels/accounts/{id}/availability',
      tags,
      security,
      summary: 'Set the warehouses, buffer and cap; quantities are pushed again',
      description: 'channel quantity = clamp(sum(available over the warehouses) − safety_buffer, 0, max_quantity)',
      request: { params: AccountParam, body: jsonBody(Availability.strict()) },
      responses: { 200: jsonResponse(Availability, 'The rule'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await getAccount(hub.db, id);
      const rule = await hub.db.transaction((tx) => setStockRule(tx, id, c.req.valid('json'), c.get('actor').name));
      await enqueueAccountJob(hub, id, 'push').catch((err) =>
        hub.logger.warn({ err, accountId: id }, 'could not schedule a push'),
      );
      return c.json(rule, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api-calls',
      tags,
      security,
      summary: 'Requests made to external services (secrets cut), newest first',
      request: {
        query: PageQuery.extend({
          account_id: z.coerce.number().int().positive().optional(),
          sync_run_id: z.coerce.number().int().positive().optional(),
          status: z
            .union([z.literal('failed'), z.coerce.number().int().min(100).max(599)])
            .optional()
            .openapi({ description: 'An HTTP status, or failed' }),
        }),
      },
      responses: { 200: jsonResponse(page(ApiCall), 'A page of calls'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listApiCalls(hub.db, {
        accountId: q.account_id,
        syncRunId: q.sync_run_id,
        status: q.status,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  return app;
}
