import type { Executor } from '../db/database.ts';
import { defineJobType, enqueueJob, JobError } from '../engine/jobs.ts';
import { defineOutboxConsumer } from '../engine/outbox-consumer.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import type { Hub } from '../hub.ts';
import { pushUntilDone } from '../channels/core/jobs.ts';
import { onListingsMatched } from '../channels/core/listings.ts';
import { markMatchedForPrices, markPricesChanged, pushPendingPrices, type PricePushSummary } from './push.ts';

/**
 * Prices as engine work (docs/decisions/190), the same shape as stock's (src/channels/core/jobs.ts):
 *   'price.changed'   outbox consumer: marks the product's listings, pushes each account at once
 *   pricing.push      an account's marked prices, retried with back-off while items fail
 *   a match           core's newly matched listings (onListingsMatched): marked and pushed,
 *                     so a listing matched after the last price change gets its price
 */

const enqueuePricePush = (ex: Executor, accountId: number, runAt?: Date) =>
  enqueueJob(ex, { type: 'pricing.push', accountId, payload: { accountId }, key: `pricing.push:${accountId}`, runAt });

const pricePushFailed = (summary: PricePushSummary) =>
  new JobError(summary.failure ?? `${summary.failed} price(s) could not be pushed yet`, {
    retryAfterMs: summary.retryAfterMs,
  });

/** Registers the price push job, the 'price.changed' consumer and the match hook (src/assembly.ts). */
export function registerPricingJobs() {
  onListingsMatched('pricing', async (ex, accountId, listingIds) => {
    if (await markMatchedForPrices(ex, accountId, listingIds)) await enqueuePricePush(ex, accountId);
  });

  defineJobType(
    'pricing.push',
    async ({ hub, job, signal }) => {
      const accountId = Number((job.payload as { accountId: number }).accountId);
      await withSyncRun(hub, { type: 'pricing.push', accountId, jobId: job.id }, (run) =>
        pushUntilDone(accountId, () => pushPendingPrices(hub, accountId, { run, signal }), pricePushFailed, signal),
      );
    },
    { leaseMs: 10_000, maxAttempts: 20 },
  );

  defineOutboxConsumer(
    'price.changed',
    async (hub, messages) => {
      const all: number[] = [];
      const perAccount = new Map<number, number[]>();
      for (const m of messages) {
        const id = Number(m.key);
        if (!Number.isSafeInteger(id) || id <= 0) continue;
        const accountId = Number((m.payload as { accountId?: number } | null)?.accountId ?? 0);
        if (accountId > 0) perAccount.set(accountId, [...(perAccount.get(accountId) ?? []), id]);
        else all.push(id);
      }
      const accounts = new Set(await markPricesChanged(hub.db, [...new Set(all)]));
      for (const [accountId, ids] of perAccount)
        for (const a of await markPricesChanged(hub.db, ids, accountId)) accounts.add(a);
      await Promise.all(
        [...accounts].map(async (accountId) => {
          try {
            const summary = await withSyncRun(hub, { type: 'pricing.push', accountId }, (run) =>
              pushPendingPrices(hub, accountId, { run }),
            );
            const runAt = summary.retryAfterMs ? new Date(Date.now() + summary.retryAfterMs) : undefined;
            if (summary.busy || summary.remaining) await enqueuePricePush(hub.db, accountId, runAt);
          } catch (error) {
            hub.logger.warn({ err: error, accountId }, 'price push failed; a push job will retry');
            await enqueuePricePush(hub.db, accountId, new Date(Date.now() + 1_000));
          }
        }),
      );
    },
    { batchSize: 1000, leaseMs: 10_000 },
  );
}
