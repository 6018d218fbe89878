import { orderWarehouseField, type ChannelModule } from '../core/module.ts';
import { allegroRefusal } from './auth.ts';
import { allegroConnector } from './connector.ts';
import { allegroDemo } from './demo.ts';
import { allegroOrderActions } from './order-actions.ts';

/** Allegro as Sklad assembles it (docs/decisions/120): the connector, the OAuth application's form, its own reading of a refusal. */
export const allegroModule: ChannelModule = {
  connector: allegroConnector,
  credentialFields: [
    {
      key: 'clientId',
      label: { ru: 'Client ID', en: 'Client ID' },
      help: {
        ru: 'Идентификатор приложения Allegro: apps.developer.allegro.pl → ваше приложение',
        en: 'The Allegro application’s id: apps.developer.allegro.pl → your application',
      },
      secret: false,
    },
    {
      key: 'clientSecret',
      label: { ru: 'Client Secret', en: 'Client secret' },
      help: { ru: 'Секрет того же приложения Allegro', en: 'The secret of the same Allegro application' },
      secret: true,
    },
    {
      key: 'refreshToken',
      label: { ru: 'Refresh token', en: 'Refresh token' },
      help: {
        ru: 'Токен, который продавец выдал приложению при подключении (OAuth); Склад сам обновляет его',
        en: 'The token the seller granted the application when connecting (OAuth); Sklad renews it itself',
      },
      secret: true,
    },
  ],
  settingFields: [
    orderWarehouseField('warehouseId'),
    {
      key: 'tokenUrl',
      label: { ru: 'Адрес получения токена', en: 'Token URL' },
      help: {
        ru: 'Нужен, только если вход не через allegro.pl (например, песочница)',
        en: 'The OAuth token endpoint, when it is not on allegro.pl (a sandbox on another host)',
      },
    },
    {
      key: 'requestsPerSecond',
      label: { ru: 'Запросов в секунду', en: 'Requests per second' },
      help: {
        ru: 'Сколько запросов в секунду Склад отправляет Allegro; пусто — обычная скорость',
        en: 'How many requests a second Sklad sends Allegro; empty: the usual rate',
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
  // Allegro's 401 refreshes the token first: only a refused refresh, or a 401 right after one, is a refusal.
  rejectedCredentials: allegroRefusal,
  orderActions: allegroOrderActions,
  demo: allegroDemo,
  jobLabels: { 'allegro.order-events': { ru: 'Заказы Allegro', en: 'Allegro orders' } },
};
