import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAccount, getAccount } from '../../channels/core/accounts.ts';
import { runConnectorJob } from '../../channels/core/jobs.ts';
import { seedCatalog } from '../../channels/core/testing.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../databases.ts';
import { testHub } from '../server.ts';
import * as kaspi from './kaspi.ts';
import { expectTruthfulRun, lastRun, settle, type RunRow } from './runs.ts';
import { seeded, seedsToRun, serveAnswers, type Answer, type Received, type Rng } from './server.ts';

/**
 * Kaspi's orders job against answers shaped by its digest (kaspi.ts), over HTTP, per seed:
 * empty lists, pages that never end or repeat, duplicate orders, optional fields missing, extra
 * fields, numbers too large, strings at their longest, every error status §8 lists. Each run ends
 * within a bound of requests, throws nothing but what its sync run recorded, stores what was valid
 * and says partial or failed with the reason.
 */

interface Case {
  name: string;
  /** The answers of one run. */
  serve(rng: Rng, now: number): (req: Received) => Answer;
  maxRequests: number;
  check(out: { run: RunRow; thrown: Error | null; codes: string[]; accountStatus: string; requests: Received[] }): void;
}

const isList = (r: Received) => r.path.endsWith('/orders');
const DAY = 86_400_000;

/** A shop of these orders: the list answers them (page by page unless `ignorePages`), each its entries. */
function shop(
  orders: kaspi.KaspiOrderDoc[],
  rng: Rng,
  opts: {
    shape?: kaspi.OrderShape;
    pageCount?: number;
    ignorePages?: boolean;
    entries?: (o: kaspi.KaspiOrderDoc) => Answer | null;
  } = {},
) {
  return (req: Received): Answer => {
    if (isList(req)) {
      const number = opts.ignorePages ? 0 : Number(req.query.get('page[number]'));
      const size = Number(req.query.get('page[size]'));
      const data = orders.slice(number * size, (number + 1) * size).map((o) => o.body);
      return kaspi.page(data, opts.pageCount ?? Math.ceil(orders.length / size), orders.length);
    }
    const o = orders.find((x) => req.path.endsWith(`/orders/${x.id}/entries`));
    if (!o) return kaspi.error(404);
    return opts.entries?.(o) ?? kaspi.entries(rng, o, opts.shape);
  };
}

const many = (rng: Rng, now: number, count: number, shape: kaspi.OrderShape = {}, from = 0) =>
  Array.from({ length: count }, (_, i) => kaspi.order(rng, from + i, now - DAY + i * 1000, shape));

const cases: Case[] = [
  {
    name: 'an empty list',
    serve: (rng) => shop([], rng),
    maxRequests: 1,
    check: ({ run, codes }) => {
      expect(run).toMatchObject({ status: 'succeeded', fetched: 0 });
      expect(codes).toEqual([]);
    },
  },
  {
    name: 'a list whose pageCount never ends while its pages are empty',
    serve: (rng) => shop([], rng, { pageCount: 1_000_000 }),
    maxRequests: 1,
    check: ({ run, codes }) => {
      expect(run.status).toBe('succeeded');
      expect(codes).toEqual([]);
    },
  },
  {
    name: 'a list that answers the same full page whatever page is asked',
    // A full page of a few orders listed over and over (a page of 100 distinct orders costs 100 entries requests and tells no more).
    serve: (rng, now) => {
      const orders = many(rng, now, 3);
      const full = Array.from({ length: kaspi.maxPage }, (_, i) => orders[i % 3].body);
      return (req) => (isList(req) ? kaspi.page(full, 1_000_000, 100_000_000) : shop(orders, rng)(req));
    },
    maxRequests: 2 + 3,
    check: ({ run, codes }) => {
      expect(run.status).toBe('partial');
      expect(run.problems.map((p) => p.message).join('\n')).toMatch(
        /GET \/orders answered a cursor it had given before/,
      );
      expect(codes).toHaveLength(3);
    },
  },
  {
    name: 'the same orders twice in one page',
    serve: (rng, now) => {
      const orders = many(rng, now, 4);
      const listed = [orders[0], orders[1], orders[1], orders[2], orders[3], orders[0]];
      return (req) =>
        isList(req)
          ? kaspi.page(
              listed.map((o) => o.body),
              1,
              listed.length,
            )
          : shop(orders, rng)(req);
    },
    maxRequests: 1 + 6,
    check: ({ run, codes }) => {
      expect(run.status).toBe('succeeded');
      expect(codes.sort()).toEqual(['100000000', '100000001', '100000002', '100000003']);
    },
  },
  {
    name: 'orders with every optional attribute missing',
    serve: (rng, now) => shop(many(rng, now, 5, { bare: true }), rng, { shape: { bare: true } }),
    maxRequests: 1 + 5,
    check: ({ run, codes }) => {
      expect(run.status).toBe('succeeded');
      expect(codes).toHaveLength(5);
    },
  },
  {
    name: 'orders and entries with fields no digest names',
    serve: (rng, now) => shop(many(rng, now, 5, { extras: true }), rng, { shape: { extras: true } }),
    maxRequests: 1 + 5,
    check: ({ run, codes }) => {
      expect(run.status).toBe('succeeded');
      expect(codes).toHaveLength(5);
    },
  },
  {
    name: 'amounts and quantities larger than Sklad can hold, beside good orders',
    serve: (rng, now) => {
      const good = many(rng, now, 3);
      const huge = kaspi.order(rng, 50, now - 1000, { huge: true });
      const hugeEntries = kaspi.order(rng, 51, now - 2000);
      return shop([...good, huge, hugeEntries], rng, {
        entries: (o) => (o === hugeEntries ? kaspi.entries(rng, o, { huge: true }) : null),
      });
    },
    maxRequests: 1 + 4,
    check: ({ run, codes }) => {
      expect(run.status).toBe('partial');
      const said = run.problems.map((p) => p.message).join('\n');
      expect(said).toContain('100000050');
      expect(said).toContain('100000051');
      expect(codes).toHaveLength(3);
    },
  },
  {
    name: 'strings at their longest',
    serve: (rng, now) => shop(many(rng, now, 3, { longest: true }), rng, { shape: { longest: true } }),
    maxRequests: 1 + 3,
    check: ({ run, codes }) => {
      expect(run.problems).toEqual([]);
      expect(run.status).toBe('succeeded');
      expect(codes).toHaveLength(3);
    },
  },
  ...kaspi.errorStatuses.map(
    (status): Case => ({
      name: `the list answers ${status} with a JSON:API error`,
      serve: () => () => kaspi.error(status),
      // 5xx is retried by the client (5 attempts in all); a 4xx is not.
      maxRequests: status >= 500 ? 5 : 1,
      check: ({ run, thrown, codes, accountStatus }) => {
        expect(thrown).not.toBeNull();
        expect(run.status).toBe('failed');
        expect(run.error).toContain(String(status));
        expect(codes).toEqual([]);
        expect(accountStatus).toBe(status === 401 || status === 403 ? 'needs_reauth' : 'active');
      },
    }),
  ),
  ...kaspi.errorStatuses
    .filter((s) => s !== 401 && s !== 403)
    .map(
      (status): Case => ({
        name: `one order’s entries answer ${status}: the others are stored`,
        serve: (rng, now) => {
          const orders = many(rng, now, 4);
          return shop(orders, rng, { entries: (o) => (o === orders[1] ? kaspi.error(status) : null) });
        },
        maxRequests: 1 + 4 + (status >= 500 ? 4 : 0),
        check: ({ run, codes }) => {
          if (status >= 500) {
            // An outage is the run's: it fails naming the status, and the job's retry reads the window again.
            expect(run.status).toBe('failed');
            expect(run.error).toContain(String(status));
            return;
          }
          expect(run.status).toBe('partial');
          expect(run.problems.map((p) => p.message).join('\n')).toContain('100000001');
          expect(codes.sort()).toEqual(['100000000', '100000002', '100000003']);
        },
      }),
    ),
];

describeEachDatabase('Kaspi orders against digest-shaped answers', (t) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = testHub(t.database);
    await seedCatalog(hub.db, { count: 3, skuPrefix: 'KSP-', stock: () => 1_000_000 });
    await seedCatalog(hub.db, { count: 3, skuPrefix: kaspi.LONGEST_SKU_PREFIX, stock: () => 1_000_000 });
  });
  afterAll(() => undefined);

  for (const seed of seedsToRun()) {
    for (const [i, c] of cases.entries()) {
      test.concurrent(`${c.name} (seed ${seed})`, async () => {
        const rng = seeded(seed * 1000 + i);
        const server = await serveAnswers(c.serve(rng, Date.now()));
        try {
          const account = await createAccount(
            hub.db,
            hub.masterKey!,
            {
              channel: 'kaspi',
              name: `kaspi ${seed}/${i}`,
              baseUrl: `${server.url}/shop/api/v2`,
              credentials: { token: 'spec-token-123' },
              settings: { orderDays: 1, requestsPerSecond: 50 },
            },
            'test',
          );
          const thrown = await settle(() => runConnectorJob(hub, account.id, 'orders'));
          const run = await lastRun(hub, account.id);
          expectTruthfulRun(run, thrown);
          const codes = (
            await rows<{ external_id: string }>(
              hub.db,
              sql`select external_id from orders where account_id = ${account.id}`,
            )
          ).map((r) => r.external_id);
          const accountStatus = (await getAccount(hub.db, account.id)).status;
          expect(server.requests.length).toBeLessThanOrEqual(c.maxRequests);
          c.check({ run: run!, thrown, codes, accountStatus, requests: server.requests });
        } finally {
          await server.close();
        }
      });
    }
  }
});
