import { orderWarehouseField, type ChannelModule } from '../core/module.ts';
import { kaspiConnector } from './connector.ts';
import { kaspiDemo } from './demo.ts';
import { kaspiOrderActions } from './order-actions.ts';
import { kaspiApiRoutes, kaspiFeedRoutes } from './routes.ts';
import { kaspiMessage } from './types.ts';

/**
 * Kaspi.kz as Sklad installs it: the orders connector, the shop's API token (the cabinet's
 * Settings → API token, CONTRACT.md §1), and the price list Kaspi downloads from Sklad for stock
 * and prices (§6): a public route with the account's secret and the API route that gives its URL.
 * A seller confirms and cancels an order from Sklad (order-actions.ts); Kaspi takes no shipment.
 */
export const kaspiModule: ChannelModule = {
  connector: kaspiConnector,
  credentialFields: [
    {
      key: 'token',
      label: { ru: 'Токен API', en: 'API token' },
      help: {
        ru: 'Кабинет продавца Kaspi → Настройки → Токен API → «Сформировать»',
        en: 'Kaspi seller cabinet → Settings → API token → "Generate"',
      },
      secret: true,
    },
  ],
  settingFields: [
    {
      key: 'merchantId',
      label: { ru: 'ID магазина (merchantid)', en: 'Merchant id (merchantid)' },
      help: {
        ru: 'ID магазина в кабинете Kaspi; прайс-лист без него не отдаётся',
        en: 'The shop’s id in the Kaspi cabinet; the price list is not served without it',
      },
    },
    {
      key: 'storeId',
      label: { ru: 'Точка продаж (storeId)', en: 'Pickup point (storeId)' },
      help: {
        ru: 'Для какой точки продаж прайс-лист указывает остатки: PP1, PP2… как в кабинете; по умолчанию PP1',
        en: 'The pickup point the price list gives quantities for: PP1, PP2 … as the cabinet names them; PP1 when not set',
      },
    },
    orderWarehouseField('stockWarehouseId'),
    {
      key: 'orderDays',
      label: { ru: 'Дней заказов', en: 'Days of orders' },
      help: {
        ru: 'За сколько дней читать заказы при первом подключении и сколько дней следить за их статусом (по умолчанию 14)',
        en: 'How far back the first import reads orders, and how many days an order’s status is followed (14 by default)',
      },
    },
    {
      key: 'requestsPerSecond',
      label: { ru: 'Запросов в секунду', en: 'Requests per second' },
      help: {
        ru: 'Kaspi не публикует ограничений; пусто — 5 в секунду. Уменьшите, если Kaspi отвечает 429',
        en: 'Kaspi publishes no limit; empty: 5 a second. Lower it if Kaspi answers 429',
      },
    },
  ],
  rejectedCredentials: (error) =>
    error.status === 401 || error.status === 403
      ? `Kaspi refused the API token (HTTP ${error.status}${kaspiMessage(error.body)})`
      : null,
  support: { fetchOrderAction: 'fetchorder' },
  orderActions: kaspiOrderActions,
  routes: [{ name: 'kaspi', api: kaspiApiRoutes, public: kaspiFeedRoutes }],
  demo: kaspiDemo,
  jobLabels: { 'kaspi.orders': { ru: 'Заказы Kaspi', en: 'Kaspi orders' } },
};
