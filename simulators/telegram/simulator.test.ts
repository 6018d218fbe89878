import { Api, Bot, GrammyError } from 'grammy';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTelegramSimulator, htmlProblem } from './server.ts';
import { checkRequest, checkResponse, checkTelegramLog, loadTelegramSpec } from './spec.ts';

describe('the Telegram Bot API simulator', () => {
  const sim = createTelegramSimulator();
  let url: string;
  let close: () => Promise<void>;
  let api: Api;

  beforeAll(async () => {
    ({ url, close } = await sim.listen());
    api = new Api(sim.token, { apiRoot: url });
    sim.state.addUser({ id: 501, first_name: 'Анна', username: 'anna' });
  });
  afterAll(() => close());

  test('getMe and sendMessage answer in the {ok, result} envelope', async () => {
    expect(await api.getMe()).toMatchObject({ is_bot: true, username: sim.state.bot.username });
    const sent = await api.sendMessage(501, '<b>Новый заказ</b> &amp; ещё', {
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Заказы', callback_data: 'orders' }]] },
    });
    expect(sent.text).toBe('Новый заказ & ещё');
    expect(sim.state.sentTo(501).at(-1)).toMatchObject({ html: '<b>Новый заказ</b> &amp; ещё', parse_mode: 'HTML' });
  });

  test('refuses what Telegram refuses: an unknown chat, broken HTML, a too long button', async () => {
    await expect(api.sendMessage(999, 'hi')).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    await expect(api.sendMessage(501, 'a < b', { parse_mode: 'HTML' })).rejects.toThrow(/can't parse entities/);
    await expect(
      api.sendMessage(501, 'x', {
        reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'y'.repeat(65) }]] },
      }),
    ).rejects.toThrow(/BUTTON_DATA_INVALID/);
    expect(htmlProblem('<b>ok</b> <i>fine</i>')).toBeNull();
    expect(htmlProblem('<b>open')).toMatch(/end tag/);
  });

  test('a 429 carries parameters.retry_after', async () => {
    sim.faults.next('429', 1);
    const error = await api.sendMessage(501, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(429);
    expect((error as GrammyError).parameters.retry_after).toBeGreaterThan(0);
  });

  test('long polling: a waiting getUpdates returns as soon as a person writes; the offset confirms', async () => {
    const waiting = api.getUpdates({ timeout: 20 });
    setTimeout(() => sim.state.sendText(501, '/start'), 50);
    const updates = await waiting;
    expect(updates).toHaveLength(1);
    expect(updates[0].message).toMatchObject({
      text: '/start',
      entities: [{ type: 'bot_command', offset: 0, length: 6 }],
    });
    expect(await api.getUpdates({ offset: updates[0].update_id + 1, timeout: 0 })).toEqual([]);
  });

  test('a grammY bot answers a command and a button press over long polling', async () => {
    const bot = new Bot(sim.token, { client: { apiRoot: url } });
    bot.command('ping', (ctx) =>
      ctx.reply('pong', { reply_markup: { inline_keyboard: [[{ text: 'again', callback_data: 'again' }]] } }),
    );
    bot.callbackQuery('again', async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'ok' });
      await ctx.editMessageText('pong again');
    });
    const running = bot.start({ timeout: 1 });
    sim.state.sendText(501, '/ping');
    const reply = await waitFor(() => sim.state.sentTo(501).find((m) => m.text === 'pong'));
    sim.state.pressButton(501, reply.message_id, 'again');
    await waitFor(() => sim.state.sentTo(501).find((m) => m.text === 'pong again'));
    await bot.stop();
    await running;
    expect(sim.state.callbackAnswers.at(-1)).toMatchObject({ text: 'ok' });
  });

  test('webhook mode: updates are POSTed with the secret token; getUpdates is refused meanwhile', async () => {
    const received: { secret: string | null; body: unknown }[] = [];
    const { serve } = await import('@hono/node-server');
    const server = serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: async (req) => {
        received.push({ secret: req.headers.get('x-telegram-bot-api-secret-token'), body: await req.json() });
        return new Response('ok');
      },
    });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const port = (server.address() as { port: number }).port;
    await api.setWebhook(`http://127.0.0.1:${port}/hook`, { secret_token: 'sekret_1' });
    await expect(api.getUpdates()).rejects.toMatchObject({ error_code: 409 });
    sim.state.sendText(501, 'hello');
    const got = await waitFor(() => received[0]);
    expect(got.secret).toBe('sekret_1');
    expect(got.body).toMatchObject({ message: { text: 'hello' } });
    await api.deleteWebhook();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('a person’s photo can be fetched with getFile and downloaded', async () => {
    sim.state.sendPhoto(501, new Uint8Array([1, 2, 3]));
    const [update] = await api.getUpdates({ timeout: 0 });
    const file = await api.getFile(update.message!.photo![0].file_id);
    const res = await fetch(`${url}/file/bot${sim.token}/${file.file_path}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    await api.getUpdates({ offset: update.update_id + 1, timeout: 0 });
  });

  test('the checker finds missing, unknown and mistyped fields', () => {
    const spec = loadTelegramSpec();
    expect(checkRequest(spec, 'sendMessage', { chat_id: 1, text: 'x' })).toEqual([]);
    expect(checkRequest(spec, 'sendMessage', { chat_id: 1 })).toEqual([expect.stringMatching(/text is missing/)]);
    expect(checkRequest(spec, 'sendMessage', { chat_id: 1, text: 'x', colour: 'red' })).toEqual([
      expect.stringMatching(/unknown field colour/),
    ]);
    expect(checkRequest(spec, 'sendMessage', { chat_id: 1.5, text: 'x' })).not.toEqual([]);
    expect(checkResponse(spec, 'getMe', { ok: true, result: { id: 1, is_bot: true } })).toEqual([
      expect.stringMatching(/first_name is missing/),
    ]);
    expect(
      checkResponse(spec, 'sendMessage', {
        ok: false,
        error_code: 429,
        description: 'x',
        parameters: { retry_after: 'soon' },
      }),
    ).not.toEqual([]);
  });

  test('every exchange of this file conforms to api.json', () => {
    expect(sim.log.length).toBeGreaterThan(10);
    expect(checkTelegramLog(sim.log)).toEqual([]);
  });
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > until) throw new Error('waited in vain');
    await new Promise((r) => setTimeout(r, 20));
  }
}
