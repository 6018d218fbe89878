import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { checkTelegramLog } from '../../simulators/telegram/spec.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { deliverDue, settleAbandoned } from './delivery.ts';
import { recordEvent } from './events.ts';
import { formatEvent } from './messages.ts';
import { notifierConfigFromEnv, senderFor } from './runtime.ts';
import { telegramApi, telegramSender, type Sender } from './sender.ts';
import { addMember, updateSettings, upsertUser } from './users.ts';

/**
 * Settings, who is told what, and the sending itself against the Telegram simulator:
 * 3 attempts with exponential back-off, 429 retry_after, a crash or a lost answer never
 * sending twice, BOT_WEBHOOK_URL, Russian by default and English by setting.
 */

describeEachDatabase('notification settings and delivery', (t) => {
  const tg = createTelegramSimulator();
  let tgServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let telegram: Sender;
  let accountId: number;
  const users = { ru: 0, en: 0, quiet: 0 };
  const RU = 2001;
  const EN = 2002;
  const QUIET = 2003;

  const count = async (where = sql`true`) =>
    (await rows<{ n: number }>(server.hub.db, sql`select count(*)::int as n from deliveries where ${where}`))[0].n;
  const sendCalls = (chat: number) =>
    tg.log.filter((e) => e.path.endsWith('/sendMessage') && (e.body as { chat_id?: number })?.chat_id === chat);
  /** Passes of the sender until nothing waits (retries included). */
  const drain = async (sender: Sender = telegram, backoffMs = 1) =>
    expect
      .poll(
        async () => {
          await deliverDue(server.hub, sender, { backoffMs });
          return count(sql`status in ('pending', 'sending')`);
        },
        { timeout: 20_000, interval: 20 },
      )
      .toBe(0);
  let seq = 0;
  const event = (type: Parameters<typeof recordEvent>[1]['type'], payload: Record<string, unknown> = {}) =>
    recordEvent(server.hub.db, {
      accountId,
      type,
      dedupKey: `test:${type}:${++seq}`,
      occurredAt: new Date().toISOString(),
      payload: {
        cabinet: 'Shop',
        channel: 'generic',
        external_id: `EXT-${seq}`,
        product_name: 'Кружка',
        sku: 'MUG-1',
        quantity: 1,
        amount_minor: 59_000,
        currency: 'RUB',
        ...payload,
      },
    });

  beforeAll(async () => {
    tgServer = await tg.listen();
    server = await startTestServer(t.database);
    telegram = telegramSender(telegramApi({ token: tg.token, apiRoot: tgServer.url, timeoutSeconds: 1 }));
    for (const [id, name] of [
      [RU, 'Ольга'],
      [EN, 'Peter'],
      [QUIET, 'Тихон'],
    ] as const)
      tg.state.addUser({ id, first_name: name });
    // Not a WB cabinet: the same machinery serves any channel's account.
    accountId = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'generic',
          name: 'Shop',
          baseUrl: 'http://127.0.0.1:9',
          credentials: { apiKey: 'generic-key-notifications' },
        },
        'test',
      )
    ).id;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    tg.state.wakeAll();
    await tgServer?.close();
  });

  test('settings: the seven switches are on by default; a POST changes what it names; bad input is refused naming the field', async () => {
    for (const [telegram_id, first_name] of [
      [RU, 'Ольга'],
      [EN, 'Peter'],
      [QUIET, 'Тихон'],
    ] as const) {
      expect((await server.api('/users/', { method: 'POST', json: { telegram_id, first_name } })).status).toBe(201);
    }
    const find = async (tid: number) =>
      (await rows<{ id: number }>(server.hub.db, sql`select id from users where telegram_id = ${tid}`))[0].id;
    Object.assign(users, { ru: await find(RU), en: await find(EN), quiet: await find(QUIET) });

    const defaults = await server.api(`/api/v1/notifications/settings?telegram_id=${RU}`);
    expect(defaults.status).toBe(200);
    expect(defaults.body).toMatchObject({
      notifications_enabled: true,
      new_orders_enabled: true,
      order_buyouts_enabled: true,
      order_cancellations_enabled: true,
      order_returns_enabled: true,
      negative_reviews_enabled: true,
      critical_stocks_enabled: true,
      negative_review_max_rating: 3,
      critical_stock_threshold: 5,
      language: 'ru',
    });

    const changed = await server.api(`/api/v1/notifications/settings?telegram_id=${EN}`, {
      method: 'POST',
      json: { new_orders_enabled: false, negative_review_max_rating: 2, language: 'en' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      new_orders_enabled: false,
      order_buyouts_enabled: true,
      negative_review_max_rating: 2,
      language: 'en',
    });
    expect((await server.api(`/api/v1/notifications/settings?user_id=${users.en}`)).body).toMatchObject({
      new_orders_enabled: false,
      language: 'en',
    });
    // The seed's body: all seven at once.
    const seedBody = {
      notifications_enabled: false,
      new_orders_enabled: true,
      order_buyouts_enabled: true,
      order_cancellations_enabled: true,
      order_returns_enabled: true,
      negative_reviews_enabled: true,
      critical_stocks_enabled: true,
    };
    expect(
      (await server.api(`/api/v1/notifications/settings?telegram_id=${QUIET}`, { method: 'POST', json: seedBody }))
        .body,
    ).toMatchObject(seedBody);

    const unknown = await server.api(`/api/v1/notifications/settings?telegram_id=${RU}`, {
      method: 'POST',
      json: { colour: true },
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.error)).toContain('colour');
    const outOfRange = await server.api(`/api/v1/notifications/settings?telegram_id=${RU}`, {
      method: 'POST',
      json: { negative_review_max_rating: 9 },
    });
    expect(outOfRange.status).toBe(400);
    expect(JSON.stringify(outOfRange.body.error)).toContain('negative_review_max_rating');
    expect((await server.api('/api/v1/notifications/settings?telegram_id=99999')).body.error.code).toBe(
      'USER_NOT_FOUND',
    );
    expect((await server.api('/api/v1/notifications/settings')).status).toBe(400);
  });

  test('each member whose switches let it through gets one delivery per event; a second record of the same event makes none', async () => {
    await server.hub.db.transaction(async (tx) => {
      for (const id of Object.values(users)) await addMember(tx, accountId, id);
    });
    const order = await event('new_order');
    // EN turned new orders off; QUIET turned everything off.
    expect(order?.deliveries).toBe(1);
    const review3 = await event('negative_review', { rating: 3, text: 'so-so' });
    expect(review3?.deliveries).toBe(1); // EN counts only 1–2 stars as negative
    const review2 = await event('negative_review', { rating: 2 });
    expect(review2?.deliveries).toBe(2);
    // A service message goes to everyone, whatever the switches.
    expect((await event('cabinet_invalid', { reason: 'key revoked' }))?.deliveries).toBe(3);
    const again = await recordEvent(server.hub.db, {
      accountId,
      type: 'new_order',
      dedupKey: `test:new_order:1`,
      occurredAt: new Date().toISOString(),
      payload: {},
    });
    expect(again).toBeNull();
    expect(await count()).toBe(7);
    await drain();
    expect(tg.state.sentTo(RU).map((m) => m.text?.split('\n')[0])).toEqual([
      '📦 Новый заказ',
      '⭐ Негативный отзыв',
      '⭐ Негативный отзыв',
      '⚠️ Кабинет отключён',
    ]);
    // English by the user's setting.
    expect(tg.state.sentTo(EN).map((m) => m.text?.split('\n')[0])).toEqual(['⭐ Negative review', '⚠️ Cabinet removed']);
    expect(tg.state.sentTo(QUIET).map((m) => m.text?.split('\n')[0])).toEqual(['⚠️ Кабинет отключён']);
    expect(tg.state.sentTo(RU)[0].text).toContain('Сумма: 590 ₽');
  });

  test('the test endpoint sends a sample of any type, in the user’s language, whatever the switches', async () => {
    const types = [
      'new_order',
      'order_buyout',
      'order_cancellation',
      'order_return',
      'negative_review',
      'critical_stock',
    ];
    for (const notification_type of types) {
      const queued = await server.api(`/api/v1/notifications/test?telegram_id=${EN}`, {
        method: 'POST',
        json: { notification_type, test_data: { order_id: 999, product_name: 'Test mug', amount: 1500, quantity: 1 } },
      });
      expect(queued.status).toBe(202);
    }
    const ru = await server.api(`/api/v1/notifications/test?telegram_id=${RU}`, {
      method: 'POST',
      json: {
        notification_type: 'order_buyout',
        test_data: { order_id: 999, product_name: 'Тестовый товар', amount: 1500, quantity: 1 },
      },
    });
    expect(ru.body).toMatchObject({ notification_type: 'order_buyout', event_type: 'buyout', status: 'queued' });
    const bad = await server.api(`/api/v1/notifications/test?telegram_id=${RU}`, {
      method: 'POST',
      json: { notification_type: 'birthday' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('notification_type');
    const before = tg.state.sentTo(EN).length;
    await drain();
    const samples = tg.state.sentTo(EN).slice(before);
    expect(samples).toHaveLength(6);
    expect(samples.every((m) => m.text?.startsWith('🧪 Test notification'))).toBe(true);
    expect(samples[1].text).toContain('💰 Order bought out');
    expect(samples[1].text).toContain('Order: 999');
    expect(samples[1].text).toContain('Amount: 1,500 ₽');
    const sample = tg.state.sentTo(RU).at(-1)!;
    expect(sample.text).toContain('🧪 Тестовое уведомление');
    expect(sample.text).toContain('Тестовый товар');
    expect((await server.api(`/api/v1/notifications/history?telegram_id=${EN}`)).body.items[0]).toMatchObject({
      type: 'critical_stock',
      status: 'sent',
      event_id: null,
    });
  });

  test('3 attempts with exponential back-off: two 500s then success; three 500s is a failure, and nothing more is sent', async () => {
    const only = async (type: 'buyout' | 'return', key: string) => {
      const recorded = await recordEvent(server.hub.db, {
        accountId,
        type,
        dedupKey: key,
        occurredAt: new Date().toISOString(),
        payload: { external_id: key },
      });
      await server.hub.db.execute(
        sql`delete from deliveries where event_id = ${recorded!.eventId} and user_id <> ${users.ru}`,
      );
      return recorded!.eventId;
    };
    const state = async (eventId: number) =>
      (
        await rows<{ status: string; attempts: number; wait: number; last_error: string | null }>(
          server.hub.db,
          sql`
        select status, attempts, extract(epoch from next_attempt_at - claimed_at)::float8 as wait, last_error from deliveries where event_id = ${eventId}`,
        )
      )[0];
    /** The back-off is stored, not slept: the test moves the clock of the row instead of waiting. */
    const dueNow = (eventId: number) =>
      server.hub.db.execute(sql`update deliveries set next_attempt_at = now() where event_id = ${eventId}`);

    tg.faults.next('500', 2, ['/bot']);
    const recovers = await only('buyout', 'B-500');
    expect(await deliverDue(server.hub, telegram, { backoffMs: 5_000 })).toMatchObject({ retried: 1 });
    expect(await state(recovers)).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await state(recovers)).wait).toBeGreaterThanOrEqual(5);
    expect(await deliverDue(server.hub, telegram, { backoffMs: 5_000 })).toMatchObject({ sent: 0 }); // not due yet
    await dueNow(recovers);
    expect(await deliverDue(server.hub, telegram, { backoffMs: 5_000 })).toMatchObject({ retried: 1 });
    expect((await state(recovers)).wait).toBeGreaterThanOrEqual(10); // doubled
    await dueNow(recovers);
    expect(await deliverDue(server.hub, telegram, { backoffMs: 5_000 })).toMatchObject({ sent: 1 });
    expect(await state(recovers)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });

    const callsBefore = sendCalls(RU).length;
    tg.faults.next('500', 3, ['/bot']);
    const doomed = await only('return', 'R-500');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await deliverDue(server.hub, telegram, { backoffMs: 5_000 });
      await dueNow(doomed);
    }
    const failed = await state(doomed);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed.last_error).toContain('Telegram 500');
    expect(sendCalls(RU).length - callsBefore).toBe(3);
    await deliverDue(server.hub, telegram);
    expect(sendCalls(RU).length - callsBefore).toBe(3);
  });

  test('Telegram’s 429 is honoured: the delivery waits retry_after and the attempt is not used up', async () => {
    tg.faults.set({ rate: 1, kinds: ['429'], retryAfterSeconds: 30, paths: ['/bot'] });
    const limited = await recordEvent(server.hub.db, {
      accountId,
      type: 'cancellation',
      dedupKey: 'test:cancellation:429',
      occurredAt: new Date().toISOString(),
      payload: { external_id: 'C-1' },
    });
    await server.hub.db.execute(
      sql`delete from deliveries where event_id = ${limited!.eventId} and user_id <> ${users.ru}`,
    );
    expect(await deliverDue(server.hub, telegram)).toMatchObject({ retried: 1, sent: 0 });
    tg.faults.set(null);
    const [row] = await rows<{ status: string; attempts: number; postponements: number; wait: number }>(
      server.hub.db,
      sql`
      select status, attempts, postponements, extract(epoch from next_attempt_at - claimed_at)::float8 as wait from deliveries where event_id = ${limited!.eventId}`,
    );
    expect(row).toMatchObject({ status: 'pending', attempts: 0, postponements: 1 });
    expect(row.wait).toBeGreaterThanOrEqual(30);
    // Not before Telegram said.
    expect(await deliverDue(server.hub, telegram)).toMatchObject({ sent: 0 });
    // … and once that time has come, it goes.
    await server.hub.db.execute(
      sql`update deliveries set next_attempt_at = now() where event_id = ${limited!.eventId}`,
    );
    expect(await deliverDue(server.hub, telegram)).toMatchObject({ sent: 1 });
    expect(
      (await rows(server.hub.db, sql`select status, attempts from deliveries where event_id = ${limited!.eventId}`))[0],
    ).toEqual({ status: 'sent', attempts: 1 });
  });

  test('a crash mid-send never sends twice: an abandoned claim and a request without an answer are not sent again', async () => {
    // A process died after claiming (the row is 'sending' and its lease ran out).
    const crashed = await recordEvent(server.hub.db, {
      accountId,
      type: 'new_order',
      dedupKey: 'test:new_order:crash',
      occurredAt: new Date().toISOString(),
      payload: { external_id: 'CRASH-1' },
    });
    await server.hub.db.execute(
      sql`update deliveries set status = 'sending', attempts = 1, claimed_at = now() - interval '3 minutes', claimed_by = 'dead-worker' where event_id = ${crashed!.eventId}`,
    );
    expect(await settleAbandoned(server.hub)).toBe(1);
    expect(await deliverDue(server.hub, telegram)).toMatchObject({ sent: 0 });
    expect(
      (await rows(server.hub.db, sql`select status from deliveries where event_id = ${crashed!.eventId}`))[0],
    ).toEqual({ status: 'uncertain' });
    // A fresh claim of a live sender is left alone.
    const live = await recordEvent(server.hub.db, {
      accountId,
      type: 'new_order',
      dedupKey: 'test:new_order:live',
      occurredAt: new Date().toISOString(),
      payload: { external_id: 'LIVE-1' },
    });
    await server.hub.db.execute(
      sql`update deliveries set status = 'sending', claimed_at = now() where event_id = ${live!.eventId}`,
    );
    expect(await settleAbandoned(server.hub)).toBe(0);
    await server.hub.db.execute(sql`update deliveries set status = 'pending' where event_id = ${live!.eventId}`);
    await drain();

    // The request left and no answer came (timeout): it may have arrived, so it is not sent again.
    tg.faults.set({ rate: 1, kinds: ['timeout'], slowMs: 2_000, paths: ['/bot'] });
    const lost = await recordEvent(server.hub.db, {
      accountId,
      type: 'buyout',
      dedupKey: 'test:buyout:lost',
      occurredAt: new Date().toISOString(),
      payload: { external_id: 'LOST-1' },
    });
    await server.hub.db.execute(
      sql`delete from deliveries where event_id = ${lost!.eventId} and user_id <> ${users.ru}`,
    );
    const calls = sendCalls(RU).length;
    expect(await deliverDue(server.hub, telegram)).toMatchObject({ uncertain: 1, sent: 0 });
    tg.faults.set(null);
    await expect.poll(() => sendCalls(RU).length, { timeout: 10_000 }).toBe(calls + 1);
    await deliverDue(server.hub, telegram);
    expect(sendCalls(RU).length).toBe(calls + 1);
    expect(
      (await rows(server.hub.db, sql`select status from deliveries where event_id = ${lost!.eventId}`))[0],
    ).toEqual({ status: 'uncertain' });
  });

  test('a delivery still waiting after a day (no sender was configured) is dropped as stale, not sent late', async () => {
    const old = await recordEvent(server.hub.db, {
      accountId,
      type: 'new_order',
      dedupKey: 'test:new_order:stale',
      occurredAt: new Date().toISOString(),
      payload: { external_id: 'OLD-1' },
    });
    await server.hub.db.execute(
      sql`update deliveries set created_at = now() - interval '25 hours' where event_id = ${old!.eventId}`,
    );
    await settleAbandoned(server.hub);
    expect(await deliverDue(server.hub, telegram)).toMatchObject({ sent: 0 });
    const [row] = await rows<{ status: string; last_error: string }>(
      server.hub.db,
      sql`select status, last_error from deliveries where event_id = ${old!.eventId}`,
    );
    expect(row.status).toBe('failed');
    expect(row.last_error).toMatch(/stale/);
  });

  test('several senders at once send each message once', async () => {
    const before = { ru: tg.state.sentTo(RU).length, quiet: tg.state.sentTo(QUIET).length };
    for (let i = 0; i < 12; i++) await event('cabinet_invalid', { cabinet: `Cab ${i}` });
    const passes = await Promise.all(
      [1, 2, 3].map((n) => deliverDue(server.hub, telegram, { workerId: `w${n}`, batchSize: 5 })),
    );
    await drain();
    expect(passes.reduce((a, p) => a + p.sent, 0)).toBeGreaterThan(0);
    const sentRu = tg.state
      .sentTo(RU)
      .slice(before.ru)
      .map((m) => m.text);
    expect(sentRu).toHaveLength(12);
    expect(new Set(sentRu).size).toBe(12);
    expect(tg.state.sentTo(QUIET).length - before.quiet).toBe(12);
    expect(
      await count(
        sql`status = 'sent' and attempts > 1 and event_id in (select id from events where dedup_key like 'test:cabinet_invalid:%')`,
      ),
    ).toBe(0);
    expect(checkTelegramLog(tg.log.filter((e) => e.status !== 504))).toEqual([]);
  });

  test('BOT_WEBHOOK_URL sends the notifications to the seed’s bot as JSON instead, with the same retries', async () => {
    const received: { secret: string | null; body: Record<string, unknown> }[] = [];
    let answers = [503];
    const hook = serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: async (req) => {
        received.push({
          secret: req.headers.get('x-api-secret-key'),
          body: (await req.json()) as Record<string, unknown>,
        });
        return new Response(null, { status: answers.shift() ?? 200 });
      },
    });
    await new Promise<void>((r) => hook.once('listening', () => r()));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify`;
      const config = notifierConfigFromEnv({
        BOT_WEBHOOK_URL: url,
        BOT_WEBHOOK_SECRET: 'hook-secret',
        TELEGRAM_BOT_TOKEN: tg.token,
      } as NodeJS.ProcessEnv);
      const sender = senderFor(config)!;
      expect(sender.name).toBe('webhook');
      expect(() => notifierConfigFromEnv({ BOT_WEBHOOK_URL: 'bot.local/notify' } as NodeJS.ProcessEnv)).toThrow(
        /BOT_WEBHOOK_URL/,
      );

      const sent = await event('critical_stock', { product_name: 'Лампа', sku: 'LAMP-1', available: 2, threshold: 5 });
      await drain(sender);
      const bodies = received.filter((r) => r.body.event_id === sent!.eventId);
      // Two members have critical stock on (QUIET turned everything off); the first request got a 503 and was retried.
      expect(bodies).toHaveLength(sent!.deliveries + 1);
      expect(bodies.every((b) => b.secret === 'hook-secret')).toBe(true);
      const ok = bodies.find((b) => b.body.telegram_id === RU)!.body;
      expect(ok).toMatchObject({
        notification_type: 'critical_stock',
        parse_mode: 'HTML',
        user_id: users.ru,
        test: false,
      });
      expect(String(ok.text)).toContain('📉 Критичный остаток');
      expect(ok.reply_markup).toEqual({ inline_keyboard: [[{ text: '📦 Остаток', callback_data: 'stock:LAMP-1' }]] });
      expect(await count(sql`event_id = ${sent!.eventId} and status = 'sent'`)).toBe(sent!.deliveries);

      answers = [400];
      const refused = await recordEvent(server.hub.db, {
        accountId,
        type: 'return',
        dedupKey: 'test:return:hook',
        occurredAt: new Date().toISOString(),
        payload: {},
      });
      await server.hub.db.execute(
        sql`delete from deliveries where event_id = ${refused!.eventId} and user_id <> ${users.ru}`,
      );
      await drain(sender);
      expect(
        (
          await rows(server.hub.db, sql`select status, attempts from deliveries where event_id = ${refused!.eventId}`)
        )[0],
      ).toEqual({ status: 'failed', attempts: 1 });
    } finally {
      await new Promise<void>((r) => hook.close(() => r()));
    }
  });

  test('messages are Russian by default and English by setting; values from outside are escaped', () => {
    const payload = {
      cabinet: 'A&B <shop>',
      channel: 'ozon',
      external_id: '123-45',
      product_name: 'Кружка "Утро"',
      quantity: 2,
      amount_minor: 123_450,
      currency: 'RUB',
    };
    const ru = formatEvent('buyout', payload, 'ru');
    expect(ru.text).toContain('<b>💰 Выкуп заказа</b>');
    expect(ru.text).toContain('A&amp;B &lt;shop&gt; (ozon)');
    expect(ru.text).toContain('&quot;Утро&quot;');
    expect(formatEvent('buyout', payload, 'en').text).toContain('Amount: <b>1,234.5 ₽</b>');
  });
});
