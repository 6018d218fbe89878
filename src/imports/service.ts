import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { enqueueJob, type JobProgress } from '../engine/jobs.ts';
import type { FileFormat } from '../exports/files.ts';
import type { Hub } from '../hub.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import {
  checkMapping,
  detectField,
  type Field,
  type ImportKind,
  type RowError,
  type WarehouseColumn,
} from './fields.ts';
import { formatOf, peek, type FileRow } from './read.ts';

/**
 * Bulk imports (issue 20): upload → preview (the header row, the first rows and a mapping
 * suggested from the headers) → the seller's mapping → the `import.apply` job checks every row
 * and applies the file, or lists its bad rows by line (run.ts).
 */

export const IMPORT_JOB = 'import.apply';
/** A file of at most 10 MB (the API's multipart limit): 50,000 rows of a catalog are about 4 MB. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
const SAMPLE_ROWS = 10;

export const importStates = ['uploaded', 'queued', 'validating', 'applying', 'applied', 'invalid', 'failed'] as const;

export interface StoredImport {
  id: number;
  kind: ImportKind;
  file_name: string;
  format: FileFormat;
  content: Uint8Array;
  columns: string[];
  mapping: Field[];
  actor: string;
}

/** Our own warehouses whose stock a file may set: not mirrors, not read-only, not archived. */
export function ownWarehouses(ex: Executor): Promise<WarehouseColumn[]> {
  return rows<WarehouseColumn>(
    ex,
    sql`
    select id, code from warehouses where kind = 'own' and not read_only and archived_at is null order by lower(code)`,
  ).then((ws) => ws.map((w) => ({ id: Number(w.id), code: w.code })));
}

/** Stores an uploaded file and answers its preview: columns, first rows and the suggested mapping. */
export async function createImport(
  ex: Executor,
  input: { kind: ImportKind; fileName: string; content: Uint8Array },
  actor: string,
): Promise<number> {
  if (!input.content.length)
    throw new DomainError('IMPORT_FILE_UNREADABLE', 'The file cannot be read: it is empty', 422, {
      reason: 'it is empty',
      empty: true,
    });
  if (input.content.length > MAX_IMPORT_BYTES) {
    throw new DomainError(
      'IMPORT_FILE_TOO_LARGE',
      `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`,
      413,
      { mb: MAX_IMPORT_BYTES / 1024 / 1024 },
    );
  }
  const format = formatOf(input.content);
  const { columns, sample } = await peek(input.content, format, SAMPLE_ROWS);
  const warehouses = await ownWarehouses(ex);
  const mapping = columns.map((c) => detectField(c, input.kind, warehouses));
  // A header mapped twice (two "name" columns) keeps the first; the others are ignored until the seller maps them.
  const seen = new Set<Field>();
  const unique = mapping.map((f) => (f !== 'ignore' && seen.has(f) ? 'ignore' : (seen.add(f), f)));
  const fileName = input.fileName.replace(/[\\/]/g, '_').slice(0, 200) || `import.${format}`;
  const [created] = await rows<{ id: number }>(
    ex,
    sql`
    insert into imports (kind, file_name, format, content, columns, sample, mapping, actor)
    values (${input.kind}, ${fileName}, ${format}, ${Buffer.from(input.content.buffer, input.content.byteOffset, input.content.byteLength)}, ${JSON.stringify(columns)}::jsonb,
            ${JSON.stringify(sample)}::jsonb, ${JSON.stringify(unique)}::jsonb, ${actor})
    returning id`,
  );
  return Number(created.id);
}

export async function loadImport(ex: Executor, id: number): Promise<StoredImport> {
  const [row] = await rows<StoredImport>(
    ex,
    sql`
    select id, kind, file_name, format, content, columns, mapping, actor from imports where id = ${id}`,
  );
  if (!row) throw notFound('Import', id);
  // The driver's Buffer is a Uint8Array already: a copy of a 10 MB file would only double it.
  return { ...row, id: Number(row.id), content: row.content };
}

export interface ImportView {
  id: number;
  kind: ImportKind;
  file_name: string;
  format: FileFormat;
  state: (typeof importStates)[number];
  columns: string[];
  sample: FileRow[];
  mapping: Field[];
  /** What each column may be mapped to, for the preview's selects. */
  fields: Field[];
  job_id: number | null;
  job_status: string | null;
  progress: JobProgress | null;
  rows_total: number | null;
  counts: Record<string, number>;
  errors: RowError[];
  errors_total: number;
  error: string | null;
  actor: string;
  created_at: string;
  finished_at: string | null;
}

/** The fields a column of this kind of import may take, with the warehouses' quantity columns. */
function fieldsFor(kind: ImportKind, columns: string[], warehouses: WarehouseColumn[]): Field[] {
  const stock = warehouses.map((w) => `stock:${w.code}` as const);
  if (kind === 'stock') return ['ignore', 'sku', ...stock];
  const attributes = columns.filter((c) => c.trim()).map((c) => `attribute:${c.trim()}` as const);
  return ['ignore', 'sku', 'name', 'ean', 'description', 'price', 'currency', ...new Set(attributes), ...stock];
}

export async function getImport(
  ex: Executor,
  id: number,
  errorsPage: { limit: number; offset: number } = { limit: 200, offset: 0 },
): Promise<ImportView> {
  const [row] = await rows<Omit<ImportView, 'fields' | 'errors'>>(
    ex,
    sql`
    select i.id, i.kind, i.file_name, i.format, i.state, i.columns, i.sample, i.mapping, i.job_id, j.status as job_status, j.progress,
           i.rows_total, i.counts, i.errors_total, i.error, i.actor, iso(i.created_at) as created_at, iso(i.finished_at) as finished_at
      from imports i left join jobs j on j.id = i.job_id where i.id = ${id}`,
  );
  if (!row) throw notFound('Import', id);
  const errors = await rows<RowError>(
    ex,
    sql`
    select line, field, message, said from import_errors where import_id = ${id} order by n limit ${errorsPage.limit} offset ${errorsPage.offset}`,
  );
  return {
    ...row,
    id: Number(row.id),
    job_id: row.job_id === null ? null : Number(row.job_id),
    fields: fieldsFor(row.kind, row.columns, await ownWarehouses(ex)),
    errors,
  };
}

export async function listImports(ex: Executor, limit = 20) {
  return rows<{
    id: number;
    kind: ImportKind;
    file_name: string;
    state: string;
    rows_total: number | null;
    errors_total: number;
    created_at: string;
  }>(
    ex,
    sql`
    select id, kind, file_name, state, rows_total, errors_total, iso(created_at) as created_at from imports order by id desc limit ${limit}`,
  );
}

/** Sets the mapping (the suggested one when none is given), checks it, and queues the job. */
export async function prepareImport(ex: Executor, id: number, mapping: Field[] | undefined): Promise<StoredImport> {
  const [row] = await rows<{ state: string }>(ex, sql`select state from imports where id = ${id} for update`);
  if (!row) throw notFound('Import', id);
  if (!['uploaded', 'invalid', 'failed'].includes(row.state)) {
    throw new DomainError(
      'IMPORT_STATE',
      `Import ${id} is ${row.state}: only an uploaded, invalid or failed one can be applied`,
      409,
      { import_id: id, state: row.state },
    );
  }
  const stored = await loadImport(ex, id);
  const chosen = mapping ?? stored.mapping;
  checkMapping(chosen, stored.columns, stored.kind, await ownWarehouses(ex));
  await ex.execute(
    sql`update imports set mapping = ${JSON.stringify(chosen)}::jsonb, state = 'queued', error = null where id = ${id}`,
  );
  return { ...stored, mapping: chosen };
}

/** The API's and the panel's apply: the mapping checked and the job queued, in one transaction. */
export async function startImport(
  hub: Hub,
  id: number,
  mapping: Field[] | undefined,
): Promise<{ id: number; jobId: number }> {
  return hub.db.transaction(async (tx) => {
    await prepareImport(tx, id, mapping);
    const job = await enqueueJob(tx, { type: IMPORT_JOB, key: `${IMPORT_JOB}:${id}`, payload: { importId: id } });
    await tx.execute(sql`update imports set job_id = ${job.id} where id = ${id}`);
    return { id, jobId: job.id };
  });
}
