import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createWildberriesSimulator } from '../../../simulators/wildberries/server.ts';
import { WbState, seedWildberries } from '../../../simulators/wildberries/state.ts';
import { rows } from '../../db/database.ts';
import { fireDueSchedules, listScheduleTargets } from '../../engine/schedules.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import '../core/jobs.ts';

/**
 * A WB account as a seller adds it through the API: the token is checked with /ping first (a
 * refused one leaves no account behind), then the engine's scheduler syncs it every 3 minutes
 * (SYNC_INTERVAL unset).
 */
describeEachDatabase('a Wildberries account added through the API', (t) => {
  const sim = createWildberriesSimulator({
    state: seedWildberries(new WbState(), { cards: 3, orderRows: 5 }),
    limits: { ping: { intervalMs: 50, burst: 3 } },
  });
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let accountId = 0;
  const add = (name: string, token: string, baseUrl = simServer.url) =>
    server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: { channel: 'wildberries', name, base_url: baseUrl, credentials: { token } },
    });
  const accounts = () =>
    rows<{ id: number; name: string }>(
      server.hub.db,
      sql`select id, name from channel_accounts where channel = 'wildberries' order by id`,
    );

  beforeAll(async () => {
    simServer = await sim.listen();
    server = await startTestServer(t.database);
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  test('a refused token is a 422 naming the reason, and no account is kept', async () => {
    const refused = await add('WB wrong', 'not-the-token-0123456789abcdef');
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'CREDENTIALS_REJECTED',
      message: expect.stringMatching(/Wildberries refused the token \(HTTP 401/),
    });
    const unreachable = await add('WB nowhere', sim.token, 'http://127.0.0.1:9');
    expect(unreachable.status).toBe(502);
    expect(await accounts()).toEqual([]);
    expect(sim.log.filter((e) => e.path === '/ping').map((e) => e.status)).toEqual([401]);
  });

  test('a good token is checked with /ping and the account kept as validated', async () => {
    const added = await add('WB main', sim.token);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ channel: 'wildberries', status: 'active', validated_at: expect.any(String) });
    accountId = added.body.id;
    expect(sim.log.filter((e) => e.path === '/ping').map((e) => e.status)).toEqual([401, 200]);
  });

  test('the scheduler syncs it every 3 minutes', async () => {
    const target = (await listScheduleTargets(server.hub.db)).find(
      (x) => x.definition.name === 'wildberries.sync' && x.accountId === accountId,
    );
    expect(target).toMatchObject({ cron: '*/3 * * * *', enabled: true });
    const syncJobs = () =>
      rows<{ key: string }>(
        server.hub.db,
        sql`select key from jobs where type = 'wildberries.sync' and account_id = ${accountId} order by id`,
      );
    const at = (time: string) => new Date(`2031-05-01T${time}Z`);
    await fireDueSchedules(server.hub.db, at('10:00:30')); // first seen: watched from now on
    await fireDueSchedules(server.hub.db, at('10:02:59'));
    expect(await syncJobs()).toEqual([]);
    await fireDueSchedules(server.hub.db, at('10:03:01'));
    expect(await syncJobs()).toEqual([{ key: `wildberries.sync:${accountId}:2031-05-01T10:03:00.000Z` }]);
    await server.hub.db.execute(sql`update jobs set status = 'succeeded' where type = 'wildberries.sync'`);
    await fireDueSchedules(server.hub.db, at('10:06:00'));
    expect((await syncJobs()).map((j) => j.key.slice(-13))).toEqual(['10:03:00.000Z', '10:06:00.000Z']);
  });
});
