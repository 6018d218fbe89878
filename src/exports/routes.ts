import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse, security } from '../http/router.ts';
import { fileFormats, fileTypes, separators, type FileFormat } from './files.ts';
import { catalogDownload, exportStates, getCatalogExport, startCatalogExport } from './service.ts';

const tags = ['Exports'];
const accountId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 53 - 1);

/** `;`, `,` or a tab (`%09`, or the word `tab`, which is easier to type in a URL). */
const Separator = z
  .enum([...separators, 'tab'])
  .transform((s) => (s === 'tab' ? '\t' : s))
  .openapi({ description: 'The CSV separator: `;` (default), `,` or a tab (`%09` or `tab`)', example: ';' });

const FileQuery = z.object({
  account: accountId.openapi({
    description: 'The account whose listed products go in the file (Lamoda RU, say)',
    example: 1,
  }),
  to: accountId.optional().openapi({
    description: 'The account whose channel’s columns the file has; the source’s own by default',
    example: 2,
  }),
});

const ExportInput = z
  .object({
    from: z
      .number()
      .int()
      .positive()
      .openapi({ description: 'The account whose listed products are exported', example: 1 }),
    to: z
      .number()
      .int()
      .positive()
      .openapi({ description: 'The account they are sent to; its channel must take a catalog feed', example: 2 }),
    format: z.enum(fileFormats).default('csv').openapi({ description: 'The file of the export (its headers)' }),
    separator: Separator.optional(),
  })
  .strict()
  .openapi('CatalogExportInput');

const Problem = z.object({
  sku: z.string().nullable(),
  field: z.string().nullable().openapi({
    description: 'The required column left empty (the product was not sent); null for what the channel said',
  }),
  message: z.string(),
  feed_id: z.string().nullable(),
});

const CatalogExport = z
  .object({
    id: z.number().int(),
    from_account_id: z.number().int(),
    to_account_id: z.number().int(),
    format: z.enum(fileFormats),
    separator: z.string().nullable(),
    state: z.enum(exportStates),
    job_id: z.number().int().nullable(),
    job_status: z.string().nullable(),
    progress: z.unknown(),
    counts: z.object({
      products: z.number().int(),
      invalid: z.number().int(),
      sent: z.number().int(),
      processed: z.number().int(),
      failed: z.number().int(),
      warnings: z.number().int(),
    }),
    error: z.string().nullable(),
    actor: z.string(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    feeds: z.array(
      z.object({
        feed_id: z.string().openapi({ description: 'The channel’s id of the feed (SellerCenter’s RequestId)' }),
        state: z.string(),
        total: z.number().int(),
        processed: z.number().int(),
        failed: z.number().int(),
        created_at: z.string(),
        checked_at: z.string().nullable(),
      }),
    ),
    errors: z.array(Problem),
    errors_total: z.number().int(),
    warnings: z.array(Problem),
    warnings_total: z.number().int(),
  })
  .openapi('CatalogExport');

const fileRoute = (format: FileFormat) =>
  createRoute({
    method: 'get',
    path: `/exports/catalog.${format}`,
    tags,
    security,
    summary: `The catalog of an account as a ${format.toUpperCase()} file in a channel's columns (seed 004 §3, save_csv)`,
    description:
      'Streamed as it is read, so a catalog of any size downloads in constant memory. The header row is the one the channel’s ' +
      `${format.toUpperCase()} files have. The channel (its module) must take a catalog feed.`,
    request: { query: format === 'csv' ? FileQuery.extend({ separator: Separator.optional() }) : FileQuery },
    responses: {
      200: {
        description: `The ${format.toUpperCase()} file`,
        content: { [fileTypes[format]]: { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...errorResponses(404, 409),
    },
  });

export function exportRoutes(hub: Hub) {
  const app = createRouter();

  for (const format of fileFormats) {
    app.openapi(fileRoute(format), async (c) => {
      const q = c.req.valid('query') as z.infer<typeof FileQuery> & { separator?: ';' | ',' | '\t' };
      const file = await catalogDownload(hub, { account: q.account, to: q.to, format, separator: q.separator });
      return c.body(file.body, 200, {
        'content-type': file.type,
        'content-disposition': `attachment; filename="${file.name}"`,
      }) as never;
    });
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/exports/catalog',
      tags,
      security,
      summary: 'Export an account’s catalog to another account’s channel as feeds',
      description:
        'Products with an empty required column are listed and not sent; the rest go in feeds of the channel’s batch size. ' +
        'The job then follows each feed (FeedStatus by RequestId) until the channel is done: GET /exports/catalog/{id}.',
      request: { body: jsonBody(ExportInput) },
      responses: {
        202: jsonResponse(
          z.object({ id: z.number().int(), job_id: z.number().int() }).openapi('CatalogExportAccepted'),
          'The export and the job that runs it',
        ),
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const started = await startCatalogExport(hub, body, c.get('actor').name);
      c.header('location', `/api/v1/exports/catalog/${started.id}`);
      return c.json({ id: started.id, job_id: started.jobId }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/exports/catalog/{id}',
      tags,
      security,
      summary: 'An export: its state, progress, feeds, errors and warnings',
      request: { params: IdParam },
      responses: { 200: jsonResponse(CatalogExport, 'The export'), ...errorResponses(404) },
    }),
    async (c) => c.json((await getCatalogExport(hub.db, c.req.valid('param').id)) as never, 200),
  );
  return app;
}
