import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { startNotifications } from './runtime.ts';

/**
 * The test notification where this process sends (as `sklad start` does): against the Telegram
 * simulator, a chat it does not know and a user who blocked the bot are refused and the answer
 * says so with Telegram's words; the user's thresholds decide as they do for real notifications.
 */
describeEachDatabase('the test notification says what Telegram did with it', (t) => {
  let server: TestServer;
  const tg = createTelegramSimulator();
  let simulator: { url: string; close(): Promise<void> };
  let stop: () => Promise<void>;
  const KNOWN = 610_001;
  const STRANGER = 610_002;
  const BLOCKER = 610_003;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    simulator = await tg.listen();
    tg.state.addUser({ id: KNOWN, first_name: 'Анна' });
    tg.state.addUser({ id: BLOCKER, first_name: 'Борис' });
    for (const telegram_id of [KNOWN, STRANGER, BLOCKER]) {
      expect((await server.api('/users/', { method: 'POST', json: { telegram_id } })).status).toBeLessThan(300);
    }
    stop = await startNotifications(server.hub, {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: simulator.url,
      TELEGRAM_BOT: '0',
      NOTIFY_DETECT_SECONDS: '3600',
    } as NodeJS.ProcessEnv);
  });
  afterAll(async () => {
    await stop?.();
    await simulator?.close();
    await server?.close();
  });

  const sendTest = (telegramId: number, json: unknown) =>
    server.api(`/api/v1/notifications/test?telegram_id=${telegramId}`, { method: 'POST', json });

  test('sent at once, answering with the type asked for', async () => {
    const sent = await sendTest(KNOWN, {
      notification_type: 'order_buyout',
      test_data: { order_id: 999, product_name: 'Тестовый товар', amount: 1500, quantity: 1 },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ notification_type: 'order_buyout', event_type: 'buyout', status: 'sent' });
    expect(tg.state.sentTo(KNOWN).at(-1)?.text).toContain('Тестовый товар');
    const history = await server.api(`/api/v1/notifications/history?telegram_id=${KNOWN}`);
    expect(history.body.items[0]).toMatchObject({ id: sent.body.delivery_id, status: 'sent' });
  });

  test('a chat Telegram does not know and a blocked bot are refused with Telegram’s words, not 202', async () => {
    const stranger = await sendTest(STRANGER, { notification_type: 'new_order' });
    expect(stranger.status).toBe(502);
    expect(stranger.body.error.code).toBe('NOTIFICATION_REFUSED');
    expect(stranger.body.error.message).toContain('chat not found');

    const blocked = await fetch(`${simulator.url}/__sim/telegram/users/${BLOCKER}/block`, {
      method: 'POST',
      body: '{}',
    });
    expect(blocked.status).toBe(200);
    const refused = await sendTest(BLOCKER, { notification_type: 'order_cancellation' });
    expect(refused.status).toBe(502);
    expect(refused.body.error.message).toContain('bot was blocked by the user');
    expect(refused.body.error.details).toMatchObject({
      reason: 'Telegram 403: Forbidden: bot was blocked by the user',
    });
    // Recorded as failed, and never sent again by the notifier.
    const history = await server.api(`/api/v1/notifications/history?telegram_id=${BLOCKER}`);
    expect(history.body.items[0]).toMatchObject({ id: refused.body.error.details.delivery_id, status: 'failed' });
    expect(tg.state.sentTo(BLOCKER)).toHaveLength(0);
  });

  test('honours the user’s thresholds as the real notifications do', async () => {
    expect(
      (
        await server.api(`/api/v1/notifications/settings?telegram_id=${KNOWN}`, {
          method: 'POST',
          json: { negative_review_max_rating: 2, critical_stock_threshold: 4 },
        })
      ).status,
    ).toBe(200);
    const before = tg.state.sentTo(KNOWN).length;
    const four = await sendTest(KNOWN, { notification_type: 'negative_review', test_data: { rating: 4 } });
    expect(four.status).toBe(200);
    expect(four.body).toMatchObject({
      status: 'not_sent',
      reason: 'rating_above_threshold',
      threshold: 2,
      delivery_id: null,
    });
    const plenty = await sendTest(KNOWN, { notification_type: 'critical_stock', test_data: { available: 9 } });
    expect(plenty.body).toMatchObject({ status: 'not_sent', reason: 'stock_above_threshold', threshold: 4 });
    expect(tg.state.sentTo(KNOWN)).toHaveLength(before);

    const two = await sendTest(KNOWN, { notification_type: 'negative_review', test_data: { rating: 2 } });
    expect(two.body).toMatchObject({ status: 'sent' });
    const low = await sendTest(KNOWN, { notification_type: 'critical_stock' });
    expect(low.body).toMatchObject({ status: 'sent', event_type: 'critical_stock' });
    // The sample names his own threshold.
    expect(tg.state.sentTo(KNOWN).at(-1)?.text).toMatch(/порог 4/);
    expect(tg.state.sentTo(KNOWN)).toHaveLength(before + 2);
  });
});
