import { Hono } from 'hono';
import { webhookCallback, type Bot } from 'grammy';
import type { Hub } from '../../hub.ts';
import { errorBody } from '../../http/errors.ts';
import type { AppEnv } from '../../http/router.ts';

/**
 * Telegram's webhook (TELEGRAM_WEBHOOK_URL must point at /telegram/webhook): a public route
 * that checks the X-Telegram-Bot-Api-Secret-Token header setWebhook was given. Without a
 * bot running in webhook mode it answers 503.
 */

let current: { handle: (c: never) => Promise<Response> } | null = null;

export function setWebhookBot(bot: Bot | null, secretToken: string) {
  current = bot ? { handle: webhookCallback(bot, 'hono', { secretToken }) as never } : null;
}

export function telegramWebhookRoutes(_hub: Hub) {
  const app = new Hono<AppEnv>();
  app.post('/telegram/webhook', async (c) => {
    if (!current) return c.json(errorBody('NOT_READY', 'The bot is not running in webhook mode'), 503);
    return current.handle(c as never);
  });
  return app;
}
