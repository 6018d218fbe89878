import { sql } from 'drizzle-orm';
import type { Bot } from 'grammy';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { checkTelegramLog } from '../../simulators/telegram/spec.ts';
import type { SentMessage } from '../../simulators/telegram/state.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { createApiKey, revokeApiKey } from '../access/api-keys.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { importListings, matchListings } from '../channels/core/listings.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { upsertSales } from '../orders/channel-data.ts';
import { upsertOrder } from '../orders/service.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { createSkladBot } from './bot/bot.ts';
import { formatEvent } from './messages.ts';
import { notifierConfigFromEnv, startBot } from './runtime.ts';
import { telegramApi, telegramSender } from './sender.ts';

/**
 * The grammY bot against the Telegram Bot API simulator, over long polling and then by
 * webhook: /start, orders, sales, statistics, stock of a SKU, settings with inline switches,
 * product editing (name, SKU, EAN, photo) and write-off with a linked Sklad key, and a user
 * who sees only the cabinets he belongs to. The cabinet here is not a WB one on purpose.
 */

const ANNA = 3001;
const BOB = 3002;
const STRANGER = 3009;

describeEachDatabase('the Telegram bot', (t) => {
  const tg = createTelegramSimulator();
  const wb = createWildberriesSimulator({ limits: { ping: { intervalMs: 50, burst: 3 } } });
  const previousWbUrl = process.env.WB_API_BASE_URL;
  let tgServer: { url: string; close(): Promise<void> };
  let wbServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let bot: Bot;
  let polling: Promise<void>;
  let accountId: number;
  let productIds: number[];

  /** A person writes; resolves with the bot's first answer (and waits for `answers` of them). */
  async function say(chat: number, text: string, answers = 1): Promise<SentMessage> {
    const before = tg.state.sentTo(chat).length;
    tg.state.sendText(chat, text);
    await expect
      .poll(() => tg.state.sentTo(chat).length, { timeout: 10_000, interval: 20 })
      .toBeGreaterThanOrEqual(before + answers);
    return tg.state.sentTo(chat)[before];
  }
  async function press(chat: number, message: SentMessage, data: string): Promise<string> {
    const id = tg.state.pressButton(chat, message.message_id, data);
    await expect
      .poll(() => tg.state.callbackAnswers.some((a) => a.callback_query_id === id), { timeout: 10_000, interval: 20 })
      .toBe(true);
    return id;
  }
  const last = (chat: number) => tg.state.sentTo(chat).at(-1)!;
  const product = async (id: number) =>
    (
      await rows<{ name: string; sku: string; ean: string | null }>(
        server.hub.db,
        sql`select name, sku, ean from products where id = ${id}`,
      )
    )[0];

  beforeAll(async () => {
    tgServer = await tg.listen();
    wbServer = await wb.listen();
    process.env.WB_API_BASE_URL = wbServer.url;
    server = await startTestServer(t.database);
    ({ productIds } = await seedCatalog(server.hub.db, { count: 3, stock: () => 20 }));
    accountId = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'generic',
          name: 'Магазин',
          baseUrl: 'http://127.0.0.1:9',
          credentials: { apiKey: 'generic-key-bot-test' },
        },
        'test',
      )
    ).id;
    await importListings(
      server.hub.db,
      accountId,
      [1, 2, 3].map((n) => ({ externalId: `L${n}`, sku: `SKU-${n}`, name: `Listing ${n}` })),
    );
    await matchListings(server.hub.db, accountId);
    await server.hub.db.transaction(async (tx) => {
      const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
      for (const [n, status] of [
        [1, 'new'],
        [2, 'delivered'],
        [3, 'cancelled'],
      ] as const) {
        await upsertOrder(
          tx,
          {
            accountId,
            channel: 'generic',
            externalId: `ORD-${n}`,
            status,
            orderedAt: day(n),
            currency: 'RUB',
            totalMinor: n * 100_000,
            lines: [
              { productId: productIds[0], sku: 'SKU-1', name: 'Product SKU-1', quantity: 1, priceMinor: n * 100_000 },
            ],
          },
          'test',
        );
      }
      await upsertSales(tx, [
        {
          accountId,
          channel: 'generic',
          externalId: 'S-1',
          orderExternalId: 'ORD-2',
          kind: 'buyout',
          productId: productIds[0],
          sku: 'SKU-1',
          amountMinor: 200_000,
          soldAt: day(1),
        },
        {
          accountId,
          channel: 'generic',
          externalId: 'R-1',
          orderExternalId: 'ORD-9',
          kind: 'return',
          productId: productIds[0],
          sku: 'SKU-1',
          amountMinor: -100_000,
          soldAt: day(0),
        },
      ]);
    });
    for (const [id, first_name] of [
      [ANNA, 'Анна'],
      [BOB, 'Боб'],
      [STRANGER, 'Некто'],
    ] as const)
      tg.state.addUser({ id, first_name });
    bot = createSkladBot(server.hub, { token: tg.token, apiRoot: tgServer.url });
    polling = bot.start({ timeout: 1 });
  }, 60_000);

  afterAll(async () => {
    await bot?.stop().catch(() => {});
    await polling?.catch(() => {});
    await server?.close();
    tg.state.wakeAll();
    await tgServer?.close();
    await wbServer?.close();
    process.env.WB_API_BASE_URL = previousWbUrl;
  }, 30_000);

  test('/start links the Telegram user; an admin makes him a member of a cabinet of any channel; strangers are told to /start', async () => {
    expect((await say(STRANGER, '/orders')).text).toBe('Сначала нажмите /start.');
    const hello = await say(ANNA, '/start');
    expect(hello.text).toContain('Здравствуйте, Анна!');
    expect(hello.reply_markup?.inline_keyboard.flat().map((b) => b.callback_data)).toEqual([
      'orders',
      'sales',
      'stats',
      'settings',
    ]);
    await say(BOB, '/start');
    const member = await server.api('/api/v1/bot/cabinets/members', {
      method: 'POST',
      json: { account_id: accountId, telegram_id: ANNA },
    });
    expect(member.status).toBe(200);
    expect(member.body.cabinets).toMatchObject([{ id: accountId, channel: 'generic', name: 'Магазин', members: 1 }]);
    const operator = await server.keyFor('operator');
    expect(
      (
        await server.api('/api/v1/bot/cabinets/members', {
          method: 'POST',
          key: operator,
          json: { account_id: accountId, telegram_id: BOB },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await server.api('/api/v1/bot/cabinets/members', {
          method: 'POST',
          json: { account_id: 99999, telegram_id: BOB },
        })
      ).status,
    ).toBe(404);
    expect((await say(ANNA, '/cabinets')).text).toContain('Магазин (generic, 1 👤)');
    expect((await say(ANNA, 'что-то непонятное')).text).toContain('Не понял');
  });

  test('orders, sales, statistics and stock of the member’s cabinets; the non-member sees none of it', async () => {
    // Telegram says "too many requests" to the first answer: the bot waits retry_after and answers.
    tg.faults.next('429', 1, [`/bot${tg.token}/sendMessage`]);
    const orders = await say(ANNA, '/orders');
    expect(tg.log.filter((e) => e.path.endsWith('/sendMessage') && e.status === 429)).toHaveLength(1);
    expect(orders.text).toContain('Последние заказы (3/3)');
    expect(orders.text).toContain('ORD-3');
    expect((await say(ANNA, '/orders canceled')).text).toMatch(/\(1\/1\)[\s\S]*ORD-3/);
    expect((await say(ANNA, '/orders active')).text).toContain('(2/2)');
    const sales = await say(ANNA, '/sales');
    expect(sales.text).toContain('Последние продажи (2/2)');
    const stats = await say(ANNA, '/stats');
    expect(stats.text).toContain('Заказы: 3 (активных 2, отменённых 1, возвратов 0)');
    expect(stats.text).toMatch(/Выручка RUB: 3\s000 ₽ \(отменено на 3\s000 ₽\)/);
    expect(stats.text).toContain('выкупов 1, возвратов 1, процент выкупа 50.0%');
    expect((await say(ANNA, '/stock SKU-1')).text).toContain('Магазин: доступно 20');
    expect((await say(ANNA, '/stock')).text).toBe('Напишите так: /stock SKU');

    expect((await say(BOB, '/orders')).text).toContain('Пока ничего нет');
    expect((await say(BOB, '/sales')).text).toContain('Пока ничего нет');
    expect((await say(BOB, '/stats')).text).toContain('Заказы: 0');
    expect((await say(BOB, '/stock SKU-1')).text).toBe('Товара SKU-1 нет в ваших кабинетах.');
  });

  test('the buttons under a notification answer with the lists', async () => {
    await telegramSender(telegramApi({ token: tg.token, apiRoot: tgServer.url })).send(
      { userId: 0, telegramId: ANNA },
      formatEvent(
        'critical_stock',
        { cabinet: 'Магазин', sku: 'SKU-1', product_name: 'Product SKU-1', available: 2, threshold: 5 },
        'ru',
      ),
      { deliveryId: 0, type: 'critical_stock', eventId: null, test: false },
    );
    const note = last(ANNA);
    await press(ANNA, note, 'stock:SKU-1');
    await expect.poll(() => last(ANNA).text).toContain('Магазин: доступно 20');
    const order = await telegramSender(telegramApi({ token: tg.token, apiRoot: tgServer.url })).send(
      { userId: 0, telegramId: ANNA },
      formatEvent('new_order', { cabinet: 'Магазин', external_id: 'ORD-1' }, 'ru'),
      { deliveryId: 0, type: 'new_order', eventId: null, test: false },
    );
    await press(ANNA, tg.state.message(ANNA, order.messageId!)!, 'stats');
    await expect.poll(() => last(ANNA).text).toContain('📊 Статистика');
  });

  test('settings with inline switches, and the language', async () => {
    const settings = await say(ANNA, '/settings');
    const labels = settings.reply_markup!.inline_keyboard.map((row) => row[0].text);
    expect(labels.slice(0, 7)).toEqual([
      '✅ Все уведомления',
      '✅ Новые заказы',
      '✅ Выкупы',
      '✅ Отмены',
      '✅ Возвраты',
      '✅ Негативные отзывы',
      '✅ Критичные остатки',
    ]);
    await press(ANNA, settings, 'set:new_orders_enabled');
    await expect
      .poll(() => tg.state.message(ANNA, settings.message_id)!.reply_markup!.inline_keyboard[1][0].text)
      .toBe('⬜️ Новые заказы');
    expect((await server.api(`/api/v1/notifications/settings?telegram_id=${ANNA}`)).body).toMatchObject({
      new_orders_enabled: false,
      notifications_enabled: true,
    });
    await press(ANNA, settings, 'set:new_orders_enabled');
    await expect
      .poll(
        async () => (await server.api(`/api/v1/notifications/settings?telegram_id=${ANNA}`)).body.new_orders_enabled,
      )
      .toBe(true);

    await press(ANNA, settings, 'lang:en');
    await expect
      .poll(() => tg.state.message(ANNA, settings.message_id)!.text)
      .toBe('⚙️ Notifications (press to switch)');
    expect(tg.state.callbackAnswers.at(-1)).toMatchObject({ text: 'Language: English.' });
    expect((await say(ANNA, '/stats')).text).toContain('Orders: 3 (2 active, 1 cancelled, 0 returned)');
    expect((await say(ANNA, '/language ru')).text).toBe('Язык: русский.');
  });

  test('a WB cabinet is added from the bot by its key (the message with the key is deleted); a second user joins it', async () => {
    const wrong = await say(BOB, `/add_wb ${'x'.repeat(40)} Мой WB`);
    // The service's words (CREDENTIALS_REJECTED says what the service said).
    expect(wrong.text).toMatch(/^❌ Wildberries refused the token/);
    const added = await say(BOB, `/add_wb ${wb.token} Мой WB`);
    expect(added.text).toBe('✅ Кабинет «Мой WB» добавлен.');
    const sentKey = tg.state.chats.get(BOB)!.filter((m) => m.text?.startsWith('/add_wb'));
    expect(sentKey.every((m) => m.deleted)).toBe(true);
    expect((await say(ANNA, `/add_wb ${wb.token}`)).text).toBe('✅ Вы подключены к кабинету «Мой WB».');
    expect((await say(ANNA, '/cabinets')).text).toMatch(/Магазин[\s\S]*Мой WB \(wildberries, 2 👤\)/);
    // Bob still cannot read the shop he is not a member of.
    expect((await say(BOB, '/stock SKU-1')).text).toBe('Товара SKU-1 нет в ваших кабинетах.');
  });

  test('editing a product (name, SKU, EAN, photo) and writing stock off need a linked Sklad key with the operator role', async () => {
    expect((await say(ANNA, '/edit SKU-1')).text).toContain('привяжите ключ API Sklad с ролью operator');
    const readonly = await createApiKey(server.hub.database, { name: 'bot-reader', role: 'readonly' });
    expect((await say(ANNA, `/link ${readonly.key}`)).text).toContain('только для чтения');
    expect((await say(ANNA, '/link not-a-key')).text).toContain('Ключ не подошёл');
    const operator = await createApiKey(server.hub.database, { name: 'anna-phone', role: 'operator' });
    expect((await say(ANNA, `/link ${operator.key}`)).text).toContain('Ключ «anna-phone» (operator) привязан');
    expect(
      tg.state.chats
        .get(ANNA)!
        .filter((m) => m.text?.startsWith('/link'))
        .every((m) => m.deleted),
    ).toBe(true);

    const card = await say(ANNA, '/edit SKU-1');
    expect(card.text).toContain('SKU: SKU-1');
    const buttons = card.reply_markup!.inline_keyboard.flat().map((b) => b.callback_data);
    expect(buttons).toEqual([
      `edit:${productIds[0]}:name`,
      `edit:${productIds[0]}:sku`,
      `edit:${productIds[0]}:ean`,
      `edit:${productIds[0]}:photo`,
    ]);

    await press(ANNA, card, `edit:${productIds[0]}:name`);
    await expect.poll(() => last(ANNA).text).toBe('Пришлите новое значение поля «название» (или /cancel).');
    expect((await say(ANNA, 'Кружка «Утро»')).text).toBe('✅ Сохранено.');
    expect((await product(productIds[0])).name).toBe('Кружка «Утро»');
    const [history] = await rows<{ actor: string }>(
      server.hub.db,
      sql`
      select actor from operations where entity_type = 'product' and entity_id = ${productIds[0]} order by id desc limit 1`,
    );
    expect(history.actor).toBe(`anna-phone (telegram:${ANNA})`);

    await press(ANNA, card, `edit:${productIds[0]}:sku`);
    await expect.poll(() => last(ANNA).text).toContain('артикул');
    // Refusals in the user's language, by their code (src/shared/error-codes.ts).
    expect((await say(ANNA, 'SKU-2')).text).toMatch(/^❌ Артикул «SKU-2» уже занят товаром \d+/);
    expect((await say(ANNA, 'MUG-MORNING')).text).toBe('✅ Сохранено.');
    await press(ANNA, card, `edit:${productIds[0]}:ean`);
    await expect.poll(() => last(ANNA).text).toContain('EAN');
    expect((await say(ANNA, '4006381333932')).text).toMatch(/^❌ .*check digit/);
    expect((await say(ANNA, '4006381333931')).text).toBe('✅ Сохранено.');
    expect(await product(productIds[0])).toMatchObject({ sku: 'MUG-MORNING', ean: '4006381333931' });

    await press(ANNA, card, `edit:${productIds[0]}:photo`);
    await expect.poll(() => last(ANNA).text).toBe('Пришлите фото товара (или /cancel).');
    const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#cc3344' } })
      .jpeg()
      .toBuffer();
    const before = tg.state.sentTo(ANNA).length;
    tg.state.sendPhoto(ANNA, new Uint8Array(photo));
    await expect.poll(() => tg.state.sentTo(ANNA).length, { timeout: 10_000 }).toBe(before + 1);
    expect(last(ANNA).text).toBe('✅ Сохранено.');
    const [image] = await rows<{ content_type: string; width: number }>(
      server.hub.db,
      sql`select content_type, width from product_images where product_id = ${productIds[0]}`,
    );
    expect(image.content_type).toBe('image/webp');

    const written = await say(ANNA, '/writeoff MUG-MORNING 3 MAIN брак');
    expect(written.text).toBe('✅ Списано 3 шт. MUG-MORNING со склада MAIN; осталось 17.');
    const [movement] = await rows<{ type: string; quantity: number; reason: string; actor: string }>(
      server.hub.db,
      sql`
      select type, quantity, reason, actor from stock_movements where product_id = ${productIds[0]} order by id desc limit 1`,
    );
    expect(movement).toMatchObject({
      type: 'write_off',
      quantity: -3,
      reason: 'брак',
      actor: `anna-phone (telegram:${ANNA})`,
    });
    expect((await say(ANNA, '/writeoff MUG-MORNING 100')).text).toBe(
      '❌ На складе MAIN доступно только 17, а запрошено 100',
    );
    expect((await say(ANNA, '/writeoff MUG-MORNING many')).text).toContain('/writeoff SKU');

    // A revoked key stops working in the bot at once.
    await revokeApiKey(server.hub.database, operator.id);
    expect((await say(ANNA, '/writeoff MUG-MORNING 1')).text).toContain('привяжите ключ');
    expect(checkTelegramLog(tg.log)).toEqual([]);
  }, 60_000);

  test('webhook mode: Telegram posts the updates to /telegram/webhook with the secret token', async () => {
    await bot.stop();
    await polling;
    const config = notifierConfigFromEnv({
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tgServer.url,
      TELEGRAM_WEBHOOK_URL: `${server.baseUrl}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: 'hook_secret_1',
    } as NodeJS.ProcessEnv);
    const hooked = await startBot(server.hub, config);
    try {
      expect(tg.state.webhook).toEqual({ url: `${server.baseUrl}/telegram/webhook`, secret_token: 'hook_secret_1' });
      expect((await say(ANNA, '/stats')).text).toContain('📊 Статистика');
      const forged = await fetch(`${server.baseUrl}/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ update_id: 1, message: { text: '/stats' } }),
      });
      expect(forged.status).toBe(401);
    } finally {
      await hooked.stop();
    }
    const off = await fetch(`${server.baseUrl}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(off.status).toBe(503);
  });
});
