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
  // The wording the API tests and the panel have always shown for this channel.
  rejectedCredentials: (error) => (error.status === 401 || error.status === 403 ? `The generic channel refused the API key (HTTP ${error.status})` : null),
  demo: genericDemo,
};
