import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rows } from '../../db/database.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { createAccount, setAccountStatus } from '../core/accounts.ts';

describeEachDatabase('POST /api/v1/allegro_sync/wix-sync', (t) => {
  let server: TestServer;
  const wixIds: number[] = [];
  let genericId: number;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const { hub } = server;
    for (const n of [1, 2]) {
      const site = `6b7c0a4e-0000-4000-8000-00000000000${n}`;
      wixIds.push((await createAccount(hub.db, hub.masterKey!, { channel: 'wix', name: `Wix ${n}`, baseUrl: 'http://127.0.0.1:9', credentials: { apiKey: `IST.key-number-${n}`, siteId: site } }, 'test')).id);
    }
    genericId = (await createAccount(hub.db, hub.masterKey!, { channel: 'generic', name: 'Other', baseUrl: 'http://127.0.0.1:9', credentials: { apiKey: 'generic-key-1' } }, 'test')).id;
  });
  afterAll(async () => server?.close());

  it('refuses an account that is not a Wix one', async () => {
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account_id: genericId } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_A_WIX_ACCOUNT');
  });

  it('starts one sync job per active Wix account without a body, and returns the job ids', async () => {
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST' });
    expect(res.status).toBe(202);
    expect(res.body.account_ids).toEqual(wixIds);
    expect(res.body.job_ids).toHaveLength(2);
    expect(res.body.job_id).toBe(res.body.job_ids[0]);
    const jobs = await rows<{ type: string; account_id: number }>(server.hub.db, sql`select type, account_id from jobs where id = any(${sql.param(res.body.job_ids)}::bigint[]) order by id`);
    expect(jobs).toEqual(wixIds.map((id) => ({ type: 'channels.sync', account_id: id })));
  });

  it('starts one account when asked, validates the body, and needs an operator key', async () => {
    const one = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account_id: wixIds[1] } });
    expect(one.status).toBe(202);
    expect(one.body.account_ids).toEqual([wixIds[1]]);
    const bad = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', json: { account: 1 } });
    expect(bad.status).toBe(400);
    const readonly = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST', key: await server.keyFor('readonly') });
    expect(readonly.status).toBe(403);
  });

  it('says how to configure Wix when no Wix account is active', async () => {
    for (const id of wixIds) await setAccountStatus(server.hub.db, id, 'disabled', 'test', 'test');
    const res = await server.api('/api/v1/allegro_sync/wix-sync', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'WIX_NOT_CONFIGURED', message: expect.stringContaining('WIX_API_KEY') });
  });
});
