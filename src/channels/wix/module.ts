import type { ChannelModule } from '../core/module.ts';
import { wixConnector } from './connector.ts';
import { wixDemo } from './demo.ts';
import { wixEnvStartHook } from './env.ts';
import { wixSyncRoutes } from './routes.ts';

/** Wix Stores as Sklad assembles it (docs/decisions/120): the connector, the seed's sync route, the site from the environment. */
export const wixModule: ChannelModule = {
  connector: wixConnector,
  credentialFields: [
    {
      key: 'apiKey',
      label: { ru: 'API-ключ', en: 'API key' },
      help: {
        ru: 'Ключ из панели Wix: Настройки → API-ключи, с правами на Wix Stores',
        en: 'The key from the Wix dashboard: Settings → API Keys, with Wix Stores permissions',
      },
      secret: true,
    },
    {
      key: 'siteId',
      label: { ru: 'ID сайта', en: 'Site ID' },
      help: {
        ru: 'UUID сайта из адреса панели: manage.wix.com/dashboard/<ID сайта>',
        en: 'The site’s UUID from the dashboard URL: manage.wix.com/dashboard/<site id>',
      },
      secret: false,
    },
  ],
  settingFields: [
    {
      key: 'requestsPerSecond',
      label: { ru: 'Запросов в секунду', en: 'Requests per second' },
      help: {
        ru: 'Сколько запросов в секунду Склад отправляет Wix; пусто — обычная скорость',
        en: 'How many requests a second Sklad sends Wix; empty: the usual rate',
      },
    },
    {
      key: 'maxConcurrent',
      label: { ru: 'Одновременных запросов', en: 'Concurrent requests' },
      help: {
        ru: 'Сколько запросов может идти одновременно; пусто — обычное число',
        en: 'How many requests may run at the same time; empty: the usual number',
      },
    },
  ],
  routes: [{ name: 'wix', api: wixSyncRoutes }],
  startHooks: [wixEnvStartHook],
  demo: wixDemo,
  jobLabels: { 'wix.stock-sync': { ru: 'Остатки Wix (ежечасно)', en: 'Wix stock sync (hourly)' } },
};
