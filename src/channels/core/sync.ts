import { sql } from 'drizzle-orm';
import type { Hub } from '../../hub.ts';
import { DomainError } from '../../shared/errors.ts';
import { lastByKey } from '../../shared/last-by-key.ts';
import { handOnPush } from './account-jobs.ts';
import { channelQuantitySql } from './availability.ts';
import type { SyncRunCounter } from './connector.ts';
import { accountRuntime, guardCredentials } from './context.ts';
import { analyzeListings, importListings, listingsByExternalId, matchListings, type ListingView } from './listings.ts';
import { pushFailed, pushPending, reconcileAccount, type PushSummary } from './propagation.ts';

/**
 * A full sync of an account: read every listing, match them to products, then push the
 * quantities that differ from the channel's. When the listing pages carry quantities they
 * are compared directly; otherwise the channel's quantities are read (a reconcile).
 */
export async function syncAccount(
  hub: Hub,
  accountId: number,
  options: {
    run?: SyncRunCounter;
    signal?: AbortSignal;
    progress?: (u: { done?: number; total?: number; message?: string }) => Promise<void>;
  } = {},
): Promise<PushSummary> {
  const rt = await accountRuntime(hub, accountId, {
    run: options.run,
    signal: options.signal,
    progress: options.progress,
  });
  const { connector, ctx } = rt;
  let everyPageHadQuantities = true;
  if (connector.fetchListings) {
    await guardCredentials(hub, accountId, async () => {
      let fetched = 0;
      let created = 0;
      for await (const listed of connector.fetchListings!(ctx)) {
        // A page naming one listing twice keeps the last (one upsert statement cannot touch a row twice).
        const { items: page, duplicates } = lastByKey(listed, (l) => String(l.externalId));
        if (duplicates) options.run?.add({ duplicates });
        const counts = await importListings(hub.db, accountId, page);
        fetched += page.length;
        created += counts.created;
        everyPageHadQuantities &&= page.every((l) => typeof l.quantity === 'number');
        options.run?.add({ fetched: page.length, created: counts.created, updated: counts.updated });
        await ctx.progress({ done: fetched, message: `${fetched} listings read` });
      }
      if (created > 1_000) await analyzeListings(hub.db);
    });
    const states = await matchListings(hub.db, accountId);
    if (states.ambiguous)
      options.run?.problem(`${states.ambiguous} listing(s) match several products: map them by hand`, states);
    if (states.unmatched) options.run?.problem(`${states.unmatched} listing(s) match no product`, states);
  }
  const reads = connector.readQuantities && (!connector.fetchListings || !everyPageHadQuantities);
  if (!reads) await markDiffering(hub, accountId);
  const summary = reads ? await reconcileAccount(hub, accountId, options) : await pushPending(hub, accountId, options);
  // What the sync's own push left goes to a job, as after a stock change.
  await handOnPush(hub, accountId, summary, reads ? 'reconcile' : 'push');
  return pushedOrSaid(accountId, summary, options.run);
}

/** The quantities read with the listings (all, or these) are the channel's: mark those that differ from the stock for a push. */
async function markDiffering(hub: Hub, accountId: number, externalIds?: string[]) {
  const only = externalIds ? sql`and l.external_id = any(${sql.param(externalIds)}::text[])` : sql``;
  await hub.db.execute(sql`
    update listings l set needs_push = true, change_seq = l.change_seq + 1, last_pushed_quantity = null
     where l.account_id = ${accountId} and l.match_state = 'matched' and l.product_id is not null ${only}
       and l.channel_quantity is distinct from ${channelQuantitySql(accountId, sql`l.product_id`)}`);
}

/** Items the channel did not take end the run partial with its words, not "succeeded" (the push job retries them). */
function pushedOrSaid(accountId: number, summary: PushSummary, run: SyncRunCounter | undefined): PushSummary {
  if (summary.failed)
    run?.problem(pushFailed(accountId, summary).message, {
      failed: summary.failed,
      httpStatus: summary.failure?.httpStatus,
    });
  return summary;
}

/**
 * Looks the offers of these SKUs up on the channel (Allegro: `external.id`), without listing
 * every offer: they are stored and matched as a full sync would, and their quantities pushed.
 */
export async function lookupListings(
  hub: Hub,
  accountId: number,
  skus: string[],
): Promise<{ found: number; listings: ListingView[] }> {
  const rt = await accountRuntime(hub, accountId);
  const { connector, ctx } = rt;
  if (!connector.findListings) {
    throw new DomainError(
      'LOOKUP_UNSUPPORTED',
      `The ${connector.channel} channel cannot look offers up by SKU: run a full sync of account ${accountId}`,
      409,
      {
        channel: connector.channel,
        account_id: accountId,
      },
    );
  }
  const found = await guardCredentials(hub, accountId, () => connector.findListings!(ctx, skus));
  const { items } = lastByKey(found, (l) => String(l.externalId));
  await importListings(hub.db, accountId, items);
  await matchListings(hub.db, accountId);
  const externalIds = items.map((l) => String(l.externalId));
  await markDiffering(hub, accountId, externalIds);
  return { found: items.length, listings: await listingsByExternalId(hub.db, accountId, externalIds) };
}
