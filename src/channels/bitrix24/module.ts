import type { ChannelModule } from '../core/module.ts';
import { bitrixLimitGroups, webhookRefusal } from './api.ts';
import { bitrix24Connector } from './connector.ts';
import { bitrix24Crm } from './crm.ts';
import { bitrix24Demo } from './demo.ts';

/**
 * Bitrix24 as Sklad installs it: a CRM the CRM flow (src/crm) exports orders to as deals, over
 * an incoming webhook; the portal's leaky bucket (CONTRACT.md §8) kept by core in PostgreSQL for
 * every process.
 */
export const bitrix24Module: ChannelModule = {
  connector: bitrix24Connector,
  credentialFields: [
    {
      key: 'webhookUrl',
      label: { ru: 'Адрес входящего вебхука', en: 'Incoming webhook URL' },
      help: {
        ru: 'Битрикс24 → Разработчикам → Другое → Входящий вебхук: выберите право «CRM (crm)», сохраните и скопируйте адрес вида https://<портал>.bitrix24.ru/rest/<id>/<код>/. Код в адресе — секрет',
        en: 'Bitrix24 → Developer resources → Other → Incoming webhook: tick the scope "CRM (crm)", save and copy the URL https://<portal>.bitrix24.ru/rest/<id>/<code>/. The code in it is a secret',
      },
      secret: true,
      placeholder: 'https://example.bitrix24.ru/rest/1/abcdef0123456789/',
    },
  ],
  settingFields: [
    {
      key: 'categoryId',
      label: { ru: 'Воронка сделок', en: 'Deal funnel' },
      help: {
        ru: 'В какую воронку (CATEGORY_ID) попадают новые сделки; если не выбрана — общая воронка 0',
        en: 'The funnel (CATEGORY_ID) new deals go to; the general funnel 0 when not set',
      },
    },
    {
      key: 'stageMap',
      label: { ru: 'Стадии по статусам заказа', en: 'Stages by order status' },
      help: {
        ru: 'Какая стадия сделки (STAGE_ID, например C1:NEW) отвечает каждому статусу заказа в Складе: new, confirmed, shipped, delivered, cancelled, returned; для статуса без стадии стадия сделки не меняется',
        en: 'The deal stage (STAGE_ID, e.g. C1:NEW) each Sklad order status means: new, confirmed, shipped, delivered, cancelled, returned; a status without one leaves the stage as it is',
      },
    },
    {
      key: 'fields',
      label: { ru: 'Поля сделки для номеров', en: 'Deal fields for the numbers' },
      help: {
        ru: 'По какому полю Склад находит сделку заказа (orderKey: ORIGIN_ID или пользовательское поле UF_CRM_…) и в какие поля UF_CRM_… пишет номер отправления, номер заказа, номер и статус доставки',
        en: 'The field Sklad finds an order’s deal by (orderKey: ORIGIN_ID or a custom UF_CRM_… field), and the UF_CRM_… fields it writes the posting number, the order number and the delivery number and status to',
      },
    },
  ],
  crm: bitrix24Crm,
  limitGroups: bitrixLimitGroups,
  rejectedCredentials: (error) => webhookRefusal(error.status, error.body),
  demo: bitrix24Demo,
};
