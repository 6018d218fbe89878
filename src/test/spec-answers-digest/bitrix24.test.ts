import { beforeAll, expect, test } from 'vitest';
import { bitrix24Crm as crm } from '../../channels/bitrix24/crm.ts';
import { createAccount } from '../../channels/core/accounts.ts';
import { ChannelHttpError, CredentialsRejected } from '../../channels/core/connector.ts';
import type { DealDraft, DealOutcome } from '../../channels/core/crm.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../databases.ts';
import { testHub } from '../server.ts';
import * as b24 from './bitrix24.ts';
import { inServiceRun, type RunRow } from './runs.ts';
import { seeded, seedsToRun, serveAnswers, type Answer, type Received, type Rng } from './server.ts';

/**
 * Bitrix24's deal export and its lists (stages, deals by key) against answers shaped by its digest
 * (bitrix24.ts), per seed: empty lists, a `next` that repeats or outlives the rows, duplicate
 * deals, fields no digest names, ids past what a number holds, every per-command error a batch may
 * carry and every system error of §7. Each flow runs in a sync run: it ends within a bound of
 * requests, throws only the service's refusal or failure, and each deal's outcome says what happened.
 */

const methodOf = (r: Received) => r.path.split('/').pop() ?? '';

const draft = (n: number): DealDraft => ({
  key: `kaspi:1:${n}`,
  title: `Kaspi #${n}`,
  amount: '1234.50',
  currency: 'KZT',
  categoryId: null,
  stageId: 'NEW',
  channel: { id: 'kaspi', title: 'Kaspi', account: 'Kaspi main' },
  externalId: String(n),
  postingNumber: null,
  orderId: n,
  orderedAt: '2026-01-01T10:00:00.000Z',
  buyer: { name: 'Айгерим' },
  lines: [{ sku: 'SKU-1', name: 'Mug', quantity: 1, price: '1234.50' }],
  fields: {},
});

type Flow = 'stages' | 'export' | 'find';

interface Case {
  name: string;
  flow: Flow;
  serve(rng: Rng): (req: Received) => Answer;
  maxRequests: number;
  check(out: { run: RunRow; thrown: Error | null; result: unknown; requests: Received[] }): void;
}

const stageRows = (rng: Rng, extras = false) => [
  {
    ENTITY_ID: 'DEAL_STAGE',
    STATUS_ID: 'NEW',
    NAME: 'New',
    SORT: '10',
    ID: '1',
    ...(extras ? { EXTRA: { a: 1 }, COLOR: '#fff' } : {}),
  },
  { ENTITY_ID: 'DEAL_STAGE_1', STATUS_ID: 'C1:NEW', NAME: 'New (funnel 1)', SORT: '10', ID: '99999999999999999999' },
  { ENTITY_ID: 'SOURCE', STATUS_ID: 'CALL', NAME: 'Call', SORT: '10', ID: String(rng.int(3, 99)) },
];

const cases: Case[] = [
  {
    name: 'stages: a `next` that repeats forever',
    flow: 'stages',
    serve: (rng) => () => b24.list(rng, stageRows(rng), { next: b24.PAGE, total: 1_000_000 }),
    maxRequests: 2,
    check: ({ run, result }) => {
      expect(result).toHaveLength(2);
      expect(run.status).toBe('partial');
      expect(run.problems[0].message).toMatch(/crm\.status\.list answered a cursor it had given before/);
    },
  },
  {
    name: 'stages: an empty list that still names a next page',
    flow: 'stages',
    serve: (rng) => () => b24.list(rng, [], { next: b24.PAGE, total: 0 }),
    maxRequests: 1,
    check: ({ run, result }) => {
      expect(result).toEqual([]);
      expect(run.status).toBe('succeeded');
    },
  },
  {
    name: 'stages: rows and time with fields no digest names, ids past 2^53',
    flow: 'stages',
    serve: (rng) => () => b24.list(rng, stageRows(rng, true), { extras: true }),
    maxRequests: 1,
    check: ({ run, result }) => {
      expect(result).toEqual([
        { id: 'NEW', name: 'New', categoryId: null },
        { id: 'C1:NEW', name: 'New (funnel 1)', categoryId: 1 },
      ]);
      expect(run.status).toBe('succeeded');
    },
  },
  {
    name: 'export: three new deals, their ids as numbers, strings and past 2^53',
    flow: 'export',
    serve: (rng) => (req) =>
      methodOf(req) === 'crm.deal.list'
        ? b24.list(rng, [])
        : // biome-ignore lint/correctness/noPrecisionLoss: a deal id past 2^53, as a JSON answer may carry one
          b24.batch(rng, { d0: 774, d1: '775', d2: 99999999999999999999 }),
    maxRequests: 2,
    check: ({ run, result }) => {
      const outcomes = result as DealOutcome[];
      expect(outcomes[0]).toMatchObject({ ok: true, dealId: '774', created: true });
      expect(outcomes[1]).toMatchObject({ ok: true, dealId: '775', created: true });
      // A number Bitrix24 cannot have meant exactly: the deal may exist, so it is found by its key next time, never made twice.
      expect(outcomes[2]).toMatchObject({ ok: false, retryable: true });
      expect(run.status).toBe('succeeded');
    },
  },
  {
    name: 'export: the lookup lists the same deal twice and a second deal of one key',
    flow: 'export',
    serve: (rng) => (req) => {
      if (methodOf(req) !== 'crm.deal.list') {
        const cmds = b24.commandsOf(req.json);
        return b24.batch(rng, Object.fromEntries(cmds.map(([id]) => [id, true])));
      }
      const row = (id: string, key: string) => ({
        ID: id,
        STAGE_ID: 'NEW',
        ORIGIN_ID: key,
        OPPORTUNITY: '1234.50',
        CURRENCY_ID: 'KZT',
      });
      return b24.list(rng, [
        row('10', 'kaspi:1:1'),
        row('10', 'kaspi:1:1'),
        row('11', 'kaspi:1:1'),
        row('12', 'kaspi:1:2'),
        row('13', 'kaspi:1:3'),
      ]);
    },
    maxRequests: 2,
    check: ({ result, requests }) => {
      expect((result as DealOutcome[]).map((o) => o.ok && o.dealId)).toEqual(['10', '12', '13']);
      const cmds = b24.commandsOf(requests.at(-1)!.json).map(([, c]) => c.split('?')[0]);
      expect(cmds).toEqual(['crm.deal.update', 'crm.deal.update', 'crm.deal.update']);
    },
  },
  {
    name: 'export: a batch whose commands fail each their own way, one answer missing',
    flow: 'export',
    serve: (rng) => (req) =>
      methodOf(req) === 'crm.deal.list'
        ? b24.list(rng, [])
        : b24.batch(
            rng,
            {},
            {
              d0: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
              d1: { error: '', error_description: 'Access denied' },
            },
          ),
    maxRequests: 2,
    check: ({ result }) => {
      const [limited, denied, missing] = result as DealOutcome[];
      expect(limited).toMatchObject({
        ok: false,
        retryable: true,
        httpStatus: 503,
        error: expect.stringContaining('QUERY_LIMIT_EXCEEDED'),
      });
      expect(denied).toMatchObject({ ok: false, retryable: false, error: 'Access denied' });
      expect(missing).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('no answer') });
    },
  },
  {
    name: 'export: a command refused for an expired webhook refuses the account',
    flow: 'export',
    serve: (rng) => (req) =>
      methodOf(req) === 'crm.deal.list'
        ? b24.list(rng, [])
        : b24.batch(
            rng,
            { d0: 1 },
            { d1: { error: 'expired_token', error_description: 'The access token provided has expired.' } },
          ),
    maxRequests: 2,
    check: ({ thrown, run }) => {
      expect(thrown).toBeInstanceOf(CredentialsRejected);
      expect(run.error).toContain('expired');
    },
  },
  ...b24.systemErrors.map(
    ({ status, code }): Case => ({
      name: `find: crm.deal.list answers ${status} ${code}`,
      flow: 'find',
      serve: (rng) => () => b24.error(status, code, rng),
      // 429 and 5xx are retried by the client (5 attempts in all).
      maxRequests: status >= 500 || status === 429 ? 5 : 1,
      check: ({ thrown, run }) => {
        const refusal = status === 401 || status === 403 || code === 'PORTAL_DELETED';
        expect(thrown).toBeInstanceOf(refusal ? CredentialsRejected : ChannelHttpError);
        expect(thrown!.message).toContain(code);
        expect(run.status).toBe('failed');
      },
    }),
  ),
];

describeEachDatabase('Bitrix24 deals against digest-shaped answers', (t) => {
  let hub: Hub;
  beforeAll(() => {
    hub = testHub(t.database);
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
              channel: 'bitrix24',
              name: `b24 ${seed}/${i}`,
              baseUrl: server.url,
              credentials: { webhookUrl: `https://spec${i}.bitrix24.ru/rest/1/abcdef0123456789/` },
            },
            'test',
          );
          const { run, thrown, result } = await inServiceRun(hub, account.id, 'bitrix24.spec', (ctx) => {
            if (c.flow === 'stages') return crm.stages!(ctx);
            if (c.flow === 'export') return crm.exportDeals(ctx, [draft(1), draft(2), draft(3)]);
            return crm.findDeal(ctx, 'kaspi:1:1');
          });
          expect(server.requests.length, server.requests.map((r) => methodOf(r)).join(', ')).toBeLessThanOrEqual(
            c.maxRequests,
          );
          c.check({ run, thrown, result, requests: server.requests });
        } finally {
          await server.close();
        }
      });
    }
  }
});
