import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKaspiSimulator } from '../../simulators/kaspi/index.ts';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { checkTelegramLog } from '../../simulators/telegram/spec.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { deliverDue } from '../notifications/delivery.ts';
import { telegramApi, telegramSender, type Sender } from '../notifications/sender.ts';
import { addMember, getSettings, updateSettings, upsertUser } from '../notifications/users.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { reconcileOrders } from './run.ts';

/**
 * New findings of a run as a Telegram notification, against the Telegram simulator: one
 * message to the cabinet's member who switched `findings_new_enabled` on (off by default),
 * counting the new findings by kind and linking the panel's page of them; nothing to the member
 * who did not ask; and nothing for a second run that sees the same findings again.
 */
describeEachDatabase('reconciliation: new findings notify who asked', (t) => {
  const kaspi = createKaspiSimulator({ maxWindowDays: 3, rateLimit: null });
  const tg = createTelegramSimulator();
  const ASKED = 4101;
  const QUIET = 4102;
  let hub: Hub;
  let telegram: Sender;
  let accountId = 0;
  const closers: (() => Promise<void>)[] = [];
  const place = { order: () => '' };
  const sent = (chat: number) =>
    tg.log.filter((e) => e.path.endsWith('/sendMessage') && (e.body as { chat_id?: number })?.chat_id === chat);
  const drain = async () => {
    await deliverDue(hub, telegram, { backoffMs: 1 });
    return (
      await rows<{ n: number }>(
        hub.db,
        sql`select count(*)::int as n from deliveries where status in ('pending', 'sending')`,
      )
    )[0].n;
  };

  beforeAll(async () => {
    const base = channelsHub(t.database);
    hub = { ...base, config: { ...base.config, SKLAD_PUBLIC_URL: 'https://sklad.example/' } };
    const [kaspiServer, tgServer] = [await kaspi.listen(), await tg.listen()];
    closers.push(kaspiServer.close, async () => (tg.state.wakeAll(), tgServer.close()));
    telegram = telegramSender(telegramApi({ token: tg.token, apiRoot: tgServer.url, timeoutSeconds: 1 }));
    const shop = kaspi.state.addShop({ merchantId: '30000002', name: 'Kaspi shop' });
    accountId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'kaspi',
          name: 'Kaspi Almaty',
          baseUrl: `${kaspiServer.url}/shop/api/v2`,
          credentials: { token: shop.token },
          settings: { merchantId: '30000002', requestsPerSecond: 50 },
        },
        'test',
      )
    ).id;
    place.order = () =>
      shop.addOrder({ entries: [{ sku: 'SKU-1', price: 1500, quantity: 1 }], at: Date.now() - 1000 }).code;
    for (const [id, name] of [
      [ASKED, 'Асель'],
      [QUIET, 'Тимур'],
    ] as const) {
      tg.state.addUser({ id, first_name: name });
      const { user } = await upsertUser(hub.db, { telegram_id: id, first_name: name });
      await addMember(hub.db, accountId, user.id);
      expect((await getSettings(hub.db, user.id)).findings_new_enabled).toBe(false);
      if (id === ASKED) await updateSettings(hub.db, user.id, { findings_new_enabled: true });
    }
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  test('a run with new findings sends one message to the member who asked and none to the other; the same findings again send nothing', async () => {
    place.order();
    const changed = place.order();
    await runConnectorJob(hub, accountId, 'orders');
    expect(await reconcileOrders(hub, accountId)).toMatchObject({ status: 'succeeded', found: 0 });
    expect(await drain()).toBe(0);
    expect(sent(ASKED)).toEqual([]);

    // Sklad's copy of one order says cancelled (Kaspi: still new); another order the pull never read.
    await hub.db.execute(
      sql`update orders set status = 'cancelled' where account_id = ${accountId} and external_id = ${changed}`,
    );
    place.order();
    const first = await reconcileOrders(hub, accountId);
    expect(first).toMatchObject({ status: 'succeeded', found: 2, new: 2 });
    await expect.poll(drain, { timeout: 20_000, interval: 20 }).toBe(0);
    const messages = sent(ASKED).map((e) => e.body as { text: string; parse_mode: string });
    expect(messages).toHaveLength(1);
    expect(messages[0].parse_mode).toBe('HTML');
    expect(messages[0].text).toContain('Сверка нашла расхождения');
    expect(messages[0].text).toContain('Kaspi Almaty (Kaspi.kz)');
    expect(messages[0].text).toContain('Новых расхождений: <b>2</b>');
    expect(messages[0].text).toContain('Есть в канале, нет в Складе: <b>1</b>');
    expect(messages[0].text).toContain('Статус не как в канале: <b>1</b>');
    expect(messages[0].text).toContain(`<a href="https://sklad.example/findings?account_id=${accountId}">`);
    expect(sent(QUIET)).toEqual([]);

    // The status finding is still open, the re-imported order's is closed: nothing new, nothing sent.
    const second = await reconcileOrders(hub, accountId);
    expect(second).toMatchObject({ status: 'succeeded', found: 1, new: 0 });
    expect(await drain()).toBe(0);
    expect(sent(ASKED)).toHaveLength(1);
    expect(checkTelegramLog(tg.log)).toEqual([]);
  });
});
