import { Api, GrammyError, HttpError } from 'grammy';
import type { EventType, OutgoingMessage } from './messages.ts';

/**
 * Where a notification goes: the Telegram Bot API (`sendMessage`, HTML, inline buttons) or,
 * when BOT_WEBHOOK_URL is set, the seed's own bot as JSON by webhook. A sender tells exactly
 * how a failure ended, because the delivery loop sends at most once (docs/decisions/081).
 */

export interface Recipient {
  userId: number;
  telegramId: number;
}

export interface SendMeta {
  deliveryId: number;
  type: EventType;
  eventId: number | null;
  test: boolean;
}

export interface Sender {
  name: string;
  /** Resolves with the message id (Telegram) or null (webhook); throws a SendFailure. */
  send(to: Recipient, message: OutgoingMessage, meta: SendMeta): Promise<{ messageId: number | null }>;
}

/**
 * retry: surely not delivered, may succeed later (5xx, refused connection).
 * rate_limited: surely not delivered; wait `retryAfterMs` (Telegram's 429 retry_after).
 * permanent: refused for good (chat not found, bot blocked, 4xx).
 * uncertain: the request left and no answer came (timeout, reset): it may have arrived.
 */
export type FailureKind = 'retry' | 'rate_limited' | 'permanent' | 'uncertain';

export class SendFailure extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

/** Connection errors that happen before a byte of the request is sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function networkCode(error: unknown): string | undefined {
  let e = error as { code?: string; errno?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.code) return e.code;
    if (typeof e.errno === 'string') return e.errno;
    e = e.cause as typeof e;
  }
  return undefined;
}

export interface TelegramOptions {
  token: string;
  /** TELEGRAM_API_ROOT: our simulator in tests and the demo; api.telegram.org otherwise. */
  apiRoot?: string;
  timeoutSeconds?: number;
}

export function telegramApi(options: TelegramOptions): Api {
  return new Api(options.token, { apiRoot: options.apiRoot, timeoutSeconds: options.timeoutSeconds ?? 30 });
}

export function telegramSender(api: Api): Sender {
  return {
    name: 'telegram',
    async send(to, message) {
      try {
        const sent = await api.sendMessage(to.telegramId, message.text, {
          parse_mode: message.parse_mode,
          ...(message.reply_markup ? { reply_markup: message.reply_markup } : {}),
          link_preview_options: { is_disabled: true },
        });
        return { messageId: sent.message_id };
      } catch (error) {
        throw classifyTelegram(error);
      }
    },
  };
}

function classifyTelegram(error: unknown): SendFailure {
  if (error instanceof GrammyError) {
    const text = `Telegram ${error.error_code}: ${error.description}`;
    if (error.error_code === 429)
      return new SendFailure(text, 'rate_limited', (error.parameters.retry_after ?? 1) * 1000);
    if (error.error_code >= 500) return new SendFailure(text, 'retry');
    return new SendFailure(text, 'permanent');
  }
  if (error instanceof HttpError) {
    const code = networkCode(error.error);
    return new SendFailure(
      `Telegram unreachable: ${code ?? error.message}`,
      code && NOT_SENT_CODES.has(code) ? 'retry' : 'uncertain',
    );
  }
  return new SendFailure((error as Error)?.message ?? String(error), 'uncertain');
}

/** The seed's WebhookSender: one JSON POST per notification to the bot's own endpoint. */
export function webhookSender(url: string, options: { secret?: string; timeoutMs?: number } = {}): Sender {
  return {
    name: 'webhook',
    async send(to, message, meta) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.secret ? { 'x-api-secret-key': options.secret } : {}),
          },
          body: JSON.stringify({
            telegram_id: to.telegramId,
            user_id: to.userId,
            notification_type: meta.type,
            event_id: meta.eventId,
            delivery_id: meta.deliveryId,
            test: meta.test,
            ...message,
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        const code = networkCode(error);
        throw new SendFailure(
          `Bot webhook unreachable: ${code ?? (error as Error).message}`,
          code && NOT_SENT_CODES.has(code) ? 'retry' : 'uncertain',
        );
      }
      await res.body?.cancel().catch(() => {});
      if (res.ok) return { messageId: null };
      const text = `Bot webhook answered ${res.status}`;
      if (res.status === 429) {
        const seconds = Number(res.headers.get('retry-after'));
        throw new SendFailure(text, 'rate_limited', Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
      }
      throw new SendFailure(text, res.status >= 500 || res.status === 408 ? 'retry' : 'permanent');
    },
  };
}
