import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkWbLog } from '../../../simulators/wildberries/contract.ts';
import { createWildberriesSimulator } from '../../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../../simulators/wildberries/state.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { testHub } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import { syncAccount } from '../core/sync.ts';
import { seedCatalog } from '../core/testing.ts';

/** WB stock pushes through the channel machinery: listings by chrtId, at most 1,000 items a PUT, nothing twice. */
describeEachDatabase('Wildberries FBS quantities pushed by the channel machinery', (t) => {
  const CARDS = 1_050;
  // Content allows 100 requests a minute (burst 5); the simulator says 50 ms here and the connector follows its headers.
  const sim = createWildberriesSimulator({
    state: seedWildberries(new WbState(), {
      cards: CARDS,
      orderRows: 0,
      feedbacks: 0,
      claims: 0,
      fbsOrders: 0,
      article: (i) => `SKU-${i}`,
    }),
    limits: { content: { intervalMs: 50, burst: 5 } },
  });
  let close: () => Promise<void>;
  let hub: Hub;
  let accountId: number;

  beforeAll(async () => {
    const server = await sim.listen();
    close = server.close;
    hub = testHub(t.database);
    await seedCatalog(hub.db, { count: CARDS, stock: (n) => 1 + (n % 9) });
    accountId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wildberries',
          name: 'WB',
          baseUrl: server.url,
          credentials: { token: sim.token },
          settings: { fbsWarehouseId: 508 },
        },
        'test',
      )
    ).id;
  });
  afterAll(() => close());

  test('a full sync matches every card by article, reads what WB holds and pushes each size by chrtId, at most 1,000 a request', async () => {
    const summary = await syncAccount(hub, accountId);
    expect(summary).toMatchObject({ pushed: CARDS, failed: 0, rejected: 0 });
    const reads = sim.log.filter((e) => e.method === 'POST' && e.path.startsWith('/api/v3/stocks/'));
    const sizes = (list: typeof reads, field: 'chrtIds' | 'stocks') =>
      list.map((e) => (e.body as Record<string, unknown[]>)[field].length).sort((a, b) => b - a);
    expect(sizes(reads, 'chrtIds')).toEqual([1_000, 50]);
    const puts = sim.log.filter((e) => e.method === 'PUT');
    expect(puts.map((e) => e.path)).toEqual(['/api/v3/stocks/508', '/api/v3/stocks/508']);
    expect(sizes(puts, 'stocks')).toEqual([1_000, 50]);
    for (const card of [sim.state.cards[0], sim.state.cards[777], sim.state.cards[CARDS - 1]]) {
      const n = Number(card.article.slice(4));
      expect(sim.state.fbsStocks.get(`508:${card.chrtId}`)).toBe(1 + (n % 9));
    }
    const [listing] = await rows<{ external_id: string; match_state: string }>(
      hub.db,
      sql`
      select external_id, match_state from listings where account_id = ${accountId} and sku = 'SKU-5'`,
    );
    expect(listing).toEqual({ external_id: String(sim.state.card('SKU-5').chrtId), match_state: 'matched' });
  });

  test('the next full sync pushes nothing that did not change', async () => {
    const before = sim.log.length;
    const summary = await syncAccount(hub, accountId);
    expect(summary).toMatchObject({ pushed: 0, failed: 0 });
    expect(sim.log.slice(before).filter((e) => e.method === 'PUT')).toEqual([]);
  });

  test('every request and answer conforms to the WB specs, with no 429', async () => {
    expect(await checkWbLog(sim.log)).toEqual([]);
    expect(sim.statusCounts()[429]).toBeUndefined();
  });
});
