import { afterAll, beforeAll, expect, it } from 'vitest';
import { createIikoSimulator, seedIiko, type SeededIiko } from '../../simulators/iiko/index.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { ensureIikoSetting, listSettings } from './settings.ts';

describeEachDatabase('iiko settings made by code', (t) => {
  const sim = createIikoSimulator();
  let seeded: SeededIiko;
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;

  beforeAll(async () => {
    seeded = seedIiko(sim.state, { organizations: 1 });
    simServer = await sim.listen();
    server = await startTestServer(t.database);
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  it('ensureIikoSetting makes setting 1 in an empty database, and only once', async () => {
    const input = { name: 'Демо-ресторан', api_login: seeded.apiLogin, base_url: simServer.url };
    const first = await ensureIikoSetting(server.hub, input, 'demo');
    expect(first).toMatchObject({ created: true, setting: { id: 1, name: 'Демо-ресторан', base_url: simServer.url } });
    const again = await ensureIikoSetting(server.hub, { ...input, name: 'Другой' }, 'demo');
    expect(again).toMatchObject({ created: false, setting: { id: 1, name: 'Демо-ресторан' } });
    expect(await listSettings(server.hub.db)).toHaveLength(1);

    const res = await server.api('/api/v1/sync/stoplist', { method: 'POST', json: { setting_id: 1 } });
    expect(res.body).toMatchObject({ status: 'success', organization_ids: seeded.organizationIds });
  });

  it('an iiko account connected through the channels API gets its setting when its first scheduled sync runs', async () => {
    const account = await server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: {
        channel: 'iiko',
        name: 'Через каналы',
        base_url: simServer.url,
        credentials: { apiLogin: seeded.apiLogin },
      },
    });
    expect(account.status).toBe(201);
    await runConnectorJob(server.hub, account.body.id, 'terminals');
    const setting = (await listSettings(server.hub.db)).find((s) => s.account_id === account.body.id);
    expect(setting).toMatchObject({
      name: 'Через каналы',
      organizations: [expect.objectContaining({ id: seeded.organizationIds[0] })],
    });
    const groups = await server.api(`/api/v1/data/terminal-groups?setting_id=${setting!.id}`);
    expect(groups.body.total).toBe(3);
  });
});
