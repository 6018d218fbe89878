import { sql } from 'drizzle-orm';
import type { CatalogFeed, FeedProgress } from '../channels/core/catalog-feed.ts';
import type { ConnectorContext, SyncRunCounter } from '../channels/core/connector.ts';
import { connectorContextFor, guardCredentials } from '../channels/core/context.ts';
import { sleep } from '../channels/core/http-client.ts';
import { rows, type Executor } from '../db/database.ts';
import type { JobProgress } from '../engine/jobs.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import type { Hub } from '../hub.ts';
import { countCatalogProducts, catalogProducts } from './products.ts';
import { feedRow, missingFields } from './rows.ts';
import { EXPORT_JOB, exportAccount, feedOf, type ExportState } from './service.ts';

/**
 * The `catalog.export` job: reads the source account's products in id order, lists those
 * with an empty required column, sends the rest in feeds of the module's batch size, keeps
 * each feed's id, then asks the channel about each feed until all are done. Every batch's
 * feed, listed products and cursor are saved in one transaction, so a retried job goes on
 * after the last saved batch. (A worker killed between a send and that save sends the batch
 * again: the channel then refuses the repeated SKUs in that feed, which the export shows.)
 */

interface ExportRow {
  id: number;
  from_account_id: number;
  to_account_id: number;
  state: ExportState;
  cursor_product_id: number;
  products: number;
  sent: number;
  invalid: number;
}

/** Between status checks: short at first (a small feed is done in seconds), then up to 15 s (big ones take minutes). */
const FIRST_CHECK_MS = 250;
const LONGEST_CHECK_MS = 15_000;

interface RunOptions {
  jobId?: number;
  signal?: AbortSignal;
  progress?: (update: JobProgress) => Promise<void>;
}

interface Pending {
  rows: Record<string, string>[];
  invalid: { productId: number; sku: string; fields: string[] }[];
  lastId: number;
}

async function loadExport(ex: Executor, id: number): Promise<ExportRow> {
  const [row] = await rows<ExportRow>(
    ex,
    sql`
    select id, from_account_id, to_account_id, state, cursor_product_id, products, sent, invalid from catalog_exports where id = ${id}`,
  );
  if (!row) throw new Error(`Catalog export ${id} does not exist`);
  return row;
}

/** Sends one batch (if it has valid rows) and saves it with the products listed before it and the new cursor. */
async function flush(
  hub: Hub,
  ctx: ConnectorContext,
  feed: CatalogFeed,
  exp: ExportRow,
  batch: Pending,
  run: SyncRunCounter,
) {
  const feedId = batch.rows.length ? (await feed.sendProducts(ctx, batch.rows)).feedId : null;
  const listed = await hub.db.transaction(async (tx) => {
    if (feedId !== null) {
      await tx.execute(sql`
        insert into catalog_export_feeds (export_id, feed_id, total) values (${exp.id}, ${feedId}, ${batch.rows.length})
        on conflict (export_id, feed_id) do nothing`);
    }
    const inserted = batch.invalid.length
      ? await rows(
          tx,
          sql`
          insert into catalog_export_invalid (export_id, product_id, sku, fields)
          select ${exp.id}, p, s, string_to_array(f, ',')
            from unnest(${sql.param(batch.invalid.map((i) => i.productId))}::bigint[], ${sql.param(batch.invalid.map((i) => i.sku))}::text[],
                        ${sql.param(batch.invalid.map((i) => i.fields.join(',')))}::text[]) as u(p, s, f)
          on conflict do nothing returning product_id`,
        )
      : [];
    await tx.execute(sql`
      update catalog_exports set cursor_product_id = ${batch.lastId}, sent = sent + ${batch.rows.length}, invalid = invalid + ${inserted.length}
       where id = ${exp.id}`);
    return inserted.length;
  });
  exp.cursor_product_id = batch.lastId;
  exp.sent += batch.rows.length;
  exp.invalid += listed;
  run.add({ pushed: batch.rows.length, failed: listed });
}

async function sendAll(
  hub: Hub,
  ctx: ConnectorContext,
  feed: CatalogFeed,
  exp: ExportRow,
  run: SyncRunCounter,
  options: RunOptions,
) {
  if (exp.state === 'queued') {
    exp.products = await countCatalogProducts(hub.db, exp.from_account_id);
    await hub.db.execute(
      sql`update catalog_exports set state = 'sending', products = ${exp.products} where id = ${exp.id}`,
    );
  }
  const { columns } = feed;
  let batch: Pending = { rows: [], invalid: [], lastId: exp.cursor_product_id };
  // Numbers only: the panel says them in its own words (panel.js), the CLI as its bar.
  const report = () => options.progress?.({ done: exp.sent + exp.invalid, total: exp.products });
  for await (const page of catalogProducts(hub.db, exp.from_account_id, { afterId: exp.cursor_product_id })) {
    ctx.signal.throwIfAborted();
    for (const product of page) {
      const missing = missingFields(columns, product);
      if (missing.length) batch.invalid.push({ productId: product.productId, sku: product.sku, fields: missing });
      else batch.rows.push(feedRow(columns, product));
      batch.lastId = product.productId;
      if (batch.rows.length >= feed.batchSize) {
        await flush(hub, ctx, feed, exp, batch, run);
        batch = { rows: [], invalid: [], lastId: batch.lastId };
        await report();
      }
    }
  }
  if (batch.lastId !== exp.cursor_product_id || batch.invalid.length) await flush(hub, ctx, feed, exp, batch, run);
  if (exp.invalid)
    run.problem(`${exp.invalid} product(s) were not sent: a required column is empty`, { export_id: exp.id });
  await hub.db.execute(sql`update catalog_exports set state = 'processing' where id = ${exp.id}`);
  await report();
}

async function saveStatus(ex: Executor, exportId: number, feedId: string, status: FeedProgress) {
  await ex.execute(sql`
    update catalog_export_feeds
       set state = ${status.state}, processed = ${status.processed}, failed = ${status.failed},
           errors = ${JSON.stringify(status.errors)}::jsonb, warnings = ${JSON.stringify(status.warnings)}::jsonb, checked_at = now()
     where export_id = ${exportId} and feed_id = ${feedId}`);
}

/** Sums the feeds' counts into the export; `open` is how many feeds the channel is still working on. */
async function tally(ex: Executor, exportId: number) {
  const [t] = await rows<{ open: number; processed: number; sent: number }>(
    ex,
    sql`
    update catalog_exports e
       set processed = f.processed, failed = f.failed, warnings = f.warnings
      from (select coalesce(sum(processed), 0)::int as processed, coalesce(sum(failed), 0)::int as failed,
                   coalesce(sum(jsonb_array_length(warnings)), 0)::int as warnings,
                   count(*) filter (where state in ('queued', 'processing'))::int as open
              from catalog_export_feeds where export_id = ${exportId}) f
     where e.id = ${exportId}
    returning f.open, e.processed, e.sent`,
  );
  return t;
}

/** Asks the channel about every feed not done yet, checking less often the longer it takes, until all are. */
async function followFeeds(
  hub: Hub,
  ctx: ConnectorContext,
  feed: CatalogFeed,
  exp: ExportRow,
  run: SyncRunCounter,
  options: RunOptions,
) {
  for (let wait = FIRST_CHECK_MS; ; wait = Math.min(wait * 2, LONGEST_CHECK_MS)) {
    const open = await rows<{ feed_id: string }>(
      hub.db,
      sql`
      select feed_id from catalog_export_feeds where export_id = ${exp.id} and state in ('queued', 'processing') order by id`,
    );
    for (const { feed_id } of open) {
      const status = await feed.feedStatus(ctx, feed_id);
      await saveStatus(hub.db, exp.id, feed_id, status);
      if (status.state === 'finished' || status.state === 'canceled' || status.state === 'error') {
        run.add({ failed: status.failed });
        for (const e of status.errors.slice(0, 20))
          run.problem(`${e.sku ?? 'feed'} ${feed_id}: ${e.message}`, { feed_id, sku: e.sku });
      }
    }
    const t = await tally(hub.db, exp.id);
    await options.progress?.({ done: t.processed, total: t.sent });
    if (!t.open) break;
    await sleep(wait, ctx.signal);
  }
  await hub.db.execute(sql`update catalog_exports set state = 'finished', finished_at = now() where id = ${exp.id}`);
}

/** Runs (or goes on with) an export: sends what is left, then follows its feeds until the channel is done with them. */
export async function runCatalogExport(
  hub: Hub,
  exportId: number,
  options: RunOptions = {},
): Promise<{ state: ExportState }> {
  const exp = await loadExport(hub.db, exportId);
  if (exp.state === 'finished' || exp.state === 'failed') return { state: exp.state };
  const feed = feedOf(await exportAccount(hub.db, exp.to_account_id));
  await withSyncRun(hub, { type: EXPORT_JOB, accountId: exp.to_account_id, jobId: options.jobId }, async (run) => {
    const ctx = await connectorContextFor(hub, exp.to_account_id, {
      syncRunId: run.id,
      signal: options.signal,
      progress: options.progress,
    });
    await guardCredentials(hub, exp.to_account_id, async () => {
      if (exp.state === 'queued' || exp.state === 'sending') await sendAll(hub, ctx, feed, exp, run, options);
      await followFeeds(hub, ctx, feed, exp, run, options);
    });
  });
  return { state: 'finished' };
}

/** An export whose job gave up ends failed, with why. */
export async function markExportFailed(ex: Executor, exportId: number, error: string) {
  await ex.execute(sql`
    update catalog_exports set state = 'failed', error = ${error.slice(0, 2000)}, finished_at = now()
     where id = ${exportId} and state not in ('finished', 'failed')`);
}
