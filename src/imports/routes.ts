import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import { fileFormats, fileTypes, separators, type FileFormat } from '../exports/files.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse, security } from '../http/router.ts';
import { tableFileStream } from './export.ts';
import { importKinds, Mapping, type ImportKind } from './fields.ts';
import { createImport, getImport, importStates, listImports, startImport } from './service.ts';

/**
 * Bulk import and export over the API (issue 20): upload a file (multipart) → its preview with a
 * suggested mapping → apply with the seller's mapping (a job) → its state, counts and the refused
 * rows by line. The same tables download as CSV or XLSX, streamed.
 */

const tags = ['Imports'];

const Upload = z.object({
  kind: z.enum(importKinds).openapi({
    description: '`products` (SKU, name, EAN, description, attributes, quantities) or `stock` (SKU and quantities)',
  }),
  file: z.instanceof(File, { message: 'attach the file in the form field "file"' }).openapi({
    type: 'string',
    format: 'binary',
    description: 'CSV (`;`, `,` or tab, UTF-8) or XLSX (its first sheet), at most 10 MB; the first row is the header',
  }),
});

const FieldName = z.string().openapi({
  description: '`sku`, `name`, `ean`, `description`, `attribute:<key>`, `stock:<warehouse code>` or `ignore`',
  example: 'stock:MAIN',
});
const RowError = z.object({
  line: z.number().int().openapi({ description: 'The line in the file (the header is line 1)' }),
  field: z.string().nullable().openapi({ description: 'The column’s header' }),
  message: z.string().openapi({ description: 'Why, in English' }),
  said: z
    .object({ key: z.string(), params: z.record(z.string(), z.unknown()) })
    .nullable()
    .openapi({
      description:
        'The same as a key of the dictionary (`row.duplicateSku`, `code.<CODE>`) and its parameters; null for a schema’s own message',
    }),
});

const ImportView = z
  .object({
    id: z.number().int(),
    kind: z.enum(importKinds),
    file_name: z.string(),
    format: z.enum(fileFormats),
    state: z.enum(importStates),
    columns: z.array(z.string()).openapi({ description: 'The header row' }),
    sample: z
      .array(z.object({ line: z.number().int(), cells: z.array(z.string()) }))
      .openapi({ description: 'The first rows, as read' }),
    mapping: z
      .array(FieldName)
      .openapi({ description: 'The field of each column: suggested from the headers until the import is applied' }),
    fields: z.array(FieldName).openapi({ description: 'What a column may be mapped to' }),
    job_id: z.number().int().nullable(),
    job_status: z.string().nullable(),
    progress: z.unknown(),
    rows_total: z.number().int().nullable(),
    counts: z.record(z.string(), z.number()),
    errors: z.array(RowError),
    errors_total: z.number().int(),
    error: z.string().nullable(),
    actor: z.string(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('Import');

const ImportItem = z
  .object({
    id: z.number().int(),
    kind: z.enum(importKinds),
    file_name: z.string(),
    state: z.enum(importStates),
    rows_total: z.number().int().nullable(),
    errors_total: z.number().int(),
    created_at: z.string(),
  })
  .openapi('ImportItem');

const ApplyInput = z
  .object({
    mapping: Mapping.optional().openapi({ description: 'One field per column; the suggested mapping when left out' }),
  })
  .strict()
  .openapi('ImportApplyInput');

const ErrorsPage = z.object({
  errors_limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(200)
    .openapi({ description: 'Refused rows per page (the first 1,000 are kept)' }),
  errors_offset: z.coerce.number().int().min(0).max(1000).default(0),
});

const SeparatorQuery = z.object({
  separator: z
    .enum([...separators, 'tab'])
    .transform((s) => (s === 'tab' ? '\t' : s))
    .optional()
    .openapi({ description: 'The CSV separator: `;` (default), `,` or a tab (`tab`)' }),
});

const tableRoute = (kind: ImportKind, format: FileFormat) =>
  createRoute({
    method: 'get',
    path: `/exports/${kind}.${format}`,
    tags,
    security,
    summary:
      kind === 'products'
        ? `Every product as a ${format.toUpperCase()} file (SKU, name, EAN, description, a column per attribute)`
        : `Stock as a ${format.toUpperCase()} file (SKU, name, on hand per own warehouse)`,
    description: 'Streamed as it is read. The file imports back unchanged: importing it changes nothing.',
    request: { query: format === 'csv' ? SeparatorQuery : z.object({}) },
    responses: {
      200: {
        description: `The ${format.toUpperCase()} file`,
        content: { [fileTypes[format]]: { schema: z.string().openapi({ format: 'binary' }) } },
      },
    },
  });

export function importRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/imports',
      tags,
      security,
      summary: 'Upload a file to import (multipart: `kind`, `file`); answers its preview',
      description:
        'Nothing is written to the catalog yet: the answer has the header row, the first rows and a mapping suggested from the headers. ' +
        'Apply it with POST /imports/{id}/apply.',
      request: { body: { required: true, content: { 'multipart/form-data': { schema: Upload } } } },
      responses: { 201: jsonResponse(ImportView, 'The import, with its preview'), ...errorResponses(400, 413, 422) },
    }),
    async (c) => {
      const { kind, file } = c.req.valid('form');
      const id = await createImport(
        hub.db,
        { kind, fileName: file.name, content: new Uint8Array(await file.arrayBuffer()) },
        c.get('actor').name,
      );
      c.header('location', `/api/v1/imports/${id}`);
      return c.json((await getImport(hub.db, id)) as never, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/imports',
      tags,
      security,
      summary: 'The latest imports',
      responses: { 200: jsonResponse(z.object({ items: z.array(ImportItem) }), 'Newest first') },
    }),
    async (c) => c.json({ items: (await listImports(hub.db)).map((i) => ({ ...i, id: Number(i.id) })) } as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/imports/{id}',
      tags,
      security,
      summary: 'An import: its preview, state, progress, counts and refused rows by line',
      request: { params: IdParam, query: ErrorsPage },
      responses: { 200: jsonResponse(ImportView, 'The import'), ...errorResponses(404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        (await getImport(hub.db, c.req.valid('param').id, { limit: q.errors_limit, offset: q.errors_offset })) as never,
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/imports/{id}/apply',
      tags,
      security,
      summary: 'Apply an import with a mapping (a job)',
      description:
        'The job reads every row first; only a file without a bad row is applied, in one transaction. ' +
        'A file with bad rows applies nothing: GET /imports/{id} lists them by line.',
      request: { params: IdParam, body: jsonBody(ApplyInput) },
      responses: {
        202: jsonResponse(
          z.object({ id: z.number().int(), job_id: z.number().int() }).openapi('ImportAccepted'),
          'The import and the job that applies it',
        ),
        ...errorResponses(400, 404, 409),
      },
    }),
    async (c) => {
      const started = await startImport(hub, c.req.valid('param').id, c.req.valid('json').mapping);
      c.header('location', `/api/v1/imports/${started.id}`);
      return c.json({ id: started.id, job_id: started.jobId }, 202);
    },
  );

  for (const kind of importKinds) {
    for (const format of fileFormats) {
      app.openapi(tableRoute(kind, format), async (c) => {
        const q = c.req.valid('query') as { separator?: ';' | ',' | '\t' };
        const body = await tableFileStream(hub.db, kind, { format, separator: q.separator });
        return c.body(body, 200, {
          'content-type': fileTypes[format],
          'content-disposition': `attachment; filename="${kind}.${format}"`,
        }) as never;
      });
    }
  }
  return app;
}
