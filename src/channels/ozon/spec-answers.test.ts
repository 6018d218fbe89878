import { sql } from 'drizzle-orm';
import { beforeAll, expect, test } from 'vitest';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { loadSpec, type Spec } from '../../test/openapi-contract.ts';
import { variants, type Variant } from '../../test/spec-answers/generate.ts';
import {
  expectPagingStops,
  expectTruthful,
  fullSync,
  recordedOn,
  specAnswersHub,
} from '../../test/spec-answers/harness.ts';
import { documentedErrors, startSpecServer, type Served, type SpecServer } from '../../test/spec-answers/server.ts';
import { createAccount } from '../core/accounts.ts';
import { runConnectorJob } from '../core/jobs.ts';
import { seedCatalog } from '../core/testing.ts';

/**
 * Ozon against answers generated from Ozon's own swagger.json (issue 21): the account sync
 * (products, then the quantity push), the stocks job and the postings job, once per answer
 * variant and once per error status the called operations document.
 */

const SKUS = ['SKU-1', 'SKU-2', 'SKU-3'];
/** Requests one variant's three runs may make at most (page cap 3, five attempts a call). */
const MAX_REQUESTS = 400;

/** What a connector test knows of Ozon's calls: offer ids that match our products. */
function shape(call: Served, answer: any) {
  if (call.template === '/v3/product/info/list' && Array.isArray(answer?.items)) {
    for (const [i, item] of (answer.items as any[]).entries()) item.offer_id = SKUS[i % SKUS.length];
  }
  return answer;
}

describeEachDatabase('Ozon against spec-shaped answers', (t) => {
  let hub: Hub;
  let spec: Spec;
  let accounts = 0;
  let baseline: Served[] = [];

  beforeAll(async () => {
    hub = specAnswersHub(t.database);
    spec = await loadSpec('ozon/swagger.json');
    await seedCatalog(hub.db, { count: SKUS.length, stock: () => 7 });
  });

  async function account(server: SpecServer) {
    const n = ++accounts;
    return (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: `Ozon spec ${n}`,
          baseUrl: server.url,
          credentials: { clientId: String(1000 + n), apiKey: `spec-answers-key-${n}-${'k'.repeat(20)}` },
          settings: { pageSize: 5, postingDays: 3 },
        },
        'test',
      )
    ).id;
  }

  /** Each run on an account of its own (a refused key leaves an account needs_reauth), with the calls it made. */
  async function runAll(server: SpecServer) {
    const one = async (work: (accountId: number) => Promise<unknown>) => {
      const accountId = await account(server);
      return recordedOn(hub, server, accountId, () => work(accountId));
    };
    return {
      sync: await one((accountId) => fullSync(hub, accountId)),
      stocks: await one((accountId) => runConnectorJob(hub, accountId, 'stocks')),
      postings: await one((accountId) => runConnectorJob(hub, accountId, 'postings')),
    };
  }

  const seeds: [Variant, number][] = variants.map((v, i) => [v, 21 + i]);

  test.each(seeds)('answers of the %s variant (seed %i)', async (variant, seed) => {
    const server = await startSpecServer({ specs: [spec], seed, variant, shape, pageItems: 5 });
    try {
      const runs = await runAll(server);
      for (const outcome of Object.values(runs)) {
        expectTruthful(outcome, server, { maxRequests: MAX_REQUESTS });
        expectPagingStops(outcome.run);
      }
      if (process.env.SPEC_DEBUG)
        for (const [k, o] of Object.entries(runs))
          (await import('node:fs')).appendFileSync(
            process.env.SPEC_DEBUG,
            JSON.stringify({
              variant,
              k,
              status: o.run.status,
              paging: o.run.paging,
              error: o.run.error,
              problems: o.run.problems.map((p) => p.message),
              calls: o.calls.map((c) => `${c.method} ${c.path} ${c.status}`),
            }) + '\n',
          );
      expect(server.requestProblems).toEqual([]);
      if (variant === 'examples') baseline = server.log;

      // What was valid is stored: every product Ozon described is a listing, every posting an order.
      const described = new Set(
        runs.sync.calls
          .filter((c) => c.template === '/v3/product/info/list' && c.status === 200)
          .flatMap((c) => ((c.answer as any)?.items ?? []).map((i: any) => String(i.id))),
      );
      const listings = await rows<{ external_id: string }>(
        hub.db,
        sql`select external_id from listings where account_id = ${runs.sync.accountId}`,
      );
      if (runs.sync.run.status !== 'failed') expect(new Set(listings.map((l) => l.external_id))).toEqual(described);
      const postings = new Set(
        runs.postings.calls
          .filter((c) => c.template === '/v3/posting/fbs/list' && c.status === 200)
          .flatMap((c) => ((c.answer as any)?.result?.postings ?? []).map((p: any) => p.posting_number)),
      );
      const orders = await rows<{ posting_number: string }>(
        hub.db,
        sql`select posting_number from orders where account_id = ${runs.postings.accountId}`,
      );
      // A posting is stored, or the run names it (or says the call failed).
      const kept = new Set(orders.map((o) => o.posting_number));
      const said = `${runs.postings.run.error ?? ''} ${runs.postings.run.problems.map((p) => p.message).join(' | ')}`;
      for (const id of postings)
        if (!kept.has(id))
          expect(said, `posting ${id}`).toMatch(
            new RegExp(`${String(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|failed|cannot read`),
          );

      if (variant === 'fullPages') {
        // Pages always full: each paged call stops at the cap, and the run says which.
        const stops = [runs.sync, runs.stocks, runs.postings].flatMap((r) =>
          Object.values(r.run.paging).map((p) => p.stop),
        );
        // (A generated answer may carry a total the pages reach first: that stop is as bounded as the cap.)
        expect(stops.length).toBeGreaterThan(0);
        for (const stop of stops) expect(['page cap', 'total reached', 'cursor repeated', 'last page']).toContain(stop);
      }
      if (variant === 'duplicates') expect(runs.postings.run.duplicates + runs.sync.run.duplicates).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  // A run that met a documented error status (not one the connector takes as an answer) is never "succeeded".
  test('every documented error status, with its documented body', async () => {
    const statuses = documentedErrors([spec], baseline);
    expect(statuses.length).toBeGreaterThan(3);
    for (const status of statuses) {
      const server = await startSpecServer({
        specs: [spec],
        seed: status,
        variant: 'examples',
        errorStatus: status,
        shape,
      });
      try {
        const runs = await runAll(server);
        for (const outcome of Object.values(runs)) {
          expectTruthful(outcome, server, { maxRequests: MAX_REQUESTS, errorStatus: status });
        }
      } finally {
        await server.close();
      }
    }
  });
});
