import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { startNotifications } from '../notifications/runtime.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/** The panel's test button where the panel's process sends notifications: Telegram's refusal is shown, not "queued". */
describe('web panel: the test notification says what Telegram did', () => {
  const panel = usePanel();
  const tg = createTelegramSimulator();
  let simulator: { url: string; close(): Promise<void> };
  let stop: () => Promise<void>;

  beforeAll(async () => {
    simulator = await tg.listen();
    stop = await startNotifications(panel.server.hub, {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: simulator.url,
      TELEGRAM_BOT: '0',
      NOTIFY_DETECT_SECONDS: '3600',
    } as NodeJS.ProcessEnv);
  });
  afterAll(async () => {
    await stop?.();
    await simulator?.close();
  });

  it('shows a sent test, then the blocked bot’s refusal in Telegram’s words', async () => {
    tg.state.addUser({ id: 630_001, first_name: 'Вера' });
    const made = await panel.server.api('/users/', {
      method: 'POST',
      json: { telegram_id: 630_001, first_name: 'Вера' },
    });
    const userId = made.body.id ?? made.body.user?.id;
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/notifications/users/${userId}`);
    await w.page.getByRole('button', { name: 'Отправить тестовое' }).click();
    await w.page.waitForURL(/\?test=sent$/);
    expect(await w.page.locator('main').textContent()).toContain(
      'Тестовое уведомление отправлено: Telegram его принял.',
    );
    expect(tg.state.sentTo(630_001)).toHaveLength(1);

    tg.state.blocked.add(630_001);
    await w.page.getByRole('button', { name: 'Отправить тестовое' }).click();
    await w.page.waitForURL(/\?test=refused&reason=/);
    expect(await w.page.locator('main').textContent()).toContain(
      'Telegram не принял тестовое уведомление: Telegram 403: Forbidden: bot was blocked by the user',
    );
    expect(await w.page.locator('#deliveries tbody tr').first().getAttribute('data-status')).toBe('failed');
    expect(tg.state.sentTo(630_001)).toHaveLength(1);
    await w.screenshot('notification-test-refused');
    expectNoConsoleErrors(w);
  }, 60_000);
});
