import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Bot } from 'grammy';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { createSkladBot } from './bot/bot.ts';
import { setWebhookBot } from './bot/webhook.ts';
import { hasDemoPeople, startDemoTelegram, type DemoTelegram } from './demo.ts';
import { deliverDue, settleAbandoned } from './delivery.ts';
import { detectAll, detectEvents } from './detector.ts';
import { telegramApi, telegramSender, webhookSender, type Sender } from './sender.ts';
import { liveSender } from './test-send.ts';

/**
 * What `sklad start` runs for seed 001 (docs/decisions/080):
 *   the notifier loop — detection right after every finished pull (a sync run newer than the
 *   cabinet's last check), a full pass every NOTIFY_DETECT_SECONDS (60) for changes made
 *   outside pulls, and the sending of due deliveries;
 *   the bot — long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set.
 * Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT (our simulator in the demo),
 * BOT_WEBHOOK_URL (send notifications there as JSON instead of Telegram),
 * TELEGRAM_WEBHOOK_URL + TELEGRAM_WEBHOOK_SECRET (the bot's updates by webhook).
 */

export interface NotifierConfig {
  telegramToken?: string;
  telegramApiRoot?: string;
  botWebhookUrl?: string;
  botWebhookSecret?: string;
  telegramWebhookUrl?: string;
  telegramWebhookSecret?: string;
  detectEveryMs: number;
  pollMs: number;
  backoffMs: number;
  /** Run the bot (default when a token is set). */
  bot: boolean;
}

export function notifierConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const url = (name: string) => {
    const value = env[name]?.trim();
    if (value && !/^https?:\/\//.test(value))
      throw new Error(`Invalid configuration: ${name} must be an http(s) URL, got "${value}"`);
    return value || undefined;
  };
  const seconds = Number(env.NOTIFY_DETECT_SECONDS ?? 60);
  if (!Number.isFinite(seconds) || seconds < 1)
    throw new Error(`Invalid configuration: NOTIFY_DETECT_SECONDS must be a number of seconds ≥ 1`);
  const telegramWebhookUrl = url('TELEGRAM_WEBHOOK_URL');
  return {
    telegramToken: env.TELEGRAM_BOT_TOKEN?.trim() || undefined,
    telegramApiRoot: url('TELEGRAM_API_ROOT'),
    botWebhookUrl: url('BOT_WEBHOOK_URL'),
    botWebhookSecret: env.BOT_WEBHOOK_SECRET?.trim() || undefined,
    telegramWebhookUrl,
    telegramWebhookSecret:
      env.TELEGRAM_WEBHOOK_SECRET?.trim() ||
      (telegramWebhookUrl ? crypto.randomBytes(24).toString('base64url') : undefined),
    detectEveryMs: seconds * 1000,
    pollMs: 1000,
    backoffMs: 2000,
    bot: env.TELEGRAM_BOT !== '0',
  };
}

export function senderFor(config: NotifierConfig): Sender | null {
  if (config.botWebhookUrl) return webhookSender(config.botWebhookUrl, { secret: config.botWebhookSecret });
  if (config.telegramToken)
    return telegramSender(telegramApi({ token: config.telegramToken, apiRoot: config.telegramApiRoot }));
  return null;
}

/** Cabinets with a pull that finished after their last check: detected at once, not a minute later. */
async function freshlyPulled(hub: Hub): Promise<number[]> {
  const found = await rows<{ account_id: number }>(
    hub.db,
    sql`
    select w.account_id from notification_watch w
     where exists (select 1 from sync_runs r where r.account_id = w.account_id and r.finished_at is not null
                     and r.type not in ('channels.push', 'channels.reconcile')
                     -- started_at bounds the index scan: no pull runs for a day (jobs time out long before)
                     and r.started_at > coalesce(w.checked_at, w.baseline_at, '-infinity'::timestamptz) - interval '1 day'
                     and r.finished_at > coalesce(w.checked_at, w.baseline_at, '-infinity'::timestamptz))`,
  );
  return found.map((r) => r.account_id);
}

/** One turn of the loop; exported for tests, which drive it step by step. */
export async function notifierTick(
  hub: Hub,
  sender: Sender | null,
  options: { full?: boolean; backoffMs?: number } = {},
) {
  const detected = options.full ? await detectAll(hub) : [];
  if (!options.full)
    for (const accountId of await freshlyPulled(hub)) detected.push(await detectEvents(hub, accountId));
  const delivered = sender ? await deliverDue(hub, sender, { backoffMs: options.backoffMs }) : null;
  return { detected, delivered };
}

export function startNotifierLoop(
  hub: Hub,
  sender: Sender | null,
  config: Pick<NotifierConfig, 'detectEveryMs' | 'pollMs' | 'backoffMs'>,
): () => Promise<void> {
  let stopped = false;
  let lastFull = 0;
  let lastSettle = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        if (Date.now() - lastSettle > 30_000) {
          lastSettle = Date.now();
          await settleAbandoned(hub);
        }
        const full = Date.now() - lastFull >= config.detectEveryMs;
        if (full) lastFull = Date.now();
        await notifierTick(hub, sender, { full, backoffMs: config.backoffMs });
      } catch (error) {
        hub.logger.error({ err: error }, 'notifications: notifier pass failed');
      }
      await new Promise((r) => setTimeout(r, config.pollMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** Starts the bot: long polling, or the webhook route with its secret token. */
export async function startBot(hub: Hub, config: NotifierConfig): Promise<{ bot: Bot; stop: () => Promise<void> }> {
  const bot = createSkladBot(hub, { token: config.telegramToken!, apiRoot: config.telegramApiRoot });
  await bot.api
    .setMyCommands([
      { command: 'start', description: 'Start / начать' },
      { command: 'orders', description: 'Orders / заказы' },
      { command: 'sales', description: 'Sales / продажи' },
      { command: 'stats', description: 'Statistics / статистика' },
      { command: 'stock', description: 'Stock of a SKU / остаток' },
      { command: 'settings', description: 'Notifications / уведомления' },
      { command: 'cabinets', description: 'Cabinets / кабинеты' },
      { command: 'add_wb', description: 'Add a WB cabinet / добавить кабинет WB' },
      { command: 'edit', description: 'Edit a product / изменить товар' },
      { command: 'writeoff', description: 'Write stock off / списать' },
      { command: 'link', description: 'Link a Sklad API key / привязать ключ' },
      { command: 'language', description: 'ru | en' },
      { command: 'help', description: 'Help / помощь' },
    ])
    .catch((error) => hub.logger.warn({ err: error }, 'telegram: setMyCommands failed'));
  if (config.telegramWebhookUrl) {
    await bot.init();
    setWebhookBot(bot, config.telegramWebhookSecret!);
    await bot.api.setWebhook(config.telegramWebhookUrl, {
      secret_token: config.telegramWebhookSecret,
      allowed_updates: ['message', 'callback_query'],
    });
    hub.logger.info({ url: config.telegramWebhookUrl }, 'telegram bot: webhook set');
    return { bot, stop: async () => setWebhookBot(null, '') };
  }
  const running = bot.start({
    allowed_updates: ['message', 'callback_query'],
    onStart: (me) => hub.logger.info({ bot: me.username }, 'telegram bot: long polling'),
  });
  running.catch((error) => hub.logger.error({ err: error }, 'telegram bot: polling stopped'));
  return {
    bot,
    stop: async () => {
      await bot.stop();
      await running.catch(() => {});
    },
  };
}

/** Where notifications go in this process, for the panel: set when the notifier starts. */
export const notifierStatus: {
  running: boolean;
  sender: 'telegram' | 'webhook' | 'none';
  target: string | null;
  demo: boolean;
  bot: boolean;
} = {
  running: false,
  sender: 'none',
  target: null,
  demo: false,
  bot: false,
};

/**
 * The notifier and the bot (`sklad start` and `sklad notifier`). With nothing configured and
 * the demo on and set up, both talk to the Telegram simulator this process starts
 * (src/notifications/demo.ts).
 */
export async function startNotifications(hub: Hub, env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  const config = notifierConfigFromEnv(env);
  let demo: DemoTelegram | null = null;
  if (!config.telegramToken && !config.botWebhookUrl && hub.config.SKLAD_DEMO === '1' && (await hasDemoPeople(hub))) {
    demo = await startDemoTelegram(hub);
    config.telegramToken = demo.token;
    config.telegramApiRoot = demo.url;
    hub.logger.info(
      { url: demo.url, chats: `${demo.url}/__sim/telegram/chats/<telegram id>` },
      'notifications: demo Telegram simulator started',
    );
  }
  const sender = senderFor(config);
  if (!sender)
    hub.logger.warn(
      'notifications: neither TELEGRAM_BOT_TOKEN nor BOT_WEBHOOK_URL is set; events are recorded, not sent',
    );
  const stopLoop = startNotifierLoop(hub, sender, config);
  liveSender.current = sender;
  const bot = config.telegramToken && config.bot ? await startBot(hub, config) : null;
  Object.assign(notifierStatus, {
    running: true,
    sender: sender ? (config.botWebhookUrl ? 'webhook' : 'telegram') : 'none',
    target:
      config.botWebhookUrl ?? (config.telegramToken ? (config.telegramApiRoot ?? 'https://api.telegram.org') : null),
    demo: !!demo,
    bot: !!bot,
  });
  return async () => {
    await bot?.stop();
    await stopLoop();
    if (liveSender.current === sender) liveSender.current = null;
    await demo?.close();
    notifierStatus.running = false;
  };
}

/** For src/cli/start-hooks.ts. */
export const notificationsStartHook = (hub: Hub) => startNotifications(hub);
