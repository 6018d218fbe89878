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
 * Wildberries against answers generated from WB's own OpenAPI files (issue 21): the account
 * sync (cards, then the quantity push to the FBS warehouse) and the WB sync job (FBS tasks,
 * the orders, sales and stocks reports, claims, feedbacks), once per answer variant and once
 * per error status the called operations document.
 */

const SKUS = ['SKU-1', 'SKU-2', 'SKU-3'];
/** Requests one variant's three runs may make at most (page cap 3, five attempts a call). */
const MAX_REQUESTS = 400;
/** Statuses the connector takes as answers: a 409 on the stock push names the items WB refused. */
const ANSWERS: [RegExp, number][] = [[/^\/api\/v3\/stocks\//, 409]];

const FILES = [
  '01-general.yaml',
  '02-products.yaml',
  '03-orders-fbs.yaml',
  '09-communications.yaml',
  '12-reports.yaml',
];

/** What a connector test knows of WB's calls: vendor codes that match our products. */
function shape(call: Served, answer: any) {
  if (call.template === '/content/v2/get/cards/list' && Array.isArray(answer?.cards)) {
    for (const [i, card] of (answer.cards as any[]).entries()) card.vendorCode = SKUS[i % SKUS.length];
  }
  return answer;
}

describeEachDatabase('Wildberries against spec-shaped answers', (t) => {
  let hub: Hub;
  let specs: Spec[];
  let accounts = 0;
  let baseline: Served[] = [];

  beforeAll(async () => {
    hub = specAnswersHub(t.database);
    specs = await Promise.all(FILES.map((f) => loadSpec(`wildberries/${f}`)));
    await seedCatalog(hub.db, { count: SKUS.length, stock: () => 7 });
  });

  async function account(server: SpecServer) {
    const n = ++accounts;
    return (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wildberries',
          name: `WB spec ${n}`,
          baseUrl: server.url,
          credentials: { token: `spec-answers-token-${n}-${'t'.repeat(30)}` },
          settings: { reportPageRows: 5, firstSyncDays: 3 },
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
      job: await one((accountId) => runConnectorJob(hub, accountId, 'sync')),
    };
  }

  const seeds: [Variant, number][] = variants.map((v, i) => [v, 21 + i]);

  test.each(seeds)('answers of the %s variant (seed %i)', async (variant, seed) => {
    const server = await startSpecServer({ specs, seed, variant, shape, pageItems: 5, maxPageItems: 200 });
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

      // What was valid is stored: every size of every card is a listing, every FBS task and report row an order.
      const sizes = new Set(
        runs.sync.calls
          .filter((c) => c.template === '/content/v2/get/cards/list' && c.status === 200)
          .flatMap((c) =>
            ((c.answer as any)?.cards ?? []).flatMap((card: any) =>
              (card.sizes ?? []).map((s: any) => String(s.chrtID)),
            ),
          ),
      );
      const listings = await rows<{ external_id: string }>(
        hub.db,
        sql`select external_id from listings where account_id = ${runs.sync.accountId}`,
      );
      if (runs.sync.run.status !== 'failed') expect(new Set(listings.map((l) => l.external_id))).toEqual(sizes);
      const served = (template: string, key: string) =>
        runs.job.calls
          .filter((c) => c.template === template && c.status === 200)
          .flatMap((c) =>
            (Array.isArray(c.answer) ? c.answer : ((c.answer as any)?.orders ?? [])).map((r: any) => String(r[key])),
          );
      const orders = await rows<{ external_id: string }>(
        hub.db,
        sql`select external_id from orders where account_id = ${runs.job.accountId}`,
      );
      const stored = new Set(orders.map((o) => o.external_id));
      const problems = runs.job.run.problems.map((p) => p.message).join(' | ');
      // An order is stored, or the run names it (or names the part that failed).
      for (const id of [...served('/api/v3/orders', 'rid'), ...served('/api/v1/supplier/orders', 'srid')]) {
        if (!stored.has(id))
          expect(problems, `order ${id}`).toMatch(new RegExp(`${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|failed`));
      }

      if (variant === 'fullPages') {
        // Pages always full: each paged call stops at the cap, and the run says which.
        expect(Object.values(runs.job.run.paging).map((p) => p.stop)).toContain('page cap');
        expect(runs.job.run.status).toBe('partial');
      }
      if (variant === 'duplicates') expect(runs.job.run.duplicates + runs.sync.run.duplicates).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  // A run that met a documented error status (not one the connector takes as an answer) is never "succeeded".
  test('every documented error status, with its documented body', async () => {
    const statuses = documentedErrors(specs, baseline);
    expect(statuses.length).toBeGreaterThan(3);
    for (const status of statuses) {
      const server = await startSpecServer({
        specs,
        seed: status,
        variant: 'examples',
        errorStatus: status,
        shape,
        maxPageItems: 200,
      });
      try {
        const runs = await runAll(server);
        for (const outcome of Object.values(runs)) {
          expectTruthful(outcome, server, { maxRequests: MAX_REQUESTS, errorStatus: status, answers: ANSWERS });
        }
      } finally {
        await server.close();
      }
    }
  });
});
