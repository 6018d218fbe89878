import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse, security } from '../http/router.ts';
import { findingFilter, findingKinds, fixAll, applyFix, listFindings } from './findings.ts';
import { startReconcile } from './jobs.ts';

const tags = ['Reconciliation'];
const Loose = z.record(z.string(), z.unknown());

/** The reconciler's runs and findings, under /api/v1 (issue 22). */
export function reconcileRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reconcile/{id}',
      tags,
      security,
      summary: 'Reconciles a sales channel account now: its orders against Sklad, the CRM and the delivery service',
      description:
        'Queues a `reconcile.account` job (one at a time per account) over the last `days` (query, default 7). Its sync run keeps the counts and any fault (then `partial`).',
      request: { params: IdParam, query: z.object({ days: z.coerce.number().int().min(1).max(90).optional() }) },
      responses: {
        202: jsonResponse(
          z.object({ job_id: z.number().int(), account_id: z.number().int(), deduplicated: z.boolean() }),
          'Queued',
        ),
        ...errorResponses(404, 409),
      },
    }),
    async (c) => c.json(await startReconcile(hub, c.req.valid('param').id, c.req.valid('query').days), 202),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/findings',
      tags,
      security,
      summary: 'What the reconciler found',
      description:
        'Filtered by state (open, fixed, closed), kind and account; ordered by kind, account and since when.',
      request: { query: findingFilter },
      responses: { 200: jsonResponse(z.object({ items: z.array(Loose) }), 'The findings'), ...errorResponses(400) },
    }),
    async (c) => c.json({ items: (await listFindings(hub.db, c.req.valid('query'))) as never[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/findings/{id}/fix',
      tags,
      security,
      summary: 'Applies the fix a finding offers',
      description:
        'Re-import, re-export, status re-send or delivery retry, logged in operations with the caller as the actor.',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Loose, 'The finding, fixed'), ...errorResponses(404, 409, 502) },
    }),
    async (c) => c.json((await applyFix(hub, c.req.valid('param').id, c.get('actor').name)) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/findings/fix-all',
      tags,
      security,
      summary: 'Fixes every open finding of a kind',
      request: {
        body: jsonBody(
          z.object({ kind: z.enum(findingKinds), account_id: z.number().int().positive().optional() }).strict(),
        ),
      },
      responses: {
        200: jsonResponse(Loose, 'How many were fixed, and those that failed with why'),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json((await fixAll(hub, body.kind, body.account_id, c.get('actor').name)) as never, 200);
    },
  );

  return app;
}
