import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../channels/core/accounts.ts';
import { rows } from '../db/database.ts';
import { expectNoConsoleErrors, signIn, usePanel } from '../web/test-kit.ts';
import { recordEvent } from './events.ts';

/** The admin panel's notifications page (src/web/pages/notifications.tsx) in a real browser. */
describe('web panel: notification settings in a real browser', () => {
  const panel = usePanel();
  let olga = 0;

  beforeAll(async () => {
    const { server } = panel;
    for (const [telegram_id, first_name, username] of [
      [4001, 'Ольга', 'olga'],
      [4002, 'Peter', 'peter'],
    ] as const) {
      expect(
        (await server.api('/users/', { method: 'POST', json: { telegram_id, first_name, username } })).status,
      ).toBe(201);
    }
    olga = (await rows<{ id: number }>(server.hub.db, sql`select id from users where telegram_id = 4001`))[0].id;
    const account = await createAccount(
      server.hub.db,
      server.hub.masterKey!,
      {
        channel: 'generic',
        name: 'Лавка',
        baseUrl: 'http://127.0.0.1:9',
        credentials: { apiKey: 'generic-key-panel-1' },
      },
      'test',
    );
    expect(
      (
        await server.api('/api/v1/bot/cabinets/members', {
          method: 'POST',
          json: { account_id: account.id, telegram_id: 4001 },
        })
      ).status,
    ).toBe(200);
    await recordEvent(server.hub.db, {
      accountId: account.id,
      type: 'new_order',
      dedupKey: 'panel:1',
      occurredAt: new Date().toISOString(),
      payload: { cabinet: 'Лавка', external_id: 'P-1' },
    });
  });

  it('lists the bot’s users and recent events, and saves one user’s switches, thresholds and language with validation', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/notifications');
    expect(await w.page.locator('h1').textContent()).toBe('Уведомления');
    expect(await w.page.getByRole('link', { name: 'Уведомления' }).getAttribute('aria-current')).toBe('page');
    expect(await w.page.locator('#users tbody tr').count()).toBe(2);
    expect(await w.page.locator('#users tr[data-telegram="4001"]').textContent()).toContain('Лавка');
    const event = w.page.locator('#events tr[data-type="new_order"]');
    expect(await event.textContent()).toContain('📦 Новый заказ');
    expect(await w.page.locator('main').textContent()).toContain('Отправитель работает в другом процессе');
    await w.screenshot('notifications-overview');

    await w.page.locator('#users tr[data-telegram="4001"]').getByRole('link', { name: 'Настроить' }).click();
    await w.page.waitForURL(new RegExp(`/notifications/users/${olga}$`));
    expect(await w.page.locator('#cabinets').textContent()).toContain('Лавка');
    await w.page.getByLabel('Новые заказы').uncheck();
    await w.page.getByLabel('Негативный отзыв — оценка не выше').fill('9');
    await w.page.getByLabel('Критичный остаток — доступно не больше').fill('3');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await expect.poll(() => w.page.locator('#f-negative_review_max_rating-error').textContent()).toBeTruthy();
    // What was typed stays in the form.
    expect(await w.page.getByLabel('Критичный остаток — доступно не больше').inputValue()).toBe('3');
    expect(await w.page.getByLabel('Новые заказы').isChecked()).toBe(false);
    await w.screenshot('notifications-user-error');

    await w.page.getByLabel('Негативный отзыв — оценка не выше').fill('2');
    await w.page.getByRole('combobox', { name: 'Язык' }).selectOption('en');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(/\?saved=1$/);
    expect(await w.page.getByRole('status').first().textContent()).toContain('Настройки сохранены');
    const settings = await panel.server.api('/api/v1/notifications/settings?telegram_id=4001');
    expect(settings.body).toMatchObject({
      notifications_enabled: true,
      new_orders_enabled: false,
      order_buyouts_enabled: true,
      negative_review_max_rating: 2,
      critical_stock_threshold: 3,
      language: 'en',
    });

    await w.page.getByRole('combobox', { name: 'Событие' }).selectOption('negative_review');
    await w.page.getByRole('button', { name: 'Отправить тестовое' }).click();
    // No notifier in this process: queued for it, and the page says so.
    await w.page.waitForURL(/\?test=queued$/);
    expect(await w.page.locator('main').textContent()).toContain('Тестовое уведомление поставлено в очередь.');
    expect(await w.page.locator('#deliveries tbody tr').first().textContent()).toContain('⭐ Негативный отзыв');
    expect(await w.page.locator('#deliveries tbody tr').first().getAttribute('data-status')).toBe('pending');
    await w.screenshot('notifications-user');

    // The same page in English.
    await w.page.getByRole('link', { name: 'English' }).click();
    await expect.poll(() => w.page.locator('#settings').textContent()).toContain('New orders');
    expect(await w.page.getByRole('button', { name: 'Save' }).count()).toBe(1);
    expectNoConsoleErrors(w);
  }, 60_000);

  it('a read-only key sees the settings but cannot change them; the page fits a phone', async () => {
    const reader = await panel.server.keyFor('readonly', 'support-reader');
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, reader, `/notifications/users/${olga}`);
    expect(await w.page.locator('main').textContent()).toContain('Ваш ключ только для чтения');
    expect(await w.page.getByRole('button', { name: 'Сохранить' }).count()).toBe(0);
    expect(await w.page.getByLabel('Новые заказы').isDisabled()).toBe(true);
    expect(
      await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    await w.screenshot('notifications-user-phone');
    // Refusals are asked for outside the page (a browser logs a 403 or a 404 as a console error), with its session.
    const cookie = (await w.context.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
    const base = panel.server.baseUrl;
    const posted = await fetch(`${base}/notifications/users/${olga}`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'new_orders_enabled=on',
      redirect: 'manual',
    });
    expect(posted.status).toBe(403);
    expect((await panel.server.api('/api/v1/notifications/settings?telegram_id=4001')).body.new_orders_enabled).toBe(
      false,
    );
    const missing = await fetch(`${base}/notifications/users/999999`, { headers: { cookie, accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('User 999999 does not exist');
  }, 60_000);
});
