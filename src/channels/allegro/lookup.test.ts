import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAllegroSimulator, seedAllegro, type AllegroSimulator } from '../../../simulators/allegro/index.ts';
import { rows } from '../../db/database.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import { seedCatalog } from '../core/testing.ts';

describeEachDatabase('seed 000: looking Allegro offers up by SKU through the API', (t) => {
  let sim: AllegroSimulator;
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let accountId: number;

  beforeAll(async () => {
    sim = createAllegroSimulator({ rateLimit: null });
    const client = sim.state.addClient();
    seedAllegro(sim.state, { offers: 40, eanOnlyEvery: 0, available: 0 });
    simServer = await sim.listen();
    server = await startTestServer(t.database);
    await seedCatalog(server.hub.db, { count: 40, stock: () => 7 });
    accountId = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'allegro',
          name: 'Allegro lookup',
          baseUrl: simServer.url,
          credentials: {
            clientId: client.id,
            clientSecret: client.secret,
            refreshToken: sim.state.issueRefreshToken(client.id),
          },
          settings: { requestsPerSecond: 500 },
        },
        'test',
      )
    ).id;
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  it('finds the offers of two SKUs with one filtered request, stores them matched and marked for a push', async () => {
    const start = sim.log.length;
    const answer = await server.api(`/api/v1/channels/accounts/${accountId}/listings/lookup`, {
      method: 'POST',
      json: { skus: ['SKU-3', 'SKU-17', 'NO-SUCH'] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.found).toBe(2);
    expect(
      answer.body.listings.map((l: { sku: string; match_state: string }) => [l.sku, l.match_state]).sort(),
    ).toEqual([
      ['SKU-17', 'matched'],
      ['SKU-3', 'matched'],
    ]);
    const offerCalls = sim.log.slice(start).filter((r) => r.path === '/sale/offers');
    expect(offerCalls).toHaveLength(1);
    expect(offerCalls[0].query['external.id']).toEqual(['SKU-3', 'SKU-17', 'NO-SUCH']);
    const marked = await rows<{ sku: string }>(
      server.hub.db,
      sql`select sku from listings where account_id = ${accountId} and needs_push order by sku`,
    );
    expect(marked.map((m) => m.sku)).toEqual(['SKU-17', 'SKU-3']);
  });

  it('refuses a channel that cannot look up by SKU, and a bad body, with clear errors', async () => {
    const generic = await createAccount(
      server.hub.db,
      server.hub.masterKey!,
      {
        channel: 'generic',
        name: 'Generic lookup',
        baseUrl: 'http://127.0.0.1:9',
        credentials: { apiKey: 'generic-key-1' },
      },
      'test',
    );
    const refused = await server.api(`/api/v1/channels/accounts/${generic.id}/listings/lookup`, {
      method: 'POST',
      json: { skus: ['SKU-1'] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'LOOKUP_UNSUPPORTED',
      message: expect.stringContaining('full sync'),
    });
    expect(
      (
        await server.api(`/api/v1/channels/accounts/${accountId}/listings/lookup`, {
          method: 'POST',
          json: { skus: [] },
        })
      ).status,
    ).toBe(400);
  });
});
