import type { ChannelModule } from '../core/module.ts';
import { ozonCommands } from './cli.ts';
import { ozonLimitGroups, ozonMessage } from './client.ts';
import { ozonConnector } from './connector.ts';
import { ozonDemo } from './demo.ts';

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
  limitGroups: ozonLimitGroups,
  // Ozon answers 403 (code 7) to a wrong Client-Id or Api-Key; the wording the CLI and the panel have always shown.
  rejectedCredentials: (error) =>
    error.status === 401 || error.status === 403 ? `Ozon refused the Client-Id and Api-Key (HTTP ${error.status}${ozonMessage(error.body)})` : null,
  cli: ozonCommands,
  demo: ozonDemo,
  jobLabels: {
    'ozon.stocks': { ru: 'Остатки Ozon', en: 'Ozon stocks' },
    'ozon.postings': { ru: 'Отправления Ozon', en: 'Ozon postings' },
  },
};
