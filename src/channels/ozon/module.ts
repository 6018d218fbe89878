import { orderWarehouseField, type ChannelModule } from '../core/module.ts';
import { ozonCommands } from './cli.ts';
import { ozonLimitGroups, ozonMessage } from './client.ts';
import { ozonConnector } from './connector.ts';
import { ozonDemo } from './demo.ts';
import { ozonOrderActions } from './order-actions.ts';

/**
 * Ozon as Sklad installs it: the Seller API connector, its two keys (the spec's "Авторизация":
 * both come from Настройки → Seller API), the stock update method's own limit, kept by core in
 * PostgreSQL for every process, and the `ozon test` / `sync ozon` commands.
 */
export const ozonModule: ChannelModule = {
  connector: ozonConnector,
  credentialFields: [
    {
      key: 'clientId',
      label: { ru: 'Client-Id', en: 'Client-Id' },
      help: {
        ru: 'Личный кабинет Ozon Seller → Настройки → Seller API: число Client-Id рядом с ключами',
        en: 'Ozon Seller portal → Settings → Seller API: the Client-Id number shown next to the keys',
      },
      secret: false,
    },
    {
      key: 'apiKey',
      label: { ru: 'Api-Key', en: 'Api-Key' },
      help: {
        ru: 'Там же: «Сгенерировать ключ». Ozon показывает ключ только при создании: сохраните его сразу',
        en: 'The same page: "Generate key". Ozon shows the key only when it is made: keep it at once',
      },
      secret: true,
    },
  ],
  settingFields: [
    {
      key: 'fbsWarehouseId',
      label: { ru: 'Склад Ozon (FBS) для остатков', en: 'Ozon FBS warehouse for quantities' },
      help: {
        ru: 'На какой ваш склад FBS в Ozon Склад отправляет остатки; если не выбран — первый из списка Ozon',
        en: 'The FBS warehouse Sklad pushes quantities to; the first one Ozon lists when not set',
      },
    },
    orderWarehouseField('stockWarehouseId'),
    {
      key: 'warehouseDetail',
      label: { ru: 'Отчёт об остатках по складам', en: 'Per-warehouse stock report' },
      help: {
        ru: 'Какой метод Ozon читать: v1 (по умолчанию) или v2',
        en: 'Which Ozon method to read: v1 /v1/analytics/stocks (default) or v2 /v2/analytics/stock_on_warehouses',
      },
    },
    {
      key: 'postingDays',
      label: { ru: 'Дней истории отправлений', en: 'Days of postings history' },
      help: {
        ru: 'За сколько дней загрузить отправления при первом подключении',
        en: 'How far back the first postings import reaches',
      },
    },
    {
      key: 'pageSize',
      label: { ru: 'Записей на странице', en: 'Page size' },
      help: {
        ru: 'Сколько записей просить у Ozon за раз (не больше 1000)',
        en: 'How many records to ask Ozon for at once (Ozon’s maximum is 1000)',
      },
    },
  ],
  limitGroups: ozonLimitGroups,
  orderActions: ozonOrderActions,
  // Ozon answers 403 (code 7) to a wrong Client-Id or Api-Key; the wording the CLI and the panel have always shown.
  rejectedCredentials: (error) =>
    error.status === 401 || error.status === 403
      ? `Ozon refused the Client-Id and Api-Key (HTTP ${error.status}${ozonMessage(error.body)})`
      : null,
  cli: ozonCommands,
  // Seed 004: fetching one posting by its number is Ozon's `upload_order`.
  support: { fetchOrderAction: 'upload_order' },
  demo: ozonDemo,
  jobLabels: {
    'ozon.stocks': { ru: 'Остатки Ozon', en: 'Ozon stocks' },
    'ozon.postings': { ru: 'Отправления Ozon', en: 'Ozon postings' },
  },
};
