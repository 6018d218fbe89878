import { orderWarehouseField, type ChannelModule, RateHeaders } from '../core/module.ts';
import { wbMessage, wbLimitGroups } from './client.ts';
import { wildberriesConnector } from './connector.ts';
import { wildberriesDemo } from './demo.ts';
import { wildberriesOrderActions } from './order-actions.ts';

/**
 * WB's answers to a limited method carry X-Ratelimit-Remaining and X-Ratelimit-Reset (seconds
 * until the next token; X-Ratelimit-Retry on a 429), per WB's "Лимиты запросов" page: core
 * reads them into the group's shared bucket, so a simulator configured faster than the
 * documentation is followed.
 */
function readWbRateHeaders(headers: Headers): RateHeaders | null {
  const remaining = headers.get('x-ratelimit-remaining');
  if (remaining === null || !Number.isFinite(Number(remaining))) return null;
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('x-ratelimit-retry');
  const seconds = reset === null ? NaN : Number(reset);
  return { remaining: Number(remaining), resetMs: Number.isFinite(seconds) ? seconds * 1000 : null };
}

export const wildberriesModule: ChannelModule = {
  connector: wildberriesConnector,
  credentialFields: [
    {
      key: 'token',
      label: { ru: 'Токен API', en: 'API token' },
      help: {
        ru: 'Личный кабинет продавца → Профиль → Интеграции по API: токен с категориями «Контент», «Маркетплейс», «Статистика», «Вопросы и отзывы» и «Возвраты покупателями»',
        en: "Seller portal → Profile → API integrations: a token with the categories Content, Marketplace, Statistics, Questions and feedbacks, and Buyers' returns",
      },
      secret: true,
    },
  ],
  settingFields: [
    {
      key: 'fbsWarehouseId',
      label: { ru: 'Склад WB (FBS) для остатков', en: 'WB FBS warehouse for quantities' },
      help: {
        ru: 'На какой ваш склад FBS в Wildberries Склад отправляет остатки; если не выбран — первый из списка',
        en: 'The seller’s FBS warehouse quantities are pushed to; the first one when not set',
      },
    },
    orderWarehouseField('stockWarehouseId'),
    {
      key: 'firstSyncDays',
      label: { ru: 'Дней истории при подключении', en: 'Days of history on the first sync' },
      help: {
        ru: 'За сколько дней загрузить данные при первой синхронизации',
        en: 'How far back the first sync reaches',
      },
    },
    {
      key: 'reportPageRows',
      label: { ru: 'Строк в ответе статистики', en: 'Rows per statistics answer' },
      help: {
        ru: 'Сколько строк WB отдаёт в одном ответе статистики; ответ короче — последняя страница',
        en: 'Rows WB puts in one statistics answer at most; a shorter answer is the last page',
      },
    },
    {
      key: 'hosts',
      label: { ru: 'Адреса API', en: 'API hosts' },
      help: {
        ru: 'Другие адреса для отдельных разделов API WB (например, песочница)',
        en: 'Other hosts for single WB API families (a sandbox host, say)',
      },
    },
  ],
  limitGroups: wbLimitGroups,
  readRateHeaders: readWbRateHeaders,
  // WB answers 401 to a wrong token or one without the method's category; a 403 is not a refusal of the token (as before the modules).
  rejectedCredentials: (error) =>
    error.status === 401 ? `Wildberries refused the token (HTTP 401${wbMessage(error.body)})` : null,
  demo: wildberriesDemo,
  orderActions: wildberriesOrderActions,
  // Only an FBS assembly task (its id is the posting number) can be cancelled; orders from the statistics reports cannot.
  orderActionsApply: (order) => order.postingNumber !== null && /^\d+$/.test(order.postingNumber),
  jobLabels: { 'wildberries.sync': { ru: 'Синхронизация Wildberries', en: 'Wildberries sync' } },
};
