import { sql } from 'drizzle-orm';
import { beforeAll, expect, test } from 'vitest';
import { createAccount, getAccount } from '../../channels/core/accounts.ts';
import { runConnectorJob } from '../../channels/core/jobs.ts';
import { seedCatalog } from '../../channels/core/testing.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../databases.ts';
import { testHub } from '../server.ts';
import { expectTruthfulRun, lastRun, settle, type RunRow } from './runs.ts';
import { seeded, seedsToRun, serveAnswers, type Answer, type Received, type Rng } from './server.ts';
import * as wix from './wix.ts';

/**
 * Wix's stock sync (read the products, match the variants, push what differs) against answers
 * shaped by its digest (wix.ts), per seed: empty lists, pages that repeat whatever offset is
 * asked, duplicate products, optional fields missing, extra fields, quantities past what a
 * number holds, strings at their longest, every error status of §6 on the read and on the push.
 */

const SKU = 'WIX-';
/** Stock of every product in Sklad; Wix's quantities differ, so every matched variant is pushed. */
const STOCK = 7;

interface Case {
  name: string;
  serve(rng: Rng): (req: Received) => Answer;
  maxRequests: number;
  check(out: {
    run: RunRow;
    thrown: Error | null;
    listings: string[];
    pushed: Received[];
    accountStatus: string;
    pushErrors: string[];
  }): void;
}

/** A site of these products: the query pages them by offset (or ignores it), the inventory answers, the writes are taken. */
function site(
  products: wix.WixProductDoc[],
  opts: { ignoreOffset?: boolean; write?: (req: Received) => Answer | null } = {},
) {
  return (req: Received): Answer => {
    const query = (
      req.json as { query?: { paging?: { limit?: number; offset?: number }; filter?: string } } | undefined
    )?.query;
    const limit = query?.paging?.limit ?? 50;
    const offset = opts.ignoreOffset ? 0 : (query?.paging?.offset ?? 0);
    if (req.path === '/stores/v1/products/query')
      return wix.productsPage(products.slice(offset, offset + limit), offset, products.length);
    if (req.path.endsWith('/v2/inventoryItems/query')) {
      const ids = new Set<string>(JSON.parse(query?.filter ?? '{}')?.productId?.$in ?? []);
      const found = products.filter((p) => ids.has(p.id));
      return wix.inventoryPage(found.slice(offset, offset + limit), offset, found.length);
    }
    return opts.write?.(req) ?? { body: {} };
  };
}

const many = (rng: Rng, count: number, shape: wix.ProductShape = {}, prefix = SKU) =>
  Array.from({ length: count }, (_, i) => wix.product(rng, i + 1, prefix, shape));
const isWrite = (r: Received) => r.method === 'PATCH' || /\/(increment|decrement)$/.test(r.path);

const cases: Case[] = [
  {
    name: 'a site with no products',
    serve: () => site([]),
    maxRequests: 1,
    check: ({ run, listings, pushed }) => {
      expect(run).toMatchObject({ status: 'succeeded', fetched: 0 });
      expect(listings).toEqual([]);
      expect(pushed).toEqual([]);
    },
  },
  {
    name: 'three products: each variant matched and pushed',
    serve: (rng) => site(many(rng, 3, { quantity: 0 })),
    maxRequests: 3,
    check: ({ run, listings, pushed }) => {
      expect(run).toMatchObject({ status: 'succeeded', pushed: 3 });
      expect(listings).toHaveLength(3);
      expect(pushed).toHaveLength(1);
      expect(
        (pushed[0].json as { incrementData: { incrementBy: number }[] }).incrementData.map((d) => d.incrementBy),
      ).toEqual([STOCK, STOCK, STOCK]);
    },
  },
  {
    name: 'a query that answers the same full page whatever offset is asked',
    serve: (rng) => site(many(rng, wix.maxPage, { quantity: STOCK }), { ignoreOffset: true }),
    // Two pages (the second repeats the first), then at most a read and a write per push batch of 50.
    maxRequests: 2 + 2 * Math.ceil(wix.maxPage / 50),
    check: ({ run, listings }) => {
      expect(run.status).toBe('partial');
      expect(run.problems.map((p) => p.message).join('\n')).toMatch(
        /products\/query answered a cursor it had given before/,
      );
      expect(listings).toHaveLength(wix.maxPage);
    },
  },
  {
    name: 'the same product twice in a page',
    serve: (rng) => {
      const products = many(rng, 3, { quantity: 0 });
      return site([products[0], products[1], products[1], products[2], products[0]]);
    },
    maxRequests: 3,
    check: ({ run, listings }) => {
      expect(run.status).toBe('succeeded');
      expect(listings).toHaveLength(3);
    },
  },
  {
    name: 'variants without their sku and stock (the product carries the SKU)',
    serve: (rng) =>
      site(many(rng, 3, { bare: true, quantity: 0 }).map((p) => ({ ...p, body: { ...p.body, sku: p.sku } }))),
    maxRequests: 4,
    check: ({ run, listings, pushed }) => {
      expect(run.status).toBe('succeeded');
      expect(listings).toHaveLength(3);
      expect(pushed).toHaveLength(1);
    },
  },
  {
    name: 'fields no digest names everywhere',
    serve: (rng) => site(many(rng, 3, { extras: true, quantity: 0 })),
    maxRequests: 3,
    check: ({ run, listings, pushed }) => {
      expect(run.status).toBe('succeeded');
      expect(listings).toHaveLength(3);
      expect(pushed).toHaveLength(1);
    },
  },
  {
    name: 'a quantity past what a number holds exactly, beside good products',
    serve: (rng) => {
      const good = many(rng, 2, { quantity: 0 });
      return site([...good, wix.product(rng, 3, SKU, { huge: true })]);
    },
    maxRequests: 4,
    check: ({ run, listings }) => {
      expect(run.status).toBe('partial');
      expect(run.problems.map((p) => p.message).join('\n')).toMatch(/WIX-3|00000001-0000-4000-8000-000000000003/);
      expect(listings.length).toBeGreaterThanOrEqual(2);
    },
  },
  {
    name: 'names, descriptions and SKUs at their longest',
    serve: (rng) => site(many(rng, 3, { longest: true, quantity: 0 }, LONG_SKU)),
    maxRequests: 3,
    check: ({ run, listings, pushed }) => {
      expect(run.problems).toEqual([]);
      expect(run.status).toBe('succeeded');
      expect(listings).toHaveLength(3);
      expect(pushed).toHaveLength(1);
    },
  },
  ...wix.errorStatuses.map(
    (status): Case => ({
      name: `the product query answers ${status} with its documented body`,
      serve: () => () => wix.error(status),
      // 429 and 5xx are retried (5 attempts in all); the others are not.
      maxRequests: status >= 500 || status === 429 ? 5 : 1,
      check: ({ run, thrown, listings, accountStatus }) => {
        expect(thrown).not.toBeNull();
        expect(run.status).toBe('failed');
        expect(run.error).toContain(String(status));
        expect(listings).toEqual([]);
        expect(accountStatus).toBe(status === 401 || status === 403 ? 'needs_reauth' : 'active');
      },
    }),
  ),
  ...wix.errorStatuses
    .filter((s) => s !== 401 && s !== 403)
    .map(
      (status): Case => ({
        name: `the increment answers ${status}: the push is failed with Wix’s words and kept for the next run`,
        serve: (rng) => site(many(rng, 2, { quantity: 0 }), { write: () => wix.error(status) }),
        maxRequests: 3 + 2,
        check: ({ run, listings, pushErrors }) => {
          expect(listings).toHaveLength(2);
          expect(run.pushed).toBe(0);
          expect(run.failed).toBe(2);
          // Sent once (an increment is not idempotent): the error is the listing's, and it is pushed again later.
          expect(pushErrors).toEqual([
            expect.stringContaining(`HTTP ${status}`),
            expect.stringContaining(`HTTP ${status}`),
          ]);
          // Items Wix did not take, whether it will refuse again or may take them later, end the run partial.
          expect(run.status).toBe('partial');
        },
      }),
    ),
];

/** §1 [Wix Stores]: a SKU of at most 40 characters. */
const LONG_SKU = `${'L'.repeat(38)}-`;

describeEachDatabase('Wix stock sync against digest-shaped answers', (t) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = testHub(t.database);
    await seedCatalog(hub.db, { count: wix.maxPage, skuPrefix: SKU, stock: () => STOCK });
    await seedCatalog(hub.db, { count: 3, skuPrefix: LONG_SKU, stock: () => STOCK });
  });

  for (const seed of seedsToRun()) {
    for (const [i, c] of cases.entries()) {
      test.concurrent(`${c.name} (seed ${seed})`, async () => {
        const rng = seeded(seed * 1000 + i);
        const server = await serveAnswers(c.serve(rng));
        try {
          const account = await createAccount(
            hub.db,
            hub.masterKey!,
            {
              channel: 'wix',
              name: `wix ${seed}/${i}`,
              baseUrl: server.url,
              credentials: { apiKey: 'spec-api-key-0123456789', siteId: '7c6e8d47-6a2e-4c39-9d8b-2a6b1f3a9e10' },
              settings: { requestsPerSecond: 200 },
            },
            'test',
          );
          const thrown = await settle(() => runConnectorJob(hub, account.id, 'stock-sync'));
          const run = await lastRun(hub, account.id);
          expectTruthfulRun(run, thrown);
          const listings = (
            await rows<{ external_id: string }>(
              hub.db,
              sql`select external_id from listings where account_id = ${account.id}`,
            )
          ).map((r) => r.external_id);
          const accountStatus = (await getAccount(hub.db, account.id)).status;
          expect(
            server.requests.length,
            server.requests.map((r) => `${r.method} ${r.path} ${r.text.slice(0, 200)}`).join('\n'),
          ).toBeLessThanOrEqual(c.maxRequests);
          const pushErrors = (
            await rows<{ last_push_error: string }>(
              hub.db,
              sql`
            select last_push_error from listings where account_id = ${account.id} and last_push_error is not null`,
            )
          ).map((r) => r.last_push_error);
          c.check({ run: run!, thrown, listings, pushed: server.requests.filter(isWrite), accountStatus, pushErrors });
        } finally {
          await server.close();
        }
      });
    }
  }
});
