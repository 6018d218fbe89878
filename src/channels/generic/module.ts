import type { ChannelModule } from '../core/module.ts';
import { genericConnector } from './connector.ts';
import { genericDemo } from './demo.ts';

export const genericModule: ChannelModule = {
  connector: genericConnector,
  credentialFields: [
    {
      key: 'apiKey',
      label: { ru: 'API-ключ', en: 'API key' },
      help: { ru: 'Ключ, который выдал магазин', en: 'The key the shop issued' },
      secret: true,
    },
  ],
  settingFields: [
    {
      key: 'keyIn',
      label: { ru: 'Куда передавать ключ', en: 'Where the key goes' },
      help: {
        ru: 'В заголовке Authorization (по умолчанию) или в параметре api_key адреса',
        en: 'The Authorization header (default) or the api_key query parameter',
      },
    },
    {
      key: 'requestsPerSecond',
      label: { ru: 'Запросов в секунду', en: 'Requests per second' },
      help: {
        ru: 'Сколько запросов в секунду Склад отправляет магазину',
        en: 'How many requests a second Sklad sends the shop',
      },
    },
    {
      key: 'burst',
      label: { ru: 'Запросов подряд', en: 'Burst' },
      help: {
        ru: 'Сколько запросов можно отправить сразу, без паузы',
        en: 'How many requests may go at once, without a pause',
      },
    },
    {
      key: 'pushBatchSize',
      label: { ru: 'Остатков в одном запросе', en: 'Push batch size' },
      help: {
        ru: 'Сколько остатков Склад отправляет одним запросом',
        en: 'How many quantities Sklad pushes in one request',
      },
    },
    {
      key: 'maxConcurrent',
      label: { ru: 'Одновременных запросов', en: 'Concurrent requests' },
      help: { ru: 'Сколько запросов может идти одновременно', en: 'How many requests may run at the same time' },
    },
    {
      key: 'timeoutMs',
      label: { ru: 'Время ожидания ответа, мс', en: 'Timeout, ms' },
      help: {
        ru: 'Сколько миллисекунд ждать ответа магазина',
        en: 'How many milliseconds to wait for the shop to answer',
      },
    },
  ],
  // The wording the API tests and the panel have always shown for this channel.
  rejectedCredentials: (error) =>
    error.status === 401 || error.status === 403
      ? `The generic channel refused the API key (HTTP ${error.status})`
      : null,
  demo: genericDemo,
};
