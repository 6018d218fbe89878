import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiKey } from '../access/api-keys.ts';
import { assembleSklad } from '../assembly.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import type { Hub } from '../hub.ts';
import { launchBrowser, openPage, type WatchedPage } from '../test/browser.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { createApp } from '../http/app.ts';
import { deliveryHopOf } from '../web/pages/delivery-hop.tsx';
import { testHub } from '../test/server.ts';
import { expectNoConsoleErrors, signIn } from '../web/test-kit.ts';
import { refusedTown, startDeliveryFixture, unthrottledModules, type DeliveryFixture } from './testing.ts';

/**
 * The delivery hop on the order's trace page in a real browser (the whole panel, behind its
 * session, origin and role checks): a refused package shows CDEK's message and the
 * dead event; support fixes the address in the form and sends it again, and the page then
 * shows the delivery order made, its CDEK number and the waybill.
 */

beforeAll(() => assembleSklad(unthrottledModules()));
afterAll(() => assembleSklad());

describe('the delivery hop of the trace page', () => {
  const t = useTestDatabase(testKinds()[0]);
  let hub: Hub;
  let f: DeliveryFixture;
  let server: ServerType;
  let baseUrl: string;
  let browser: Browser;
  let w: WatchedPage | undefined;
  let stop: () => Promise<void>;

  /** Every package with its events, as the hop loads them. */
  const hubPackages = async () => {
    const orders = await rows<{ order_id: number }>(
      hub.db,
      sql`select distinct order_id from packages order by order_id`,
    );
    return (await Promise.all(orders.map((o) => deliveryHopOf(hub.db, Number(o.order_id))))).flat();
  };

  beforeAll(async () => {
    hub = testHub(t.database);
    f = await startDeliveryFixture(hub);
    server = serve({ fetch: createApp(hub).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    stop = startWorkers(hub, { concurrency: 2, pollMs: 20 });
  });
  afterAll(async () => {
    if (w) {
      await w.screenshot('delivery-hop--fixed-and-made');
      await w.close();
    }
    await browser?.close();
    await stop?.();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await f?.close();
  });

  test('a refused package shows CDEK’s reason; fixed in the form, it is sent again and made with its waybill', async () => {
    const posting = f.addPosting(0, {
      customer: {
        id: 1,
        name: 'Олег Иванов',
        address: {
          country: 'Россия',
          region: refusedTown.region,
          city: refusedTown.city,
          addressTail: refusedTown.address,
          zipCode: '689400',
        },
      },
    });
    await runConnectorJob(hub, f.ozonId, 'postings');
    const [p] = await waitFor('the refusal', async () => {
      const [hop] = await hubPackages();
      return hop?.pkg.state === 'invalid' ? [hop.pkg] : null;
    });

    w = await openPage(browser, { baseUrl });
    const key = (await createApiKey(hub.database, { name: 'support', role: 'operator' })).key;
    await signIn(w, key, `/orders/${p.order_id}/trace`);
    const card = w.page.locator(`[data-package="${p.id}"]`);
    await expect.poll(() => card.getAttribute('data-state')).toBe('invalid');
    expect(await card.locator('[data-field="error"]').innerText()).toContain('Певек');
    expect(await card.locator(`[data-event="ProcessDeliveryJob:Package:${p.id}"]`).getAttribute('data-state')).toBe(
      'dead',
    );
    expect(await card.locator('.delivery-events').innerText()).toContain('v2_entity_invalid');
    await w.screenshot('delivery-hop--refused');

    await w.page.getByLabel('Город').fill('Анадырь');
    await w.page.getByLabel('Улица, дом, квартира').fill('ул. Отке, д. 4');
    await w.page.getByRole('button', { name: 'Отправить снова' }).click();
    await w.page.waitForURL(/delivery_done=retry/);
    expect(await w.page.locator('.notice-success').innerText()).toContain('Посылка снова в очереди');

    await waitFor('the waybill', async () => !!(await hubPackages())[0]?.pkg.waybill_url);
    await w.page.reload();
    expect(await card.getAttribute('data-state')).toBe('made');
    expect(await card.locator('[data-field="tracking"]').innerText()).toMatch(/^\d+$/);
    expect(await card.getByRole('link', { name: 'Открыть накладную (PDF)' }).getAttribute('href')).toContain(
      '/v2/print/orders/',
    );
    expect(await card.locator('form').count()).toBe(0);
    expectNoConsoleErrors(w);
  });

  test('made by hand from the form: the number a second time is refused with the reason', async () => {
    const posting = f.addPosting(1, {
      customer: {
        id: 2,
        name: 'Пётр',
        address: {
          country: 'Россия',
          region: refusedTown.region,
          city: refusedTown.city,
          addressTail: refusedTown.address,
          zipCode: '689400',
        },
      },
    });
    await runConnectorJob(hub, f.ozonId, 'postings');
    const p = await waitFor(
      'the refusal',
      async () =>
        (await hubPackages()).find((x) => x.pkg.posting_number === posting.postingNumber && x.pkg.state === 'invalid')
          ?.pkg,
    );
    const page = (w ??= await openPage(browser, { baseUrl })).page;
    await page.goto(`/orders/${p.order_id}/trace`);
    await page.locator(`[data-package="${p.id}"] summary`).click();
    await page.getByLabel('Номер заявки в службе доставки').fill('1107000555');
    await page.getByRole('button', { name: 'Отметить созданной' }).click();
    await page.waitForURL(/delivery_done=made/);
    const card = page.locator(`[data-package="${p.id}"]`);
    expect(await card.getAttribute('data-state')).toBe('made');
    expect(await card.locator('[data-field="tracking"]').innerText()).toBe('1107000555');

    // A second form posted for the same package (a stale tab) is told why not.
    // With the page's own form token, as the stale tab's form would send it.
    const token = (await page.locator('input[name="_csrf"]').count())
      ? await page.locator('input[name="_csrf"]').first().getAttribute('value')
      : null;
    const form = { tracking_number: '1107000556', ...(token ? { _csrf: token } : {}) };
    const res = await page.request.post(`/orders/${p.order_id}/delivery/${p.id}/made-by-hand`, {
      form,
      headers: { origin: baseUrl },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(303);
    expect(decodeURIComponent(res.headers().location)).toContain('уже создана');
    expectNoConsoleErrors(w!);
  });
});
