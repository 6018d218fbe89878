import { beforeAll, expect, test } from 'vitest';
import { cdekDelivery as cdek } from '../../channels/cdek/delivery.ts';
import { createAccount } from '../../channels/core/accounts.ts';
import type { DeliveryDraft } from '../../channels/core/delivery.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../databases.ts';
import { testHub } from '../server.ts';
import * as answers from './cdek.ts';
import { inServiceRun, type RunRow } from './runs.ts';
import { seeded, seedsToRun, serveAnswers, type Answer, type Received, type Rng } from './server.ts';

/**
 * CDEK's delivery order create, its state and its receipt against its recorded samples changed
 * per case (cdek.ts): optional fields missing, fields no sample has, strings at their longest,
 * numbers past 2^63, every error code of §8 as a 400, a 404 and a 500. CDEK pages nothing (§9: the
 * order lookup is one answer), so the bound is the few requests of each step. Each step runs in a
 * sync run: it throws only what the run records, and its state says what CDEK said.
 */

type Step = 'create' | 'state' | 'find' | 'waybill' | 'waybillState';

interface Case {
  name: string;
  step: Step;
  serve(rng: Rng): (req: Received) => Answer;
  maxRequests: number;
  check(out: { run: RunRow; thrown: Error | null; result: unknown }): void;
}

const draft: DeliveryDraft = {
  number: 'OZ-0100-1-1',
  recipient: { name: 'Иван Петров', phone: '+79990000000' },
  deliveryPoint: 'MSK123',
  weightGrams: 500,
  lengthCm: 10,
  widthCm: 10,
  heightCm: 10,
  currency: 'RUB',
  items: [{ sku: 'SKU-1', name: 'Mug', quantity: 1, costMinor: 100_000, weightGrams: 500 }],
};

/** The token first (§1), then the step's answer. */
const withToken =
  (rng: Rng, answer: (req: Received) => Answer) =>
  (req: Received): Answer =>
    req.path === '/v2/oauth/token' ? answers.token(rng) : answer(req);

const cases: Case[] = [
  {
    name: 'create: the recorded 202 ACCEPTED',
    step: 'create',
    serve: (rng) => withToken(rng, () => answers.created(rng)),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'pending', uuid: expect.any(String) }),
  },
  {
    name: 'create: the answer with fields no sample has',
    step: 'create',
    serve: (rng) => withToken(rng, () => answers.created(rng, { extras: true })),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'pending' }),
  },
  ...answers.errorCodes.map(
    (code): Case => ({
      name: `create: a 400 with ${code}`,
      step: 'create',
      serve: (rng) => withToken(rng, () => answers.error(400, code)),
      maxRequests: 2,
      check: ({ result }) =>
        expect(result).toEqual({ state: 'invalid', uuid: null, errors: [{ code, message: `CDEK says ${code}` }] }),
    }),
  ),
  {
    name: 'create: a 500 v2_internal_error is sent once and fails the step with CDEK’s words',
    step: 'create',
    serve: (rng) => withToken(rng, () => answers.error(500, 'v2_internal_error')),
    maxRequests: 2,
    check: ({ thrown, run }) => {
      expect(thrown?.message).toContain('v2_internal_error');
      expect(run.status).toBe('failed');
    },
  },
  {
    name: 'state: the recorded SUCCESSFUL order, its newest status',
    step: 'state',
    serve: (rng) => withToken(rng, () => answers.order(rng, 'SUCCESSFUL')),
    maxRequests: 2,
    check: ({ result }) =>
      expect(result).toEqual({
        state: 'made',
        uuid: 'b23e5e72-84d2-4fe8-94b9-052f5488b149',
        trackingNumber: '1107009111',
        status: 'CREATED',
      }),
  },
  {
    name: 'state: a SUCCESSFUL order with every optional field missing',
    step: 'state',
    serve: (rng) => withToken(rng, () => answers.order(rng, 'SUCCESSFUL', { bare: true })),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'made', trackingNumber: null, status: null }),
  },
  {
    name: 'state: extra fields, longest strings, a number past 2^63',
    step: 'state',
    serve: (rng) => withToken(rng, () => answers.order(rng, 'WAITING', { extras: true, longest: true, huge: true })),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'pending' }),
  },
  {
    name: 'state: INVALID with its errors',
    step: 'state',
    serve: (rng) => withToken(rng, () => answers.order(rng, 'INVALID')),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'invalid', errors: [{ code: 'v2_entity_invalid' }] }),
  },
  {
    name: 'state: a 404 v2_entity_not_found',
    step: 'state',
    serve: (rng) => withToken(rng, () => answers.error(404, 'v2_entity_not_found')),
    maxRequests: 2,
    check: ({ result }) =>
      expect(result).toMatchObject({ state: 'invalid', errors: [{ code: 'v2_entity_not_found' }] }),
  },
  {
    name: 'find: no order under the number (404)',
    step: 'find',
    serve: (rng) => withToken(rng, () => answers.error(404, 'v2_order_not_found')),
    maxRequests: 2,
    check: ({ result }) => expect(result).toBeNull(),
  },
  {
    name: 'waybill: the recorded print job',
    step: 'waybill',
    serve: (rng) => withToken(rng, () => answers.printCreated(rng)),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'pending' }),
  },
  {
    name: 'waybill: a 400 v2_entity_forbidden',
    step: 'waybill',
    serve: (rng) => withToken(rng, () => answers.error(400, 'v2_entity_forbidden')),
    maxRequests: 2,
    check: ({ result }) =>
      expect(result).toMatchObject({ state: 'invalid', errors: [{ code: 'v2_entity_forbidden' }] }),
  },
  {
    name: 'waybill state: the recorded ACCEPTED (no url yet)',
    step: 'waybillState',
    serve: (rng) => withToken(rng, () => answers.print(rng)),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'pending' }),
  },
  {
    name: 'waybill state: formed, with its url and extra fields',
    step: 'waybillState',
    serve: (rng) => withToken(rng, () => answers.print(rng, { url: true, extras: true })),
    maxRequests: 2,
    check: ({ result }) => expect(result).toMatchObject({ state: 'ready', url: expect.stringMatching(/\.pdf$/) }),
  },
  {
    name: 'a token refused with 401: the credentials are refused, CDEK’s words kept',
    step: 'state',
    serve: () => () => ({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Bad client credentials' },
    }),
    maxRequests: 1,
    check: ({ thrown, run }) => {
      expect(thrown?.message).toMatch(/invalid_client|credentials/i);
      expect(run.status).toBe('failed');
    },
  },
];

describeEachDatabase('CDEK deliveries against its recorded samples', (t) => {
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
              channel: 'cdek',
              name: `cdek ${seed}/${i}`,
              baseUrl: server.url,
              credentials: { clientId: 'spec-account', clientSecret: 'spec-secure-password' },
              settings: { shipmentPoint: 'MSK1' },
            },
            'test',
          );
          const { run, thrown, result } = await inServiceRun(hub, account.id, 'cdek.spec', (ctx) => {
            const uuid = 'b23e5e72-84d2-4fe8-94b9-052f5488b149';
            if (c.step === 'create') return cdek.createOrder(ctx, draft);
            if (c.step === 'state') return cdek.orderState(ctx, uuid);
            if (c.step === 'find') return cdek.findOrder(ctx, draft.number);
            if (c.step === 'waybill') return cdek.requestWaybill(ctx, uuid);
            return cdek.waybillState(ctx, '3bd86556-0352-4176-b934-0c0e2b58a48e');
          });
          expect(
            server.requests.length,
            server.requests.map((r) => `${r.method} ${r.path}`).join(', '),
          ).toBeLessThanOrEqual(c.maxRequests);
          c.check({ run, thrown, result });
        } finally {
          await server.close();
        }
      });
    }
  }
});
