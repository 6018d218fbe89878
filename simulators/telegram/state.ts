/**
 * What the Telegram simulator knows: the bot, the people who wrote to it (a private chat's id
 * is the user's id), the updates waiting for getUpdates, every message in every chat, files
 * people sent, and the webhook if one is set. Test controls play the people's side: write a
 * message, send a photo, press an inline button; `sentTo` reads what the bot sent.
 */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgInlineKeyboard {
  inline_keyboard: { text: string; callback_data?: string; url?: string }[][];
}

export interface TgMessage {
  message_id: number;
  from?: TgUser;
  chat: { id: number; type: 'private'; first_name?: string; last_name?: string; username?: string };
  date: number;
  edit_date?: number;
  text?: string;
  entities?: { type: string; offset: number; length: number }[];
  photo?: { file_id: string; file_unique_id: string; width: number; height: number; file_size?: number }[];
  caption?: string;
  reply_markup?: TgInlineKeyboard;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: { id: string; from: TgUser; message?: TgMessage; chat_instance: string; data?: string };
}

/** A message as the bot sent it, with the parse mode it asked for (Telegram does not echo it). */
export interface SentMessage extends TgMessage {
  parse_mode?: string;
  /** The text as the bot wrote it (with its HTML), before Telegram parsed it. */
  html?: string;
  deleted?: boolean;
}

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  bytes: Uint8Array;
}

const now = () => Math.floor(Date.now() / 1000);

export class TelegramState {
  readonly bot: TgUser;
  readonly users = new Map<number, TgUser>();
  /** Users who blocked the bot: Telegram answers 403 "bot was blocked by the user" to a message for them. */
  readonly blocked = new Set<number>();
  /** Every message in every chat, by chat id; the bot's and the person's. */
  readonly chats = new Map<number, SentMessage[]>();
  readonly files = new Map<string, StoredFile>();
  readonly callbackAnswers: { callback_query_id: string; text?: string }[] = [];
  webhook: { url: string; secret_token?: string } | null = null;
  private pending: TgUpdate[] = [];
  private waiters = new Set<() => void>();
  private nextUpdateId = 100_000;
  private nextMessageId = 1;
  private nextFile = 1;
  /** Set by the server: pushes an update to the webhook when one is set. */
  onUpdate: (update: TgUpdate) => void = () => {};

  constructor(bot: { id?: number; username?: string; first_name?: string } = {}) {
    this.bot = {
      id: bot.id ?? 7_000_000_001,
      is_bot: true,
      first_name: bot.first_name ?? 'Sklad',
      username: bot.username ?? 'sklad_test_bot',
    };
  }

  addUser(user: {
    id: number;
    first_name?: string;
    last_name?: string;
    username?: string;
    language_code?: string;
  }): TgUser {
    const full: TgUser = { is_bot: false, first_name: user.first_name ?? `User ${user.id}`, ...user };
    this.users.set(full.id, full);
    if (!this.chats.has(full.id)) this.chats.set(full.id, []);
    return full;
  }

  user(id: number): TgUser {
    return this.users.get(id) ?? this.addUser({ id });
  }

  chatOf(user: TgUser): TgMessage['chat'] {
    return {
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      ...(user.last_name ? { last_name: user.last_name } : {}),
      ...(user.username ? { username: user.username } : {}),
    };
  }

  newMessageId() {
    return this.nextMessageId++;
  }

  /** A message in a chat (the bot's or the person's). */
  store(chatId: number, message: SentMessage) {
    const list = this.chats.get(chatId) ?? [];
    list.push(message);
    this.chats.set(chatId, list);
  }

  message(chatId: number, messageId: number): SentMessage | undefined {
    return this.chats.get(chatId)?.find((m) => m.message_id === messageId && !m.deleted);
  }

  // ── The people's side ────────────────────────────────────────────────────────────────

  /** A person writes to the bot; a leading /command is marked as a bot_command entity. */
  sendText(userId: number, text: string): TgMessage {
    const from = this.user(userId);
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    const message: TgMessage = {
      message_id: this.newMessageId(),
      from,
      chat: this.chatOf(from),
      date: now(),
      text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    };
    this.store(userId, message);
    this.push({ message });
    return message;
  }

  /** A person sends a photo (the bytes are kept for getFile and the file download). */
  sendPhoto(
    userId: number,
    bytes: Uint8Array,
    options: { caption?: string; width?: number; height?: number } = {},
  ): TgMessage {
    const from = this.user(userId);
    const n = this.nextFile++;
    const file: StoredFile = {
      file_id: `AgACAgIAAx${n}photo`,
      file_unique_id: `AQAD${n}`,
      file_path: `photos/file_${n}.jpg`,
      bytes,
    };
    this.files.set(file.file_id, file);
    const message: TgMessage = {
      message_id: this.newMessageId(),
      from,
      chat: this.chatOf(from),
      date: now(),
      photo: [
        {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          width: options.width ?? 800,
          height: options.height ?? 600,
          file_size: bytes.length,
        },
      ],
      ...(options.caption ? { caption: options.caption } : {}),
    };
    this.store(userId, message);
    this.push({ message });
    return message;
  }

  /** A person presses an inline button under one of the bot's messages. */
  pressButton(userId: number, messageId: number, data: string): string {
    const from = this.user(userId);
    const message = this.message(userId, messageId);
    if (!message) throw new Error(`No message ${messageId} in the chat with ${userId}`);
    const buttons = message.reply_markup?.inline_keyboard.flat() ?? [];
    if (!buttons.some((b) => b.callback_data === data))
      throw new Error(`Message ${messageId} has no button with data "${data}"`);
    const id = `${this.nextUpdateId}${userId}`;
    const { parse_mode: _p, deleted: _d, html: _h, ...plain } = message;
    this.push({ callback_query: { id, from, message: plain, chat_instance: `ci${userId}`, data } });
    return id;
  }

  /** What the bot sent to a chat (its own messages, as they are now), oldest first. */
  sentTo(chatId: number): SentMessage[] {
    return (this.chats.get(chatId) ?? []).filter((m) => m.from?.id === this.bot.id && !m.deleted);
  }

  // ── Updates ──────────────────────────────────────────────────────────────────────────

  private push(update: Omit<TgUpdate, 'update_id'>) {
    const full = { update_id: this.nextUpdateId++, ...update };
    if (this.webhook) {
      this.onUpdate(full);
      return;
    }
    this.pending.push(full);
    for (const wake of this.waiters) wake();
  }

  /** getUpdates: an offset confirms every update before it; waits up to `timeoutMs` when none is pending. */
  async takeUpdates(
    offset: number | undefined,
    limit: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TgUpdate[]> {
    if (offset !== undefined) this.pending = this.pending.filter((u) => u.update_id >= offset);
    if (!this.pending.length && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        this.waiters.add(done);
        signal?.addEventListener('abort', done);
      });
    }
    return this.pending.slice(0, limit);
  }

  get pendingUpdates() {
    return this.pending.length;
  }

  dropPending() {
    this.pending = [];
  }

  /** Wakes every long poll (the server is closing). */
  wakeAll() {
    for (const wake of this.waiters) wake();
  }
}
