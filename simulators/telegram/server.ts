import type { Context } from 'hono';
import { createSimulator, type RateLimit, type Simulator } from '../toolkit/index.ts';
import { loadTelegramSpec } from './spec.ts';
import { TelegramState, type SentMessage, type TgInlineKeyboard, type TgUpdate } from './state.ts';

/**
 * The Telegram Bot API as ../shared/specs/telegram/api.json describes it, enough for Sklad's
 * bot and notifier: getMe, getUpdates (offset, long-poll timeout), sendMessage, sendPhoto (by
 * file id or URL), editMessageText, editMessageReplyMarkup, deleteMessage,
 * answerCallbackQuery, setWebhook/deleteWebhook/getWebhookInfo, setMyCommands, getFile and
 * the file download. Answers use the {ok, result} envelope; errors are
 * {ok: false, error_code, description, parameters?: {retry_after}} as Telegram writes them.
 * Like Telegram it refuses HTML it cannot parse and a message to a chat it does not know.
 */

export interface TelegramSimulatorOptions {
  token?: string;
  state?: TelegramState;
  /** Telegram's own limits are ~30 messages a second per bot; tests set lower ones to see 429s. */
  rateLimits?: RateLimit[];
}

export interface TelegramSimulator extends Simulator {
  state: TelegramState;
  token: string;
}

type Params = Record<string, unknown>;

class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const bad = (description: string) => new BotApiError(400, `Bad Request: ${description}`);

/** Telegram's HTML subset: known tags, balanced, entities escaped. */
const htmlTags = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

export function htmlProblem(text: string): string | null {
  const stack: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-zA-Z-]*)([^<>]*)>|<|&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)/g)) {
    if (match[0] === '<' || match[0] === '&')
      return `can't parse entities: unescaped "${match[0]}" at byte offset ${match.index}`;
    const [, closing, tag] = match;
    if (!htmlTags.has(tag.toLowerCase()))
      return `can't parse entities: unsupported start tag "${tag}" at byte offset ${match.index}`;
    if (closing) {
      if (stack.pop() !== tag.toLowerCase())
        return `can't parse entities: can't find end tag corresponding to start tag "${tag}"`;
    } else stack.push(tag.toLowerCase());
  }
  return stack.length ? `can't parse entities: can't find end tag corresponding to start tag "${stack.at(-1)}"` : null;
}

async function readParams(c: Context): Promise<Params> {
  const params: Params = {};
  for (const [k, v] of Object.entries(c.req.query())) params[k] = parseLoose(v);
  const type = c.req.header('content-type') ?? '';
  if (c.req.method === 'POST') {
    if (type.includes('application/json')) Object.assign(params, (await c.req.json().catch(() => ({}))) as Params);
    else if (type.includes('form')) {
      const form = await c.req.parseBody();
      for (const [k, v] of Object.entries(form)) params[k] = typeof v === 'string' ? parseLoose(v) : v;
    }
  }
  return params;
}

/** Form and query values are text; Telegram reads JSON-serialised objects and numbers out of them. */
function parseLoose(v: string): unknown {
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^[[{]/.test(v) || v === 'true' || v === 'false') {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

function specIfPresent() {
  try {
    return loadTelegramSpec();
  } catch {
    return undefined;
  }
}

export function createTelegramSimulator(options: TelegramSimulatorOptions = {}): TelegramSimulator {
  const token = options.token ?? '7000000001:AAsimulatedTelegramBotTokenForSklad00';
  const state = options.state ?? new TelegramState({ id: Number(token.split(':')[0]) || undefined });
  // The spec sits beside the project (../shared/specs); a clone without it still runs the demo,
  // checking only what each handler checks itself.
  const spec = specIfPresent();
  const sim = createSimulator({
    name: 'telegram',
    rateLimits: options.rateLimits,
    tooManyRequests: (c, retryAfter) =>
      c.json(
        {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${retryAfter}`,
          parameters: { retry_after: retryAfter },
        },
        429,
      ),
    serverError: (c, status) => c.json({ ok: false, error_code: status, description: 'Internal Server Error' }, status),
  });
  const { app } = sim;

  const requireText = (p: Params, field: string, what: string) => {
    if (typeof p[field] !== 'string' || !(p[field] as string).length) throw bad(`${what} is empty`);
    return p[field] as string;
  };
  const chatOf = (p: Params) => {
    const id = Number(p.chat_id);
    if (!Number.isSafeInteger(id) || !state.users.has(id)) throw bad('chat not found');
    if (state.blocked.has(id)) throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
    return id;
  };
  const checkMarkup = (markup: unknown): TgInlineKeyboard | undefined => {
    if (markup === undefined) return undefined;
    const keyboard = (markup as TgInlineKeyboard)?.inline_keyboard;
    if (!Array.isArray(keyboard)) throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
    for (const button of keyboard.flat()) {
      if (!button.text) throw bad('text buttons are unallowed in the inline keyboard');
      if (button.callback_data !== undefined && (Buffer.byteLength(button.callback_data) > 64 || !button.callback_data))
        throw bad('BUTTON_DATA_INVALID');
    }
    return markup as TgInlineKeyboard;
  };
  const checkText = (text: string, parseMode: unknown, limit: number) => {
    if (text.length > limit) throw bad(limit === 4096 ? 'message is too long' : 'message caption is too long');
    if (parseMode !== undefined && parseMode !== 'HTML' && parseMode !== 'MarkdownV2' && parseMode !== 'Markdown')
      throw bad(`unsupported parse_mode "${String(parseMode)}"`);
    if (parseMode === 'HTML') {
      const problem = htmlProblem(text);
      if (problem) throw bad(problem);
    }
  };
  /** The message as the Bot API returns it (without our bookkeeping). */
  const view = (m: SentMessage) => {
    const { parse_mode: _p, deleted: _d, html: _h, ...rest } = m;
    return rest;
  };
  const botMessage = (chatId: number, p: Params) => {
    const message: SentMessage = {
      message_id: state.newMessageId(),
      from: state.bot,
      chat: state.chatOf(state.user(chatId)),
      date: Math.floor(Date.now() / 1000),
    };
    const markup = checkMarkup(p.reply_markup);
    if (markup) message.reply_markup = markup;
    if (typeof p.parse_mode === 'string') message.parse_mode = p.parse_mode;
    return message;
  };
  /** Text as the user sees it: HTML tags stripped, entities decoded. */
  const plain = (text: string, parseMode: unknown) =>
    parseMode === 'HTML'
      ? text
          .replace(/<[^>]+>/g, '')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
      : text;

  const methods: Record<string, (p: Params, c: Context) => unknown | Promise<unknown>> = {
    getMe: () => ({
      ...state.bot,
      can_join_groups: false,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    }),
    async getUpdates(p, c) {
      if (state.webhook)
        throw new BotApiError(
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
      const timeout = Math.min(50, Math.max(0, Number(p.timeout ?? 0)));
      return state.takeUpdates(
        p.offset === undefined ? undefined : Number(p.offset),
        limit,
        timeout * 1000,
        c.req.raw.signal,
      );
    },
    sendMessage(p) {
      const chatId = chatOf(p);
      const text = requireText(p, 'text', 'message text');
      checkText(text, p.parse_mode, 4096);
      const message: SentMessage = { ...botMessage(chatId, p), text: plain(text, p.parse_mode), html: text };
      state.store(chatId, message);
      return view(message);
    },
    sendPhoto(p) {
      const chatId = chatOf(p);
      if (typeof p.photo !== 'string' || !p.photo) throw bad('there is no photo in the request');
      if (typeof p.caption === 'string') checkText(p.caption, p.parse_mode, 1024);
      const message = {
        ...botMessage(chatId, p),
        photo: [{ file_id: p.photo, file_unique_id: `u${p.photo.length}`, width: 800, height: 600 }],
      } as SentMessage;
      if (typeof p.caption === 'string') message.caption = plain(p.caption, p.parse_mode);
      state.store(chatId, message);
      return view(message);
    },
    editMessageText(p) {
      const chatId = chatOf(p);
      const message = state.message(chatId, Number(p.message_id));
      if (!message || message.from?.id !== state.bot.id) throw bad('message to edit not found');
      const text = requireText(p, 'text', 'message text');
      checkText(text, p.parse_mode, 4096);
      const markup = checkMarkup(p.reply_markup);
      if (message.html === text && JSON.stringify(markup) === JSON.stringify(message.reply_markup)) {
        throw bad(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      message.text = plain(text, p.parse_mode);
      message.parse_mode = p.parse_mode as string | undefined;
      message.html = text;
      message.edit_date = Math.floor(Date.now() / 1000);
      if (markup) message.reply_markup = markup;
      else delete message.reply_markup;
      return view(message);
    },
    editMessageReplyMarkup(p) {
      const chatId = chatOf(p);
      const message = state.message(chatId, Number(p.message_id));
      if (!message || message.from?.id !== state.bot.id) throw bad('message to edit not found');
      const markup = checkMarkup(p.reply_markup);
      if (markup) message.reply_markup = markup;
      else delete message.reply_markup;
      message.edit_date = Math.floor(Date.now() / 1000);
      return view(message);
    },
    deleteMessage(p) {
      const chatId = chatOf(p);
      const message = state.message(chatId, Number(p.message_id));
      if (!message) throw bad('message to delete not found');
      message.deleted = true;
      return true;
    },
    answerCallbackQuery(p) {
      if (typeof p.callback_query_id !== 'string' || !p.callback_query_id)
        throw bad('query is too old and response timeout expired or query ID is invalid');
      state.callbackAnswers.push({
        callback_query_id: p.callback_query_id,
        ...(typeof p.text === 'string' ? { text: p.text } : {}),
      });
      return true;
    },
    setWebhook(p) {
      if (typeof p.url !== 'string') throw bad('url is empty');
      if (p.url && !/^https?:\/\//.test(p.url)) throw bad('bad webhook: An HTTPS URL must be provided for webhook');
      if (p.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(p.secret_token)))
        throw bad('secret token contains unallowed characters');
      state.webhook = p.url
        ? { url: p.url, ...(p.secret_token ? { secret_token: String(p.secret_token) } : {}) }
        : null;
      if (p.drop_pending_updates) state.dropPending();
      return true;
    },
    deleteWebhook(p) {
      state.webhook = null;
      if (p.drop_pending_updates) state.dropPending();
      return true;
    },
    getWebhookInfo: () => ({
      url: state.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: state.pendingUpdates,
    }),
    setMyCommands(p) {
      if (!Array.isArray(p.commands)) throw bad('commands is empty');
      return true;
    },
    getFile(p) {
      const file = state.files.get(String(p.file_id));
      if (!file) throw bad('invalid file_id');
      return {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.bytes.length,
        file_path: file.file_path,
      };
    },
  };

  app.get('/file/*', (c) => {
    const [, fileToken, filePath] = /^\/file\/bot([^/]+)\/(.+)$/.exec(c.req.path) ?? [];
    if (fileToken !== token) return c.json({ ok: false, error_code: 401, description: 'Unauthorized' }, 401);
    const file = [...state.files.values()].find((f) => f.file_path === filePath);
    if (!file) return c.json({ ok: false, error_code: 404, description: 'Not Found' }, 404);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'image/jpeg' });
  });

  app.on(['GET', 'POST'], '/:botToken/:method', async (c) => {
    const botToken = c.req.param('botToken');
    if (!botToken.startsWith('bot')) return c.json({ ok: false, error_code: 404, description: 'Not Found' }, 404);
    if (botToken.slice(3) !== token) return c.json({ ok: false, error_code: 401, description: 'Unauthorized' }, 401);
    const name = c.req.param('method');
    const handler = methods[name];
    if (!handler) return c.json({ ok: false, error_code: 404, description: 'Not Found: method not found' }, 404);
    try {
      const params = await readParams(c);
      const missing = (spec?.methods[name]?.fields ?? []).find((f) => f.required && params[f.name] === undefined);
      if (missing) throw bad(`parameter "${missing.name}" is required`);
      return c.json({ ok: true, result: await handler(params, c) });
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error;
      const body = {
        ok: false,
        error_code: error.code,
        description: error.description,
        ...(error.retryAfter ? { parameters: { retry_after: error.retryAfter } } : {}),
      };
      return c.json(body, error.code as 400);
    }
  });

  // Updates go to the webhook as Telegram sends them: a POST with the secret token header.
  state.onUpdate = (update: TgUpdate) => {
    const hook = state.webhook;
    if (!hook) return;
    void (async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await fetch(hook.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(hook.secret_token ? { 'x-telegram-bot-api-secret-token': hook.secret_token } : {}),
            },
            body: JSON.stringify(update),
          });
          webhookDeliveries.push({ update_id: update.update_id, status: res.status });
          await res.body?.cancel().catch(() => {});
          if (res.ok) return;
        } catch {
          webhookDeliveries.push({ update_id: update.update_id, status: 0 });
        }
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    })();
  };
  const webhookDeliveries: { update_id: number; status: number }[] = [];

  // Test controls for other processes (the demo); in-process tests use `state` directly.
  app.post('/__sim/telegram/users/:id/messages', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { text?: string; first_name?: string; username?: string };
    const id = Number(c.req.param('id'));
    if (!state.users.has(id)) state.addUser({ id, first_name: body.first_name, username: body.username });
    return c.json(state.sendText(id, body.text ?? '/start'));
  });
  app.post('/__sim/telegram/users/:id/callbacks', async (c) => {
    const body = (await c.req.json()) as { message_id: number; data: string };
    return c.json({ id: state.pressButton(Number(c.req.param('id')), body.message_id, body.data) });
  });
  app.get('/__sim/telegram/chats/:id', (c) => c.json(state.sentTo(Number(c.req.param('id')))));
  // A user blocks the bot ({"blocked": false} unblocks): messages to him are refused with 403, as Telegram does.
  app.post('/__sim/telegram/users/:id/block', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { blocked?: boolean };
    const id = Number(c.req.param('id'));
    if (body.blocked === false) state.blocked.delete(id);
    else state.blocked.add(id);
    return c.json({ id, blocked: state.blocked.has(id) });
  });

  return Object.assign(sim, { state, token, webhookDeliveries });
}
