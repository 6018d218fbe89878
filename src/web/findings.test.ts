import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitrix24Simulator } from '../../simulators/bitrix24/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { reconcileOrders } from '../reconcile/run.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/**
 * The findings page in the browser: a status Ozon changed while the pull was off waits as a
 * finding, grouped by kind and account with a link to the order's trace; its fix button
 * imports the posting again; the check-now button queues a run of the account. The dashboard
 * counts the open findings.
 */
describe('web panel: the reconciler’s findings', () => {
  const panel = usePanel();
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), {
      products: 2,
      fboWarehouses: 1,
      postings: 1,
      postingDays: 2,
      offerId: (i) => `SKU-${i}`,
    }),
  });
  const bitrix = createBitrix24Simulator();
  let ozonId = 0;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const hub = panel.server.hub;
    const portal = bitrix.state.addPortal({ name: 'findings.bitrix24.ru' });
    const [ozonServer, bitrixServer] = [await ozon.listen(), await bitrix.listen()];
    closers.push(ozonServer.close, bitrixServer.close);
    await seedCatalog(hub.db, { count: 2, stock: () => 10 });
    ozonId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon RU',
          baseUrl: ozonServer.url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
        },
        'test',
      )
    ).id;
    await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'bitrix24',
        name: 'CRM',
        baseUrl: bitrixServer.url,
        credentials: { webhookUrl: portal.webhookUrl(bitrixServer.url) },
      },
      'test',
    );
    await runConnectorJob(hub, ozonId, 'postings');
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('lists a waiting finding with its trace link, fixes it with its button, and queues a check of the account', async () => {
    const hub = panel.server.hub;
    const [posting] = [...ozon.state.postings.values()];
    ozon.state.setPostingStatus(posting.postingNumber, 'cancelled', { cancelReason: 'buyer changed their mind' });
    expect(await reconcileOrders(hub, ozonId)).toMatchObject({ status: 'succeeded' });
    const [order] = await rows<{ id: number }>(
      hub.db,
      sql`select id from orders where external_id = ${posting.postingNumber}`,
    );

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/');
    expect(await w.page.locator('[data-stat="findings-open"] b').textContent()).toBe('1');
    await w.page.locator('[data-stat="findings-open"]').click();
    await w.page.waitForURL(/\/findings$/);
    const group = w.page.locator('section[data-kind="status_differs"]');
    expect(await group.locator('h2').textContent()).toContain('Статус не как в канале');
    expect(await group.locator(`a[href="/orders/${order.id}/trace"]`).count()).toBe(1);
    expect(await w.page.locator('input[name="_csrf"]').count()).toBeGreaterThan(0);
    await group.getByRole('button', { name: 'Загрузить заново' }).first().click();
    await w.page.waitForURL(/done=fixed/);
    expect(await w.page.locator('.notice-success').textContent()).toContain('Исправлений применено: 1');
    const [after] = await rows<{ status: string }>(hub.db, sql`select status from orders where id = ${order.id}`);
    expect(after.status).toBe('cancelled');
    const [finding] = await rows<{ state: string }>(
      hub.db,
      sql`select state from findings where kind = 'status_differs'`,
    );
    expect(finding.state).toBe('fixed');

    await w.page.locator(`li[data-account="${ozonId}"]`).getByRole('button', { name: 'Сверить сейчас' }).click();
    await w.page.waitForURL(/done=run/);
    expect(await w.page.locator('.notice-success').textContent()).toContain('Сверка поставлена в очередь');
    const [job] = await rows<{ type: string }>(
      hub.db,
      sql`select type from jobs where type = 'reconcile.account' and account_id = ${ozonId}`,
    );
    expect(job).toBeDefined();
    expectNoConsoleErrors(w);
  });
});
