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
import * as sc from './sellercenter.ts';
import { seedsToRun, serveAnswers, type Answer, type Received } from './server.ts';

/**
 * The SellerCenter orders job (Lamoda; Namshi is the same connector) against answers made from
 * the recorded XML and the digest (sellercenter.ts): empty lists, a TotalCount that never comes,
 * an instance that ignores Offset, duplicate orders, optional elements missing, elements no
 * digest names, an amount too large, strings at their longest, and every ErrorResponse code of
 * §2–§4, answered with HTTP 200 (as §3 says some instances do) and with a 4xx/5xx.
 */

interface Case {
  name: string;
  serve(seed: number): (req: Received) => Answer;
  maxRequests: number;
  check(out: { run: RunRow; thrown: Error | null; numbers: string[]; accountStatus: string }): void;
}

const action = (r: Received) => r.query.get('Action') ?? '';

/** An instance of these orders: GetOrders by Offset/Limit (or ignoring Offset), their items by OrderIdList. */
function instance(orders: sc.ScOrder[], opts: { total?: number; ignoreOffset?: boolean } = {}) {
  return (req: Received): Answer => {
    if (action(req) === 'GetOrders') {
      const offset = opts.ignoreOffset ? 0 : Number(req.query.get('Offset') ?? 0);
      const limit = Number(req.query.get('Limit') ?? sc.ordersPage);
      return sc.ordersAnswer(orders.slice(offset, offset + limit), opts.total ?? orders.length);
    }
    if (action(req) === 'GetMultipleOrderItems') {
      const ids = new Set((req.query.get('OrderIdList') ?? '').replace(/[[\]]/g, '').split(','));
      return sc.itemsAnswer([...new Map(orders.filter((o) => ids.has(o.id)).map((o) => [o.id, o])).values()]);
    }
    return sc.errorAnswer(action(req), 'E008', 'Invalid Action');
  };
}

const many = (count: number, shape: sc.OrderShape = {}, prefix = 'LMD-') =>
  Array.from({ length: count }, (_, i) => sc.order(i + 1, `${prefix}${1 + (i % 3)}`, shape));
const LONG_SKU = `LMD-${'L'.repeat(44)}-`;

const cases: Case[] = [
  {
    name: 'no orders',
    serve: () => instance([]),
    maxRequests: 1,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('succeeded');
      expect(numbers).toEqual([]);
    },
  },
  {
    name: 'three orders with their items',
    serve: () => instance(many(3)),
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run).toMatchObject({ status: 'succeeded', created: 3 });
      expect(numbers.sort()).toEqual(['300000001', '300000002', '300000003']);
    },
  },
  {
    name: 'a TotalCount that never comes, with empty pages after the first',
    // A full first page (of three orders listed over and over: 100 distinct ones would tell no more), then nothing.
    serve: () => {
      const three = many(3);
      const full = Array.from({ length: sc.ordersPage }, (_, i) => three[i % 3]);
      return (req) =>
        action(req) === 'GetOrders' && Number(req.query.get('Offset')) > 0
          ? sc.ordersAnswer([], 1_000_000)
          : instance(full, { total: 1_000_000 })(req);
    },
    maxRequests: 3,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('succeeded');
      expect(numbers).toHaveLength(3);
    },
  },
  {
    name: 'an instance that ignores Offset and answers the same full page',
    serve: () => {
      const three = many(3);
      return instance(
        Array.from({ length: sc.ordersPage }, (_, i) => three[i % 3]),
        { ignoreOffset: true, total: 1_000_000 },
      );
    },
    maxRequests: 4,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('partial');
      expect(run.problems.map((p) => p.message).join('\n')).toMatch(/GetOrders answered a cursor it had given before/);
      expect(numbers.sort()).toEqual(['300000001', '300000002', '300000003']);
    },
  },
  {
    name: 'the same order twice in a page',
    serve: () => {
      const orders = many(3);
      return instance([orders[0], orders[1], orders[1], orders[2], orders[0]]);
    },
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('succeeded');
      expect(numbers.sort()).toEqual(['300000001', '300000002', '300000003']);
    },
  },
  {
    name: 'optional elements missing',
    serve: () => instance(many(3, { bare: true })),
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('succeeded');
      expect(numbers).toHaveLength(3);
    },
  },
  {
    name: 'elements no digest names',
    serve: () => instance(many(3, { extras: true })),
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('succeeded');
      expect(numbers).toHaveLength(3);
    },
  },
  {
    name: 'an amount too large to hold exactly, beside good orders',
    serve: () => instance([...many(2), sc.order(3, 'LMD-3', { hugePrice: true })]),
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('partial');
      expect(run.problems.map((p) => p.message).join('\n')).toContain('300000003');
      expect(numbers.sort()).toEqual(['300000001', '300000002']);
    },
  },
  {
    name: 'names and SKUs at their longest',
    serve: () => instance(many(3, { longest: true }, LONG_SKU)),
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run.problems).toEqual([]);
      expect(numbers).toHaveLength(3);
    },
  },
  ...sc.errorCodes.flatMap(({ code, words }) =>
    [200, 400].map(
      (status): Case => ({
        name: `GetOrders answers ErrorResponse ${code} with HTTP ${status}`,
        serve: () => (req) => sc.errorAnswer(action(req), code, words, status),
        maxRequests: 1,
        check: ({ run, thrown, numbers, accountStatus }) => {
          expect(thrown).not.toBeNull();
          expect(run.status).toBe('failed');
          expect(run.error).toContain(code);
          expect(numbers).toEqual([]);
          expect(accountStatus).toBe(code === 'E007' || code === 'E003' ? 'needs_reauth' : 'active');
        },
      }),
    ),
  ),
  {
    name: 'GetOrders answers a Platform ErrorResponse with HTTP 500',
    serve: () => (req) => sc.errorAnswer(action(req), 'E001', 'Internal error', 500, 'Platform'),
    maxRequests: 5,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('failed');
      expect(run.error).toContain('500');
      expect(numbers).toEqual([]);
    },
  },
  {
    name: 'GetMultipleOrderItems answers an ErrorResponse',
    serve: () => (req) =>
      action(req) === 'GetOrders'
        ? instance(many(3))(req)
        : sc.errorAnswer(action(req), 'E001', 'Parameter OrderIdList is mandatory'),
    maxRequests: 2,
    check: ({ run, numbers }) => {
      expect(run.status).toBe('failed');
      expect(run.error).toContain('E001');
      expect(numbers).toEqual([]);
    },
  },
];

describeEachDatabase('SellerCenter orders against recorded and digest-shaped answers', (t) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = testHub(t.database);
    await seedCatalog(hub.db, { count: 3, skuPrefix: 'LMD-', stock: () => 1_000 });
    await seedCatalog(hub.db, { count: 3, skuPrefix: LONG_SKU, stock: () => 1_000 });
  });

  for (const seed of seedsToRun()) {
    for (const [i, c] of cases.entries()) {
      test.concurrent(`${c.name} (seed ${seed})`, async () => {
        const server = await serveAnswers(c.serve(seed));
        try {
          const account = await createAccount(
            hub.db,
            hub.masterKey!,
            {
              channel: 'lamoda',
              name: `lamoda ${seed}/${i}`,
              baseUrl: server.url,
              credentials: { userId: 'seller@example.com', apiKey: 'spec-api-key-0123' },
              settings: {},
            },
            'test',
          );
          const thrown = await settle(() => runConnectorJob(hub, account.id, 'orders'));
          const run = await lastRun(hub, account.id);
          expectTruthfulRun(run, thrown);
          const numbers = (
            await rows<{ external_id: string }>(
              hub.db,
              sql`select external_id from orders where account_id = ${account.id}`,
            )
          ).map((r) => r.external_id);
          const accountStatus = (await getAccount(hub.db, account.id)).status;
          expect(
            server.requests.length,
            server.requests.map((r) => `${r.method} ${action(r)} ${r.query.get('Offset') ?? ''}`).join('\n'),
          ).toBeLessThanOrEqual(c.maxRequests);
          c.check({ run: run!, thrown, numbers, accountStatus });
        } finally {
          await server.close();
        }
      });
    }
  }
});
