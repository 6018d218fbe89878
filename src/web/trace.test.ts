import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitrix24Simulator, type BitrixPortal } from '../../simulators/bitrix24/index.ts';
import { createNamshiSimulator } from '../../simulators/namshi/index.ts';
import type { SellerCenterSeller } from '../../simulators/sellercenter/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { CRM_TOPICS } from '../crm/flow.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import type { WatchedPage } from '../test/browser.ts';
import { signIn, usePanel } from './test-kit.ts';

/**
 * Seed 004 in the browser: a support engineer finds an order by its number, reads its path
 * (Namshi → Sklad → Bitrix24) with the outbox events and the requests about it, re-sends its
 * status and adds the warehouse comment (Namshi), and fetches from the channel an order Sklad
 * never had — on a desktop and on a 390 px phone.
 */
describe('web panel: the order trace and the support actions', () => {
  const panel = usePanel();
  const namshi = createNamshiSimulator({ rateLimit: null });
  const bitrix = createBitrix24Simulator();
  let portal: BitrixPortal;
  let seller: SellerCenterSeller;
  let namshiId = 0;
  let number = '';
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const hub = panel.server.hub;
    seller = namshi.addSeller({ userId: 'trace@namshi.example', apiKey: 'namshi-trace-key-0001' });
    for (let n = 1; n <= 3; n++)
      seller.addProduct({ sellerSku: `SKU-${n}`, name: `Product ${n}`, quantity: 0, price: '120.00' });
    portal = bitrix.state.addPortal({ name: 'trace.bitrix24.ru', currencies: ['AED'] });
    const [namshiServer, bitrixServer] = [await namshi.listen(), await bitrix.listen()];
    closers.push(namshiServer.close, bitrixServer.close);
    const { warehouseId } = await seedCatalog(hub.db, { count: 3, stock: () => 10, warehouseCode: 'DXB-1' });
    namshiId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'namshi',
          name: 'Namshi UAE',
          baseUrl: namshiServer.url,
          credentials: { userId: 'trace@namshi.example', apiKey: 'namshi-trace-key-0001' },
          settings: { stockWarehouseId: warehouseId },
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
    number = seller.addOrder({ lines: [{ sku: 'SKU-1', quantity: 2 }] }).number;
    await runConnectorJob(hub, namshiId, 'orders');
    closers.unshift(
      startWorkers(hub, { types: CRM_TOPICS.map((topic) => `outbox:${topic}`), pollMs: 20, stopGraceMs: 0 }),
    );
    await waitFor('the order’s deal', () => portal.deals().length === 1);
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  const noSideScroll = async (w: WatchedPage) =>
    expect(
      await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);

  it('finds the order by its number and shows its path, events and requests; re-sends the status and adds the warehouse comment', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/support');
    await w.page.getByLabel(/Любой номер заказа/).fill(number);
    await w.page.getByRole('button', { name: 'Найти' }).click();
    await w.page.waitForURL(/\/orders\/\d+\/trace$/);
    const hops = w.page.locator('#trace-hops > li');
    expect(
      await hops.evaluateAll((items) =>
        items.map((li) => [li.getAttribute('data-hop'), li.getAttribute('data-state')]),
      ),
    ).toEqual([
      ['channel', 'ok'],
      ['sklad', 'ok'],
      ['crm', 'ok'],
    ]);
    expect(await w.page.locator('#trace-hops [data-hop="crm"]').textContent()).toContain(String(portal.deals()[0].id));
    expect(await w.page.locator('#trace-events tr[data-state="done"]').count()).toBe(1);
    expect(await w.page.locator('#trace-calls li').count()).toBeGreaterThan(0);

    await w.page.getByRole('button', { name: 'Отправить статус в CRM заново' }).click();
    await w.page.waitForURL(/done=change-status/);
    expect(await w.page.locator('.notice-success').textContent()).toContain('Статус поставлен в очередь');
    await w.page.getByRole('button', { name: 'Добавить в сделку комментарий о складе' }).click();
    await w.page.waitForURL(/done=comment/);
    expect(portal.commentsOn(portal.deals()[0].id).map((c) => c.comment)).toEqual([expect.stringContaining('DXB-1')]);
    // Still one deal, whatever was re-sent.
    await waitFor('the status re-sent', async () =>
      (await w.page.request.get(`/api/v1/support/orders?q=${number}`)).ok(),
    );
    expect(portal.deals()).toHaveLength(1);
    await noSideScroll(w);
  });

  it('fetches an order Sklad never had from the channel (notifyOrder), on a phone', async () => {
    const missed = seller.addOrder({ lines: [{ sku: 'SKU-2' }] }).number;
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, `/support?q=${missed}`);
    expect(await w.page.locator('#reimport').textContent()).toContain(`нет заказа с номером «${missed}»`);
    await noSideScroll(w);
    await w.page.getByLabel(/Кабинет канала/).selectOption(String(namshiId));
    await w.page.getByRole('button', { name: 'Загрузить заказ' }).click();
    await w.page.waitForURL(/\/orders\/\d+\/trace\?done=reimport$/);
    expect(await w.page.locator('h1').textContent()).toContain(missed);
    await noSideScroll(w);
    await waitFor('the fetched order’s deal', () => portal.deals().length === 2);
  });

  it('links the channel account to the portal with the stages the CRM has, on a phone', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, `/channels/${namshiId}`);
    await w.page.locator('#crm-link').click();
    await w.page.waitForURL(/\/crm$/);
    // The stages are read from the portal: only its own can be chosen.
    await w.page.getByLabel(/^отменён/i).selectOption('LOSE');
    await w.page.getByLabel(/^новый/i).selectOption('NEW');
    await w.page.getByLabel(/^Номер отправления/).fill('not a field');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    expect(await w.page.locator('#f-field_postingNumber-error').textContent()).toContain('UF_CRM_');
    await w.page.getByLabel(/^Номер отправления/).fill('UF_CRM_POSTING');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(/saved=1/);
    await noSideScroll(w);
    const links = await panel.server.api('/api/v1/crm/links');
    expect(links.body.items).toEqual([
      expect.objectContaining({
        account_id: namshiId,
        stage_map: { new: 'NEW', cancelled: 'LOSE' },
        fields: { postingNumber: 'UF_CRM_POSTING' },
      }),
    ]);
  });

  it('names what it cannot find', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/support');
    const missing = await w.page.request.get('/orders/987654/trace');
    expect(missing.status()).toBe(404);
    expect(await missing.text()).toContain('Заказа 987654 нет');
  });
});
