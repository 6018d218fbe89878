import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { connectorContextFor } from '../channels/core/context.ts';
import { ozonConnector } from '../channels/ozon/connector.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { signIn, usePanel } from './test-kit.ts';

/** The order page's actions in a real browser at 390 px: the buttons Ozon allows, a shipment with its tracking number, the outcome. */
describe('web panel: an order action in a real browser', () => {
  const panel = usePanel();
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 2, fboWarehouses: 1, postings: 0, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });
  let close: () => Promise<void>;
  let stop: () => Promise<void>;
  let orderId: number;
  let postingNumber: string;

  beforeAll(async () => {
    const sim = await ozon.listen();
    close = sim.close;
    const hub = panel.server.hub;
    const { warehouseId } = await seedCatalog(hub.db, { count: 2, stock: () => 10 });
    const account = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'ozon',
        name: 'Ozon panel',
        baseUrl: sim.url,
        credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
        settings: { stockWarehouseId: warehouseId },
      },
      'test',
    );
    const posting = ozon.state.addPosting({
      warehouseId: ozon.state.warehouses.find((w) => w.type === 'fbs')!.id,
      lines: [{ offerId: 'SKU-1', quantity: 1 }],
    });
    postingNumber = posting.postingNumber;
    const ctx = await connectorContextFor(hub, account.id);
    orderId = (await ctx.ingest.orders([(await ozonConnector.fetchOrder!(ctx, postingNumber))!]))[0].orderId;
    stop = startWorkers(hub, { concurrency: 1, pollMs: 20, types: ['outbox:order.action'] });
  });
  afterAll(async () => {
    await stop?.();
    await close?.();
  });

  it('shows the actions Ozon allows, ships with a tracking number and shows the outcome', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, `/orders/${orderId}`);
    const actions = w.page.locator('#order-actions');
    expect(
      await actions.locator('button[data-action]').evaluateAll((b) => b.map((x) => x.getAttribute('data-action'))),
    ).toEqual(['confirm', 'ship', 'cancel']);
    expect(await w.page.locator('#movements tr[data-type="sale"]').count()).toBe(1);

    await w.page.locator('#ship-form').getByLabel('Трек-номер').fill('TRK-PANEL-1');
    await w.page.locator('#ship-form button[data-action="ship"]').click();
    await w.page.waitForURL(/action_queued=ship/);
    expect(await actions.locator('.notice-success').textContent()).toContain('Отгрузить');

    await waitFor(
      'the shipment to reach Ozon',
      () => (ozon.state.postings.get(postingNumber)?.status === 'delivering' ? true : null),
      30_000,
    );
    await waitFor(
      'the action to be done',
      async () => {
        await w.page.goto(`/orders/${orderId}`);
        return (await w.page.locator('#action-history li[data-state="done"]').count()) === 1 ? true : null;
      },
      30_000,
    );
    expect(ozon.state.postings.get(postingNumber)?.trackingNumber).toBe('TRK-PANEL-1');
    expect(await w.page.locator('h1').textContent()).toContain('отгружен');
    expect(await actions.locator('button[data-action]').count()).toBe(0);
    // Nothing wider than the phone's screen.
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
