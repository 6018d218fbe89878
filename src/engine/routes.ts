import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
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
import { cancelJob, findJob, getJob, jobStatuses, retryJob } from './jobs.ts';
import { jobErrors, listJobs, listOutboxErrors } from './queries.ts';
import { errorGroupStates, getErrorGroup, listErrorGroups, retryErrorGroup } from './error-groups.ts';
import { listScheduleTargets, scheduleDefinitions, setScheduleOverride } from './schedules.ts';
import { listSyncRuns } from './sync-runs.ts';
import { DomainError } from '../shared/errors.ts';

const tags = ['Sync'];
const isoDate = z.string().datetime({ offset: true });
const json = z.unknown();

const OutboxError = z
  .object({
    id: z.number().int(),
    job_id: z.number().int().nullable(),
    outbox_id: z.number().int().nullable(),
    job_type: z.string(),
    attempt: z.number().int(),
    error: z.string(),
    http_status: z.number().int().nullable(),
    at: z.string(),
  })
  .openapi('OutboxError');

const ErrorGroup = z
  .object({
    key: z.string(),
    job_type: z.string(),
    account_id: z.number().int().nullable(),
    account: z.string().nullable(),
    channel: z.string().nullable(),
    sku: z.string().nullable(),
    http_status: z.number().int().nullable(),
    message: z.string().openapi({ description: 'The channel’s own words' }),
    attempts: z.number().int(),
    subjects: z.number().int().openapi({ description: 'Jobs and outbox messages that failed this way' }),
    open_subjects: z.number().int(),
    retryable: z.number().int(),
    first_seen: z.string(),
    last_seen: z.string(),
    open: z.boolean(),
  })
  .openapi('ErrorGroup');

const ErrorAttempt = z
  .object({
    id: z.number().int(),
    job_id: z.number().int().nullable(),
    outbox_id: z.number().int().nullable(),
    attempt: z.number().int(),
    error: z.string(),
    http_status: z.number().int().nullable(),
    at: z.string(),
    job_status: z.string().nullable(),
    resolved: z.boolean(),
  })
  .openapi('ErrorAttempt');

const GroupRetry = z
  .object({
    key: z.string(),
    jobs: z.array(z.number().int()),
    outbox: z.array(z.number().int()),
    skipped: z.array(z.number().int()),
  })
  .openapi('ErrorGroupRetry');

const GroupKey = z.object({
  key: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .openapi({ param: { name: 'key', in: 'path' }, example: '9e107d9d372bb6826bd81d3542a419d6' }),
});

const Job = z
  .object({
    id: z.number().int(),
    type: z.string(),
    status: z.enum(jobStatuses),
    payload: json,
    account_id: z.number().int().nullable(),
    key: z.string().nullable(),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    run_at: z.string(),
    locked_by: z.string().nullable(),
    lease_until: z.string().nullable(),
    heartbeat_at: z.string().nullable(),
    progress: json,
    result: json,
    last_error: z.string().nullable(),
    last_http_status: z.number().int().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('Job');

const SyncRun = z
  .object({
    id: z.number().int(),
    type: z.string(),
    account_id: z.number().int().nullable(),
    job_id: z.number().int().nullable(),
    status: z.enum(['running', 'succeeded', 'failed', 'partial']),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
    fetched: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    pushed: z.number().int(),
    failed: z.number().int(),
    error: z.string().nullable(),
    problems: json,
    problem_count: z.number().int(),
    duplicates: z
      .number()
      .int()
      .openapi({ description: 'Items the service listed twice in one answer (the last one was kept)' }),
    paging: json.openapi({
      description: 'How each paged call stopped: {"<call>": {"stop": "short page", "pages": 3}}',
    }),
    waited_ms: z.number().int().nullable().openapi({
      description: 'How long its requests waited on the services’ limits (reconciliation runs; null for others)',
    }),
  })
  .openapi('SyncRun');

const Schedule = z
  .object({
    name: z.string(),
    job_type: z.string(),
    account_id: z.number().int().nullable(),
    cron: z.string(),
    default_cron: z.string(),
    enabled: z.boolean(),
    reason: z.string().nullable().openapi({ description: 'Why a stopped schedule does not run' }),
    last_slot: z.string().nullable(),
    next_run: z.string().nullable(),
  })
  .openapi('Schedule');

const accountId = z.coerce.number().int().positive().optional();
const ended = new Set(['succeeded', 'dead', 'cancelled']);

export function engineRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs',
      tags,
      security,
      summary: 'Jobs, newest first',
      request: {
        query: PageQuery.extend({
          type: z.string().max(200).optional(),
          status: z.enum(jobStatuses).optional(),
          account_id: accountId,
        }),
      },
      responses: { 200: jsonResponse(page(Job), 'A page of jobs'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listJobs(hub.db, {
        type: q.type,
        status: q.status,
        accountId: q.account_id,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{id}',
      tags,
      security,
      summary: 'A job: status, attempts, progress, result and its failed attempts',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Job.extend({ errors: z.array(OutboxError) }), 'The job'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await getJob(hub.db, id);
      return c.json({ ...job, errors: await jobErrors(hub.db, id) } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{id}/events',
      tags,
      security,
      summary: 'Server-sent events of a job until it ends',
      description:
        '`progress` events carry the job’s progress (`done`, `total`, `message`); `status` events its status, attempts and ' +
        'last error; the stream ends after the status `succeeded`, `dead` or `cancelled` (`failed` means a retry is waiting).',
      request: { params: IdParam },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await getJob(hub.db, id);
      return streamSSE(c, async (stream) => {
        let lastProgress = '';
        let lastStatus = '';
        let quiet = 0;
        while (!stream.aborted) {
          const job = await findJob(hub.db, id);
          if (!job) break;
          const progress = JSON.stringify(job.progress ?? null);
          if (job.progress && progress !== lastProgress) await stream.writeSSE({ event: 'progress', data: progress });
          lastProgress = progress;
          if (job.status !== lastStatus) {
            const { status, attempts, max_attempts, last_error, result } = job;
            await stream.writeSSE({
              event: 'status',
              data: JSON.stringify({ id, status, attempts, max_attempts, last_error, result }),
            });
            lastStatus = job.status;
            quiet = 0;
          }
          if (ended.has(job.status)) break;
          // A comment now and then keeps proxies from closing a quiet stream.
          if (++quiet % 60 === 0) await stream.write(': waiting\n\n');
          await stream.sleep(250);
        }
      }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/jobs/{id}/retry',
      tags,
      security,
      summary: 'Runs a dead, failed or cancelled job again now, attempts from zero',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Job, 'The job, queued'), ...errorResponses(404, 409) },
    }),
    async (c) => c.json((await retryJob(hub.db, c.req.valid('param').id)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/jobs/{id}/cancel',
      tags,
      security,
      summary: 'Cancels a waiting or running job',
      description: 'A running job is told through its abort signal at its next heartbeat.',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Job, 'The job, cancelled'), ...errorResponses(404, 409) },
    }),
    async (c) => c.json((await cancelJob(hub.db, c.req.valid('param').id)) as never, 200),
  );

  // The general history is /sync/runs; /sync/history answers the same with one of these filters (without them, seed 003's iiko form: src/menu/routes.ts).
  for (const path of ['/sync/runs', '/sync/history'] as const)
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags,
        security,
        summary:
          path === '/sync/runs'
            ? 'Sync runs, newest first'
            : 'Sync runs, newest first, with a filter (without one: the iiko history, seed 003)',
        request: {
          query: PageQuery.extend({
            type: z.string().max(200).optional(),
            account_id: accountId,
            status: z.enum(['running', 'succeeded', 'failed', 'partial']).optional(),
            from: isoDate.optional().openapi({ description: 'Started at or after (ISO-8601)' }),
            to: isoDate.optional().openapi({ description: 'Started before (ISO-8601)' }),
          }),
        },
        responses: { 200: jsonResponse(page(SyncRun), 'A page of sync runs'), ...errorResponses() },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const result = await listSyncRuns(hub.db, {
          type: q.type,
          accountId: q.account_id,
          status: q.status,
          from: q.from,
          to: q.to,
          limit: q.limit,
          offset: q.offset,
        });
        return c.json({ ...result, limit: q.limit, offset: q.offset } as never, 200);
      },
    );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/outbox/errors',
      tags,
      security,
      summary: 'Failed attempts of jobs and outbox consumers, newest first',
      request: {
        query: PageQuery.extend({
          job_type: z.string().max(200).optional().openapi({ description: "A job type, or 'outbox:<topic>'" }),
          job_id: z.coerce.number().int().positive().optional(),
          outbox_id: z.coerce.number().int().positive().optional(),
        }),
      },
      responses: { 200: jsonResponse(page(OutboxError), 'A page of errors'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listOutboxErrors(hub.db, {
        jobType: q.job_type,
        jobId: q.job_id,
        outboxId: q.outbox_id,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/outbox/error-groups',
      tags,
      security,
      summary: 'Failed attempts grouped per problem, the latest first',
      description:
        'One group per job type (or `outbox:<topic>`), account, SKU, HTTP status and the channel’s message. ' +
        '`state=open` (the default) keeps the groups with a job or message not resolved yet: a later success of the same job ' +
        '(or of a later job of its type and account, or a later message of its topic and key) resolves it.',
      request: {
        query: PageQuery.extend({
          state: z.enum(errorGroupStates).default('open'),
          account_id: accountId,
          channel: z.string().max(100).optional(),
          job_type: z.string().max(200).optional().openapi({ description: "A job type, or 'outbox:<topic>'" }),
        }),
      },
      responses: { 200: jsonResponse(page(ErrorGroup), 'A page of error groups'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listErrorGroups(hub.db, {
        state: q.state,
        accountId: q.account_id,
        channel: q.channel,
        jobType: q.job_type,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/outbox/error-groups/{key}',
      tags,
      security,
      summary: 'An error group with each of its attempts, newest first',
      request: { params: GroupKey },
      responses: {
        200: jsonResponse(ErrorGroup.extend({ items: z.array(ErrorAttempt) }), 'The group and its attempts'),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { group, attempts } = await getErrorGroup(hub.db, c.req.valid('param').key);
      return c.json({ ...group, items: attempts }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/outbox/error-groups/{key}/retry',
      tags,
      security,
      summary: 'Runs every open job and dead outbox message of the group again now',
      request: { params: GroupKey },
      responses: { 200: jsonResponse(GroupRetry, 'What was started again'), ...errorResponses(404) },
    }),
    async (c) => c.json(await retryErrorGroup(hub.db, c.req.valid('param').key), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/schedules',
      tags,
      security,
      summary: 'Schedules per account, with the cron that applies and the next run',
      responses: { 200: jsonResponse(z.object({ items: z.array(Schedule) }), 'All schedules'), ...errorResponses() },
    }),
    async (c) => c.json({ items: (await listScheduleTargets(hub.db)).map(scheduleView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/schedules/{name}',
      tags,
      security,
      summary: 'Changes or stops a schedule, for one account or for all',
      description:
        '`cron: null` goes back to the default. Without `account_id` the change applies to every account without its own.',
      request: {
        params: z.object({
          name: z
            .string()
            .min(1)
            .max(200)
            .openapi({ param: { name: 'name', in: 'path' }, example: 'allegro.orders' }),
        }),
        body: jsonBody(
          z.strictObject({
            account_id: z.number().int().positive().nullable().optional(),
            cron: z.string().min(1).max(200).nullable().optional(),
            enabled: z.boolean().optional(),
          }),
        ),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(Schedule) }), 'The schedule’s targets after the change'),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      if (!scheduleDefinitions().some((d) => d.name === name))
        throw new DomainError('NOT_FOUND', `There is no schedule ${name}`, 404, { name });
      await setScheduleOverride(hub.db, {
        name,
        accountId: body.account_id ?? null,
        cron: body.cron,
        enabled: body.enabled,
      });
      const items = (await listScheduleTargets(hub.db)).filter((t) => t.definition.name === name).map(scheduleView);
      return c.json({ items }, 200);
    },
  );

  return app;
}

const scheduleView = (t: Awaited<ReturnType<typeof listScheduleTargets>>[number]) => ({
  name: t.definition.name,
  job_type: t.definition.jobType,
  account_id: t.accountId,
  cron: t.cron,
  default_cron: t.definition.cron,
  enabled: t.enabled,
  reason: t.reason,
  last_slot: t.lastSlot,
  next_run: t.nextRun,
});
