import { afterAll, beforeAll, expect, test } from 'vitest';
import { z } from 'zod';
import { createWildberriesSimulator } from '../../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../../simulators/wildberries/state.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { useTwoWorkerHubs } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import { connectorContextFor } from '../core/context.ts';
import { groupWaitsOf } from '../core/http-client.ts';
import { wbCall } from './client.ts';

// Two workers syncing one WB account: each its own hub (on PostgreSQL its own pool) and its own
// context and HTTP client, so nothing but the database is shared: the claims group's bucket is
// core's (module.ts limitGroups, taken and observed by the client). Claims allow 2 at once and
// one more a second here; the documented limit (10 at once) is what the bucket starts from.
describeEachDatabase('WB group limits shared by workers', (t) => {
  const limit = { intervalMs: 1_000, burst: 2 };
  const sim = createWildberriesSimulator({
    state: seedWildberries(new WbState(), { cards: 3, orderRows: 10, claims: 2 }),
    limits: { claims: limit },
  });
  const workerHubs = useTwoWorkerHubs(t);
  let close: () => Promise<void>;
  let baseUrl: string;

  beforeAll(async () => {
    const server = await sim.listen();
    close = server.close;
    baseUrl = server.url;
  });
  afterAll(async () => {
    await close();
  });

  test('two clients together never exceed a group limit: no 429, and no window holds more than the limit allows', async () => {
    const hubs = workerHubs();
    const accountId = (
      await createAccount(
        hubs[0].db,
        hubs[0].masterKey!,
        {
          channel: 'wildberries',
          name: 'WB shared',
          baseUrl,
          credentials: { token: sim.token },
        },
        'test',
      )
    ).id;
    const worker = async (hub: (typeof hubs)[number]) => {
      const ctx = await connectorContextFor(hub, accountId);
      for (let i = 0; i < 4; i++) {
        await wbCall(
          ctx,
          {
            family: 'returns',
            group: 'claims',
            method: 'GET',
            path: '/api/v1/claims',
            query: { is_archive: false },
            attempts: 1,
          },
          z.unknown(),
        );
      }
    };
    sim.resetLog();
    // The waits are kept per account id in this process: the other database's run used the same id.
    const waitsBefore = groupWaitsOf(accountId).length;
    await Promise.all(hubs.map(worker));

    const claims = sim.log.filter((e) => e.path === '/api/v1/claims');
    expect(claims.map((e) => e.status)).toEqual(Array(8).fill(200));
    expect(sim.statusCounts()[429]).toBeUndefined();
    // A token bucket lets at most burst + span ÷ interval requests through in any span (1 ms for the log's rounding).
    const at = claims.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    for (let i = 0; i < at.length; i++) {
      for (let j = i; j < at.length; j++)
        expect(j - i + 1).toBeLessThanOrEqual(limit.burst + Math.floor((at[j] - at[i] + 1) / limit.intervalMs));
    }
    // Every request took its turn in the group, and the waits it forced are recorded (benchmarks read them).
    const waits = groupWaitsOf(accountId)
      .slice(waitsBefore)
      .filter((w) => w.group === 'claims');
    expect(waits).toHaveLength(8);
    expect(waits.reduce((sum, w) => sum + w.waitedMs, 0)).toBeGreaterThan(0);
  }, 60_000);
});
