import { sql } from 'drizzle-orm';
import { requireActive, type AccountStatus } from '../channels/core/accounts.ts';
import type { CatalogFeed } from '../channels/core/catalog-feed.ts';
import { channelModules, moduleFor } from '../channels/core/module.ts';
import { rows, type Executor } from '../db/database.ts';
import { enqueueJob, type JobProgress, type JobStatus } from '../engine/jobs.ts';
import type { Hub } from '../hub.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { catalogFileStream, fileTypes, type FileFormat, type Separator } from './files.ts';
import { catalogProducts } from './products.ts';

/**
 * Catalog exports (seed 004 §3: Lamoda RU → KZ): the products one account lists, sent to
 * another account's channel as feeds by the `catalog.export` job (run.ts). Any channel whose
 * module brings a `catalogFeed` can take one; core names none.
 */

export const EXPORT_JOB = 'catalog.export';

export interface ExportAccount {
  id: number;
  channel: string;
  name: string;
  status: AccountStatus;
  status_reason: string | null;
}

export async function exportAccount(ex: Executor, id: number): Promise<ExportAccount> {
  const [account] = await rows<ExportAccount>(
    ex,
    sql`select id, channel, name, status, status_reason from channel_accounts where id = ${id}`,
  );
  if (!account)
    throw new DomainError('ACCOUNT_NOT_FOUND', `Channel account ${id} does not exist`, 404, { account_id: id });
  return account;
}

/** The channels (their codes) whose modules take a catalog feed. */
const feedChannels = () =>
  channelModules()
    .filter((m) => m.catalogFeed)
    .map((m) => m.connector.channel);

/** The account's catalog feed: what its channel's module brings, or NO_CATALOG_FEED saying which channels have one. */
export function feedOf(account: ExportAccount): CatalogFeed {
  const feed = moduleFor(account.channel)?.catalogFeed;
  if (feed) return feed;
  const channels = feedChannels();
  throw new DomainError(
    'NO_CATALOG_FEED',
    `Account ${account.id} is on ${account.channel}, which takes no catalog feed${channels.length ? `: export to an account on ${channels.join(', ')}` : ''}`,
    409,
    { account_id: account.id, channel: account.channel, channels },
  );
}

/** Accounts an export can go to: those whose channel takes a catalog feed. */
export async function feedAccounts(ex: Executor): Promise<ExportAccount[]> {
  const channels = feedChannels();
  if (!channels.length) return [];
  return rows<ExportAccount>(
    ex,
    sql`
    select id, channel, name, status, status_reason from channel_accounts
     where channel = any(${sql.param(channels)}::text[]) order by id`,
  );
}

export interface ExportInput {
  from: number;
  to: number;
  format: FileFormat;
  separator?: Separator;
}

/** Checks the accounts and adds the export's row (in `ex`): the target must take a feed and be active. */
export async function createCatalogExport(ex: Executor, input: ExportInput, actor: string): Promise<number> {
  await exportAccount(ex, input.from);
  const target = await exportAccount(ex, input.to);
  feedOf(target);
  requireActive(target);
  if (input.from === input.to)
    throw new DomainError('BAD_REQUEST', 'An export goes to another account than the one it reads', 400, {
      from: input.from,
      to: input.to,
    });
  const separator = input.format === 'csv' ? (input.separator ?? ';') : null;
  const [created] = await rows<{ id: number }>(
    ex,
    sql`
    insert into catalog_exports (from_account_id, to_account_id, format, separator, actor)
    values (${input.from}, ${input.to}, ${input.format}, ${separator}, ${actor}) returning id`,
  );
  return created.id;
}

/**
 * Starts an export: its row and its job in one transaction (a job without its export, or the
 * other way round, never exists). `sklad lamoda export` makes the row alone and runs it itself.
 */
export async function startCatalogExport(
  hub: Hub,
  input: ExportInput,
  actor: string,
): Promise<{ id: number; jobId: number }> {
  return hub.db.transaction(async (tx) => {
    const id = await createCatalogExport(tx, input, actor);
    const job = await enqueueJob(tx, {
      type: EXPORT_JOB,
      accountId: input.to,
      key: `${EXPORT_JOB}:${id}`,
      payload: { exportId: id, fromAccountId: input.from, toAccountId: input.to },
    });
    await tx.execute(sql`update catalog_exports set job_id = ${job.id} where id = ${id}`);
    return { id, jobId: job.id };
  });
}

export const exportStates = ['queued', 'sending', 'processing', 'finished', 'failed'] as const;
export type ExportState = (typeof exportStates)[number];

export interface ExportCounts {
  products: number;
  invalid: number;
  sent: number;
  processed: number;
  failed: number;
  warnings: number;
}

export interface ExportSummary {
  id: number;
  from_account_id: number;
  to_account_id: number;
  format: FileFormat;
  separator: Separator | null;
  state: ExportState;
  job_id: number | null;
  job_status: JobStatus | null;
  progress: JobProgress | null;
  counts: ExportCounts;
  error: string | null;
  actor: string;
  created_at: string;
  finished_at: string | null;
}

export interface ExportFeed {
  feed_id: string;
  state: string;
  total: number;
  processed: number;
  failed: number;
  created_at: string;
  checked_at: string | null;
}

/** A product the export could not send or the channel refused, or a channel's warning about one. */
export interface ExportProblem {
  sku: string | null;
  /** The required column it had no value in (before sending); null for what the channel said. */
  field: string | null;
  message: string;
  /** The feed the channel said it of; null before sending. */
  feed_id: string | null;
}

export interface ExportView extends ExportSummary {
  feeds: ExportFeed[];
  errors: ExportProblem[];
  errors_total: number;
  warnings: ExportProblem[];
  warnings_total: number;
}

/** Problems shown at once; the counts say how many there are in all. */
const SHOWN_PROBLEMS = 500;

const summaryColumns = sql`e.id, e.from_account_id, e.to_account_id, e.format, e.separator, e.job_id, j.status as job_status, j.progress,
  json_build_object('products', e.products, 'invalid', e.invalid, 'sent', e.sent, 'processed', e.processed,
                    'failed', e.failed, 'warnings', e.warnings) as counts,
  coalesce(e.error, case when e.state not in ('finished', 'failed') and j.status in ('dead', 'cancelled') then j.last_error end) as error,
  -- a job that died or was cancelled before the export ended leaves it failed
  case when e.state not in ('finished', 'failed') and j.status in ('dead', 'cancelled') then 'failed' else e.state end as state,
  e.actor, iso(e.created_at) as created_at, iso(e.finished_at) as finished_at`;

export async function listCatalogExports(ex: Executor, limit = 20): Promise<ExportSummary[]> {
  return rows<ExportSummary>(
    ex,
    sql`
    select ${summaryColumns} from catalog_exports e left join jobs j on j.id = e.job_id order by e.id desc limit ${limit}`,
  );
}

/** The export with its feeds and the first problems: products not sent for an empty required column, then what the channel said. */
export async function getCatalogExport(ex: Executor, id: number): Promise<ExportView> {
  const [summary] = await rows<ExportSummary>(
    ex,
    sql`
    select ${summaryColumns} from catalog_exports e left join jobs j on j.id = e.job_id where e.id = ${id}`,
  );
  if (!summary) throw notFound('Catalog export', id);
  const feeds = await rows<ExportFeed>(
    ex,
    sql`
    select feed_id, state, total, processed, failed, iso(created_at) as created_at, iso(checked_at) as checked_at
      from catalog_export_feeds where export_id = ${id} order by id`,
  );
  const invalid = await rows<ExportProblem>(
    ex,
    sql`
    select i.sku, f.field, 'no value for the required column ' || f.field as message, null as feed_id
      from catalog_export_invalid i cross join lateral unnest(i.fields) as f(field)
     where i.export_id = ${id} order by i.product_id, f.field limit ${SHOWN_PROBLEMS}`,
  );
  const said = (kind: 'errors' | 'warnings', limit: number) =>
    rows<ExportProblem>(
      ex,
      sql`
    select p->>'sku' as sku, null as field, p->>'message' as message, f.feed_id
      from catalog_export_feeds f cross join lateral jsonb_array_elements(f.${sql.raw(kind)}) with ordinality as a(p, n)
     where f.export_id = ${id} order by f.id, a.n limit ${limit}`,
    );
  const [totals] = await rows<{ invalid_fields: number; errors: number; warnings: number }>(
    ex,
    sql`
    select (select coalesce(sum(cardinality(fields)), 0)::int from catalog_export_invalid where export_id = ${id}) as invalid_fields,
           (select coalesce(sum(jsonb_array_length(errors)), 0)::int from catalog_export_feeds where export_id = ${id}) as errors,
           (select coalesce(sum(jsonb_array_length(warnings)), 0)::int from catalog_export_feeds where export_id = ${id}) as warnings`,
  );
  const errors = [
    ...invalid,
    ...(invalid.length < SHOWN_PROBLEMS ? await said('errors', SHOWN_PROBLEMS - invalid.length) : []),
  ];
  return {
    ...summary,
    feeds,
    errors,
    errors_total: totals.invalid_fields + totals.errors,
    warnings: await said('warnings', SHOWN_PROBLEMS),
    warnings_total: totals.warnings,
  };
}

export interface DownloadInput {
  /** The account whose products go in the file. */
  account: number;
  /** The account whose channel's columns the file has; the source's own when not given. */
  to?: number;
  format: FileFormat;
  separator?: Separator;
}

/** The export as a file to download: the source's products in the target channel's columns and headers, streamed. */
export async function catalogDownload(hub: Hub, input: DownloadInput) {
  const source = await exportAccount(hub.db, input.account);
  const { columns } = feedOf(input.to === undefined ? source : await exportAccount(hub.db, input.to));
  return {
    body: catalogFileStream(catalogProducts(hub.db, source.id), columns, input),
    type: fileTypes[input.format],
    name: `catalog-${source.id}.${input.format}`,
  };
}
