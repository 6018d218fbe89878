import { beforeAll, expect, test } from 'vitest';
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
 * Allegro against answers generated from Allegro's own swagger.yaml (issue 21): the account sync
 * (offers, then the quantity push) and the order-events job, once per answer variant and once
 * per error status the called operations document. The OAuth token endpoint is not in the
 * swagger (it lives on allegro.pl): it answers as Allegro's authentication docs show.
 */

const SKUS = ['SKU-1', 'SKU-2', 'SKU-3'];
/** Requests one variant's runs may make at most (page cap 3, five attempts a call). */
const MAX_REQUESTS = 400;

/** What a connector test knows of Allegro's calls: offers whose external.id are our SKUs. */
function shape(call: Served, answer: any) {
  if (call.template === '/sale/offers' && Array.isArray(answer?.offers)) {
    answer.offers.forEach((offer: any, i: number) => {
      if (offer && typeof offer === 'object') offer.external = { id: SKUS[i % SKUS.length] };
    });
  }
  return answer;
}

const token = (call: Served) =>
  call.path === '/auth/oauth/token'
    ? {
        status: 200,
        answer: {
          access_token: 'spec-access-token',
          refresh_token: 'spec-refresh-token',
          expires_in: 43_199,
          token_type: 'bearer',
        },
      }
    : undefined;

describeEachDatabase('Allegro against spec-shaped answers', (t) => {
  let hub: Hub;
  let spec: Spec;
  let accounts = 0;
  let baseline: Served[] = [];

  beforeAll(async () => {
    hub = specAnswersHub(t.database);
    spec = await loadSpec('allegro/swagger.yaml');
    await seedCatalog(hub.db, { count: SKUS.length, stock: () => 7 });
  }, 120_000);

  async function account(server: SpecServer) {
    const n = ++accounts;
    return (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'allegro',
          name: `Allegro spec ${n}`,
          baseUrl: server.url,
          credentials: {
            clientId: `spec-client-${n}`,
            clientSecret: `spec-secret-${n}-${'s'.repeat(20)}`,
            refreshToken: `spec-refresh-${n}-${'r'.repeat(20)}`,
          },
          settings: { requestsPerSecond: 500 },
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
    const sync = await one((accountId) => fullSync(hub, accountId));
    const events = await one((accountId) => runConnectorJob(hub, accountId, 'order-events'));
    // The second run of the same account reads the events after the one the first started from.
    // (A run that failed may have left the account needing a new key: then there is no later run.)
    if (events.run.status === 'failed') return { sync, events };
    const later = await recordedOn(hub, server, events.accountId, () =>
      runConnectorJob(hub, events.accountId, 'order-events'),
    );
    return { sync, events, later };
  }

  const seeds: [Variant, number][] = variants.map((v, i) => [v, 41 + i]);

  test.each(seeds)(
    'answers of the %s variant (seed %i)',
    async (variant, seed) => {
      const server = await startSpecServer({
        specs: [spec],
        seed,
        variant,
        shape,
        outside: token,
        pageItems: 4,
        maxPageItems: 100,
      });
      try {
        const runs = await runAll(server);
        for (const outcome of Object.values(runs)) {
          expectTruthful(outcome, server, { maxRequests: MAX_REQUESTS });
          expectPagingStops(outcome.run);
        }
        expect(server.requestProblems).toEqual([]);
        // The runs did their work: the offers were read, the events asked for.
        expect(runs.sync.calls.map((c) => c.template)).toContain('/sale/offers');
        // A first run starts from the newest event (event-stats), a later one reads the events after it.
        expect(runs.events.calls.map((c) => c.template)).toContain('/order/event-stats');
        if (runs.events.run.status === 'succeeded')
          expect(runs.later?.calls.map((c) => c.template)).toContain('/order/events');
        if (variant === 'examples') {
          baseline = server.log;
          // Offers matched by external.id get their quantities pushed, and the run says what it did.
          expect(runs.sync.calls.some((c) => c.method !== 'GET' && c.template !== null)).toBe(true);
          expect(runs.sync.run.status).not.toBe('failed');
        }
        if (variant === 'fullPages') expect(runs.sync.run.status).not.toBe('succeeded');
      } finally {
        await server.close();
      }
    },
    120_000,
  );

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
        outside: token,
        maxPageItems: 100,
      });
      try {
        const runs = await runAll(server);
        for (const outcome of Object.values(runs))
          expectTruthful(outcome, server, { maxRequests: MAX_REQUESTS, errorStatus: status });
      } finally {
        await server.close();
      }
    }
  }, 300_000);
});
