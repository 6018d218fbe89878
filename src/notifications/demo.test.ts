import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAccount } from '../channels/core/accounts.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { demoTelegram, demoTelegramUsers, joinDemoCabinets } from './demo.ts';
import { recordEvent } from './events.ts';
import { notifierStatus, startNotifications } from './runtime.ts';

/**
 * The demo with nothing configured: `sklad start` runs the Telegram simulator itself, the two
 * demo people share the demo cabinets, and what the bot sends them can be read (and answered)
 * through the simulator's control API, from another process, as a visitor would.
 */
describeEachDatabase('notifications in the demo', (t) => {
  let server: TestServer;
  let stop: () => Promise<void>;
  let account: { id: number };
  let joined: Awaited<ReturnType<typeof joinDemoCabinets>>;
  const [anna] = demoTelegramUsers;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    expect(server.hub.config.SKLAD_DEMO).toBe('1');
    // Without the demo's people (a real seller's database) there is no simulator to send to.
    const before = await startNotifications(server.hub, { NOTIFY_DETECT_SECONDS: '3600' } as NodeJS.ProcessEnv);
    expect(notifierStatus).toMatchObject({ running: true, sender: 'none', demo: false, bot: false });
    await before();
    account = await createAccount(
      server.hub.db,
      server.hub.masterKey!,
      {
        channel: 'generic',
        name: 'Demo shop',
        baseUrl: 'http://127.0.0.1:9',
        credentials: { apiKey: 'generic-key-demo-1' },
      },
      'demo',
    );
    // The demo made its accounts and people, then the notifier starts (src/cli/start-hooks.ts).
    joined = await joinDemoCabinets(server.hub);
    stop = await startNotifications(server.hub, { NOTIFY_DETECT_SECONDS: '3600' } as NodeJS.ProcessEnv);
  }, 60_000);
  afterAll(async () => {
    await stop?.();
    await server?.close();
  });

  test('the demo Telegram simulator receives the notifications of the demo cabinets, and the bot answers there', async () => {
    expect(notifierStatus).toMatchObject({ running: true, sender: 'telegram', demo: true, bot: true });
    const sim = demoTelegram()!;
    expect(notifierStatus.target).toBe(sim.url);
    expect(joined.accountIds).toEqual([account.id]);
    expect(await joinDemoCabinets(server.hub, [account.id])).toEqual(joined);
    const cabinets = await server.api(`/wb/cabinets/?telegram_id=${anna.telegram_id}`);
    expect(cabinets.body.cabinets).toMatchObject([{ id: account.id, members: 2 }]);

    await recordEvent(server.hub.db, {
      accountId: account.id,
      type: 'new_order',
      dedupKey: 'demo:1',
      occurredAt: new Date().toISOString(),
      payload: { cabinet: 'Demo shop', external_id: 'D-1' },
    });
    const chat = async () =>
      (await (await fetch(`${sim.url}/__sim/telegram/chats/${anna.telegram_id}`)).json()) as { text?: string }[];
    await expect
      .poll(async () => (await chat()).map((m) => m.text?.split('\n')[0]), { timeout: 15_000 })
      .toContain('📦 Новый заказ');

    const wrote = await fetch(`${sim.url}/__sim/telegram/users/${anna.telegram_id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '/stats' }),
    });
    expect(wrote.status).toBe(200);
    await expect
      .poll(async () => (await chat()).some((m) => m.text?.startsWith('📊 Статистика')), { timeout: 15_000 })
      .toBe(true);

    await stop();
    stop = async () => {};
    expect(demoTelegram()).toBeNull();
    expect(notifierStatus.running).toBe(false);
  }, 60_000);
});
