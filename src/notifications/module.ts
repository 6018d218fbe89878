import type { ApiModule } from '../channels/core/module.ts';
import { telegramWebhookRoutes } from './bot/webhook.ts';
import { botRoutes, seedRoutes } from './routes.ts';

/** What src/http/modules.ts lists for seed 001: the seed's root paths, the bot API, Telegram's webhook. */
export const notificationModules: ApiModule[] = [
  { name: 'notifications-seed', api: seedRoutes, mount: '/' },
  { name: 'notifications', api: botRoutes },
  { name: 'telegram-webhook', public: telegramWebhookRoutes },
];
